"""The runner: feeds a job's parts to the Batch API and sees each through to its results.

One asyncio task per runner, holding the job's lock (:mod:`batchtui.jobs.lock`), repeats:

1. **look** at the account's recent batches (one list call, newest first; a part's batch not
   on it is retrieved) and update the parts from what it sees; a batch tagged with this job's
   id that the database does not know is *adopted* by its part (its create call succeeded
   but the answer was lost) or, if the part already has a batch, cancelled as a duplicate;
2. **finish** parts whose batch ended: download the output and error files, then settle
   (:mod:`batchtui.jobs.settle`): unanswered requests of an expired or cancelled batch
   become a ``leftover`` part, retryable failures a ``retry`` part (``--retry-failed N``);
   a batch failed with ``token_limit_exceeded`` puts its part back in line with a growing
   backoff (sooner when one of the job's own batches frees room); any other failed batch
   fails its part;
3. **submit** the next waiting part when the model's queue has room for its input tokens (the
   queue meter of :mod:`batchtui.api.queue`, when a limit is known) and the job's
   ``max_active`` allows: upload its bytes straight from the input, proved against the
   planned hash (:func:`batchtui.api.submit.upload_spans`), then create its batch with
   metadata naming the job and the part (:data:`~batchtui.jobs.options.TAGS`);
4. wait (short while something validates or finalizes, longer while batches run, woken at
   once when an upload or download finishes), backing off on 429s, 5xx and lost connections.

Every upload, create, cancel, delete and download is written to the journal
(``intent``) and committed before the call is made. On start, before anything is submitted,
:meth:`Runner.reconcile` settles what a crash left open: a create that may have happened is
looked up by its tag in the account's batch list (adopted if found, retried later if not); an
upload that may have left a file is looked up by its unique name and the file deleted (it was
never verified); downloads start again (they resume from their ``.part``). A create call is
made without the SDK's automatic retries: a retry after a lost answer is what makes duplicate
batches. So a part is never in two batches at once, and every custom_id is answered once.

No Textual here: the CLI drives it with ``asyncio.run``; a UI runs it in a worker and
subscribes to its :class:`~batchtui.jobs.options.JobEvent` stream (``on_event``).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from batchtui.api.errors import ApiError
from batchtui.api.models import BatchView
from batchtui.core.errors import UserError
from batchtui.jobs import store as st
from batchtui.jobs.lock import JobLock
from batchtui.jobs.options import (
    TAG_INTENT,
    TAG_JOB,
    TAG_JOB_ID,
    TAG_PART,
    JobEvent,
    JobOptions,
)
from batchtui.jobs.store import JobStore, NewPart, PartRow

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
# Refusals that are about the account, not a part: the runner stops and says so (the user
# fixes the key or the billing and resumes); no part is failed for them.
FATAL_KINDS = frozenset({"no_key", "auth", "permission", "quota"})
# Errors after which a create call may or may not have made the batch.
UNSURE_KINDS = frozenset({"server", "unreachable", "timeout", "download", "internal"})


class Runner:
    """Runs one job until every part is settled (or :meth:`stop` is called).

    ``sleep`` is how the runner waits between looks (tests pass one that moves an emulated
    clock instead of waiting); ``now`` is the wall clock used for backoffs, which are kept in
    the database and so survive a restart (journal entries always carry the wall clock).
    ``metadata_for(part)`` adds metadata to one
    part's batch (a UI's own tags; tests inject the emulator's per-batch faults this way).
    """

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

    # ---------------------------------------------------------------- public

    def wake(self) -> None:
        """Look again now (e.g. after `job cancel` wrote its request)."""
        if self._wake is not None:
            self._wake.set()

    def stop(self) -> None:
        """Finish the calls in flight and return; the job stays as it is, to be resumed."""
        self._stopping = True
        self.wake()

    async def run(self) -> st.JobRow:
        """Run the job to its end (or until stopped). Raises :class:`JobLocked` when another
        runner holds the job, :class:`ApiError` for a refusal no wait cures (a bad key)."""
        lock = JobLock(self.store.directory, self.job.name)
        lock.acquire()
        self._wake = asyncio.Event()
        try:
            parts = self.store.parts()
            settled = sum(1 for p in parts if p.terminal)
            self._emit(
                "started",
                f"running job {self.job.name} (pid {os.getpid()}): {settled} of "
                f"{len(parts)} part(s) settled so far",
                parts=len(parts),
                requests=sum(p.requests for p in parts if p.parent_id is None),
                pid=os.getpid(),
            )
            await self._until_done_calling(self.reconcile)
            while True:
                self._reap()
                job = self.store.job()
                if job.cancel_requested:
                    await self._until_done_calling(self._cancel_active)
                try:
                    await self._look()
                    self._errors = 0
                except ApiError as exc:
                    if not exc.retryable:
                        raise
                    await self._wait(self._backoff(exc, "looking at the batches"))
                    continue
                self._start_finishers()
                self._start_submitter()
                if self._stopping:
                    break
                if not self._in_flight() and all(p.terminal for p in self.store.parts()):
                    await self._tidy_uploads()
                    self._finish_job()
                    break
                await self._wait(self._next_delay())
        except asyncio.CancelledError:
            # Interrupted (Ctrl+C): the calls in flight stop where they are; the journal
            # says what may have happened, and the next run reconciles it.
            await self._abandon()
            raise
        finally:
            await self._drain()
            lock.release()
        job = self.store.job()
        if self._stopping and job.state == st.RUNNING:
            self._emit("stopped", f"job {job.name} stopped; `batchtui job resume {job.name}`")
        return job

    async def cancel_now(self) -> int:
        """For ``job cancel`` when no runner is at the job: reconcile, cancel every active
        batch, and return how many were cancelled (a later run downloads what they did)."""
        lock = JobLock(self.store.directory, self.job.name)
        lock.acquire()
        self._wake = asyncio.Event()
        try:
            await self._until_done_calling(self.reconcile)
            await self._until_done_calling(self._look)
            await self._until_done_calling(self._cancel_active)
            await self._drain()
        finally:
            lock.release()
        return self.cancel_calls

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

    # ------------------------------------------------------------- reconcile

    async def reconcile(self) -> None:
        """Settle what an earlier run left open (see the module docstring). Called by
        :meth:`run` before anything is submitted."""
        store = self.store
        adopted_before = sum(1 for b in store.batches() if b.adopted)
        notes: list[str] = []
        for intent in store.intents(state=st.OPEN, action="download"):
            store.end(intent.id, st.INTENT_FAILED, error="interrupted; downloaded again")
        uploads = store.intents(state=st.OPEN, action="upload")
        if uploads:
            notes += await self._drop_unverified_uploads(uploads)
        for part in store.parts():
            if part.state == st.UPLOADING:
                store.update_part(part.id, state=st.PENDING)
        # The account's batches, back to before the oldest create that may have happened.
        creates = store.intents(state=st.OPEN, action="create")
        cutoff = min([i.started_at for i in creates] + [self._now() - RECENT_SECONDS]) - 3600
        listed_at = time.time()  # intents are stamped with the wall clock
        listed = await self._list(cutoff)
        self._absorb(listed)
        grace = self._grace()
        for intent in store.intents(state=st.OPEN, action="create"):
            if listed_at - intent.started_at < grace:
                # Made moments before the crash: a list may not show it yet. Look once more.
                await self._sleep(grace - (listed_at - intent.started_at))
                listed_at = time.time()
                self._absorb(await self._list(cutoff))
                if store.intent(intent.id).state != st.OPEN:
                    continue
            self._forget_create(intent, "no batch in the account carries its tag")
        still_open = {i.part_id for i in store.intents(state=st.OPEN, action="create")}
        for part in store.parts():
            if part.state == st.CREATING and part.id not in still_open:
                store.update_part(part.id, state=st.PENDING)
        for intent in store.intents(state=st.OPEN, action="cancel"):
            if intent.target:
                await self._cancel_batch(intent.part_id, intent.target, intent.id)
        for intent in store.intents(state=st.OPEN, action="delete_file"):
            if intent.target:
                await self._delete_file(intent.target, intent.id)
        adopted = sum(1 for b in store.batches() if b.adopted) - adopted_before
        if adopted or notes:
            parts_note = [f"adopted {adopted} batch(es) created before a stop"] if adopted else []
            self._emit("reconciled", "; ".join(parts_note + notes), adopted=adopted)

    def _grace(self) -> float:
        """How old a create must be before a list that does not show it means it failed."""
        return min(self.options.reconcile_grace, 2 * self.options.poll_fast)

    def _forget_create(self, intent: st.IntentRow, why: str) -> None:
        store = self.store
        with store.transaction():
            store.end(intent.id, st.INTENT_FAILED, error=f"not created: {why}")
            if intent.part_id is not None:
                part = store.part(intent.part_id)
                if part.state == st.CREATING:
                    store.update_part(part.id, state=st.PENDING)

    async def _drop_unverified_uploads(self, uploads: list[st.IntentRow]) -> list[str]:
        """Uploads cut off by a crash: their files (if any) were never checked against the
        part's hash, so they are deleted, and the part uploads again when its turn comes."""
        names = {i.target: i for i in uploads if i.target}
        deleted = 0
        if names:
            for f in await self.service.list_files(purpose="batch"):
                if f.filename in names:
                    iid = self.store.begin("delete_file", names[f.filename].part_id, f.id)
                    await self._delete_file(f.id, iid)
                    deleted += 1
        for intent in uploads:
            with self.store.transaction():
                self.store.end(intent.id, st.INTENT_FAILED, error="interrupted")
                if intent.part_id is not None:
                    part = self.store.part(intent.part_id)
                    if part.state == st.UPLOADING:
                        self.store.update_part(part.id, state=st.PENDING, file_id=None)
        return [f"deleted {deleted} unverified upload(s) of an interrupted run"] if deleted else []

    async def _delete_file(self, file_id: str, intent_id: int) -> None:
        try:
            await self.service.delete_file(file_id)
        except ApiError as exc:
            if exc.retryable:
                raise
            self.store.end(intent_id, st.INTENT_FAILED, error=exc.message)
            return
        self.store.end(intent_id, st.INTENT_DONE)

    async def _list(self, cutoff: float) -> list[BatchView]:
        """The account's batches, newest first, down to the first page all older than
        ``cutoff`` (the order OpenAI is observed to list in; an older batch on a later page
        would be missed, never a newer one)."""
        found: list[BatchView] = []
        pages = self.service.list_pages(page_size=100)
        try:
            async for page in pages:
                found.extend(page)
                if page and all(b.created_at is not None and b.created_at < cutoff for b in page):
                    break
        finally:
            await pages.aclose()  # type: ignore[attr-defined]
        return found

    # ------------------------------------------------------------- looking

    def _absorb(self, listed: list[BatchView]) -> None:
        """Update the parts from the batches tagged with this job's id."""
        store = self.store
        parts = {p.label: p for p in store.parts()}
        known = {b.batch_id: b for b in store.batches()}
        for view in listed:
            if view.metadata.get(TAG_JOB_ID) != self.job.job_id or not view.id:
                continue
            row = known.get(view.id)
            part = parts.get(view.metadata.get(TAG_PART, ""))
            if row is None:
                if part is not None and self._busy(part.id):
                    continue  # its submit is in flight: the next look sees it settled
                self._adopt_or_drop(view, part)
            elif row.stray:
                continue
            else:
                part = store.part(row.part_id)
                if part.batch_id == view.id and part.state == st.ACTIVE:
                    self._update(part, view)

    def _adopt_or_drop(self, view: BatchView, part: PartRow | None) -> None:
        store = self.store
        intent_id = _int(view.metadata.get(TAG_INTENT))
        current = store.batch(part.batch_id) if part is not None and part.batch_id else None
        free = part is not None and (
            part.state in (st.PENDING, st.CREATING)
            and (current is None or current.status in ("failed", "expired", "cancelled"))
        )
        if part is None or not free:
            # A second batch of a part that has one: it must not run twice.
            if view.id in self._cancels_sent:
                return  # seen and dealt with (one whose part is unknown has no row)
            if part is not None:
                store.add_batch(
                    view.id,
                    part.id,
                    file_id=view.input_file_id,
                    intent_id=intent_id,
                    status=view.status,
                    created_at=view.created_at,
                    stray=True,
                )
            self._emit(
                "duplicate",
                f"{view.id} is a second batch of part {part.label if part else '?'}; cancelling it",
                part,
                view.id,
            )
            self._cancels_sent.add(view.id)
            if view.is_active:
                iid = store.begin("cancel", part.id if part else None, view.id)
                self._spawn_cancel(part.id if part else None, view.id, iid)
            return
        assert part is not None
        with store.transaction():
            store.add_batch(
                view.id,
                part.id,
                file_id=view.input_file_id,
                intent_id=intent_id,
                status=view.status,
                created_at=view.created_at,
                adopted=True,
            )
            store.update_part(
                part.id,
                state=st.ACTIVE,
                batch_id=view.id,
                file_id=view.input_file_id or part.file_id,
                attempts=part.attempts + 1,
                not_before=None,
                status=view.status,
            )
            if intent_id is not None:
                try:
                    intent = store.intent(intent_id)
                except KeyError:
                    intent = None
                if intent is not None and intent.state != st.INTENT_DONE:
                    store.end(intent_id, st.INTENT_DONE, {"batch_id": view.id, "adopted": True})
        self._emit(
            "adopted",
            f"part {part.label}: adopted {view.id} ({view.display_status}), created before a stop",
            part,
            view.id,
        )
        self._update(store.part(part.id), view)

    def _spawn_cancel(self, part_id: int | None, batch_id: str, intent_id: int) -> None:
        async def go() -> None:
            try:
                await self._cancel_batch(part_id, batch_id, intent_id)
            except ApiError as exc:
                if not exc.retryable:
                    raise
                self.store.end(intent_id, st.INTENT_FAILED, error=exc.message)
                self._cancels_sent.discard(batch_id)
            finally:
                self.wake()

        self._others.add(asyncio.ensure_future(go()))

    async def _cancel_batch(self, part_id: int | None, batch_id: str, intent_id: int) -> None:
        try:
            view = await self.service.cancel(batch_id)
            self.cancel_calls += 1
        except ApiError as exc:
            if exc.kind in ("conflict", "not_found"):  # already ended (409) or gone
                self.store.end(intent_id, st.INTENT_DONE, error=exc.message)
                return
            raise
        self.store.end(intent_id, st.INTENT_DONE, {"status": view.status})

    async def _look(self) -> None:
        """One look at the account (see the module docstring)."""
        store = self.store
        parts = store.parts()
        active = [p for p in parts if p.state == st.ACTIVE and not self._busy(p.id)]
        creating = [p for p in parts if p.state == st.CREATING and not self._busy(p.id)]
        waiting = [p for p in parts if p.state == st.PENDING]
        need_queue = bool(waiting) and await self._limits_known()
        if not (active or creating or need_queue):
            return
        listed_at = time.time()  # intents are stamped with the wall clock
        started = time.monotonic()
        listed = await self._list(self._now() - RECENT_SECONDS)
        self._absorb(listed)
        seen = {b.id for b in listed}
        for part in active:
            part = store.part(part.id)
            if part.state != st.ACTIVE or not part.batch_id or part.batch_id in seen:
                continue
            self._update(part, await self.service.retrieve(part.batch_id))
        grace = self._grace()
        for intent in store.intents(state=st.OPEN, action="create"):
            busy = intent.part_id is not None and self._busy(intent.part_id)
            if busy or listed_at - intent.started_at < grace:
                continue
            self._forget_create(intent, "its answer was lost and no batch carries its tag")
            self.wake()
        if need_queue:
            self._listed_from = started
            await self._measure_queue(listed)

    async def _limits_known(self) -> bool:
        if self._now() - self._limits_read >= LIMITS_REFRESH:
            from batchtui.api.queue import QueueSettings, load_limits

            settings = self._queue_settings or QueueSettings.from_env(
                config_limits=self.options.queue_limits, count_others=self.options.count_others
            )
            self._queue_settings = settings
            self._limits = await load_limits(self.service, settings)
            self._limits_read = self._now()
            for problem in self._limits.problems:
                self._emit("error", problem)
        return bool(self._limits is not None and self._limits.limits)

    async def _measure_queue(self, listed: list[BatchView]) -> None:
        from batchtui.api.queue import queued_batches
        from batchtui.api.records import SubmissionRecord
        from batchtui.cost.queue import enqueued_tokens

        records = dict(await asyncio.to_thread(self.service.records.by_batch_id))
        parts = {p.id: p for p in self.store.parts()}
        for row in self.store.batches():
            part = parts.get(row.part_id)
            if part is not None and part.tokens:
                records[row.batch_id] = SubmissionRecord(
                    batch_id=row.batch_id,
                    input_path=self.job.input_path,
                    size=part.bytes,
                    sha256=part.sha256,
                    submitted_at=row.created_at or 0.0,
                    input_tokens=dict(part.tokens),
                )
        assert self._queue_settings is not None
        notes: list[str] = []
        queued = await queued_batches(
            self.service,
            listed,
            records,
            count_others=self._queue_settings.count_others,
            download_budget=self._queue_settings.download_budget,
            notes=notes,
        )
        self._enqueued = {k: q.tokens for k, q in enqueued_tokens(queued).items()}
        self._made = [m for m in self._made if m[0] >= self._listed_from]
        for note in notes:
            self._emit("error", note)

    def _update(self, part: PartRow, view: BatchView) -> None:
        """A part's batch as the account shows it now."""
        store = self.store
        counts = {
            "total": view.request_counts.total,
            "completed": view.request_counts.completed,
            "failed": view.request_counts.failed,
        }
        if view.status != part.status or counts != part.counts:
            store.update_part(part.id, status=view.status, counts=counts)
            store.update_batch(view.id, status=view.status, counts=counts)
            # "status" when the status changes, "progress" when only the counts move.
            self._emit(
                "status" if view.status != part.status else "progress",
                f"part {part.label}: {view.id} {view.display_status} "
                f"{view.request_counts.done:,}/{view.request_counts.total or part.requests:,}",
                part,
                view.id,
                status=view.status,
                counts=counts,
                requests=part.requests,
            )
        if not view.is_terminal:
            return
        usage = None
        if view.usage is not None:
            u = view.usage
            usage = {
                "input_tokens": u.input_tokens,
                "cached_tokens": u.cached_tokens,
                "output_tokens": u.output_tokens,
                "reasoning_tokens": u.reasoning_tokens,
            }
        first = view.errors[0] if view.errors else None
        store.update_batch(
            view.id,
            ended_at=self._now(),
            output_file_id=view.output_file_id,
            error_file_id=view.error_file_id,
            error_code=first.code if first else None,
            error_message=first.message if first else None,
            usage=usage,
        )
        if view.status != "failed":
            self._room_freed(part)  # (a batch failed at validation never held any)
            store.update_part(part.id, state=st.FINISHING, not_before=None)
            self.wake()
            return
        codes = [e.code for e in view.errors if e.code]
        if TOKEN_LIMIT in codes:
            waits = part.waits + 1
            delay = min(
                self.options.backoff_seconds * 2 ** min(waits - 1, 20), self.options.backoff_max
            )
            store.update_part(
                part.id,
                state=st.PENDING,
                waits=waits,
                not_before=self._now() + delay,
                message=f"the queue was full ({TOKEN_LIMIT}); resubmitted when room frees",
            )
            self._emit(
                "queue_full",
                f"part {part.label}: {view.id} failed with {TOKEN_LIMIT}; resubmitting in "
                f"{delay:.0f} s, or when one of the job's batches ends",
                part,
                view.id,
                wait=delay,
            )
            return
        if any((e.param or "").startswith("file") for e in view.errors) and part.attempts < 3:
            # The input file is gone (expired, deleted): upload the part again.
            store.update_part(part.id, state=st.PENDING, file_id=None)
            self._emit("retry", f"part {part.label}: its input file is gone; uploading again", part)
            return
        detail = "; ".join(
            f"{e.code or 'error'}: {e.message or ''}" + (f" (line {e.line})" if e.line else "")
            for e in view.errors[:3]
        )
        self._fail(part, f"{view.id} failed: {detail or 'no reason given'}", view.id)

    def _room_freed(self, part: PartRow) -> None:
        """One of the job's batches left the queue: parts turned away for a full queue need
        not wait out their whole backoff."""
        now = self._now()
        for other in self.store.parts():
            if (
                other.id != part.id
                and other.state == st.PENDING
                and other.waits
                and (other.not_before or 0) > now
            ):
                self.store.update_part(other.id, not_before=now)

    def _fail(self, part: PartRow, message: str, batch_id: str | None = None) -> None:
        self.store.update_part(part.id, state=st.PART_FAILED, message=message, done_at=self._now())
        self._emit("part_failed", f"part {part.label}: {message}", part, batch_id)

    # ------------------------------------------------------------ submitting

    def _start_submitter(self) -> None:
        if self._submitting is not None:
            return  # one submission at a time
        job = self.store.job()
        if job.cancel_requested or self._stopping:
            return
        parts = self.store.parts()
        in_flight = sum(1 for p in parts if p.state in (st.UPLOADING, st.CREATING, st.ACTIVE))
        if self.options.max_active is not None and in_flight >= self.options.max_active:
            return
        now = self._now()
        for part in parts:
            if part.state != st.PENDING or self._busy(part.id):
                continue
            if (part.not_before or 0.0) > now:
                continue
            room = self._room_for(part)
            if room is None:
                continue  # failed: cannot ever fit
            if not room:
                return  # first in line waits: no overtaking (parts are alike in size)
            self._submitting = (part.id, asyncio.ensure_future(self._submit(part)))
            return

    def _room_for(self, part: PartRow) -> bool | None:
        """Does the part fit its model's queue now? None: it never will (failed here)."""
        limits = self._limits
        if not part.tokens or limits is None or not limits.limits:
            return True
        from batchtui.cost.queue import queue_key, short_tokens

        for model, tokens in part.tokens.items():
            limit = limits.for_model(model)
            if limit is None:
                continue
            if tokens > limit:
                self._fail(
                    part,
                    f"needs {short_tokens(tokens)} input tokens of {model}, more than the whole "
                    f"queue ({short_tokens(limit)}): start the job again with --max-tokens",
                )
                return None
            key = queue_key(model)
            since = sum(n for at, k, n in self._made if k == key and at >= self._listed_from)
            queued = self._enqueued.get(key, 0) + since
            if queued + tokens > limit:
                free = max(0, limit - queued)
                why = (
                    f"waiting for queue room ({model}: needs {short_tokens(tokens)}, "
                    f"{short_tokens(free)} free of {short_tokens(limit)})"
                )
                if part.message != why:  # `job status` and a UI show it too
                    self.store.update_part(part.id, message=why)
                self._once(
                    part,
                    "waiting",
                    f"part {part.label}: {why}",
                    model=model,
                    needed=tokens,
                    free=free,
                    limit=limit,
                )
                return False
        return True

    async def _submit(self, part: PartRow) -> None:
        try:
            file_id = part.file_id
            if file_id is None:
                file_id = await self._upload(part)
                if file_id is None:
                    return
            if self.store.job().cancel_requested:
                # Cancelled while it uploaded: no batch for it (its file goes at the end).
                self.store.update_part(
                    part.id,
                    state=st.PART_CANCELLED,
                    message="the job was cancelled before it was submitted",
                    done_at=self._now(),
                )
                return
            await self._create(self.store.part(part.id), file_id)
        finally:
            self.wake()

    def _retry_later(self, part: PartRow, exc: ApiError, doing: str, **fields: Any) -> None:
        delay = self._backoff(exc, f"part {part.label}: {doing}")
        self.store.update_part(part.id, state=st.PENDING, not_before=self._now() + delay, **fields)

    async def _upload(self, part: PartRow) -> str | None:
        from batchtui.api.submit import InputChanged, upload_spans

        store = self.store
        name = f"{self.job.name}.{self.job.job_id}.p{part.label}.{secrets.token_hex(4)}.jsonl"
        with store.transaction():
            iid = store.begin("upload", part.id, name, {"bytes": part.bytes})
            store.update_part(part.id, state=st.UPLOADING)
        self._emit(
            "uploading",
            f"part {part.label}: uploading {part.bytes:,} bytes",
            part,
            bytes=part.bytes,
        )
        try:
            view = await upload_spans(
                self.service,
                self.job.input_path,
                part.span_list(),
                sha256=part.sha256,
                name=name,
            )
        except InputChanged as exc:
            store.end(iid, st.INTENT_FAILED, error=exc.message)
            self._fail(part, exc.message)
            return None
        except ApiError as exc:
            store.end(iid, st.INTENT_FAILED, error=exc.message)
            if exc.retryable:
                self._retry_later(part, exc, "uploading")
            elif exc.kind in FATAL_KINDS:
                store.update_part(part.id, state=st.PENDING)
                raise
            else:
                self._fail(part, f"the upload was refused: {exc.message}")
            return None
        except UserError as exc:  # the input is gone or unreadable
            store.end(iid, st.INTENT_FAILED, error=exc.message)
            self._fail(part, exc.message)
            return None
        with store.transaction():
            store.end(iid, st.INTENT_DONE, {"file_id": view.id})
            store.update_part(part.id, file_id=view.id)
        self._emit("uploaded", f"part {part.label}: uploaded as {view.id}", part, file_id=view.id)
        return view.id

    async def _create(self, part: PartRow, file_id: str) -> None:
        store = self.store
        opts = self.options
        with store.transaction():
            iid = store.begin("create", part.id, file_id, {"file_id": file_id})
            store.update_part(part.id, state=st.CREATING, file_id=file_id)
        extra = self._metadata_for(part) if self._metadata_for is not None else {}
        metadata = {
            **dict(opts.metadata),
            **extra,
            TAG_JOB: self.job.name,
            TAG_JOB_ID: self.job.job_id,
            TAG_PART: part.label,
            TAG_INTENT: str(iid),
        }
        self._emit("creating", f"part {part.label}: creating its batch", part, intent=iid)
        try:
            view = await self.service.create_batch(
                file_id,
                endpoint=self.job.endpoint,
                completion_window=opts.completion_window,
                metadata=metadata,
                retries=0,
            )
        except ApiError as exc:
            certain = exc.kind not in UNSURE_KINDS and exc.status != 408
            if not certain:
                # The batch may exist: the intent stays open, and a look at the account
                # adopts it by its tag, or tries again once it surely does not.
                self._backoff(exc, f"part {part.label}: creating its batch (answer lost)")
                return
            store.end(iid, st.INTENT_FAILED, error=exc.message)
            if exc.kind in FATAL_KINDS:
                store.update_part(part.id, state=st.PENDING)
                raise
            if exc.status == 429 or exc.kind == "rate_limited":
                self._retry_later(part, exc, "creating its batch")
            elif exc.kind == "not_found" and part.attempts < 3:
                self._retry_later(
                    part, exc, "its input file is gone; uploading again", file_id=None
                )
            else:
                self._fail(part, f"creating its batch was refused: {exc.message}")
            return
        with store.transaction():
            store.add_batch(
                view.id,
                part.id,
                file_id=file_id,
                intent_id=iid,
                status=view.status,
                created_at=view.created_at,
            )
            store.update_part(
                part.id,
                state=st.ACTIVE,
                batch_id=view.id,
                attempts=part.attempts + 1,
                status=view.status,
                not_before=None,
                message=None,
            )
            store.end(iid, st.INTENT_DONE, {"batch_id": view.id})
        if part.tokens:
            from batchtui.cost.queue import queue_key

            for model, tokens in part.tokens.items():
                key = queue_key(model)
                self._made.append((time.monotonic(), key, tokens))
        self._emit(
            "submitted",
            f"part {part.label}: submitted {view.id} ({part.requests:,} requests)",
            part,
            view.id,
            requests=part.requests,
        )
        if self._record:
            await self._remember(part, view, file_id)

    async def _remember(self, part: PartRow, view: BatchView, file_id: str) -> None:
        """The submission record the dashboard and the queue meter read (best effort)."""
        from batchtui.api.records import SubmissionRecord

        record = SubmissionRecord(
            batch_id=view.id,
            input_path=self.job.input_path,
            size=part.bytes,
            sha256=part.sha256,
            submitted_at=self._now(),
            input_file_id=file_id,
            endpoint=self.job.endpoint,
            base_url=self.service.settings.display_base_url,
            input_tokens=dict(part.tokens) if part.tokens else None,
        )
        try:
            await asyncio.to_thread(self.service.records.add, record)
        except (OSError, UserError) as exc:
            reason = exc.message if isinstance(exc, UserError) else exc.strerror
            self._emit("error", f"the submission record could not be written: {reason}", part)

    # ------------------------------------------------------------- finishing

    def _start_finishers(self) -> None:
        now = self._now()
        for part in self.store.parts():
            if len(self._finishing) >= FINISHERS:
                return
            if part.state != st.FINISHING or self._busy(part.id):
                continue
            if (part.not_before or 0.0) > now:
                continue
            self._finishing[part.id] = asyncio.ensure_future(self._finish(part))

    async def _finish(self, part: PartRow) -> None:
        try:
            if await self._download(part):
                await self._settle(self.store.part(part.id))
        finally:
            self.wake()

    async def _download(self, part: PartRow) -> bool:
        """The output and error files of the part's batch, into the job's folder, through
        the one download-and-cache path (:mod:`batchtui.api.batch_files`): a file already
        complete there is not fetched again, a cut download resumes."""
        from batchtui.api.batch_files import RESULTS, fetch_batch_files

        store = self.store
        assert part.batch_id is not None
        batch = store.batch(part.batch_id)
        assert batch is not None
        if batch.downloaded:
            return True
        if not (batch.output_file_id or batch.error_file_id):
            store.update_batch(batch.batch_id, downloaded=1)  # nothing ran: nothing to fetch
            return True
        view = BatchView.from_raw(
            {
                "id": batch.batch_id,
                "status": batch.status,
                "output_file_id": batch.output_file_id,
                "error_file_id": batch.error_file_id,
            }
        )
        iid = store.begin("download", part.id, batch.batch_id)
        try:
            files = await fetch_batch_files(self.service, view, store.files_dir, kinds=RESULTS)
        except ApiError as exc:
            store.end(iid, st.INTENT_FAILED, error=exc.message)
            if exc.retryable:
                delay = self._backoff(exc, f"part {part.label}: downloading its results")
                store.update_part(part.id, not_before=self._now() + delay)
            elif exc.kind in FATAL_KINDS:
                raise
            else:
                self._fail(part, f"its results could not be downloaded: {exc.message}")
            return False
        except UserError as exc:  # a full disk
            store.end(iid, st.INTENT_FAILED, error=exc.message)
            raise
        with store.transaction():
            store.update_batch(
                batch.batch_id,
                output_path=str(files.output) if files.output else None,
                error_path=str(files.errors) if files.errors else None,
                downloaded=1,
            )
            store.end(iid, st.INTENT_DONE, {k: r.bytes for k, r in files.downloaded.items()})
        self._emit(
            "downloaded",
            f"part {part.label}: results of {batch.batch_id} downloaded",
            part,
            batch.batch_id,
        )
        return True

    async def _settle(self, part: PartRow) -> None:
        from batchtui.jobs.settle import PartChanged, settle

        store = self.store
        assert part.batch_id is not None
        batch = store.batch(part.batch_id)
        assert batch is not None
        job = store.job()
        cancelled = job.cancel_requested
        retry = part.round < self.options.retry_failed and not cancelled
        try:
            s = await asyncio.to_thread(
                settle,
                job.input_path,
                part.span_list(),
                part.sha256,
                part.first_line if part.spans is None else None,
                batch.output_path,
                batch.error_path,
                retry=retry,
            )
        except (PartChanged, UserError) as exc:
            # Its answers are kept (and merged); what it left unanswered cannot be sent again.
            self._fail(part, f"its results are in, but {exc.message}", batch.batch_id)
            return
        children: list[NewPart] = []
        delegated: list[str] = []
        taken = len(store.children(part.id))
        if not cancelled:
            for selection, reason, round_ in (
                (s.unfinished, "leftover", part.round),
                (s.retry, "retry", part.round + 1),
            ):
                if not selection.requests:
                    continue
                if reason == "leftover" and part.generation >= self.options.max_generations:
                    continue  # answered as missing: it has had its chances
                taken += 1
                children.append(self._child(part, selection, reason, round_, taken))
                delegated += selection.ids
        # A batch that completed before the cancel is done; one cut short is cancelled.
        state = st.PART_CANCELLED if cancelled and batch.status != "completed" else st.DONE
        summary = f"{s.succeeded:,} succeeded, {s.answered - s.succeeded:,} failed"
        if s.unfinished.requests:
            summary += f", {s.unfinished.requests:,} unanswered"
        with store.transaction():
            store.add_parts(children)
            store.update_part(
                part.id,
                state=state,
                delegated=st.pack_ids(delegated) if delegated else None,
                done_at=self._now(),
                message=summary,
            )
        self._emit(
            "settled",
            f"part {part.label}: {summary}",
            part,
            batch.batch_id,
            succeeded=s.succeeded,
            failed=s.answered - s.succeeded,
            unanswered=s.unfinished.requests,
        )
        for child in children:
            kind = "leftover" if child.reason == "leftover" else "retry"
            what = "unanswered" if kind == "leftover" else "retryable failed"
            self._emit(
                kind,
                f"part {child.label}: {child.requests:,} {what} request(s) of part {part.label}",
                label=child.label,
                requests=child.requests,
                parent=part.label,
            )

    def _child(self, part: PartRow, selection: Any, reason: str, round_: int, k: int) -> NewPart:
        from batchtui.jsonl.spans import pack_spans

        tokens = None
        if part.tokens:
            share = selection.bytes / max(part.bytes, 1)
            tokens = {m: max(1, round(n * share)) for m, n in part.tokens.items()}
        lines = [n for n in selection.lines if n > 0]
        return NewPart(
            label=f"{part.label}.{k}",
            reason=reason,
            first_line=min(lines) if lines else part.first_line,
            last_line=max(lines) if lines else part.last_line,
            start=selection.spans[0][0],
            end=selection.spans[-1][1],
            requests=selection.requests,
            bytes=selection.bytes,
            sha256=selection.sha256,
            tokens=tokens,
            spans=pack_spans(selection.spans),
            parent_id=part.id,
            round=round_,
            generation=part.generation + 1,
        )

    # ---------------------------------------------------------------- cancel

    async def _cancel_active(self) -> None:
        """The job was cancelled: nothing new goes in, every active batch is cancelled (its
        partial results are still downloaded)."""
        store = self.store
        for part in store.parts():
            if self._busy(part.id):
                continue
            if part.state == st.PENDING:
                store.update_part(
                    part.id,
                    state=st.PART_CANCELLED,
                    message="the job was cancelled before it was submitted",
                    done_at=self._now(),
                )
            elif (
                part.state == st.ACTIVE
                and part.batch_id
                and part.batch_id not in self._cancels_sent
            ):
                if part.status in ("cancelling", "cancelled"):
                    self._cancels_sent.add(part.batch_id)
                    continue
                self._cancels_sent.add(part.batch_id)
                iid = store.begin("cancel", part.id, part.batch_id)
                self._emit(
                    "cancelling",
                    f"part {part.label}: cancelling {part.batch_id}",
                    part,
                    part.batch_id,
                )
                try:
                    await self._cancel_batch(part.id, part.batch_id, iid)
                except ApiError:
                    self._cancels_sent.discard(part.batch_id)
                    store.end(iid, st.INTENT_FAILED, error="will try again")
                    raise

    # ---------------------------------------------------------------- the end

    async def _tidy_uploads(self) -> None:
        """Delete the job's uploads no part or batch uses (an upload whose answer was lost
        and that was made again, a part cancelled after its upload): they would only take
        storage. Best effort: a failure here is said, never fatal."""
        store = self.store
        prefix = f"{self.job.name}.{self.job.job_id}."
        # Kept: the input of every batch made (the dashboard can still open it).
        used = {b.file_id for b in store.batches() if b.file_id}
        used |= {p.file_id for p in store.parts() if p.file_id and not p.terminal}
        if self.store.job().finished_at is not None:
            return  # tidied when it first finished
        try:
            files = await self.service.list_files(purpose="batch")
            stray = [f for f in files if (f.filename or "").startswith(prefix) and f.id not in used]
            for f in stray:
                iid = store.begin("delete_file", None, f.id, {"filename": f.filename})
                await self._delete_file(f.id, iid)
        except ApiError as exc:
            self._emit("error", f"the job's unused uploads could not be tidied: {exc.message}")
            return
        if stray:
            self._emit("tidied", f"deleted {len(stray)} upload(s) no batch uses", files=len(stray))

    def _finish_job(self) -> None:
        store = self.store
        job = store.job()
        parts = store.parts()
        failed = [p for p in parts if p.state == st.PART_FAILED]
        if job.cancel_requested:
            state = st.CANCELLED
        elif failed:
            state = st.FAILED
        else:
            state = st.COMPLETED
        message = None
        if failed:
            message = f"{len(failed)} part(s) failed: " + "; ".join(
                f"{p.label}: {p.message}" for p in failed[:3]
            )
        if job.state != state or job.finished_at is None:
            store.update_job(state=state, finished_at=self._now(), message=message)
        self._emit(
            "finished", f"job {job.name} {state}" + (f": {message}" if message else ""), state=state
        )


def _int(value: object) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
