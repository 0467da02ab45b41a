"""When to poll next: plain logic, no I/O, no clock of its own.

One list call per refresh; the interval follows the batches' states (short while validating
or finalizing, longer while in progress, long when nothing is active), doubles on consecutive
errors, and never undercuts a server's Retry-After.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

FAST_STATUSES = frozenset({"validating", "finalizing"})
ACTIVE_STATUSES = frozenset({"in_progress", "cancelling", "unknown"})


@dataclass(frozen=True)
class PollPolicy:
    fast: float = 5.0  # something is validating or finalizing: it may flip soon
    active: float = 30.0  # batches are running: counts move slowly
    idle: float = 300.0  # nothing active: only new batches (from elsewhere) can appear
    error_base: float = 5.0  # first retry after an error, at least
    max_backoff: float = 600.0
    max_retry_after: float = 3600.0  # ignore absurd Retry-After values beyond this
    jitter: float = 0.1  # up to +10 %, so many clients do not poll in lockstep


def interval_for(statuses: Iterable[str], policy: PollPolicy = PollPolicy()) -> float:
    """The normal interval for a set of (normalised) batch statuses."""
    seen = set(statuses)
    if seen & FAST_STATUSES:
        return policy.fast
    if seen & ACTIVE_STATUSES:
        return policy.active
    return policy.idle


def parse_retry_after(headers: Mapping[str, str] | None, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if not headers:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = lower.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            if name == "retry-after":
                parsed = email.utils.parsedate_tz(value)
                if parsed is not None:
                    now = time.time() if now is None else now
                    return max(email.utils.mktime_tz(parsed) - now, 0.0)
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


class PollSchedule:
    """Turns poll outcomes into the delay before the next poll."""

    def __init__(self, policy: PollPolicy | None = None, rng: random.Random | None = None):
        self.policy = policy or PollPolicy()
        self._rng = rng or random.Random()
        self.failures = 0  # consecutive failed polls
        self.normal = self.policy.fast  # the interval the last good poll asked for

    def _jitter(self, delay: float) -> float:
        if self.policy.jitter <= 0:
            return delay
        # Only ever lengthen: the delay must not undercut a Retry-After.
        return delay * (1.0 + self._rng.uniform(0.0, self.policy.jitter))

    def after_success(self, statuses: Iterable[str]) -> float:
        self.failures = 0
        self.normal = interval_for(statuses, self.policy)
        return self._jitter(self.normal)

    def after_error(self, retry_after: float | None = None) -> float:
        """Exponential backoff from the normal interval; at least ``retry_after``."""
        self.failures += 1
        policy = self.policy
        base = max(policy.error_base, self.normal)
        delay = min(policy.max_backoff, base * 2.0 ** min(self.failures - 1, 30))
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, policy.max_retry_after))
        return self._jitter(delay)

    def reset(self) -> None:
        self.failures = 0
