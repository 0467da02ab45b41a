"""Standard input and gzip files are read into a private, bounded spool file."""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import stat
import threading
from pathlib import Path

import pytest

from batchtui.core.errors import UserError
from batchtui.jsonl import spool
from batchtui.jsonl.spool import open_input, stdin_has_data

DATA = b"".join(b'{"custom_id": "r%d", "x": "%s"}\n' % (i, b"y" * (i % 50)) for i in range(3000))


def pipe_with(*parts: bytes) -> int:
    """A pipe's read end, fed ``parts`` one write at a time from a thread."""
    r, w = os.pipe()

    def feed() -> None:
        with os.fdopen(w, "wb", buffering=0) as f, contextlib.suppress(BrokenPipeError):
            for part in parts:
                f.write(part)  # a reader that gives up closes its end: EPIPE, expected

    threading.Thread(target=feed, daemon=True).start()
    return r


def read_back(fd: int, **kwargs: object) -> spool.Input:
    try:
        return open_input("-", stdin_fd=fd, **kwargs)  # type: ignore[arg-type]
    finally:
        os.close(fd)


def test_stdin_is_spooled_privately_and_named_stdin() -> None:
    inp = read_back(pipe_with(DATA[:1], DATA[1:5000], DATA[5000:]))
    assert inp.copy_of == "<stdin>" and inp.is_stdin and inp.name == "<stdin>"
    assert Path(inp.path).read_bytes() == DATA
    assert Path(inp.path).name == "stdin.jsonl"
    assert stat.S_IMODE(os.stat(inp.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(os.path.dirname(inp.path))).st_mode) == 0o700
    with inp.index() as ix:
        assert ix.name == "<stdin>" and ix.copy_of == "<stdin>"
        ix.scan()
        assert ix.line_count == 3000


def test_gzip_on_stdin_even_one_byte_at_a_time_and_in_several_members() -> None:
    packed = gzip.compress(DATA[:7000]) + gzip.compress(DATA[7000:])  # `cat a.gz b.gz`
    inp = read_back(pipe_with(packed[:1], packed[1:2], packed[2:]))
    assert Path(inp.path).read_bytes() == DATA


def test_gzip_file_by_its_content_named_after_it(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl.gz"
    path.write_bytes(gzip.compress(DATA))
    inp = open_input(str(path))
    assert inp.copy_of == str(path) and not inp.is_stdin
    assert Path(inp.path).name == "x.jsonl" and Path(inp.path).read_bytes() == DATA
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(DATA)
    assert open_input(str(plain)) == spool.Input(str(plain))  # read in place, no copy


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # mtime=0: the same bytes in every process (xdist workers must collect equal ids)
        (gzip.compress(DATA, mtime=0)[:-20], "ends early"),
        (b"\x1f\x8b" + b"garbage" * 20, "not valid gzip data"),
    ],
    ids=["truncated", "garbage"],
)
def test_broken_gzip_is_one_line(data: bytes, message: str) -> None:
    with pytest.raises(UserError, match=message):
        read_back(pipe_with(data))


def test_the_spool_is_bounded_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = gzip.compress(b"\n" * (50 * 1024 * 1024))  # 50 KB that inflate to 50 MB
    before = _spool_entries()
    with pytest.raises(UserError, match=r"more than 1\.0 MB"):
        read_back(pipe_with(bomb), limit=1024 * 1024)
    assert _spool_entries() == before


def test_a_full_disk_is_one_line_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write
    written = [0]

    def full(fd: int, data: bytes) -> int:
        if written[0] > 100_000:
            raise OSError(errno.ENOSPC, "No space left on device")
        written[0] += len(data)
        return real_write(fd, data)

    before = _spool_entries()
    monkeypatch.setattr(spool.os, "write", full)
    with pytest.raises(UserError, match=r"no space left in .* for a copy of it"):
        read_back(pipe_with(DATA * 3))
    monkeypatch.undo()
    assert _spool_entries() == before


def test_paths_that_are_not_regular_files_are_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="pipe"):
        open_input(str(fifo))
    with pytest.raises(UserError, match="no such file"):
        open_input(str(tmp_path / "missing.jsonl"))


def test_stdin_has_data_only_for_pipes_and_files(tmp_path: Path) -> None:
    r, w = os.pipe()
    try:
        assert stdin_has_data(r)
    finally:
        os.close(r)
        os.close(w)
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        assert not stdin_has_data(devnull)
    finally:
        os.close(devnull)
    f = tmp_path / "f"
    f.write_bytes(b"x")
    fd = os.open(f, os.O_RDONLY)
    try:
        assert stdin_has_data(fd)  # batchtui < file.jsonl
    finally:
        os.close(fd)


def _spool_entries() -> list[str]:
    folder = spool._spool_dir
    return sorted(os.listdir(folder)) if folder and os.path.isdir(folder) else []
