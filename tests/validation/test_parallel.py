"""Checking a file in parts on several processes gives exactly the single-process result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from batchtui.validation import parallel, pieces
from batchtui.validation.engine import RunStatus, Validator
from batchtui.validation.parallel import validate_parallel
from batchtui.validation.tally import PartState
from tests.validation.helpers import (
    all_findings,
    chat_body,
    line,
    request,
    small_limits,
    validate,
)


def build(path: Path, n: int = 900, crlf_from: int | None = None) -> Path:
    rows: list[bytes] = []
    for i in range(n):
        if i % 97 == 50:
            obj = request(f"id-{i // 3}")  # duplicates, also of ids in earlier parts
        elif i % 5 == 0:
            obj = request(f"id-{i}", chat_body(model="gpt-4.1"))  # the minority model
        elif i % 31 == 7:
            obj = request(
                f"emb-{i}",
                {"model": "text-embedding-3-small", "input": ["a"] * 40},
                url="/v1/embeddings",
            )
        elif i % 43 == 11:
            rows.append(b"{broken")
            continue
        elif i % 59 == 13:
            rows.append(b"")
            continue
        else:
            obj = request(f"id-{i}", chat_body(temperature=3 if i % 11 == 0 else 1))
        rows.append(line(obj))
    sep = [b"\r\n" if crlf_from is not None and k >= crlf_from else b"\n" for k in range(n)]
    path.write_bytes(b"".join(r + s for r, s in zip(rows, sep, strict=True)))
    return path


@pytest.mark.parametrize("processes", [2, 3])
def test_parallel_equals_single(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    # Limits passed in a later part (a constructed profile; the workers get it too).
    provider = small_limits(requests=700, embedding_inputs=700)
    path = build(tmp_path / "a.jsonl", crlf_from=600)
    single = validate(path, provider=provider).validator
    absorbed: list[int] = []
    absorb = Validator.absorb_part

    def spy(self: Validator, part: PartState, *args: object) -> None:
        absorbed.append(part.start)
        absorb(self, part, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Validator, "absorb_part", spy)
    monkeypatch.setattr(pieces, "MIN_PIECE_BYTES", 1)  # 32 pieces of this small file
    seen: list[tuple[int, bool]] = []
    multi = validate_parallel(
        path,
        provider=provider,
        processes=processes,
        min_bytes=0,
        on_findings=lambda batch, file_level: seen.extend((f.line or 0, file_level) for f in batch),
    )
    assert len(absorbed) >= processes - 1  # every worker's pieces, not a fallback
    assert all_findings(multi) == all_findings(single)
    multi_snap, single_snap = multi.report.snapshot(), single.report.snapshot()
    # The digests cut the file where each process read it; both cover exactly its bytes.
    assert multi_snap.digest is not None and single_snap.digest is not None
    assert len(multi_snap.digest.ranges) >= processes
    assert multi_snap.digest.matches(path) and single_snap.digest.matches(path)
    assert dataclasses.replace(multi_snap, digest=None) == dataclasses.replace(
        single_snap, digest=None
    )
    codes = {f.code for f in multi.iter_findings()}
    assert {
        "duplicate_custom_id",
        "model_mismatch",
        "invalid_url",
        "too_many_tasks",
        "too_many_embedding_inputs",
        "crlf_line_ending",
        "value_out_of_range",
    } <= codes
    # Streamed in line order, then the file-level findings.
    lines = [n for n, file_level in seen if not file_level]
    assert lines == sorted(lines)
    assert len(seen) == multi.report.snapshot().total


def test_falls_back_to_one_process(tmp_path: Path) -> None:
    path = build(tmp_path / "a.jsonl", n=50)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # no final newline
    v = validate_parallel(path, processes=2, min_bytes=0)
    assert all_findings(v) == all_findings(validate(path).validator)


def test_a_failing_worker_is_replaced_by_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pieces, "MIN_PIECE_BYTES", 1)
    monkeypatch.setattr(pieces, "work", _broken_work)
    path = build(tmp_path / "a.jsonl")
    v = validate_parallel(path, processes=2, min_bytes=0)
    assert all_findings(v) == all_findings(validate(path).validator)


def _broken_work(*args: object) -> None:
    raise RuntimeError("boom")


def test_workers_of_a_threaded_program_come_from_the_forkserver(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in the TUI: other threads run, so forking this process would be unsafe; the workers
    # start from a forkserver, and the shared board and pieces still work.
    import threading

    monkeypatch.setattr(pieces, "MIN_PIECE_BYTES", 1)
    started: list[str] = []
    context = parallel._context

    def spy() -> object:
        ctx = context()
        started.append(ctx.get_start_method())
        return ctx

    monkeypatch.setattr(parallel, "_context", spy)
    absorbed: list[int] = []
    absorb = Validator.absorb_part

    def absorb_spy(self: Validator, part: PartState, *args: object) -> None:
        absorbed.append(part.start)
        absorb(self, part, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Validator, "absorb_part", absorb_spy)
    path = build(tmp_path / "a.jsonl")
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        multi = validate_parallel(path, processes=2, min_bytes=0)
    finally:
        release.set()
        other.join()
    assert started == ["forkserver"] and absorbed  # a worker's pieces, not a fallback
    assert all_findings(multi) == all_findings(validate(path).validator)
    assert multi.digest() is not None and multi.digest().matches(path)  # type: ignore[union-attr]


def test_workers_keep_taking_pieces_while_the_caller_is_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A piece's state (its custom_ids) can be bigger than a pipe holds. It used to be sent
    # through the pipe, so a worker with two finished pieces blocked until the caller, busy
    # with its own pieces, read them: the caller then checked almost the whole file alone.
    import time

    monkeypatch.setattr(pieces, "MIN_PIECE_BYTES", 1)
    path = tmp_path / "ids.jsonl"
    path.write_bytes(b"".join(line(request(f"id-{i:07d}")) + b"\n" for i in range(48_000)))
    take_front = pieces.Board.take_front
    backs: list[int] = []

    def slow_front(board: pieces.Board) -> int | None:
        # The caller's first piece waits (bounded) until the worker has done 8 pieces.
        if not backs:
            deadline = time.monotonic() + 20
            while board.state()[1] > 32 - 8 and time.monotonic() < deadline:
                time.sleep(0.01)
            backs.append(board.state()[1])
        return take_front(board)

    monkeypatch.setattr(pieces.Board, "take_front", slow_front)
    absorbed: list[int] = []
    absorb = Validator.absorb_part

    def spy(self: Validator, part: PartState, *args: object) -> None:
        absorbed.append(part.start)
        absorb(self, part, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Validator, "absorb_part", spy)
    v = validate_parallel(path, processes=2, min_bytes=0, digest=False)
    assert backs and backs[0] <= 32 - 8, "the worker stopped taking pieces"
    assert len(absorbed) >= 8
    assert v.report.snapshot().total == 0 and v.next_line == 48_000


def test_a_caller_that_yields_leaves_the_rest_to_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The TUI's thread checks pieces only until a worker runs, then merges: the workers then
    # take the pieces in order, so its progress moves on as they finish, never backwards.
    from batchtui.jsonl.index import LineIndex
    from batchtui.validation.engine import Progress
    from batchtui.validation.parallel import run_parallel

    monkeypatch.setattr(pieces, "MIN_PIECE_BYTES", 1)
    path = build(tmp_path / "a.jsonl", n=3000)
    taken: list[int | None] = []
    take_front = pieces.Board.take_front

    def spy(board: pieces.Board) -> int | None:
        taken.append(take_front(board))
        return taken[-1]

    monkeypatch.setattr(pieces.Board, "take_front", spy)
    validator = Validator(LineIndex(path))
    progress: list[int] = []

    def on_progress(p: Progress) -> None:
        progress.append(p.lines)

    status = run_parallel(
        validator, workers=2, min_bytes=0, caller_yields=True, on_progress=on_progress
    )
    assert status is RunStatus.DONE
    assert taken[-1] is None and len(taken) - 1 < 32  # it stopped taking pieces
    assert progress == sorted(progress) and progress[-1] == 3000
    assert all_findings(validator) == all_findings(validate(path).validator)


HEAD_START = """
import json, os, sys, threading
from batchtui.validation import parallel, pieces
from batchtui.validation.engine import Validator
from batchtui.jsonl.index import LineIndex
from tests.validation.helpers import all_findings

