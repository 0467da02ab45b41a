"""Validation of a large file on several cores, headless or under the TUI: the caller's side.

The file is cut at byte offsets into pieces (about 1/32 of the file, 4-32 MB each, at least
one a process). The calling thread checks pieces from the front with its own
:class:`Validator`, streaming its findings as usual; worker processes take pieces from the
back, one at a time, until the two meet (:mod:`batchtui.validation.pieces`: the board, the
workers, and the files they leave). Taking goes through a small shared board, so the split
adapts to how fast each side really is: a thread that yields to a UI, workers that start
late, a busy machine. Each worker has its own :class:`~batchtui.jsonl.LineIndex` (its own
descriptor, reading with ``pread``, so a file truncated meanwhile is "the file changed",
never a SIGBUS) and writes the findings of a piece to a file instead of holding them, so
memory stays flat however many findings there are. The caller merges the workers' pieces in
order (:meth:`Validator.absorb_part`): duplicate ids across pieces, the majority url and
model, the limits and the first CRLF are settled as if one validator had read the whole file;
the digest is the pieces' hashes in order, so it covers exactly the bytes validated; the
file-level rules run once at the end.

Every process maps a byte offset to the same line once it has indexed the file, so the
workers start at once and index in parallel with the caller. A worker checks that it opened
the same file (device and inode) as the caller; a piece whose lines or rules do not match
what the caller has (the file changed meanwhile) is checked again by the caller, and so is
every piece of a worker that fails for any reason.

Small files, files whose first line is not JSON (maybe a pretty-printed document, which only a
whole-file view can tell), files without a final newline and a validator that has already
checked lines (a re-run after an append) go through the caller's validator alone.

Workers are forked when the caller is the only thread (the CLI: cheap, and safe then); a
caller with other threads (the TUI) gets them from a ``forkserver`` that has already imported
the validator, and they write nothing to the terminal the TUI draws on. The TUI's first
validation adopts workers the command line forked before the app started
(:func:`batchtui.validation.pieces.head_start`), so they work while the UI starts.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from batchtui.core.errors import UserError
from batchtui.jsonl.index import LineIndex
from batchtui.validation import pieces as P
from batchtui.validation.engine import FindingsCallback, Progress, RunStatus, Validator
from batchtui.validation.findings import Finding
from batchtui.validation.providers import OPENAI, Provider
from batchtui.validation.rules import RULES
from batchtui.validation.ruleset import RuleSet
from batchtui.validation.tally import PartState

# Re-exported: the sizes and the process count are set in pieces.py.
MIN_PARALLEL_BYTES = P.MIN_PARALLEL_BYTES
default_processes = P.default_processes
piece_offsets = P.piece_offsets
HeadStart = P.HeadStart
head_start = P.head_start

POLL_SECONDS = 0.005  # how often the caller looks for a worker's next piece
# What the forkserver imports once, so a worker it forks starts with the validator loaded.
# (numpy: the worker's scan of the file uses it, and it takes ~0.1 s to import.)
FORKSERVER_PRELOAD = ["batchtui.validation.parallel", "numpy"]


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
    """Validate the file at ``path`` with up to ``processes`` processes, this one included
    (default: the CPU count, at most 4) and return the validator (its report is complete
    unless cancelled). ``copy_of`` names what ``path`` is a private copy of (see
    :class:`LineIndex`); ``digest=False`` skips hashing the bytes checked; ``rules`` judges
    the file (default: the rules of the kind the file's head is sniffed to be, an input's
    under ``provider``; see :class:`Validator`). The workers get the same rules.

    Raises UserError if the file cannot be opened or changes while it is being checked.
    """
    index = LineIndex(path, copy_of=copy_of)
    validator = Validator(index, digest=digest, provider=provider, rules=rules)
    n = processes or default_processes()
    status = run_parallel(
        validator,
        workers=n - 1,
        on_findings=on_findings,
        on_progress=on_progress,
        cancelled=cancelled,
        min_bytes=min_bytes,
    )
    if status is RunStatus.FILE_CHANGED:
        raise UserError(f"{validator.index.name}: the file changed while it was being checked")
    return validator


def run_parallel(
    validator: Validator,
    *,
    workers: int,
    on_findings: FindingsCallback | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    min_bytes: int | None = None,
    caller_yields: bool = False,
    head: HeadStart | None = None,
) -> RunStatus:
    """:meth:`Validator.run`, with up to ``workers`` worker processes checking pieces of the
    file beside the calling thread (see the module doc), if it has at least ``min_bytes``
    (default :data:`MIN_PARALLEL_BYTES`). The validator's index may still be scanning (in
    another thread): the workers start first. Safe to call from a thread of a program that
    has other threads. ``caller_yields``: the calling thread checks pieces only until the
    first worker runs, then leaves the rest to the workers and only merges (a UI keeps its
    interpreter for keys), and the workers run at a lower priority. ``head``: workers
    started earlier for this file (:func:`head_start`), which this run adopts and closes."""
    index = validator.index
    usable = (
        head is not None
        and not head.taken
        and head.matches(index, validator.provider)
        and not validator.next_line
    )
    if head is not None and not usable and not head.taken:
        head.close()  # for another file, or too late: nothing will merge its pieces
    if (
        getattr(validator.rules, "whole", None) is not None  # one finding: no lines
        or validator.next_line
        or not (usable or (workers >= 1 and P.worth_pieces(index, min_bytes)))
    ):
        return validator.run(on_findings=on_findings, on_progress=on_progress, cancelled=cancelled)
    with _Pieces(validator, workers, caller_yields, head if usable else None) as pieces:
        status = pieces.run(on_findings, on_progress, cancelled)
    if status is not RunStatus.DONE:
        return status
    # The file-level rules, and any lines appended meanwhile.
    return validator.run(on_findings=on_findings, on_progress=on_progress, cancelled=cancelled)


def _context() -> Any:
    """A forkserver to start workers from (this process runs other threads, so it must not
    fork itself), started here if it is not running yet; spawn where there is none."""
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    with _START_LOCK:
        # multiprocessing starts its helper processes (the resource tracker, the forkserver)
        # handing them ``sys.stderr.fileno()``; under Textual, sys.stderr is a capture whose
        # fileno() is -1, which fails that start. They get the real one: Textual draws on
        # sys.__stderr__ itself, and nothing prints in the moment this takes.
        saved = sys.stderr
        if sys.__stderr__ is not None and _fileno(saved) < 0:
            sys.stderr = sys.__stderr__
        try:
            if method == "forkserver":
                from multiprocessing import forkserver

                forkserver.ensure_running()
            else:
                from multiprocessing import resource_tracker

                resource_tracker.ensure_running()
        finally:
            sys.stderr = saved
    return ctx


_START_LOCK = threading.Lock()


def _fileno(stream: Any) -> int:
    try:
        return int(stream.fileno())
    except Exception:
        return -1


class _Pieces:
    """The caller's side of one run: the board, the workers, their files (module doc)."""

    def __init__(
        self, validator: Validator, workers: int, caller_yields: bool, head: HeadStart | None
    ) -> None:
        self.validator = validator
        self._starter: threading.Thread | None = None
        self.workers: list[P.Worker] = []
        if head is not None:
            head.taken = True
            head.go()  # (if the caller has not already)
            self.head: HeadStart | None = head
            self.offsets = head.offsets
            self.board = head.board
            self.tmp = head.tmp
            self.workers = head.workers
            return
        self.head = None
        index = validator.index
        self.offsets = P.piece_offsets(index.size, workers + 1)
        workers = min(workers, len(self.offsets) - 2)
        self.tmp = tempfile.TemporaryDirectory(prefix="batchtui-validate-")
        self.board = P.Board.create(
            os.path.join(self.tmp.name, "board"), len(self.offsets) - 1, workers, caller_yields
        )
        forking = threading.active_count() == 1 and hasattr(os, "fork")
        job = P.Job(
            index.path,
            index.file_id,
            self.offsets,
            self.board,
            self.tmp.name,
            validator.digest_enabled,
            validator.rules,
            None,
            quiet=not forking,  # a threaded caller may be a TUI, drawing on the terminal
            nice=P.WORKER_NICE if caller_yields else 0,
        )
        if forking:
            # Now, while this is the only thread (fork is safe), and cheap.
            self.workers = [P.fork_worker(job) for _ in range(workers)]
        else:
            # A forkserver may take a moment to come up: check pieces meanwhile.
            self._starter = threading.Thread(
                target=self._start,
                args=(job, workers),
                name="batchtui-validate-start",
                daemon=True,
            )
            self._starter.start()

    def _start(self, job: P.Job, count: int) -> None:
        try:
            ctx = _context()
            for _ in range(count):
                process = ctx.Process(target=P.work, args=(job,), daemon=True)
                process.start()
                self.workers.append(P.Worker(process=process))
        except Exception:
            pass  # the pieces nobody took are checked by the caller

    def __enter__(self) -> _Pieces:
        return self

    def __exit__(self, *exc: object) -> None:
        self.board.stop()
        if self._starter is not None:
            self._starter.join()
        for worker in self.workers:
            worker.stop()
        self.tmp.cleanup()

    def _starting(self) -> bool:
        return self._starter is not None and self._starter.is_alive()

    def run(
        self,
        on_findings: FindingsCallback | None,
        on_progress: Callable[[Progress], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> RunStatus:
        v = self.validator
        index = v.index
        offsets = self.offsets

        def bound(k: int) -> int | None:
            """Where piece ``k``'s lines begin (the end for k = count), once indexed: this
            thread starts on the first piece while the rest of the file is being scanned."""
            if not index.scan_to(offsets[k], cancelled):
                return None
            return index.first_line_from(offsets[k])

        def run_to(k: int) -> RunStatus:
            stop = bound(k + 1)
            if stop is None:
                return _stopped(cancelled)
            return v.run(
                stop=stop,
                finish=False,
                on_findings=on_findings,
                on_progress=on_progress,
                cancelled=cancelled,
            )

        taken = 0  # pieces [0, taken) are this thread's
        while (k := self.board.take_front()) is not None:
            taken = k + 1
            status = run_to(k)
            if status is not RunStatus.DONE:
                return status
        for k in range(taken, len(offsets) - 1):
            part = self._wait(k, cancelled)
            if cancelled is not None and cancelled():
                return RunStatus.CANCELLED
            end = bound(k + 1)
            if end is None:
                return _stopped(cancelled)
            if part is not None and part.start == v.next_line and part.end == end:
                v.absorb_part(part, self._chunks(k), on_findings, on_progress)
                continue
            status = run_to(k)  # failed, or saw other lines: check it here
            if status is not RunStatus.DONE:
                return status
        return RunStatus.DONE

    def _wait(self, k: int, cancelled: Callable[[], bool] | None) -> PartState | None:
        """Piece ``k``'s state from whichever worker took it; None if it failed, no worker
        will write it (they stopped), it was checked by other rules, or the wait is
        cancelled."""
        tmp = self.tmp.name
        state, failed = P.state_path(tmp, k), P.failed_path(tmp, k)
        while not os.path.exists(state):
            if os.path.exists(failed) or (cancelled is not None and cancelled()):
                return None
            if not self._starting() and not any(w.alive() for w in self.workers):
                if not os.path.exists(state):
                    return None
                break
            time.sleep(POLL_SECONDS)
        with open(state, "rb") as f:
            rules, part = pickle.load(f)
        os.unlink(state)
        if rules != self.validator.rules or not isinstance(part, PartState):
            return None  # the worker read another kind of file (it changed): check it here
        return part

    def _chunks(self, k: int) -> Iterator[tuple[int, list[Finding]]]:
        severity = {code: rule.severity for code, rule in RULES.items()}
        path = P.findings_path(self.tmp.name, k)
        with open(path, "rb") as f:
            while True:
                try:
                    end, rows = pickle.load(f)
                except EOFError:
                    break
                yield (
                    end,
                    [
                        Finding(line, severity[code], code, message, path, hint)
                        for line, code, message, path, hint in rows
                    ],
                )
        os.unlink(path)


def _stopped(cancelled: Callable[[], bool] | None) -> RunStatus:
    """Why indexing stopped short: cancelled, or the file changed under it."""
    return RunStatus.CANCELLED if cancelled is not None and cancelled() else RunStatus.FILE_CHANGED
