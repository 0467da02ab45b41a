"""Headless validation of a large file on several cores.

The file is cut at line boundaries into byte ranges. The calling process checks the first
range itself, streaming its findings as usual, while worker processes check the others, each
with its own :class:`~batchtui.jsonl.LineIndex` (its own descriptor, reading with ``pread``,
so a file truncated meanwhile is "the file changed", never a SIGBUS); a worker spools its findings
to a temporary file instead of holding them, so memory stays flat however many findings there
are. The parts are then merged in order (:meth:`Validator.absorb_part`): duplicate ids across
parts, the majority url and model, the limits and the first CRLF are settled as if one
validator had read the whole file, and the file-level rules run once at the end.

A worker that fails for any reason is not fatal: its range is then checked in this process.
Small files, files whose first line is not JSON (maybe a pretty-printed document, which only a
whole-file view can tell) and files without a final newline go through one validator.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from batchtui.core.errors import UserError
from batchtui.jsonl.index import LineIndex
from batchtui.validation.engine import FindingsCallback, Progress, RunStatus, Validator
from batchtui.validation.findings import Finding
from batchtui.validation.providers import OPENAI, Provider
from batchtui.validation.rules import RULES
from batchtui.validation.ruleset import RuleSet
from batchtui.validation.tally import PartState

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkContext, ForkServerContext, SpawnContext

MIN_PARALLEL_BYTES = 16 * 1024 * 1024
FIRST_LINE_LIMIT = 64 * 1024 * 1024  # a longer first line: one process
# A worker first scans the whole file for line offsets (~0.2 s/GB); give it a bit less work.
WORKER_SHARE = 0.95


def default_processes() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def validate_parallel(
    path: str | os.PathLike[str],
    *,
    processes: int | None = None,
    on_findings: FindingsCallback | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    min_bytes: int = MIN_PARALLEL_BYTES,
    copy_of: str | None = None,
    digest: bool = True,
    provider: Provider = OPENAI,
    rules: RuleSet | None = None,
) -> Validator:
    """Validate the file at ``path`` with up to ``processes`` processes (default: the CPU
    count, at most 4) and return the validator (its report is complete unless cancelled).
    ``copy_of`` names what ``path`` is a private copy of (see :class:`LineIndex`);
    ``digest=False`` skips hashing the bytes checked; ``rules`` judges the file (default:
    the rules of the kind the file's head is sniffed to be, an input's under ``provider``;
    see :class:`Validator`). The workers get the same rules.

    Raises UserError if the file cannot be opened or changes while it is being checked.
    """
    index = LineIndex(path, copy_of=copy_of)
    validator = Validator(index, digest=digest, provider=provider, rules=rules)
    rules = validator.rules
    n = processes or default_processes()
    if (
        n < 2
        or getattr(rules, "whole", None) is not None  # one finding for the file: no lines
        or index.size < min_bytes
        or not index.ends_with_newline
        or not _first_line_is_json(index)
    ):
        return _check(
            validator,
            validator.run(on_findings=on_findings, on_progress=on_progress, cancelled=cancelled),
        )

    # Parts are cut at byte offsets, which every process turns into the same line numbers
    # once it has indexed the file: so the workers start at once and index in parallel.
    cuts = _cut_offsets(index.size, n)
    spans = list(zip(cuts, [*cuts[1:], None], strict=True))
    with tempfile.TemporaryDirectory(prefix="batchtui-validate-") as tmp:
        workers = [
            _Worker(index.path, a, b, Path(tmp) / f"part{k}.pickle", digest, rules)
            for k, (a, b) in enumerate(spans)
        ]
        try:
            for worker in workers:
                worker.start()
            if not index.scan(cancelled=cancelled):
                return _check(
                    validator,
                    RunStatus.CANCELLED if cancelled and cancelled() else RunStatus.FILE_CHANGED,
                )
            stops = [index.first_line_from(offset) for offset in cuts] + [index.line_count]
            status = validator.run(
                stop=stops[0],
                finish=False,
                on_findings=on_findings,
                on_progress=on_progress,
                cancelled=cancelled,
            )
            if status is not RunStatus.DONE:
                return _check(validator, status)
            for worker, stop in zip(workers, stops[1:], strict=True):
                part = worker.result(cancelled)
                if part is not None and part.start == validator.next_line and part.end == stop:
                    validator.absorb_part(part, worker.chunks(), on_findings, on_progress)
                    continue
                if cancelled is not None and cancelled():
                    return validator
                # The worker failed (or saw another file): check its lines here.
                status = validator.run(
                    stop=stop,
                    finish=False,
                    on_findings=on_findings,
                    on_progress=on_progress,
                    cancelled=cancelled,
                )
                if status is not RunStatus.DONE:
                    return _check(validator, status)
        finally:
            for worker in workers:
                worker.stop_now()
    return _check(
        validator,
        validator.run(on_findings=on_findings, on_progress=on_progress, cancelled=cancelled),
    )


def _check(validator: Validator, status: RunStatus) -> Validator:
    if status is RunStatus.FILE_CHANGED:
        raise UserError(f"{validator.index.name}: the file changed while it was being checked")
    return validator


def _first_line_is_json(index: LineIndex) -> bool:
    """Does line 1 parse? (If not, the file may be pretty-printed JSON, which only a
    validator that sees line 1 can decide for all the others.) Read before indexing."""
    data = index.head_line(FIRST_LINE_LIMIT)
    if data is None:
        return False
    try:
        orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return False
    return True


def _cut_offsets(size: int, n: int) -> list[int]:
    """Byte offsets where parts 2..n begin: about equal parts, the workers' a little smaller."""
    weights = [1.0] + [WORKER_SHARE] * (n - 1)
    total = sum(weights)
    offsets = []
    acc = 0.0
    for w in weights[:-1]:
        acc += w
        offsets.append(int(size * acc / total))
    return offsets


