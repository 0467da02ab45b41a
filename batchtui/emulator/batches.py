"""The batch lifecycle on the emulated clock.

Time only moves the state forward when someone looks: every request (and
:meth:`Lifecycle.settle`) calls :meth:`Lifecycle.tick`, which replays each live batch's
schedule up to ``now``. Work that takes real time (validating a big input, writing results)
runs in a thread; the batch keeps its current status until that work is done, which is also
what the real service shows (``finalizing`` while results are written).
"""

from __future__ import annotations

import asyncio
import builtins  # Lifecycle.list shadows the type inside the class
import contextlib
import logging
import math
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from batchtui.emulator import options as o
from batchtui.emulator.faults import BatchFaults, MetadataFaultError, parse_batch_faults
from batchtui.emulator.files import FileStore
from batchtui.emulator.ids import IdMaker
from batchtui.emulator.results import Reason, ResultFiles, ResultJob, write_results
from batchtui.emulator.validate import (
    VALIDATION_MESSAGES,
    Plan,
    ValidationOutcome,
    validate_input,
)
from batchtui.emulator.wire import EmulatorError, bad_parameter

log = logging.getLogger(__name__)

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
# Statuses whose batches count against the enqueued-token limit of a new batch.
_HOLDING_QUEUE = frozenset({"in_progress", "finalizing", "cancelling"})

BatchUsage = tuple[int, int, int, int]  # input, cached, output, reasoning tokens


