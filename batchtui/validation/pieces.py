"""Pieces of one file checked by worker processes: the board they take pieces from, the
workers, and what they leave on disk. The caller's side is :mod:`batchtui.validation.parallel`.

Light to import on purpose (nothing of the validator until a worker runs): the command line
starts the workers of the TUI's first validation before the UI exists (:func:`head_start`),
so they index and check the file while the app starts on the other core.

Everything between the caller and its workers goes through a private directory, so any way
of starting a process works the same (``fork``, a ``forkserver``): the board is a small file
(its counters read and written under ``flock``); a worker writes piece k's findings to
``piece{k}.findings`` and then, as its "done", the piece's state to ``piece{k}.state``
(renamed into place whole), or ``piece{k}.failed``. No pipe can fill up and block a worker
while the caller is busy.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import pickle
import signal
import struct
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from batchtui.jsonl.index import LineIndex
    from batchtui.validation.findings import Finding
    from batchtui.validation.providers import Provider
    from batchtui.validation.ruleset import RuleSet

MIN_PARALLEL_BYTES = 16 * 1024 * 1024  # smaller files are checked by one validator
# How much lower the priority of an interactive caller's workers is: the UI, its own index
# scan and the terminal get a core when they need one (keys stayed at the --no-validate
# figures here, against a worst case of 470 ms at the same priority), the workers all the
# rest; on an idle machine that costs them nothing.
WORKER_NICE = 10
FIRST_LINE_LIMIT = 64 * 1024 * 1024  # a longer first line: one process
PIECES = 32  # a file is cut into about this many pieces...
MIN_PIECE_BYTES = 4 * 1024 * 1024  # ...of at least this many bytes...
MAX_PIECE_BYTES = 32 * 1024 * 1024  # ...and at most this many


def default_processes() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def piece_offsets(size: int, at_least: int = 1) -> list[int]:
    """Byte offsets where the pieces begin, then ``size``: about :data:`PIECES` pieces, and
    ``at_least`` (one for the caller and each worker, however small the file)."""
    piece = max(1, min(MAX_PIECE_BYTES, max(MIN_PIECE_BYTES, size // PIECES)))
    count = min(max(1, size), max(at_least, round(size / piece)))
    return [size * k // count for k in range(count)] + [size]


def worth_pieces(index: LineIndex, min_bytes: int | None = None) -> bool:
    """Can this file be cut into pieces? Big enough, a final newline, and a first line that
    parses (if not, the file may be pretty-printed JSON, which only a validator that sees
    line 1 can decide for all the others). Reads two small bits of it, before indexing."""
    import orjson

    if index.size < (MIN_PARALLEL_BYTES if min_bytes is None else min_bytes):
        return False
    if not index.ends_with_newline:
        return False
    data = index.head_line(FIRST_LINE_LIMIT)
    if data is None:
        return False
    try:
        orjson.loads(data.removeprefix(b"\xef\xbb\xbf"))
    except orjson.JSONDecodeError:
        return False
    return True


# -- the board ---------------------------------------------------------------------------

_SLOTS = struct.Struct("<7q")
_FRONT, _BACK, _STOP, _RESERVED, _WORKERS, _YIELD, _CALLER_DONE = range(7)


class Board:
    """Which pieces are taken: the caller takes them from the front, workers from the back.
    The last piece of each worker is kept for it until it takes its first, so every worker
    that starts has work however fast the caller is; a caller that ``yields`` takes no more
    once a worker has started. Once the caller takes no more, the workers take the rest from
    the front, so their pieces finish about in order and the caller merges them as they come
    (its progress moves on). A file of counters, read and changed under an exclusive lock;
    each process opens it for itself (a descriptor shared across a fork shares its lock)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = -1
        self._pid = 0

    @classmethod
    def create(
        cls, path: str, count: int, workers: int, yields: bool, workers_first: bool = False
    ) -> Board:
        """``workers_first``: no caller is there yet (workers started ahead of it), so the
        workers take pieces from the front from the start, as if the caller had stopped."""
        with open(path, "wb") as f:
            f.write(_SLOTS.pack(0, count, 0, workers, workers, int(yields), int(workers_first)))
        return cls(path)

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

    def _change(self, change: Callable[[list[int]], int | None]) -> int | None:
        if self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR)
            self._pid = os.getpid()
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            slots = list(_SLOTS.unpack(os.pread(self._fd, _SLOTS.size, 0)))
            result = change(slots)
            os.pwrite(self._fd, _SLOTS.pack(*slots), 0)
            return result
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def take_front(self) -> int | None:
        def take(slots: list[int]) -> int | None:
            if (
                slots[_STOP]
                or slots[_FRONT] >= slots[_BACK] - slots[_RESERVED]
                or (slots[_YIELD] and slots[_RESERVED] < slots[_WORKERS])  # a worker runs
            ):
                slots[_CALLER_DONE] = 1
                return None
            slots[_FRONT] += 1
            return slots[_FRONT] - 1

        return self._change(take)

    def take_back(self, first: bool) -> int | None:
        """A worker's next piece (``first``: its first claim, which ends its reservation)."""

        def take(slots: list[int]) -> int | None:
            if first:
                slots[_RESERVED] -= 1
            if slots[_STOP] or slots[_FRONT] >= slots[_BACK]:
                return None
            if slots[_CALLER_DONE]:
                slots[_FRONT] += 1
                return slots[_FRONT] - 1
            slots[_BACK] -= 1
            return slots[_BACK]

        return self._change(take)

    def stop(self) -> None:
        def stop(slots: list[int]) -> None:
            slots[_STOP] = 1

        self._change(stop)

    def state(self) -> tuple[int, int]:
        """(front, back): the caller has taken pieces [0, front), workers [back, count)."""
        out: list[int] = []
        self._change(lambda slots: out.extend((slots[_FRONT], slots[_BACK])))
        return out[0], out[1]


