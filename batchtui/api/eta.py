"""Throughput and ETA of running batches, from the request counts seen across polls.

The API gives no ETA. Counts move in steps (the service reports progress in chunks), so the
rate is measured over a window of samples rather than between two consecutive polls.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

# Samples older than this no longer describe the current speed.
WINDOW_SECONDS = 15 * 60.0
MAX_SAMPLES = 64


@dataclass(frozen=True)
class Estimate:
    rate: float  # requests finished per second
    eta_seconds: float | None  # None: no movement seen yet, or the total is unknown


class ThroughputTracker:
    """Remembers ``(time, done)`` per batch and estimates how long the rest will take."""

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self.window = window
        self._samples: dict[str, deque[tuple[float, int]]] = {}

    def observe(self, batch_id: str, now: float, done: int) -> None:
        samples = self._samples.setdefault(batch_id, deque(maxlen=MAX_SAMPLES))
        if samples and done < samples[-1][1]:
            samples.clear()  # counts went backwards (a provider reset): start over
        if samples and samples[-1][1] == done and len(samples) > 1 and samples[-2][1] == done:
            samples[-1] = (now, done)  # a plateau: keep its start and its latest point only
        else:
            samples.append((now, done))
        while len(samples) > 2 and now - samples[0][0] > self.window:
            samples.popleft()

    def estimate(self, batch_id: str, done: int, total: int | None) -> Estimate | None:
        samples = self._samples.get(batch_id)
        if not samples or len(samples) < 2:
            return None
        (t0, d0), (t1, d1) = samples[0], samples[-1]
        if t1 <= t0 or d1 <= d0:
            return Estimate(0.0, None)
        rate = (d1 - d0) / (t1 - t0)
        if not total:
            return Estimate(rate, None)
        return Estimate(rate, max(0.0, (total - done) / rate))

    def forget(self, keep: set[str]) -> None:
        for batch_id in list(self._samples):
            if batch_id not in keep:
                del self._samples[batch_id]
