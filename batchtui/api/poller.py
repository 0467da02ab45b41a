"""Keeping a live picture of every batch: one list call per refresh, paced by the schedule.

The poller keeps the last good picture through failures: a failed poll marks the picture
stale (with the reason and since when), it never changes a batch's status.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from batchtui.api.errors import ApiError
from batchtui.api.models import BatchView, sort_newest_first
from batchtui.api.schedule import PollSchedule

if TYPE_CHECKING:
    from batchtui.api.service import BatchService


@dataclass(frozen=True)
class Change:
    """A batch whose status changed since the previous good poll (old None = new batch)."""

    old: BatchView | None
    new: BatchView

    @property
    def finished(self) -> bool:
        """It just reached a terminal state (toast-worthy)."""
        return self.new.is_terminal and (self.old is None or not self.old.is_terminal)


@dataclass(frozen=True)
class PollResult:
    batches: list[BatchView]  # newest first; the last good picture when this poll failed
    error: ApiError | None
    next_delay: float  # seconds until the next poll
    updated_at: float | None  # wall time of the last good poll
    stale_since: float | None  # wall time of the first failure in the current streak
    changes: list[Change] = field(default_factory=list)
    calls: int = 0  # list requests this refresh made

    @property
    def ok(self) -> bool:
        return self.error is None


class BatchPoller:
    """Refreshes the batch list through a :class:`BatchService`.

    After the first full listing, a refresh reads pages newest first and stops at the first
    page made only of batches already known to be finished (they cannot change), so a big
    account still costs one list call per refresh. Every ``full_every`` refreshes it reads
    everything again. SDK retries are off here: the schedule owns backoff and Retry-After.
    """

    def __init__(
        self,
        service: BatchService,
        schedule: PollSchedule | None = None,
        *,
        page_size: int = 100,
        full_every: int = 30,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.schedule = schedule or PollSchedule()
        self.page_size = page_size
        self.full_every = full_every
        self._now = wall_clock
        self.known: dict[str, BatchView] = {}
        self._refreshes = 0
        self._had_full = False
        self.updated_at: float | None = None
        self.stale_since: float | None = None

    @property
    def batches(self) -> list[BatchView]:
        return sort_newest_first(list(self.known.values()))

    async def _fetch(self) -> tuple[list[BatchView], bool, int]:
        """(batches seen, whether the listing was complete, list calls made)."""
        full = not self._had_full or self._refreshes % self.full_every == 0
        seen: list[BatchView] = []
        calls = 0
        async for page in self.service.list_pages(page_size=self.page_size, retries=0):
            calls += 1
            seen.extend(page)
            if (
                not full
                and page
                and all(
                    b.is_terminal and b.id in self.known and self.known[b.id].is_terminal
                    for b in page
                )
            ):
                return seen, False, calls
        return seen, True, calls

    async def refresh(self) -> PollResult:
        self._refreshes += 1
        try:
            seen, complete, calls = await self._fetch()
        except ApiError as exc:
            now = self._now()
            if self.stale_since is None:
                self.stale_since = now
            delay = self.schedule.after_error(exc.retry_after)
            return PollResult(self.batches, exc, delay, self.updated_at, self.stale_since, [], 0)
        changes = []
        for view in seen:
            old = self.known.get(view.id)
            if old is None or old.status != view.status or old.raw_status != view.raw_status:
                changes.append(Change(old, view))
        if complete:
            self.known = {b.id: b for b in seen}
            self._had_full = True
        else:
            self.known.update((b.id, b) for b in seen)
        self.updated_at = self._now()
        self.stale_since = None
        delay = self.schedule.after_success(b.status for b in self.known.values())
        return PollResult(self.batches, None, delay, self.updated_at, None, changes, calls)
