"""The emulator's objects (files, batches) and the batch lifecycle on the emulated clock.

Time only moves the state forward when someone looks: every request (and
:meth:`EmulatorState.settle`) calls :meth:`EmulatorState.tick`, which replays each live batch's
schedule up to ``now``. Work that takes real time (validating a big input, writing results)
runs in a thread; the batch keeps its current status until that work is done, which is also
what the real service shows (``finalizing`` while results are written).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchtui.emulator import options as o
from batchtui.emulator.clock import EmulatorClock
from batchtui.emulator.faults import BatchFaults, MetadataFaultError, parse_batch_faults
from batchtui.emulator.ids import IdMaker
from batchtui.emulator.results import ResultFiles, ResultJob, write_results
from batchtui.emulator.validate import (
    VALIDATION_MESSAGES,
    Plan,
    ValidationOutcome,
    validate_input,
)

log = logging.getLogger(__name__)

TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})


class EmulatorError(Exception):
    """An error answered in OpenAI's shape: ``{"error": {message, type, param, code}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    expires_at: int | None
    path: Path
    seq: int

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "bytes": self.bytes,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "filename": self.filename,
            "purpose": self.purpose,
            "status": "processed",
            "status_details": None,
        }


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
    job: asyncio.Task[None] | None = field(default=None, repr=False)
    # Per-batch fault budgets, counted down as they fire.
    rate_limits_left: int = 0
    server_errors_left: int = 0
    drops_left: int = 0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


