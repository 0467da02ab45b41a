"""The runner's feeding of the queue: the next waiting part goes in when its model's queue
has room (upload its bytes, proved against the plan, then create its batch)."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from batchtui.api.errors import ApiError
from batchtui.api.models import BatchView
from batchtui.core.errors import UserError
from batchtui.jobs import store as st
from batchtui.jobs.options import TAG_INTENT, TAG_JOB, TAG_JOB_ID, TAG_PART
from batchtui.jobs.runner_core import RunnerCore
from batchtui.jobs.store import PartRow


class Feeder(RunnerCore):
    """Submit waiting parts when there is room."""

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
            elif exc.about_account:
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
            certain = not exc.unsure and exc.status != 408
            if not certain:
                # The batch may exist: the intent stays open, and a look at the account
                # adopts it by its tag, or tries again once it surely does not.
                self._backoff(exc, f"part {part.label}: creating its batch (answer lost)")
                return
            store.end(iid, st.INTENT_FAILED, error=exc.message)
            if exc.about_account:
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
