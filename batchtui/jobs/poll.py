"""The runner's look at the account: one list call, each part updated from what it shows,
batches tagged with the job adopted or cancelled as duplicates, the queue measured."""

from __future__ import annotations

import asyncio
import time

from batchtui.api.errors import ApiError
from batchtui.api.models import BatchView
from batchtui.jobs import store as st
from batchtui.jobs.options import TAG_INTENT, TAG_JOB_ID, TAG_PART
from batchtui.jobs.runner_core import LIMITS_REFRESH, RECENT_SECONDS, TOKEN_LIMIT, RunnerCore
from batchtui.jobs.store import PartRow


class Poller(RunnerCore):
    """Look at the account's batches and update the parts."""

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
                self._add_listed(view, part, intent_id, stray=True)
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
            self._add_listed(view, part, intent_id, adopted=True)
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

    def _add_listed(
        self, view: BatchView, part: PartRow, intent_id: int | None, **flags: bool
    ) -> None:
        """Record a tagged batch the list showed: ``stray`` (a duplicate, to cancel) or
        ``adopted`` (its create's answer was lost)."""
        self.store.add_batch(
            view.id,
            part.id,
            file_id=view.input_file_id,
            intent_id=intent_id,
            status=view.status,
            created_at=view.created_at,
            **flags,
        )

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


def _int(value: object) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None