def _context() -> ForkContext | ForkServerContext | SpawnContext:
    # fork is the cheapest start, but unsafe once this process runs other threads (the TUI).
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1 and sys.platform != "darwin":
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


class _Worker:
    """One worker process checking the lines that start in bytes [start, stop)."""

    def __init__(
        self,
        path: str,
        start: int,
        stop: int | None,
        spool: Path,
        digest: bool,
        rules: RuleSet,
    ) -> None:
        self.path = path
        self.spool = spool
        ctx = _context()
        self._recv, send = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_work,
            args=(path, start, stop, str(spool), send, digest, rules),
            daemon=True,
        )
        self._send = send

    def start(self) -> None:
        self._proc.start()
        self._send.close()  # the child holds its own end

    def result(self, cancelled: Callable[[], bool] | None) -> PartState | None:
        """Wait for the part; None if the worker failed or the wait was cancelled."""
        while not self._recv.poll(0.05):
            if cancelled is not None and cancelled():
                return None
            if not self._proc.is_alive() and not self._recv.poll(0):
                return None  # died without an answer
        try:
            kind, payload = self._recv.recv()
        except (EOFError, OSError):
            return None
        if kind != "ok" or not isinstance(payload, PartState):
            return None
        return payload

    def chunks(self) -> Iterator[tuple[int, list[Finding]]]:
        severity = {code: rule.severity for code, rule in RULES.items()}
        with self.spool.open("rb") as f:
            while True:
                try:
                    end, rows = pickle.load(f)
                except EOFError:
                    return
                yield (
                    end,
                    [
                        Finding(line, severity[code], code, message, path, hint)
                        for line, code, message, path, hint in rows
                    ],
                )

    def stop_now(self) -> None:
        if self._proc.is_alive():
            self._proc.terminate()
        self._proc.join(timeout=5)
        self._recv.close()


def _work(
    path: str,
    start_offset: int,
    stop_offset: int | None,
    spool_path: str,
    conn: Connection,
    digest: bool,
    rules: RuleSet,
) -> None:
    """Worker process: check the lines that start in bytes [start_offset, stop_offset), spool
    the findings, send the state."""
    try:
        index = LineIndex(path)
        index.scan()
        start = index.first_line_from(start_offset)
        stop = index.line_count if stop_offset is None else index.first_line_from(stop_offset)
        validator = Validator.for_part(index, start, digest=digest, rules=rules)
        pending: list[tuple[int | None, str, str, str | None, str | None]] = []
        with open(spool_path, "wb") as spool:

            def on_findings(batch: list[Finding], _file_level: bool) -> None:
                pending.extend((f.line, f.code, f.message, f.path, f.hint) for f in batch)

            def on_progress(progress: Progress) -> None:
                pickle.dump((progress.lines, pending[:]), spool, protocol=pickle.HIGHEST_PROTOCOL)
                pending.clear()

            status = validator.run(
                stop=stop, finish=False, on_findings=on_findings, on_progress=on_progress
            )
        if status is not RunStatus.DONE or validator.next_line != stop:
            conn.send(("error", f"stopped: {status.value}"))
        else:
            conn.send(("ok", validator.export_part()))
    except BaseException as exc:  # report, never hang the parent
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except Exception:
            pass
    finally:
        conn.close()
