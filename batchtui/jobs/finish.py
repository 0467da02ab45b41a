"""The runner's finishing: download an ended batch's output and error files, then settle
the part (leftover and retry parts; :mod:`batchtui.jobs.settle` decides)."""

from __future__ import annotations

import asyncio
from typing import Any

from batchtui.api.errors import ApiError
from batchtui.api.models import BatchView
from batchtui.core.errors import UserError
from batchtui.jobs import store as st
from batchtui.jobs.runner_core import FINISHERS, RunnerCore
from batchtui.jobs.store import NewPart, PartRow


class Finisher(RunnerCore):
    """Download and settle parts whose batch ended."""

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
            elif exc.about_account:
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
