"""The command line's one progress meter (cli/progress.py): on a terminal only, one
self-overwriting line, cleared at the end, data through the sanitiser."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from batchtui.cli import main
from batchtui.cli.progress import FileMeters, Meter, StatusLine


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    meter = Meter("working", StatusLine())
    meter(5, 10)
    meter(10, 10)
    meter.finish()
    assert capsys.readouterr().err == ""


def test_fractions_bytes_and_files(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    on_terminal(monkeypatch)
    status = StatusLine()
    Meter("splitting x", status)(1, 4)
    Meter("uploading x", status, unit="bytes")(2_500_000, 10_000_000)
    FileMeters(status)("error", 10_000_000, 10_000_000)  # done: drawn at once
    status.clear()
    err = capsys.readouterr().err
    assert err.startswith("\rsplitting x: 25%\x1b[K")
    assert "\rdownloading error file: 10.0 / 10.0 MB\x1b[K" in err
    assert err.endswith("\r\x1b[K")


def test_split_shows_its_progress_and_clears_it_before_printing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    on_terminal(monkeypatch)
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions"}\n' * 6)
    assert main(["split", str(path), "--max-requests", "2"]) == 0
    out, err = capsys.readouterr()
    assert f"\rsplitting {path}: 100%\x1b[K" in err and err.endswith("\r\x1b[K")
    assert out.count("wrote ") == 3