@dataclass
class BatchRecord:
    id: str
    seq: int
    input_file_id: str
    endpoint: str
    completion_window: str
    metadata: dict[str, str] | None
    created_at: float
    expires_at: float
    faults: BatchFaults
    seed: int
    validation_seconds: float
    finalizing_seconds: float
    cancelling_seconds: float
    processing_seconds: float | None  # None: from the options and the request count
    output_expires_after: int | None = None
    status: str = "validating"
    model: str | None = None
    errors: list[dict[str, Any]] | None = None
    validation: ValidationOutcome | None = None
    plan: Plan | None = None
    duration: float = 0.0
    in_progress_at: float | None = None
    finalizing_at: float | None = None
    completed_at: float | None = None
    failed_at: float | None = None
    expired_at: float | None = None
    cancelling_at: float | None = None
    cancelled_at: float | None = None
    cancel_processed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    final_counts: tuple[int, int, int] | None = None  # total, completed, failed
    final_processed: int = 0
    final_usage: BatchUsage | None = None  # kept once terminal (the plan is not saved)
    job: asyncio.Task[None] | None = field(default=None, repr=False)
    # Per-batch fault budgets, counted down as they fire.
    rate_limits_left: int = 0
    server_errors_left: int = 0
    drops_left: int = 0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    # What survives a restart: everything but the running job, the plan (rebuilt from the
    # input file and the seed) and the faults (parsed again from the metadata).
    _TRANSIENT = frozenset({"job", "validation", "plan", "faults"})

    def to_record(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in self._TRANSIENT
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> BatchRecord:
        known = {f.name for f in fields(cls)} - cls._TRANSIENT
        values = {k: v for k, v in record.items() if k in known}
        for key in ("final_counts", "final_usage"):
            if values.get(key) is not None:
                values[key] = tuple(values[key])
        return cls(faults=parse_batch_faults(values.get("metadata")), **values)


class Lifecycle:
    """Batches and the rules that move them along."""

    def __init__(
        self,
        options: o.EmulatorOptions,
        files: FileStore,
        now: Callable[[], float],
        rng: random.Random,
        next_seq: Callable[[], int],
        new_id: Callable[[], str],
    ) -> None:
        self.options = options
        self.files = files
        self.now = now
        self._rng = rng
        self._next_seq = next_seq
        self._new_id = new_id
        self.batches: dict[str, BatchRecord] = {}
        self._jobs: set[asyncio.Task[None]] = set()
        self.changed = False  # something to save
        self.on_change: Callable[[], None] | None = None  # after background work lands

    # --------------------------------------------------------------- batches

    def create(
        self,
        *,
        input_file_id: str,
        endpoint: str,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        output_expires_after: int | None = None,
        created_at: float | None = None,
        validation_seconds: float | None = None,
        processing_seconds: float | None = None,
        finalizing_seconds: float | None = None,
        cancelling_seconds: float | None = None,
    ) -> BatchRecord:
        """Create a batch (request validation is the HTTP layer's job).

        ``created_at`` and the ``*_seconds`` overrides let :func:`seed_demo` place batches
        at any point of their lifecycle.
        """
        try:
            faults = parse_batch_faults(metadata)
        except MetadataFaultError as exc:
            raise bad_parameter(f"metadata.{exc.key}", f"Invalid metadata: {exc}") from None
        opts = self.options
        created = self.now() if created_at is None else float(created_at)
        created = float(int(created))  # the API speaks whole seconds
        batch = BatchRecord(
            id=self._new_id(),
            seq=self._next_seq(),
            input_file_id=input_file_id,
            endpoint=endpoint,
            completion_window=completion_window,
            metadata=dict(metadata) if metadata is not None else None,
            created_at=created,
            expires_at=created + opts.window_seconds,
            faults=faults,
            seed=self._rng.getrandbits(48),
            validation_seconds=(
                opts.validation_seconds if validation_seconds is None else validation_seconds
            ),
            finalizing_seconds=(
                opts.finalizing_seconds if finalizing_seconds is None else finalizing_seconds
            ),
            cancelling_seconds=(
                opts.cancelling_seconds if cancelling_seconds is None else cancelling_seconds
            ),
            processing_seconds=(
                faults.processing_seconds if processing_seconds is None else processing_seconds
            ),
            output_expires_after=output_expires_after,
            rate_limits_left=faults.rate_limit,
            server_errors_left=faults.server_errors,
            drops_left=faults.drop_downloads,
        )
        self.batches[batch.id] = batch
        self.changed = True
        self._step(batch, self.now())
        return batch

    def get(self, batch_id: str) -> BatchRecord:
        batch = self.batches.get(batch_id)
        if batch is None:
            raise EmulatorError(404, f"No batch found with id '{batch_id}'.", param=None)
        return batch

    def list(self) -> list[BatchRecord]:
        """Newest first, like the real service is observed to answer."""
        return sorted(self.batches.values(), key=lambda b: (b.created_at, b.seq), reverse=True)

    def for_file(self, file_id: str) -> BatchRecord | None:
        for batch in self.batches.values():
            if file_id in (batch.output_file_id, batch.error_file_id, batch.input_file_id):
                return batch
        return None

    async def cancel(self, batch_id: str, *, at: float | None = None) -> BatchRecord:
        batch = self.get(batch_id)
        now = self.now() if at is None else at
        self._step(batch, now)
        if batch.job is not None:
            # Let pending work land first, so a cancel never races a completion.
            await asyncio.shield(batch.job)
            self._step(batch, now)
        if batch.status in ("cancelling", "cancelled"):
            return batch
        if batch.terminal:
            raise EmulatorError(
                409,
                f"Cannot cancel a batch with status '{batch.status}'.",
                headers={"x-should-retry": "false"},
            )
        if batch.status == "in_progress":
            batch.cancel_processed = self._processed_at(batch, now)
        elif batch.status == "finalizing" and batch.plan is not None:
            batch.cancel_processed = batch.plan.n
        else:  # validating: nothing ran, nothing will be written
            batch.cancel_processed = 0
            batch.plan = None
        batch.status = "cancelling"
        batch.cancelling_at = float(int(now))
        self.changed = True
        self._step(batch, self.now())
        return batch

    def iter_live(self) -> Iterable[BatchRecord]:
        return (b for b in self.batches.values() if not b.terminal)

    # ------------------------------------------------------------- lifecycle

    def tick(self, now: float | None = None) -> None:
        now = self.now() if now is None else now
        for batch in self.batches.values():
            if not batch.terminal:
                self._step(batch, now)

    async def settle(self) -> None:
        """Tick, and wait until no validation or result writing is pending."""
        while True:
            self.tick()
            pending = [t for t in self._jobs if not t.done()]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._jobs):
            task.cancel()
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)

    def replan(self, batch: BatchRecord) -> None:
        """Rebuild the plan of a restored batch that is past validation (deterministic: the
        same file and seed give the same plan)."""
        stored = self.files.files.get(batch.input_file_id)
        if stored is None:
            return
        try:
            outcome = validate_input(stored.path, batch.endpoint, **self._validation_args(batch))
        except OSError:
            return
        batch.plan = outcome.plan

    def _processed_at(self, batch: BatchRecord, t: float) -> int:
        plan = batch.plan
        if plan is None or batch.in_progress_at is None:
            return 0
        if batch.duration <= 0:
            return plan.n
        frac = (t - batch.in_progress_at) / batch.duration
        return max(0, min(plan.n, math.floor(plan.n * frac + 1e-9)))

    def _step(self, batch: BatchRecord, now: float) -> None:
        before = batch.status
        self._advance(batch, now)
        if batch.status != before:
            self.changed = True

    def _advance(self, batch: BatchRecord, now: float) -> None:
        while batch.job is None:
            status = batch.status
            if status == "validating":
                due = batch.created_at + batch.validation_seconds
                if now < due:
                    return
                if batch.validation is None:
                    self._start_validation(batch)
                    return
                self._finish_validation(batch, due)
            elif status == "in_progress":
                assert batch.in_progress_at is not None
                end = batch.in_progress_at + batch.duration
                if batch.expires_at < end and now >= batch.expires_at:
                    self._start_results(
                        batch,
                        "expired",
                        self._processed_at(batch, batch.expires_at),
                        batch.expires_at,
                    )
                    return
                if now < end:
                    return
                batch.status = "finalizing"
                batch.finalizing_at = float(int(end))
            elif status == "finalizing":
                assert batch.finalizing_at is not None and batch.plan is not None
                due = batch.finalizing_at + batch.finalizing_seconds
                if batch.expires_at < due and now >= batch.expires_at:
                    self._start_results(batch, "expired", batch.plan.n, batch.expires_at)
                    return
                if now < due:
                    return
                self._start_results(batch, "completed", batch.plan.n, due)
                return
            elif status == "cancelling":
                assert batch.cancelling_at is not None
                due = batch.cancelling_at + batch.cancelling_seconds
                if now < due:
                    return
                if batch.plan is None:
                    batch.status = "cancelled"
                    batch.cancelled_at = due
                    batch.final_counts = (0, 0, 0)
                    batch.final_usage = (0, 0, 0, 0)
                    continue
                self._start_results(batch, "cancelled", batch.cancel_processed, due)
                return
            else:
                return

    def _spawn(self, batch: BatchRecord, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        batch.job = task
        self._jobs.add(task)
        task.add_done_callback(self._jobs.discard)

    def _landed(self, batch: BatchRecord) -> None:
        """Background work finished: move on, and let the owner save."""
        batch.job = None
        self.changed = True
        self._step(batch, self.now())
        if self.on_change is not None:
            self.on_change()

    def _validation_args(self, batch: BatchRecord) -> dict[str, Any]:
        fail_fraction = batch.faults.fail_fraction
        return {
            "seed": batch.seed,
            "failure_rate": self.options.failure_rate if fail_fraction is None else fail_fraction,
            "max_requests": self.options.max_requests,
            "max_file_bytes": self.options.max_batch_file_bytes,
            "fail_validation": batch.faults.fail_validation,
            "organization": self.options.organization_id,
        }

    def _start_validation(self, batch: BatchRecord) -> None:
        stored = self.files.files.get(batch.input_file_id)
        if stored is None or stored.purpose != "batch":
            batch.validation = ValidationOutcome(
                errors=[
                    {
                        "code": "invalid_request",
                        "line": None,
                        "message": (
                            f"Cannot find file {batch.input_file_id}, or organization "
                            f"{self.options.organization_id} does not have access to it."
                            if stored is None
                            else f"File {batch.input_file_id} does not have purpose 'batch'."
                        ),
                        "param": "file_id",
                    }
                ],
                plan=None,
            )
            self._step(batch, self.now())
            return
        self._spawn(batch, self._validate(batch, stored.path, self._validation_args(batch)))

    async def _validate(self, batch: BatchRecord, path: Path, kwargs: dict[str, Any]) -> None:
        try:
            outcome = await asyncio.to_thread(validate_input, path, batch.endpoint, **kwargs)
        except OSError as exc:  # the input was deleted under us, say
            outcome = ValidationOutcome(
                errors=[
                    {
                        "code": "invalid_request",
                        "line": None,
                        "message": f"The input file could not be read ({exc.strerror}).",
                        "param": "file_id",
                    }
                ],
                plan=None,
            )
        batch.validation = outcome
        self._landed(batch)

    def _finish_validation(self, batch: BatchRecord, at: float) -> None:
        outcome = batch.validation
        assert outcome is not None
        errors = outcome.errors
        plan = outcome.plan
        if not errors and plan is not None:
            errors = self._queue_errors(batch, plan)
        if errors or plan is None:
            batch.status = "failed"
            batch.failed_at = at
            batch.errors = errors
            batch.final_counts = (0, 0, 0)
            batch.final_usage = (0, 0, 0, 0)
            return
        batch.plan = plan
        batch.model = plan.model
        batch.status = "in_progress"
        batch.in_progress_at = at
        if batch.faults.expire_fraction is not None:
            frac = batch.faults.expire_fraction
            window = batch.expires_at - at
            batch.duration = window / frac if frac > 0 else 1e12
            # A whole fraction still has to end after the window for the batch to expire.
            batch.duration += 1.0 if frac >= 1.0 else 0.0
        elif batch.processing_seconds is not None:
            batch.duration = batch.processing_seconds
        else:
            opts = self.options
            batch.duration = opts.processing_seconds + plan.n * opts.seconds_per_request

    def queue_limit(self, model: str | None) -> int | None:
        """The enqueued-token limit of ``model``'s queue (None: unlimited)."""
        from batchtui.cost.queue import limit_for

        own = limit_for(model, self.options.queue_limits) if model else None
        return own if own is not None else self.options.enqueued_token_limit

    def enqueued(self, model: str | None, *, besides: BatchRecord | None = None) -> int:
        """Input tokens of the batches holding room in ``model``'s queue: past validation and
        not finished (in progress, finalizing, cancelling)."""
        from batchtui.cost.queue import queue_key

        key = queue_key(model or "")
        return sum(
            b.plan.input_tokens_total
            for b in self.batches.values()
            if b is not besides
            and b.plan is not None
            and b.status in _HOLDING_QUEUE
            and queue_key(b.plan.model or "") == key
        )

    def _queue_errors(self, batch: BatchRecord, plan: Plan) -> builtins.list[dict[str, Any]]:
        """``token_limit_exceeded`` when this batch would overfill its model's queue."""
        limit = self.queue_limit(plan.model)
        if limit is None:
            return []
        if self.enqueued(plan.model, besides=batch) + plan.input_tokens_total <= limit:
            return []
        return [
            {
                "code": "token_limit_exceeded",
                "line": None,
                "message": VALIDATION_MESSAGES["token_limit_exceeded"].format(
                    model=plan.model or "the model",
                    limit=limit,
                    organization=self.options.organization_id,
                ),
                "param": None,
            }
        ]

    def _start_results(self, batch: BatchRecord, reason: Reason, processed: int, at: float) -> None:
        plan = batch.plan
        stored = self.files.files.get(batch.input_file_id)
        assert plan is not None
        if stored is None:  # input deleted mid-run: nothing can be written
            self._apply_results(batch, reason, processed, at, ResultFiles(None, 0, None, 0))
            return
        job = ResultJob(
            input_path=stored.path,
            endpoint=batch.endpoint,
            plan=plan,
            processed=processed,
            reason=reason,
            output_path=self.files.new_upload_path(),
            error_path=self.files.new_upload_path(),
            seed=batch.seed ^ 0xC0FFEE,
            started_at=batch.in_progress_at or at,
            duration=batch.duration,
            http_errors_in_output=self.options.http_errors_in_output,
            not_run_lines=self.options.cancelled_lines,
        )
        self._spawn(batch, self._write(batch, job, reason, processed, at))

    async def _write(
        self, batch: BatchRecord, job: ResultJob, reason: Reason, processed: int, at: float
    ) -> None:
        try:
            files = await asyncio.to_thread(write_results, job)
        except Exception:
            log.exception("writing results of %s failed", batch.id)
            for path in (job.output_path, job.error_path):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            files = ResultFiles(None, 0, None, 0)
        self._apply_results(batch, reason, processed, at, files)
        self._landed(batch)

    def _apply_results(
        self, batch: BatchRecord, reason: Reason, processed: int, at: float, files: ResultFiles
    ) -> None:
        plan = batch.plan
        assert plan is not None
        # Result file ids come from the batch's own seed: worker threads finish in any order,
        # and a seeded demo must still look the same every run.
        result_ids = IdMaker(random.Random(batch.seed ^ 0xF11E))
        output_id, error_id = result_ids.file_id(), result_ids.file_id()

        def add(path: Path, which: str, file_id: str) -> str:
            return self.files.add(
                path,
                f"{batch.id}_{which}.jsonl",
                "batch_output",
                created_at=at,
                expires_after=batch.output_expires_after or o.BATCH_FILE_DEFAULT_EXPIRY,
                file_id=file_id,
            ).id

        if files.output_path is not None:
            batch.output_file_id = add(files.output_path, "output", output_id)
        if files.error_path is not None:
            batch.error_file_id = add(files.error_path, "error", error_id)
        elif self.options.clean_error_file_id is not None:
            batch.error_file_id = self.options.clean_error_file_id
        failed = plan.failed_among(processed)
        completed = processed - failed
        not_run = plan.n - processed
        if reason != "cancelled" or self.options.cancelled_lines:
            failed += not_run  # they are in the error file, so they count as failed
        batch.final_counts = (plan.n, completed, failed)
        batch.final_processed = processed
        batch.final_usage = plan.usage_among(processed)
        if reason == "completed":
            if batch.finalizing_at is None:
                batch.finalizing_at = at
            batch.status, batch.completed_at = "completed", at
        elif reason == "expired":
            batch.status, batch.expired_at = "expired", at
        else:
            batch.status, batch.cancelled_at = "cancelled", at

    # ----------------------------------------------------------------- views

    def counts(self, batch: BatchRecord, now: float) -> tuple[int, int, int, int]:
        """(total, completed, failed, processed) as the batch shows them at ``now``."""
        if batch.final_counts is not None:
            total, completed, failed = batch.final_counts
            return total, completed, failed, batch.final_processed
        plan = batch.plan
        if plan is None:
            return 0, 0, 0, 0
        if batch.status == "in_progress":
            k = self._processed_at(batch, now)
        elif batch.status == "cancelling":
            k = batch.cancel_processed
        else:
            k = plan.n
        failed = plan.failed_among(k)
        return plan.n, k - failed, failed, k

    def usage(self, batch: BatchRecord, processed: int) -> BatchUsage:
        if batch.final_usage is not None:
            return batch.final_usage
        plan = batch.plan
        return plan.usage_among(processed) if plan is not None else (0, 0, 0, 0)