class EmulatorState:
    """Files and batches, and the rules that move batches along."""

    def __init__(self, options: o.EmulatorOptions, data_dir: Path) -> None:
        self.options = options
        self.clock = EmulatorClock(options.start_time, options.speed)
        self._rng = random.Random(options.seed)
        self.ids = IdMaker(self._rng)
        self.data_dir = data_dir
        self.files_dir = data_dir / "files"
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, StoredFile] = {}
        self.batches: dict[str, BatchRecord] = {}
        self._seq = 0
        self._jobs: set[asyncio.Task[None]] = set()

    # ----------------------------------------------------------------- files

    def now(self) -> float:
        return self.clock.now()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def new_upload_path(self) -> Path:
        return self.files_dir / f".upload-{os.getpid()}-{self._next_seq()}.part"

    def add_file(
        self,
        source: Path,
        filename: str,
        purpose: str,
        *,
        created_at: float | None = None,
        expires_after: int | None = None,
        move: bool = True,
        file_id: str | None = None,
    ) -> StoredFile:
        """Register file content (moved, or copied when ``move`` is false) as a new file."""
        file_id = file_id or self.ids.file_id()
        path = self.files_dir / file_id
        if move:
            os.replace(source, path)
        else:
            shutil.copyfile(source, path)
        created = int(self.now() if created_at is None else created_at)
        if expires_after is None and purpose == "batch":
            expires_after = o.BATCH_FILE_DEFAULT_EXPIRY
        stored = StoredFile(
            id=file_id,
            filename=filename,
            purpose=purpose,
            bytes=path.stat().st_size,
            created_at=created,
            expires_at=None if expires_after is None else created + expires_after,
            path=path,
            seq=self._next_seq(),
        )
        self.files[file_id] = stored
        return stored

    def add_file_bytes(
        self, content: bytes, filename: str, purpose: str = "batch", **kwargs: Any
    ) -> StoredFile:
        tmp = self.new_upload_path()
        tmp.write_bytes(content)
        return self.add_file(tmp, filename, purpose, **kwargs)

    def get_file(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise EmulatorError(404, f"No such File object: {file_id}", param="id")
        return stored

    def delete_file(self, file_id: str) -> None:
        stored = self.get_file(file_id)
        del self.files[file_id]
        # A result writer may still be reading it: on POSIX the unlink is safe.
        with contextlib.suppress(FileNotFoundError):
            stored.path.unlink()

    def list_files(self, purpose: str | None, descending: bool) -> list[StoredFile]:
        files = [f for f in self.files.values() if purpose is None or f.purpose == purpose]
        files.sort(key=lambda f: (f.created_at, f.seq), reverse=descending)
        return files

    # --------------------------------------------------------------- batches

    def create_batch(
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
            raise EmulatorError(
                400, f"Invalid metadata: {exc}", param=f"metadata.{exc.key}", code="invalid_value"
            ) from None
        opts = self.options
        created = self.now() if created_at is None else float(created_at)
        created = float(int(created))  # the API speaks whole seconds
        batch = BatchRecord(
            id=self.ids.batch_id(),
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
        self._step(batch, self.now())
        return batch

    def get_batch(self, batch_id: str) -> BatchRecord:
        batch = self.batches.get(batch_id)
        if batch is None:
            raise EmulatorError(404, f"No batch found with id '{batch_id}'.", param=None)
        return batch

    def list_batches(self) -> list[BatchRecord]:
        """Newest first, like the real service is observed to answer."""
        return sorted(self.batches.values(), key=lambda b: (b.created_at, b.seq), reverse=True)

    def batch_for_file(self, file_id: str) -> BatchRecord | None:
        for batch in self.batches.values():
            if file_id in (batch.output_file_id, batch.error_file_id, batch.input_file_id):
                return batch
        return None

    async def cancel_batch(self, batch_id: str, *, at: float | None = None) -> BatchRecord:
        batch = self.get_batch(batch_id)
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
        self._step(batch, self.now())
        return batch

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

    async def advance(self, seconds: float) -> None:
        """Move the clock forward and let every batch catch up."""
        self.clock.advance(seconds)
        await self.settle()

    async def close(self) -> None:
        for task in list(self._jobs):
            task.cancel()
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)

    def _processed_at(self, batch: BatchRecord, t: float) -> int:
        plan = batch.plan
        if plan is None or batch.in_progress_at is None:
            return 0
        if batch.duration <= 0:
            return plan.n
        frac = (t - batch.in_progress_at) / batch.duration
        return max(0, min(plan.n, math.floor(plan.n * frac + 1e-9)))

    def _step(self, batch: BatchRecord, now: float) -> None:
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

    def _start_validation(self, batch: BatchRecord) -> None:
        stored = self.files.get(batch.input_file_id)
        if stored is None or stored.purpose != "batch":
            batch.validation = ValidationOutcome(
                errors=[
                    {
                        "code": "invalid_request",
                        "line": None,
                        "message": (
                            f"Cannot find file {batch.input_file_id}, or organization "
                            "org-emulator does not have access to it."
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
        fail_fraction = batch.faults.fail_fraction
        kwargs = {
            "seed": batch.seed,
            "failure_rate": self.options.failure_rate if fail_fraction is None else fail_fraction,
            "max_requests": self.options.max_requests,
            "fail_validation": batch.faults.fail_validation,
        }
        self._spawn(batch, self._validate(batch, stored.path, kwargs))

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
        batch.job = None
        self._step(batch, self.now())

    def _finish_validation(self, batch: BatchRecord, at: float) -> None:
        outcome = batch.validation
        assert outcome is not None
        errors = outcome.errors
        plan = outcome.plan
        limit = self.options.enqueued_token_limit
        if not errors and plan is not None and limit is not None:
            queued = sum(
                b.plan.input_tokens_total
                for b in self.batches.values()
                if b is not batch
                and b.plan is not None
                and b.status in ("in_progress", "finalizing")
            )
            if queued + plan.input_tokens_total > limit:
                errors = [
                    {
                        "code": "token_limit_exceeded",
                        "line": None,
                        "message": VALIDATION_MESSAGES["token_limit_exceeded"].format(
                            model=plan.model or "the model", limit=limit
                        ),
                        "param": None,
                    }
                ]
        if errors or plan is None:
            batch.status = "failed"
            batch.failed_at = at
            batch.errors = errors
            batch.final_counts = (0, 0, 0)
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

    def _start_results(self, batch: BatchRecord, reason: str, processed: int, at: float) -> None:
        plan = batch.plan
        stored = self.files.get(batch.input_file_id)
        assert plan is not None
        if stored is None:  # input deleted mid-run: nothing can be written
            self._apply_results(batch, reason, processed, at, ResultFiles(None, 0, None, 0))
            return
        job = ResultJob(
            input_path=stored.path,
            endpoint=batch.endpoint,
            plan=plan,
            processed=processed,
            reason=reason,  # type: ignore[arg-type]
            output_path=self.new_upload_path(),
            error_path=self.new_upload_path(),
            seed=batch.seed ^ 0xC0FFEE,
            started_at=batch.in_progress_at or at,
            duration=batch.duration,
            http_errors_in_output=self.options.http_errors_in_output,
            not_run_lines=self.options.cancelled_lines,
        )
        self._spawn(batch, self._write(batch, job, reason, processed, at))

    async def _write(
        self, batch: BatchRecord, job: ResultJob, reason: str, processed: int, at: float
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
        batch.job = None
        self._step(batch, self.now())

    def _apply_results(
        self, batch: BatchRecord, reason: str, processed: int, at: float, files: ResultFiles
    ) -> None:
        plan = batch.plan
        assert plan is not None
        # Result file ids come from the batch's own seed: worker threads finish in any order,
        # and a seeded demo must still look the same every run.
        result_ids = IdMaker(random.Random(batch.seed ^ 0xF11E))
        output_id, error_id = result_ids.file_id(), result_ids.file_id()
        if files.output_path is not None:
            batch.output_file_id = self.add_file(
                files.output_path,
                f"{batch.id}_output.jsonl",
                "batch_output",
                created_at=at,
                expires_after=batch.output_expires_after or o.BATCH_FILE_DEFAULT_EXPIRY,
                file_id=output_id,
            ).id
        if files.error_path is not None:
            batch.error_file_id = self.add_file(
                files.error_path,
                f"{batch.id}_error.jsonl",
                "batch_output",
                created_at=at,
                expires_after=batch.output_expires_after or o.BATCH_FILE_DEFAULT_EXPIRY,
                file_id=error_id,
            ).id
        elif self.options.clean_error_file_id is not None:
            batch.error_file_id = self.options.clean_error_file_id
        failed = plan.failed_among(processed)
        completed = processed - failed
        not_run = plan.n - processed
        if reason != "cancelled" or self.options.cancelled_lines:
            failed += not_run  # they are in the error file, so they count as failed
        batch.final_counts = (plan.n, completed, failed)
        batch.final_processed = processed
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

    def batch_to_api(self, batch: BatchRecord, now: float | None = None) -> dict[str, Any]:
        now = self.now() if now is None else now
        total, completed, failed, processed = self.counts(batch, now)
        plan = batch.plan
        in_tok, cached, out_tok, reasoning = (
            plan.usage_among(processed) if plan is not None else (0, 0, 0, 0)
        )
        errors = (
            {"object": "list", "data": [dict(e) for e in batch.errors]} if batch.errors else None
        )
        data = {
            "id": batch.id,
            "object": "batch",
            "endpoint": batch.endpoint,
            "model": batch.model,
            "errors": errors,
            "input_file_id": batch.input_file_id,
            "completion_window": batch.completion_window,
            "status": batch.status,
            "output_file_id": batch.output_file_id,
            "error_file_id": batch.error_file_id,
            "created_at": int(batch.created_at),
            "in_progress_at": _ts(batch.in_progress_at),
            "expires_at": int(batch.expires_at),
            "finalizing_at": _ts(batch.finalizing_at),
            "completed_at": _ts(batch.completed_at),
            "failed_at": _ts(batch.failed_at),
            "expired_at": _ts(batch.expired_at),
            "cancelling_at": _ts(batch.cancelling_at),
            "cancelled_at": _ts(batch.cancelled_at),
            "request_counts": {"total": total, "completed": completed, "failed": failed},
            "usage": {
                "input_tokens": in_tok,
                "input_tokens_details": {"cached_tokens": cached},
                "output_tokens": out_tok,
                "output_tokens_details": {"reasoning_tokens": reasoning},
                "total_tokens": in_tok + out_tok,
            },
            "metadata": dict(batch.metadata) if batch.metadata is not None else None,
        }
        if self.options.quirks:
            _apply_quirks(data, self.options.quirks)
        return data

    def iter_live(self) -> Iterable[BatchRecord]:
        return (b for b in self.batches.values() if not b.terminal)


def _apply_quirks(data: dict[str, Any], quirks: frozenset[str]) -> None:
    """Make a batch object look like what other OpenAI-shaped providers send."""
    if "uppercase_status" in quirks:
        data["status"] = str(data["status"]).upper()
    if "null_counts" in quirks:
        data["request_counts"] = {"total": None, "completed": None, "failed": None}
    if "empty_file_ids" in quirks:
        for key in ("output_file_id", "error_file_id"):
            if data[key] is None:
                data[key] = ""
    if "no_model" in quirks:
        data.pop("model", None)
    if "no_usage" in quirks:
        data.pop("usage", None)