pieces.MIN_PARALLEL_BYTES = 0  # this small file counts as big
pieces.MIN_PIECE_BYTES = 1
path = sys.argv[1]
index = LineIndex(path)
head = pieces.head_start(index, workers=2)  # as the command line does, before the app
absorbed = []
absorb = Validator.absorb_part
def spy(self, part, *args):
    absorbed.append(part.start)
    return absorb(self, part, *args)
Validator.absorb_part = spy
out = {}
def screen():  # the File screen's validation: a thread of a threaded program, later
    validator = Validator(index)
    out["status"] = parallel.run_parallel(validator, workers=2, caller_yields=True, head=head)
    out["validator"] = validator
thread = threading.Thread(target=screen)
thread.start()
thread.join()
single = Validator(LineIndex(path))
single.run()
validator = out["validator"]
print(json.dumps({
    "workers": len(head.workers),
    "absorbed": len(absorbed),
    "same": all_findings(validator) == all_findings(single),
    "digest": validator.digest().matches(path),
    "status": out["status"].value,
    "running": [w.pid for w in head.workers if w.alive()],
    "files_left": os.path.exists(head.tmp.name),
}))
"""


def test_workers_started_before_the_app_are_adopted_by_its_validation(tmp_path: Path) -> None:
    # The command line forks the workers while it has one thread (in a fresh process here:
    # pytest's own may have threads); the File screen's validation, in a thread, merges
    # their pieces. The result is the one-process result, digest included.
    import json
    import subprocess
    import sys

    path = build(tmp_path / "a.jsonl", n=3000, crlf_from=2000)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", HEAD_START, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result == {
        "workers": 2,
        "absorbed": result["absorbed"],
        "same": True,
        "digest": True,
        "status": "done",
        "running": [],
        "files_left": False,
    }
    assert result["absorbed"] >= 2  # the workers' pieces, not the caller's
