"""Starting a job: validate the input once, plan its parts, write the job's database.

The whole file is validated by the headless validator under the provider's rules, except the
limits a job exists to get round (requests, bytes and embedding inputs per file: each part is
cut to fit them). A file with errors, or that is not a batch input, is refused before
anything is written or sent. The plan (:mod:`batchtui.jobs.plan`) then reads the file once
more, fed to the validation's digest checker: its parts are cut from exactly the bytes that
were validated, and their hashes are what each upload must prove.

Validating a million requests holds every custom_id in memory (the duplicate check), so
:func:`prepare_isolated` does both steps in a child process: the long-running runner that
follows never carries that peak.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchtui.core.errors import UserError
from batchtui.jobs.options import JobOptions
from batchtui.jobs.plan import TOKENS_EXACT, TOKENS_SAMPLE, PartLimits, Plan, plan_parts
from batchtui.jobs.store import JobStore, NewPart, new_job_id

Stage = Callable[[str, float | None], None]  # ("validating" | "planning", fraction)
# Files at least this big are prepared in a child process (see the module docstring).
ISOLATE_ABOVE = 64 * 1024 * 1024


class Refused(UserError):
    """The input cannot be run as a job; ``reasons`` lists why, one line each."""

    def __init__(self, message: str, reasons: list[str]) -> None:
        super().__init__(message, exit_code=1)
        self.reasons = reasons


@dataclass
class Prepared:
    plan: Plan
    endpoint: str
    model: str | None
    limits: PartLimits
    warnings: int = 0
    notes: list[str] = field(default_factory=list)

    def options(self, **more: Any) -> JobOptions:
        """The job's options: the part limits this plan was cut to, and ``more``."""
        return JobOptions(
            max_requests=self.limits.max_requests,
            max_bytes=self.limits.max_bytes,
            max_embedding_inputs=self.limits.max_embedding_inputs,
            max_tokens=self.limits.max_tokens,
            tokens=self.plan.tokens_mode,
            **more,
        )


def _lifted(provider: Any) -> Any:
    """The provider with the per-file limits lifted: the job cuts parts to fit them."""
    from batchtui.validation.providers import Sourced

    lifted = Sourced(None, "a job cuts the file into parts that fit this limit")
    return dataclasses.replace(
        provider, max_requests=lifted, max_file_bytes=lifted, max_embedding_inputs=lifted
    )


def default_limits(provider: Any, **given: int | None) -> PartLimits:
    """The provider's per-batch limits, lowered by the ones given (``--max-requests`` ...)."""

    def pick(name: str, theirs: int | None, fallback: int | None) -> int | None:
        mine = given.get(name)
        if mine is None:
            return theirs if theirs is not None else fallback
        return mine if theirs is None else min(mine, theirs)

    requests = pick("max_requests", provider.max_requests.value, 50_000)
    size = pick("max_bytes", provider.max_file_bytes.value, 200 * 1024 * 1024)
    return PartLimits(
        max_requests=int(requests or 50_000),
        max_bytes=int(size or 200 * 1024 * 1024),
        max_embedding_inputs=provider.max_embedding_inputs.value,
        max_tokens=given.get("max_tokens"),
    )


def prepare(
    path: str | os.PathLike[str],
    limits: PartLimits,
    *,
    provider: Any = None,
    token_limits: Mapping[str, int] | None = None,
    tokens: str | None = None,
    processes: int | None = None,
    on_stage: Stage | None = None,
    allow_errors: bool = False,
) -> Prepared:
    """Validate and plan ``path`` (see the module docstring).

    ``token_limits`` are the enqueued-token limits per model (the queue's): a part holds at
    most its model's, so it fits an empty queue. ``tokens`` is how parts' tokens are counted
    (default: exactly when a token limit applies, else from a sample).
    Raises :class:`Refused` for a file with errors, :class:`UserError` for one that cannot
    be read. ``allow_errors``: the user was told of the file's validation errors and insists
    (the TUI asks, as its submit does); the parts holding a bad line will fail.
    """
    from batchtui.api.submit import error_summary
    from batchtui.cost.queue import limit_for
    from batchtui.validation.parallel import validate_parallel
    from batchtui.validation.providers import OPENAI

    def stage(name: str, fraction: float | None = None) -> None:
        if on_stage is not None:
            on_stage(name, fraction)

    name = os.fspath(path)
    size = max(os.stat(name).st_size, 1)
    stage("validating", 0.0)
    validator = validate_parallel(
        name,
        processes=processes,
        provider=_lifted(provider or OPENAI),
        on_progress=lambda p: stage("validating", min(p.bytes / size, 1.0)),
    )
    try:
        snapshot = validator.report.snapshot()
    finally:
        validator.index.close()
    problems = []
    found = snapshot.kind
    if found is not None and (
        found.kind.results
        or found.kind.foreign
        or (found.mixed and found.dominant is not None and found.dominant.value != "input")
    ):
        problems.append(f"it is {found.describe()}, not a batch input")
    if snapshot.errors and not allow_errors:
        problems.append(
            f"{snapshot.errors:,} validation error{'s' if snapshot.errors != 1 else ''} "
            f"({error_summary(snapshot)})"
        )
    if not snapshot.endpoint and not problems:
        problems.append("its requests name no endpoint (url)")
    if problems:
        raise Refused(
            f"refusing to start a job on {name}: {'; '.join(problems)}. Nothing was sent; see "
            f"`batchtui validate {name}`",
            problems,
        )
    assert snapshot.endpoint is not None
    cap = limits.max_tokens
    if token_limits and snapshot.model:
        queue = limit_for(snapshot.model, token_limits)
        if queue is not None:
            cap = queue if cap is None else min(cap, queue)
    limits = dataclasses.replace(limits, max_tokens=cap)
    mode = tokens or (TOKENS_EXACT if cap is not None else TOKENS_SAMPLE)
    check = snapshot.digest.checker() if snapshot.digest is not None else None
    stage("planning", 0.0)
    plan = plan_parts(
        name,
        limits,
        tokens=mode,
        endpoint=snapshot.endpoint,
        check=check,
        progress=lambda done, total: stage("planning", done / max(total, 1)),
    )
    if plan.digest_matches is False:
        raise UserError(f"{name}: the file changed while it was validated; try again")
    notes = [plan.tokens_note] if plan.tokens_note else []
    return Prepared(plan, snapshot.endpoint, snapshot.model, limits, snapshot.warnings, notes)


