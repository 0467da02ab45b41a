"""The one way a file becomes a batch, for ``batchtui batches submit`` and the TUI alike.

A batch with one bad line fails as a whole after it is uploaded, and what a user validated is
not always what gets uploaded (the file may change in between). So, in this order:

1. everything that needs no network is checked first: metadata against the Batch API limits
   (at most 16 pairs, keys up to 64 characters, values up to 512, valid UTF-8 text: a
   ``--description`` with a byte that is not UTF-8 arrives as a lone surrogate and used to
   fail after the upload), the completion window, the endpoint;
2. the file is copied to a private spool file (in the state directory), hashing the bytes;
3. the validation report the caller holds is used only if it is about exactly those bytes
   (its digest, checked while copying); otherwise the spool is validated here, with the
   headless validator;
4. errors refuse the submission unless ``force`` (reasons listed by code);
5. the spool's input tokens are counted (batchtui.cost; or the caller's count of the same
   bytes) and checked against the enqueued-token limit of each model (limits from the Admin
   API or the config, what is queued from the account's active batches, see
   :mod:`batchtui.api.queue`): a file that does not fit is refused unless ``force``, saying
   by how much ("needs 2.4M tokens, 600K free: wait for batch_… or split"), because OpenAI
   accepts it and fails it minutes later with ``token_limit_exceeded``;
6. the spool, not the user's file, is uploaded: the bytes sent are the bytes validated;
7. the batch is created; if that fails for any reason, the uploaded file is deleted again
   (and the message says so, or says it could not be deleted and which file it is);
8. the submission is recorded with its token count per model, and the spool removed.

No Textual here; the TUI keeps its dialogs and calls :func:`submit_file`.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchtui.api.errors import ApiError
from batchtui.api.queue import QueueSettings, count_input_file, queue_state
from batchtui.api.records import SubmissionRecord, state_dir
from batchtui.core import atomic
from batchtui.core.errors import UserError
from batchtui.core.paths import safe_filename
from batchtui.cost.queue import QueueFit, QueueLimits, queue_fit

if TYPE_CHECKING:
    from batchtui.api.models import FileView
    from batchtui.api.service import BatchService, Progress, Submission
    from batchtui.validation.digest import ContentDigest
    from batchtui.validation.report import ReportSnapshot

# Batch API limits (BATCH_API.md section 1; the SDK types metadata as Dict[str, str]).
METADATA_MAX_PAIRS = 16
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512
SPOOL_DIR = "spool"
FORCED = "submitted despite "  # how a warning about a forced submission starts
_COPY_CHUNK = 1024 * 1024


class SubmitRefused(UserError):
    """Nothing was uploaded: ``reasons`` says why, one line each."""

    def __init__(self, message: str, reasons: list[str], exit_code: int = 2) -> None:
        super().__init__(message, exit_code)
        self.reasons = reasons


@dataclass(frozen=True)
class ValidatedReport:
    """A finished validation report and the digest of the bytes it is about (a
    :class:`~batchtui.validation.digest.ContentDigest`, as ``ReportSnapshot.digest`` holds);
    None when the caller cannot tell, which makes :func:`submit_file` validate again."""

    snapshot: ReportSnapshot
    digest: ContentDigest | None = None
    # Input tokens per model counted from the same bytes as the snapshot (None: count them).
    tokens: Mapping[str, int] | None = None

    @classmethod
    def of(
        cls, snapshot: ReportSnapshot, tokens: Mapping[str, int] | None = None
    ) -> ValidatedReport:
        """A finished snapshot with the digest the validator recorded."""
        return cls(snapshot, getattr(snapshot, "digest", None), tokens)


# Stages reported through ``on_stage`` (the TUI shows them, the CLI on its status line).
STAGE_SPOOLING = "copying"
STAGE_VALIDATING = "validating"
STAGE_COUNTING = "counting"  # the file's input tokens
STAGE_QUEUE = "queue"  # the enqueued-token limit and what is queued
STAGE_UPLOADING = "uploading"
STAGE_CREATING = "creating"


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_metadata(metadata: Mapping[str, Any] | None) -> list[str]:
    """Why ``metadata`` would be refused by the Batch API (empty: it would not)."""
    if not metadata:
        return []
    reasons = []
    if len(metadata) > METADATA_MAX_PAIRS:
        reasons.append(
            f"at most {METADATA_MAX_PAIRS} metadata pairs are allowed, got {len(metadata)}"
        )
    for key, value in metadata.items():
        shown = repr(key[:20] + ("…" if len(key) > 20 else "")) if isinstance(key, str) else "?"
        if not isinstance(key, str) or not key.strip():
            reasons.append(f"metadata key {shown} is empty")
            continue
        if not _utf8(key):
            reasons.append(f"metadata key {shown} is not valid UTF-8 text")
        elif len(key) > METADATA_MAX_KEY:
            reasons.append(f"metadata key {shown} is longer than {METADATA_MAX_KEY} characters")
        if not isinstance(value, str):
            reasons.append(f"metadata value for {shown} is not a string")
        elif not _utf8(value):
            reasons.append(f"metadata value for {shown} is not valid UTF-8 text")
        elif len(value) > METADATA_MAX_VALUE:
            reasons.append(
                f"metadata value for {shown} is longer than {METADATA_MAX_VALUE} characters "
                f"({len(value)})"
            )
    return reasons


def _known_endpoints() -> tuple[str, ...]:
    from batchtui.validation.facts import facts

    return facts().endpoint_list


def check_request(endpoint: str | None, completion_window: str) -> list[str]:
    """Why the batch parameters would be refused (the windows and endpoints of the SDK)."""
    reasons = []
    if completion_window != "24h":
        reasons.append(f"completion window {completion_window!r}: the Batch API accepts only '24h'")
    if endpoint is not None:
        if not _utf8(endpoint):
            reasons.append("the endpoint is not valid UTF-8 text")
        elif endpoint not in _known_endpoints():
            known = ", ".join(_known_endpoints())
            reasons.append(f"endpoint {endpoint!r} is not a batch endpoint ({known})")
    return reasons


# ----------------------------------------------------------------------- the spool


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _clean_stale_spools(root: Path) -> None:
    """Remove spool directories of batchtui processes that died mid-submit."""
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    for entry in entries:
        pid = entry.name.partition("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def spool_copy(path: Path, root: Path | None = None, check: Any = None) -> tuple[Path, int, str]:
    """Copy ``path`` to a private spool file; (spool, size, sha256 hex).

    Only regular files (a FIFO would block, a device never end: refused before a byte is
    read). ``check`` (a :class:`~batchtui.validation.digest.DigestChecker`) is fed the same
    bytes, so the caller learns whether they are the bytes a report is about.
    """
    from batchtui.jsonl.files import open_regular

    root = root if root is not None else state_dir() / SPOOL_DIR
    fd, _ = open_regular(path)
    with open(fd, "rb") as src:
        try:
            root.mkdir(parents=True, exist_ok=True, mode=0o700)
            _clean_stale_spools(root)
            folder = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=root))  # 0700
        except OSError as exc:
            raise atomic.write_error(root, exc) from None
        spool = folder / "upload.jsonl"
        digest = hashlib.sha256()
        size = 0
        try:
            with open(spool, "xb") as out:
                while chunk := src.read(_COPY_CHUNK):
                    digest.update(chunk)
                    if check is not None:
                        check.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
        except BaseException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            if isinstance(exc, OSError) and exc.errno in atomic.DISK_ERRORS:
                raise atomic.write_error(spool, exc) from None
            raise
    return spool, size, digest.hexdigest()


def validate_spool(
    spool: Path,
    *,
    processes: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> ReportSnapshot:
    """Validate the spool with the headless validator; its finished report."""
    from batchtui.validation.parallel import validate_parallel

    total = max(spool.stat().st_size, 1)

    def progress(p: Any) -> None:
        if on_progress is not None:
            on_progress(min(p.bytes / total, 1.0))

    # No digest: the spool is hashed while it is copied, and it is what gets uploaded.
    validator = validate_parallel(spool, processes=processes, on_progress=progress, digest=False)
    try:
        return validator.report.snapshot()
    finally:
        validator.index.close()


def _not_an_input(snapshot: ReportSnapshot) -> str | None:
    """Why a file of another kind is no batch input: an output or error file has no
    validation errors of its own, and a foreign one deserves its name first."""
    found = getattr(snapshot, "kind", None)
    if found is None:
        return None
    kind = found.kind
    if (
        kind.results
        or kind.foreign
        or (found.mixed and found.dominant is not None and found.dominant.value != "input")
    ):
        return f"it is {found.describe()}, not a batch input"
    return None


def error_summary(snapshot: ReportSnapshot, limit: int = 6) -> str:
    """``invalid_json_line ×3, missing_required_parameter ×8``: the error codes, biggest first."""
    groups = [g for g in snapshot.groups if g.severity.value == "error"]
    parts = [f"{g.code} ×{g.count:,}" for g in groups[:limit]]
    if len(groups) > limit:
        parts.append(f"{len(groups) - limit} more codes")
    return ", ".join(parts)


# --------------------------------------------------------------------------- queue


@dataclass(frozen=True)
class QueueCheck:
    """Whether a file fits the enqueued-token limit of its models, checked before upload."""

    tokens: Mapping[str, int]  # input tokens per model of the file
    fits: tuple[QueueFit, ...] = ()
    limits: QueueLimits = field(default_factory=QueueLimits)
    notes: tuple[str, ...] = ()  # sources that could not be read, inputs not counted

    @property
    def ok(self) -> bool:
        """False only when a model's queue is known to be too full."""
        return all(f.fits is not False for f in self.fits)

    @property
    def known(self) -> bool:
        return any(f.limit is not None for f in self.fits)

    def lines(self) -> list[str]:
        """One line per model, then where the limits come from and the notes."""
        out = [f.message() for f in self.fits]
        if self.known:
            out.append(f"limits: {self.limits.source}")
        elif self.tokens:
            out = [
                f"{model}: {n:,} input tokens; the queue limit is unknown (set OPENAI_ADMIN_KEY, "
                "or the model's limit in the config's [queue] table)"
                for model, n in self.tokens.items()
            ]
        return out + list(self.notes)

    def to_json(self) -> dict[str, Any]:
        return {
            "input_tokens": dict(self.tokens),
            "fits": None if not self.known else self.ok,
            "limits_source": self.limits.source or None,
            "models": [
                {
                    "model": f.model,
                    "needed": f.needed,
                    "limit": f.limit,
                    "enqueued": f.enqueued,
                    "enqueued_estimated": f.estimated,
                    "free": f.free,
                    "fits": f.fits,
                    "short_by": f.short_by,
                    "waiting_on": list(f.waiting_on),
                    "not_counted": list(f.unknown),
                    "message": f.message(),
                }
                for f in self.fits
            ],
            "notes": list(self.notes),
        }


