"""The runner's state and what every part of it uses: its events and its waiting.

:class:`RunnerCore` is the base of :class:`~batchtui.jobs.runner.Runner` and of its parts
(:mod:`.reconcile`, :mod:`.poll`, :mod:`.feed`, :mod:`.finish`), one mixin each; it
also names (for the type checker only) the methods one part calls in another.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from batchtui.api.errors import ApiError
from batchtui.api.models import BatchView
from batchtui.jobs import store as st
from batchtui.jobs.options import JobEvent, JobOptions
from batchtui.jobs.store import JobStore, PartRow

if TYPE_CHECKING:
    from batchtui.api.queue import QueueSettings
    from batchtui.api.service import BatchService
    from batchtui.cost.queue import QueueLimits

EventCallback = Callable[[JobEvent], None]

# Batch statuses that may change soon: look again after ``poll_fast``.
_FAST = frozenset({"validating", "finalizing", "cancelling"})
FINISHERS = 2  # parts downloading and settling at once
RECENT_SECONDS = 3 * 86_400
LIMITS_REFRESH = 600.0  # seconds between two readings of the queue limits
TOKEN_LIMIT = "token_limit_exceeded"
# A refusal about the account (ApiError.about_account) stops the runner, which says so (the
# user fixes the key or the billing and resumes); no part is failed for it.


class RunnerCore:
    """The state of one runner of one job (see :class:`~batchtui.jobs.runner.Runner`)."""

    def __init__(
        self,
        store: JobStore,
        service: BatchService,
        *,
        on_event: EventCallback | None = None,
        queue: QueueSettings | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        now: Callable[[], float] | None = None,
        record_submissions: bool = True,
        metadata_for: Callable[[PartRow], dict[str, str]] | None = None,
    ) -> None:
        self.store = store
        self.service = service
        self.job = store.job()
        self.options = JobOptions.from_json(self.job.options)
        self._on_event = on_event
        self._queue_settings = queue
        self._sleep = sleep or asyncio.sleep
        self._now = now or time.time
        self._record = record_submissions
        self._metadata_for = metadata_for
        self._wake: asyncio.Event | None = None
        # Work in flight: at most one submission, a few finishers, cancels of strays.
        self._submitting: tuple[int, asyncio.Task[None]] | None = None
        self._finishing: dict[int, asyncio.Task[None]] = {}
        self._others: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._errors = 0  # API failures in a row (for the backoff)
        self._limits: QueueLimits | None = None
        self._limits_read = -LIMITS_REFRESH
        self._enqueued: dict[str, int] = {}  # input tokens per queue, at the last look
        # Tokens of the batches this runner made, by (monotonic) time: those made after the
        # last list call began are not in it yet.
        self._made: list[tuple[float, str, int]] = []
        self._listed_from = 0.0
        self._cancels_sent: set[str] = set()
        self._said: dict[tuple[int, str], str] = {}  # (part, kind) -> message: say it once
        self.api_errors = 0
        self.cancel_calls = 0  # batches this runner cancelled (job cancel, duplicates)

    # ---------------------------------------------------------------- events

    def _emit(
        self,
        kind: str,
        message: str,
        part: PartRow | None = None,
        batch_id: str | None = None,
        *,
        label: str | None = None,
        **data: Any,
    ) -> None:
        if self._on_event is None:
            return
        self._on_event(
            JobEvent(
                kind,
                self.job.name,
                message,
                label if label is not None else (part.label if part is not None else None),
                batch_id,
                data,
                self._now(),
            )
        )

    def _once(self, part: PartRow, kind: str, message: str, **data: Any) -> None:
        """Emit unless the same message was the last of its kind for this part."""
        key = (part.id, kind)
        if self._said.get(key) == message:
            return
        self._said[key] = message
        self._emit(kind, message, part, **data)

    # ---------------------------------------------------------------- waiting

    async def _wait(self, delay: float) -> None:
        assert self._wake is not None
        if self._wake.is_set():
            self._wake.clear()
            return
        sleeper = asyncio.ensure_future(self._sleep(max(delay, 0.0)))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            # Woken early: the sleep is cancelled (an injected one must allow that).
            waker.cancel()
            sleeper.cancel()
        self._wake.clear()

    def _next_delay(self) -> float:
        opts = self.options
        now = self._now()
        delay = opts.poll_seconds
        for part in self.store.parts():
            if part.state == st.ACTIVE and (part.status in _FAST or part.status is None):
                delay = min(delay, opts.poll_fast)
            elif part.state == st.ACTIVE:
                delay = min(delay, opts.poll_seconds)
            elif part.state in (st.PENDING, st.FINISHING) and not self._busy(part.id):
                # A backoff that ends sooner than the next look; a part that is ready but
                # waits (for room, a free slot) is looked at again with the rest, or woken.
                wait = (part.not_before or 0.0) - now
                if wait > 0:
                    delay = min(delay, wait)
            elif part.state == st.CREATING and not self._busy(part.id):
                delay = min(delay, opts.poll_fast)
        return max(delay, 0.0)

    def _backoff(self, exc: ApiError, doing: str) -> float:
        self._errors += 1
        self.api_errors += 1
        delay = min(self.options.retry_seconds * 2 ** min(self._errors - 1, 10), 300.0)
        if exc.retry_after:
            delay = max(delay, min(exc.retry_after, 3600.0))
        self._emit(
            "backoff",
            f"{doing}: {exc.message}; trying again in {delay:.0f} s",
            error=exc.kind,
            status=exc.status,
            wait=delay,
        )
        return delay

    async def _until_done_calling(self, work: Callable[[], Awaitable[None]]) -> None:
        """Call ``work`` until it gets through, backing off on retryable API errors."""
        while True:
            try:
                await work()
                self._errors = 0
                return
            except ApiError as exc:
                if not exc.retryable:
                    raise
                await self._wait(self._backoff(exc, "reconciling with the account"))

    def _all_tasks(self) -> list[asyncio.Task[None]]:
        tasks = list(self._finishing.values()) + list(self._others)
        if self._submitting is not None:
            tasks.append(self._submitting[1])
        return tasks

    def _in_flight(self) -> bool:
        return bool(self._all_tasks())

    def _busy(self, part_id: int) -> bool:
        """Is a task of this runner working on the part right now?"""
        return part_id in self._finishing or (
            self._submitting is not None and self._submitting[0] == part_id
        )

    async def _drain(self) -> None:
        """Let the calls in flight end (a stop never leaves an intent open needlessly)."""
        tasks = self._all_tasks()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
            self._reap()

    async def _abandon(self) -> None:
        tasks = self._all_tasks()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._submitting = None
        self._finishing.clear()
        self._others.clear()

    def _reap(self) -> None:
        """Forget finished tasks; an exception one of them raised (a bug, or an API refusal
        no wait cures) ends the run."""
        done = [t for t in self._all_tasks() if t.done()]
        if self._submitting is not None and self._submitting[1].done():
            self._submitting = None
        self._finishing = {k: t for k, t in self._finishing.items() if not t.done()}
        self._others = {t for t in self._others if not t.done()}
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    # ---------------------------------------------------------------- shared

    def wake(self) -> None:
        """Look again now (e.g. after `job cancel` wrote its request)."""
        if self._wake is not None:
            self._wake.set()

    def _fail(self, part: PartRow, message: str, batch_id: str | None = None) -> None:
        self.store.update_part(part.id, state=st.PART_FAILED, message=message, done_at=self._now())
        self._emit("part_failed", f"part {part.label}: {message}", part, batch_id)

    async def _list(self, cutoff: float) -> list[BatchView]:
        """The account's batches, newest first, back to ``cutoff``."""
        from batchtui.api.queue import batches_since

        return await batches_since(self.service, cutoff)

    if TYPE_CHECKING:
        # One part calls these in another (all are on the Runner).
        def _absorb(self, listed: list[BatchView]) -> None: ...
        async def _cancel_batch(
            self, part_id: int | None, batch_id: str, intent_id: int
        ) -> None: ...
        def _grace(self) -> float: ...
        def _forget_create(self, intent: st.IntentRow, why: str) -> None: ...