# ---------------------------------------------------------------- in a child process


def _child(conn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    def stage(name: str, fraction: float | None) -> None:
        conn.send(("stage", name, fraction))

    try:
        result = prepare(*args, on_stage=stage, **kwargs)
    except Refused as exc:  # sent as plain values: exceptions with more arguments do not pickle
        conn.send(("refused", exc.message, exc.reasons))
    except UserError as exc:
        conn.send(("user_error", exc.message, exc.exit_code))
    except BaseException as exc:  # shown by the parent, which has the terminal
        conn.send(("crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
    else:
        conn.send(("done", result))
    finally:
        conn.close()


def _context() -> Any:
    # fork is cheapest, but unsafe once this process runs other threads (a TUI).
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1 and sys.platform != "darwin":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def prepare_isolated(
    path: str | os.PathLike[str],
    limits: PartLimits,
    *,
    on_stage: Stage | None = None,
    isolate_above: int = ISOLATE_ABOVE,
    **kwargs: Any,
) -> Prepared:
    """:func:`prepare`, in a child process for a big file (its memory goes with it)."""
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0  # prepare() says what is wrong with it
    if size < isolate_above:
        return prepare(path, limits, on_stage=on_stage, **kwargs)
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(child, (path, limits), kwargs), daemon=False)
    process.start()
    child.close()
    try:
        while True:
            try:
                message = parent.recv()
            except EOFError:
                process.join()
                raise UserError(
                    f"preparing the job stopped unexpectedly (exit code {process.exitcode}); "
                    "the machine may be out of memory"
                ) from None
            if message[0] == "stage":
                if on_stage is not None:
                    on_stage(message[1], message[2])
                continue
            if message[0] == "done":
                prepared: Prepared = message[1]
                return prepared
            if message[0] == "refused":
                raise Refused(message[1], message[2])
            if message[0] == "user_error":
                raise UserError(message[1], message[2])
            raise RuntimeError(f"preparing the job failed in its process: {message[1]}")
    except BaseException:
        if process.is_alive():
            process.terminate()
        raise
    finally:
        process.join(timeout=10)
        parent.close()


# ------------------------------------------------------------------------ creating


def create_job(
    name: str,
    prepared: Prepared,
    options: JobOptions,
    *,
    base_url: str | None,
    root: Path | None = None,
) -> JobStore:
    """Write the job and its planned parts (one transaction). UserError if the name is taken
    or the metadata would be refused with the job's own tags added."""
    check_job_metadata(options.metadata)
    plan = prepared.plan
    parts = [
        NewPart(
            label=str(p.number),
            reason="split",
            first_line=p.first_line,
            last_line=p.last_line,
            start=p.start,
            end=p.end,
            requests=p.requests,
            bytes=p.bytes,
            sha256=p.sha256,
            tokens=p.tokens,
        )
        for p in plan.parts
    ]
    return JobStore.create(
        name,
        job_id=new_job_id(),
        input_path=str(Path(plan.path).resolve()),
        input_size=plan.size,
        input_mtime_ns=plan.mtime_ns,
        input_sha256=plan.sha256,
        endpoint=prepared.endpoint,
        model=prepared.model,
        options=options.to_json(),
        base_url=base_url,
        tokens_mode=plan.tokens_mode,
        parts=parts,
        root=root,
    )


def check_job_metadata(metadata: Mapping[str, str]) -> None:
    """UserError unless ``metadata`` leaves room for the job's tags on every batch (the
    Batch API takes 16 pairs) and uses none of them."""
    from batchtui.api.submit import check_metadata
    from batchtui.jobs.options import TAGS

    probe = {**dict(metadata), **{tag: "x" * 40 for tag in TAGS}}
    reasons = [f"{t} is the job's own tag" for t in TAGS if t in metadata]
    reasons += check_metadata(probe)
    if reasons:
        raise UserError("--metadata: " + "; ".join(reasons))


def input_changed(store: JobStore) -> str | None:
    """Why the job's input is not the file it was started on (size, mtime), or None."""
    job = store.job()
    try:
        st = os.stat(job.input_path)
    except OSError as exc:
        return f"{job.input_path}: {exc.strerror or 'cannot be read'}"
    if st.st_size != job.input_size:
        return (
            f"{job.input_path} is {st.st_size:,} bytes; the job was started on "
            f"{job.input_size:,} bytes"
        )
    if st.st_mtime_ns != job.input_mtime_ns:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(st.st_mtime_ns / 1e9))
        return f"{job.input_path} was modified ({when}) since the job started"
    return None
