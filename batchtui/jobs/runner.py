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

Each step has its module, a mixin of :class:`~batchtui.jobs.runner_core.RunnerCore` (the
state, events and waiting): :mod:`.reconcile`, :mod:`.poll` (1), :mod:`.finish` (2),
:mod:`.feed` (3); this one runs the loop, cancels and ends the job.

No Textual here: the CLI drives it with ``asyncio.run``; a UI runs it in a worker and
subscribes to its :class:`~batchtui.jobs.options.JobEvent` stream (``on_event``).
"""

from __future__ import annotations

import asyncio
import os

from batchtui.api.errors import ApiError
from batchtui.jobs import store as st
from batchtui.jobs.feed import Feeder
from batchtui.jobs.finish import Finisher
from batchtui.jobs.lock import JobLock
from batchtui.jobs.poll import Poller
from batchtui.jobs.reconcile import Reconciler
from batchtui.jobs.runner_core import EventCallback

__all__ = ["EventCallback", "Runner"]


class Runner(Reconciler, Poller, Feeder, Finisher):
    """Runs one job until every part is settled (or :meth:`stop` is called).

    ``sleep`` is how the runner waits between looks (tests pass one that moves an emulated
    clock instead of waiting); ``now`` is the wall clock used for backoffs, which are kept in
    the database and so survive a restart (journal entries always carry the wall clock).
    ``metadata_for(part)`` adds metadata to one
    part's batch (a UI's own tags; tests inject the emulator's per-batch faults this way).
    """

    # ---------------------------------------------------------------- public

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