# -- what a worker leaves on disk -----------------------------------------------------------


def findings_path(tmp: str, k: int) -> str:
    return os.path.join(tmp, f"piece{k}.findings")


def state_path(tmp: str, k: int) -> str:
    return os.path.join(tmp, f"piece{k}.state")


def failed_path(tmp: str, k: int) -> str:
    return os.path.join(tmp, f"piece{k}.failed")


# -- workers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """What every worker of one run is told (picklable: a forkserver sends it over)."""

    path: str
    file_id: tuple[int, int]
    offsets: list[int]
    board: Board
    tmp: str
    digest: bool
    rules: RuleSet | None  # None: the worker sniffs the file as the caller's validator will
    provider: Provider | None
    quiet: bool  # nothing to the inherited terminal (a TUI draws on it)
    nice: int = 0  # lower the workers' priority by this much


class Worker:
    """A started worker process: a child forked here, or a multiprocessing process."""

    def __init__(self, pid: int = 0, process: Any = None) -> None:
        self.pid = pid
        self.process = process
        self._exited = False

    def alive(self) -> bool:
        if self.process is not None:
            return bool(self.process.is_alive())
        if self._exited:
            return False
        try:
            done, _ = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            done = self.pid
        if done:
            self._exited = True
            _FORKED.discard(self.pid)
        return not self._exited

    def stop(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join(timeout=5)
            return
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self._exited = True
            _FORKED.discard(self.pid)


_FORKED: set[int] = set()  # children forked here and not reaped yet


@atexit.register
def _stop_forked() -> None:
    """A worker forked here does not outlive the program (multiprocessing's own do not)."""
    for pid in list(_FORKED):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def fork_worker(job: Job, wait: tuple[int, int] | None = None) -> Worker:
    """A worker forked from this process, which must have no other thread (fork would copy
    locks held by them). The child never returns: it runs :func:`work`, then exits at once
    (no atexit handlers, no flushing of buffers that belong to this process). ``wait``: a
    pipe (read end, write end) to read one byte from first; its end means "not needed"."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - in the child (coverage does not follow os._exit)
        code = 0
        try:
            if wait is not None:
                os.close(wait[1])
                if os.read(wait[0], 1) != b"g":
                    os._exit(0)  # sent away before it began
                os.close(wait[0])
            work(job)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _FORKED.add(pid)
    return Worker(pid=pid)


def work(job: Job) -> None:
    """A worker: take pieces from the board until none is left; for each, write its
    findings, then its state (or that it failed). Any failure is written, never raised: the
    caller checks that piece itself."""
    import gc

    gc.enable()  # (a process forked from the command line's start-up has it off)
    if job.nice:
        try:
            os.nice(job.nice)
        except OSError:
            pass
    if job.quiet:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
    k: int | None = None
    try:
        from batchtui.jsonl.index import LineIndex
        from batchtui.validation.engine import RunStatus, Validator
        from batchtui.validation.kinds import rules_for
        from batchtui.validation.providers import OPENAI

        index = LineIndex(job.path)
        if index.file_id != job.file_id:
            return  # another file has this name now: the caller checks every piece
        rules = job.rules
        if rules is None:
            from batchtui.jsonl.kinds import sniff_index

            rules = rules_for(sniff_index(index), job.provider or OPENAI)
            if getattr(rules, "whole", None) is not None:
                return  # one finding for the whole file: nothing to cut
        first = True
        while (k := job.board.take_back(first)) is not None:
            first = False
            # Indexed as far as this piece needs: a worker taking pieces from the front
            # starts checking at once instead of after a scan of the whole file.
            if not index.scan_to(job.offsets[k + 1]):
                _write_failed(job.tmp, k, "the file changed")
                return
            start = index.first_line_from(job.offsets[k])
            stop = index.first_line_from(job.offsets[k + 1])
            validator = Validator.for_part(index, start, digest=job.digest, rules=rules)
            with open(findings_path(job.tmp, k), "wb") as spool:
                status = validator.run(stop=stop, finish=False, **_spooler(spool))
            if status is not RunStatus.DONE or validator.next_line != stop:
                _write_failed(job.tmp, k, f"stopped: {status.value}")
                return
            state = state_path(job.tmp, k)
            with open(state + ".tmp", "wb") as f:
                pickle.dump((rules, validator.export_part()), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(state + ".tmp", state)  # whole, or not there
            k = None
    except BaseException as exc:
        if k is not None:
            _write_failed(job.tmp, k, f"{type(exc).__name__}: {exc}")
        if not isinstance(exc, Exception):
            raise


def _write_failed(tmp: str, k: int, why: str) -> None:
    try:
        with open(failed_path(tmp, k), "w") as f:
            f.write(why)
    except OSError:
        pass


def _spooler(spool: Any) -> dict[str, Any]:
    """Callbacks for :meth:`Validator.run` that write each chunk's findings to ``spool`` as
    ``(end line, rows)``, in the order the caller reads them back."""
    pending: list[tuple[int | None, str, str, str | None, str | None]] = []

    def on_findings(batch: list[Finding], _file_level: bool) -> None:
        pending.extend((f.line, f.code, f.message, f.path, f.hint) for f in batch)

    def on_progress(progress: Any) -> None:
        pickle.dump((progress.lines, pending[:]), spool, protocol=pickle.HIGHEST_PROTOCOL)
        pending.clear()

    return {"on_findings": on_findings, "on_progress": on_progress}


# -- workers started before the validator exists -------------------------------------------


@dataclass
class HeadStart:
    """Workers forked early, waiting for the word to check pieces of a file for a validator
    made later (by the TUI's File screen, which hands this to
    :func:`batchtui.validation.parallel.run_parallel`)."""

    path: str
    file_id: tuple[int, int]
    size: int
    offsets: list[int]
    board: Board
    tmp: tempfile.TemporaryDirectory[str]
    go_fd: int  # one byte for each worker starts it; closing it sends them away
    workers: list[Worker] = field(default_factory=list)
    taken: bool = False  # adopted by a run (which then owns it)
    provider: Provider | None = None  # whose rules the workers apply (None: OpenAI's)

    def matches(self, index: LineIndex, provider: Provider | None = None) -> bool:
        """For this file, checked by the same provider's rules as the validator's."""
        from batchtui.validation.providers import OPENAI

        same_rules = (self.provider or OPENAI) == (provider or OPENAI)
        return index.path == self.path and index.file_id == self.file_id and same_rules

    def go(self) -> None:
        """Start the workers (at once: they have waited since they were forked)."""
        if self.go_fd >= 0:
            try:
                os.write(self.go_fd, b"g" * len(self.workers))  # (one more than wait)
            finally:
                os.close(self.go_fd)
                self.go_fd = -1

    def close(self) -> None:
        """Stop the workers and remove their files (a run that adopted it does this)."""
        if self.go_fd >= 0:
            os.close(self.go_fd)  # waiting workers read the end of it and leave
            self.go_fd = -1
        self.board.stop()
        for worker in self.workers:
            worker.stop()
        self.tmp.cleanup()


def head_start(
    index: LineIndex,
    *,
    workers: int | None = None,
    digest: bool = True,
    provider: Provider | None = None,
) -> HeadStart | None:
    """Fork the workers of a validation that a UI will run on ``index`` once it is up,
    while this process still has one thread and little memory (forking is safe and cheap
    then). They index the file, sniff its kind and check pieces from its start, at a lower
    priority (:data:`WORKER_NICE`), writing nothing to the terminal. One a core by default:
    the first begins at once, on the core the app's start-up leaves free; the others wait,
    using no CPU while the app starts (it needs its core, and the terminal drawing its first
    frame needs one too), until :meth:`HeadStart.go`. None when the file is not worth cutting
    or this process already runs other threads."""
    count = default_processes() if workers is None else workers
    if count < 1 or threading.active_count() != 1 or not hasattr(os, "fork"):
        return None
    if not worth_pieces(index):
        return None
    offsets = piece_offsets(index.size, count + 1)
    count = min(count, len(offsets) - 2)
    if count < 1:
        return None
    tmp = tempfile.TemporaryDirectory(prefix="batchtui-validate-")
    board = Board.create(
        os.path.join(tmp.name, "board"), len(offsets) - 1, count, yields=True, workers_first=True
    )
    job = Job(
        index.path,
        index.file_id,
        offsets,
        board,
        tmp.name,
        digest,
        None,
        provider,
        quiet=True,
        nice=WORKER_NICE,
    )
    go_r, go_w = os.pipe()
    start = HeadStart(
        index.path, index.file_id, index.size, offsets, board, tmp, go_w, provider=provider
    )
    try:
        for k in range(count):
            # The first begins at once, on the core the app's start-up leaves free (at a
            # lower priority, it gives way to the app and the terminal); the others wait.
            wait = None if k == 0 else (go_r, go_w)
            try:
                start.workers.append(fork_worker(job, wait=wait))
            except OSError:
                break
    finally:
        os.close(go_r)  # the workers hold it
    return start