async def check_queue(
    service: BatchService,
    tokens: Mapping[str, int],
    settings: QueueSettings | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> QueueCheck:
    """Does a file with ``tokens`` input tokens per model fit the queue now? The account's
    batches are looked at only when a limit is known for one of its models."""
    settings = settings if settings is not None else QueueSettings.from_env()
    if not tokens:
        return QueueCheck(tokens)
    from batchtui.api.queue import load_limits

    limits = await load_limits(service, settings)
    if not any(limits.for_model(m) is not None for m in tokens):
        return QueueCheck(tokens, tuple(queue_fit(tokens, {}, {})), limits, limits.problems)
    state = await queue_state(service, settings, limits=limits, progress=progress)
    fits = queue_fit(tokens, limits, state.queues)
    return QueueCheck(tokens, tuple(fits), limits, tuple(state.notes))


def _count_spool(spool: Path) -> tuple[dict[str, int] | None, str | None]:
    """Input tokens per model of the spool, or why they could not be counted."""
    from batchtui.cost.encodings import OfflineError

    try:
        return count_input_file(spool), None
    except OfflineError as exc:
        return None, f"tokens not counted: {exc}"


# ---------------------------------------------------------------------- submitting


async def submit_file(
    service: BatchService,
    path: str | os.PathLike[str],
    *,
    endpoint: str | None = None,
    metadata: Mapping[str, str] | None = None,
    completion_window: str = "24h",
    force: bool = False,
    report: ValidatedReport | None = None,
    progress: Progress | None = None,
    on_stage: Callable[[str, float | None], None] | None = None,
    processes: int | None = None,
    record: bool = True,
    queue: QueueSettings | None = None,
    check_queue_limit: bool = True,
) -> Submission:
    """Check, spool, validate, count, check the queue, upload, create and record (see the
    module docstring).

    Raises :class:`SubmitRefused` (nothing uploaded) for bad parameters or, unless
    ``force``, a file with validation errors or one that does not fit its model's queue;
    :class:`UserError`/:class:`ApiError` for the rest. ``on_stage(stage, fraction)`` reports
    the steps (``fraction`` while validating). ``queue`` says where the limits come from
    (default: the environment); ``check_queue_limit=False`` skips the queue check (the
    tokens are still counted for the record).
    """
    from batchtui.api.service import Submission, sniff_endpoint

    def stage(name: str, fraction: float | None = None) -> None:
        if on_stage is not None:
            on_stage(name, fraction)

    path = Path(path)
    metadata = dict(metadata) if metadata else None
    reasons = check_metadata(metadata) + check_request(endpoint, completion_window)
    if reasons:
        raise SubmitRefused("; ".join(reasons), reasons)
    stage(STAGE_SPOOLING)
    check = None
    if report is not None and report.digest is not None and report.snapshot.done:
        check = report.digest.checker()
    spool, size, digest = await asyncio.to_thread(spool_copy, path, None, check)
    try:
        if size == 0:
            raise UserError(f"{path} is empty")
        if report is not None and check is not None and check.matches():
            snapshot = report.snapshot  # it is about exactly the bytes in the spool
        else:
            stage(STAGE_VALIDATING, 0.0)
            snapshot = await asyncio.to_thread(
                validate_spool,
                spool,
                processes=processes,
                on_progress=lambda f: stage(STAGE_VALIDATING, f),
            )
        file_endpoint = snapshot.endpoint or await asyncio.to_thread(sniff_endpoint, spool)
        warnings: list[str] = []
        problems: list[str] = []
        not_input = _not_an_input(snapshot)
        if not_input:
            problems.append(not_input)
        if snapshot.errors:
            problems.append(
                f"{snapshot.errors:,} validation error{'s' if snapshot.errors != 1 else ''} "
                f"({error_summary(snapshot)})"
            )
        chosen = endpoint or file_endpoint
        if endpoint is None and chosen is not None:
            problems.extend(check_request(chosen, completion_window))
        elif file_endpoint is not None and file_endpoint != endpoint:
            problems.append(
                f"the file's requests go to {file_endpoint}, not {endpoint} (every line's url "
                "must be the batch endpoint)"
            )
        if problems and not force:
            message = (
                f"refusing to submit {path}: {'; '.join(problems)}. Nothing was uploaded; "
                f"see `batchtui validate {path}`, or pass --force to submit anyway"
            )
            raise SubmitRefused(message, problems, exit_code=1)
        if chosen is None:
            raise UserError(f"cannot tell the endpoint of {path} from its lines; pass --endpoint")
        if problems:
            warnings.append(FORCED + "; ".join(problems))
        tokens: Mapping[str, int] | None = None
        if report is not None and snapshot is report.snapshot and report.tokens is not None:
            tokens = report.tokens  # counted from the very bytes in the spool
        else:
            stage(STAGE_COUNTING)
            tokens, why = await asyncio.to_thread(_count_spool, spool)
            if why:
                warnings.append(why)
        checked: QueueCheck | None = None
        if check_queue_limit and tokens:
            stage(STAGE_QUEUE)
            checked = await check_queue(service, tokens, queue)
            full = [f.message() for f in checked.fits if f.fits is False]
            if full and not force:
                message = (
                    f"refusing to submit {path}: the queue has no room: {'; '.join(full)}. "
                    "OpenAI would accept the upload and fail the batch with "
                    "token_limit_exceeded. Nothing was uploaded; pass --force to submit anyway"
                )
                raise SubmitRefused(message, full, exit_code=1)
            if full:
                warnings.append(FORCED + "a full queue: " + "; ".join(full))
        name = path.name if _utf8(path.name) else safe_filename(path.name)
        stage(STAGE_UPLOADING)
        uploaded = await service.upload(spool, name, progress=progress)
        stage(STAGE_CREATING)
        try:
            batch = await service.create_batch(
                uploaded.id,
                endpoint=chosen,
                completion_window=completion_window,
                metadata=metadata,
            )
        except BaseException as exc:
            note = await _delete_orphan(service, uploaded.id)
            if isinstance(exc, UserError):
                kind = exc.kind if isinstance(exc, ApiError) else "bad_request"
                status = exc.status if isinstance(exc, ApiError) else None
                raise ApiError(f"{exc.message}; {note}", kind=kind, status=status) from exc
            if isinstance(exc, Exception):
                raise UserError(
                    f"creating the batch failed ({type(exc).__name__}: {exc}); {note}"
                ) from exc
            raise
    finally:
        shutil.rmtree(spool.parent, ignore_errors=True)
    rec = SubmissionRecord(
        batch_id=batch.id,
        input_path=str(path.resolve()),
        size=size,
        sha256=digest,
        submitted_at=time.time(),
        input_file_id=uploaded.id,
        endpoint=chosen,
        base_url=service.settings.display_base_url,
        input_tokens=dict(tokens) if tokens else None,
    )
    if record:
        try:
            await asyncio.to_thread(service.records.add, rec)
        except (OSError, UserError) as exc:
            reason = exc.message if isinstance(exc, UserError) else exc.strerror
            warnings.append(
                f"the batch was submitted, but the local record could not be written to "
                f"{service.records.path}: {reason}"
            )
    return Submission(
        batch,
        uploaded,
        rec,
        "; ".join(warnings) or None,
        snapshot,
        tuple(warnings),
        checked,
    )


# ------------------------------------------------------------------- byte ranges


class InputChanged(UserError):
    """The bytes read for an upload are not the bytes that were validated and planned."""


async def upload_spans(
    service: BatchService,
    path: str | os.PathLike[str],
    spans: list[tuple[int, int]],
    *,
    sha256: str,
    name: str,
    progress: Progress | None = None,
) -> FileView:
    """Upload byte ``spans`` of ``path`` as one batch input file, without copying them: a part
    of a job (:mod:`batchtui.jobs`), whose bytes were validated and hashed when it was planned.

    The same property as :func:`submit_file`, proved another way: the bytes are hashed as they
    stream to the server, and unless they hash to ``sha256`` (the planned part's hash: the
    file changed since), the uploaded file is deleted again and :class:`InputChanged` raised,
    so no batch is ever made of bytes that were not validated. The caller creates the batch.
    """
    from batchtui.jsonl.spans import SpanReader

    changed = (
        f"{path}: the bytes of this part are not the ones validated when the job was planned "
        "(the file changed since)"
    )
    with SpanReader(path, spans, strict=False) as reader:
        try:
            uploaded = await service.upload_stream(reader, name, progress=progress)
        except UserError:
            if reader.short:  # the file shrank under the upload: that is the news
                raise InputChanged(f"{changed}; nothing was uploaded") from None
            raise
        got = None if reader.short else reader.sha256
    if got != sha256:
        note = await _delete_orphan(service, uploaded.id)
        raise InputChanged(f"{changed}; {note}")
    return uploaded


async def _delete_orphan(service: BatchService, file_id: str) -> str:
    """Delete a file uploaded for a batch that was not created; what to tell the user.

    A cancel (Ctrl+C, the TUI quitting) already delivered does not stop this: the task was
    cancelled once, and this await runs on.
    """
    try:
        await service.delete_file(file_id)
    except Exception:
        return (
            f"the uploaded file {file_id} could not be deleted: delete it yourself "
            "(it counts against your storage)"
        )
    return f"the uploaded file {file_id} was deleted again"
