"""``batchtui grep``: output byte for byte, counts, exit codes, stdin and gzip, terminals."""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
from pathlib import Path

import pytest

from batchtui.cli.entry import main

LINES = [
    b'{"custom_id": "task-1", "body": {"model": "gpt-4o", "max_tokens": 2000}}\n',
    b'{"custom_id": "task-2", "body": {"model": "gpt-4o-mini", "max_tokens": 10}}\r\n',
    json.dumps({"custom_id": "task-3", "body": {"model": "gpt-4o", "messages": "한국어"}}).encode()
    + b"\n",
    b'{"custom_id": "evil", "body": {"model": "x\x1b]0;pwned\x07"}}\n',
    b'{"custom_id": "last", "body": {"model": "gpt-4o"}}',  # no final newline
]


class FakeOut:
    """A standard output that is a pipe (bytes) or a terminal (text)."""

    def __init__(self, tty: bool) -> None:
        self.tty = tty
        self.buffer = io.BytesIO()
        self.text = io.StringIO()

    def isatty(self) -> bool:
        return self.tty

    def write(self, s: str) -> int:
        return self.text.write(s)

    def flush(self) -> None:
        pass


def grep(
    monkeypatch: pytest.MonkeyPatch, *args: str, tty: bool = False, stdin: bytes | None = None
) -> tuple[int, bytes | str]:
    out = FakeOut(tty)
    monkeypatch.setattr(sys, "stdout", out)
    if stdin is not None:
        from batchtui.jsonl import spool

        r, w = os.pipe()
        os.write(w, stdin)
        os.close(w)
        monkeypatch.setattr(
            spool.open_input, "__kwdefaults__", {"stdin_fd": r, "limit": None, "note": None}
        )
    try:
        code = main(["grep", *args])
    finally:
        if stdin is not None:
            os.close(r)
    return code, (out.text.getvalue() if tty else out.buffer.getvalue())


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"".join(LINES))
    return path


def test_prints_matching_lines_byte_for_byte(batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = grep(monkeypatch, "--field", "model=gpt-4o", str(batch))
    assert code == 0
    # The lines as they are in the file, line endings included; the last one gets a "\n".
    assert out == LINES[0] + LINES[2] + LINES[4] + b"\n"
    code, out = grep(monkeypatch, "MINI", str(batch))
    assert (code, out) == (1, b"")  # a capital: case-sensitive, and nothing matched
    code, out = grep(monkeypatch, "mini", str(batch))
    assert (code, out) == (0, LINES[1])  # the CRLF stays


def test_count_invert_numbers_and_names(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert grep(monkeypatch, "-c", "gpt-4o", str(batch)) == (0, b"4\n")
    assert grep(monkeypatch, "-c", "-v", "gpt-4o", str(batch)) == (0, b"1\n")
    assert grep(monkeypatch, "-c", "한국어", str(batch)) == (0, b"1\n")  # JSON-escaped
    _, out = grep(monkeypatch, "-n", "-E", r"task-[23]", str(batch))
    assert out == b"2:" + LINES[1] + b"3:" + LINES[2]
    other = tmp_path / "other.jsonl"
    other.write_bytes(LINES[0])
    _, out = grep(monkeypatch, "-c", "task-1", str(batch), str(other))
    assert out == f"{batch}:1\n{other}:1\n".encode()
    _, out = grep(monkeypatch, "--field", "max_tokens>100", "-i", str(batch))
    assert out == LINES[0]
    # Options after the files, as grep takes them.
    assert grep(monkeypatch, "task-1", str(batch), "-c", str(other)) == (
        0,
        f"{batch}:1\n{other}:1\n".encode(),
    )


def test_exit_codes(
    batch: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert grep(monkeypatch, "-q", "task", str(batch)) == (0, b"")
    assert grep(monkeypatch, "-q", "absent", str(batch))[0] == 1
    assert grep(monkeypatch, "-E", "(", str(batch))[0] == 2
    assert "invalid pattern" in capsys.readouterr().err
    assert grep(monkeypatch, "--field", "max_tokens>x", str(batch))[0] == 2
    assert "compares numbers" in capsys.readouterr().err
    # A missing file is an error (2) even when another file matched, as with grep.
    code, out = grep(monkeypatch, "task-1", str(batch), str(batch.parent / "missing.jsonl"))
    assert code == 2 and out.startswith(str(batch).encode())
    assert "missing.jsonl" in capsys.readouterr().err


def test_a_terminal_sees_control_bytes_as_escapes(
    batch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = grep(monkeypatch, "evil", str(batch), tty=True)
    assert code == 0
    assert isinstance(out, str) and "\x1b" not in out and "\x07" not in out
    assert "\\e]0;pwned\\a" in out
    # ... while a pipe gets the bytes as they are.
    assert grep(monkeypatch, "evil", str(batch))[1] == LINES[3]


def test_gzip_and_stdin(batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gz = tmp_path / "in.jsonl.gz"
    gz.write_bytes(gzip.compress(b"".join(LINES)))
    assert grep(monkeypatch, "-c", "task", str(gz)) == (0, b"3\n")
    assert grep(monkeypatch, "-c", "task", stdin=b"".join(LINES)) == (0, b"3\n")


def test_the_input_file_is_never_modified(batch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = batch.read_bytes(), batch.stat().st_mtime_ns
    grep(monkeypatch, "-v", "x", str(batch))
    assert (batch.read_bytes(), batch.stat().st_mtime_ns) == before


def test_help_shows_the_field_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["grep", "--help"], ["--help"]):
        with pytest.raises(SystemExit):
            main(argv)
        out = capsys.readouterr().out
        assert "PATH!=VALUE" in out and "response.status_code!=200" in out


def test_a_line_too_long_to_hold_is_still_printed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from batchtui.jsonl import blocks
    from batchtui.query import engine

    # Blocks of 64 bytes, and lines over 256 bytes come in pieces, never whole.
    defaults = {**(engine.scan.__kwdefaults__ or {}), "block": 64}
    monkeypatch.setattr(engine.scan, "__kwdefaults__", defaults)
    monkeypatch.setattr(blocks, "MAX_WHOLE_LINE", 256)
    monkeypatch.setattr(blocks, "WINDOW_OVERLAP", 32)
    long = b'{"custom_id": "big", "t": "' + b"x" * 5000 + b'needle"}\n'
    path = tmp_path / "long.jsonl"
    path.write_bytes(b'{"a": 1}\n' + long + b'{"t": "needle"}\n')
    code, out = grep(monkeypatch, "needle", str(path))
    assert code == 0 and out == long + b'{"t": "needle"}\n'
    # A field test cannot parse it: not a match, and said on stderr.
    code, out = grep(monkeypatch, "--field", "custom_id=big", str(path))
    assert code == 1 and out == b""
    assert "1 line(s) too long to parse" in capsys.readouterr().err
