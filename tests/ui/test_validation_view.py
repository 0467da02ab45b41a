"""Pilot tests of live validation in the File screen: report, marks, jumps, live changes."""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest

from batchtui.ui.file.edit import editor_command
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.widgets.detail import DetailView
from batchtui.ui.widgets.line_list import LineList
from batchtui.ui.widgets.report import ReportView
from tests.ui.conftest import REPO, screen_text, settle

MISTAKES = REPO / "batchtui" / "examples" / "chat_mistakes.jsonl"


def good(i: int) -> str:
    return (
        f'{{"custom_id": "r{i}", "method": "POST", "url": "/v1/chat/completions", '
        f'"body": {{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "hi {i}"}}]}}}}\n'
    )


@pytest.fixture
def copy_of_mistakes(tmp_path: Path) -> Path:
    path = tmp_path / "mistakes.jsonl"
    shutil.copyfile(MISTAKES, path)
    return path


async def test_report_fills_in_with_counts_and_marks(make_app, copy_of_mistakes) -> None:  # type: ignore[no-untyped-def]
    app = make_app(copy_of_mistakes, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        snap = screen.validation_snapshot
        assert snap is not None and snap.done and snap.errors >= 8
        assert "errors" in str(screen.query_one("StatusBar").render())
        codes = {g.code for g in snap.groups}
        assert {
            "streaming_unsupported",
            "duplicate_custom_id",
            "invalid_json_line",
            "blank_line",
        } <= codes
        # The gutter marks lines with findings.
        lines = screen.query_one(LineList)
        assert lines._line_marks(2) == "error"  # line 3: stream true
        assert lines._line_marks(0) is None


async def test_enter_on_a_finding_jumps_to_its_line_and_names_the_field(
    make_app, copy_of_mistakes
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(copy_of_mistakes, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("v")
        report = screen.query_one(ReportView)
        tree = report.findings
        # Textual's own DOMNode.tree (the DOM as a rich Tree) is not hidden by the widget.
        assert not isinstance(report.tree, type(tree))
        node = report._groups["streaming_unsupported"]
        tree.move_cursor(node)
        await pilot.press("enter")  # expand the group
        await pilot.press("down", "enter")  # its first finding
        await settle(pilot)
        lines = screen.query_one(LineList)
        finding = node.children[0].data
        assert lines.cursor == finding.line - 1
        detail_text = screen_text(app)
        assert "streaming_unsupported at body.stream" in detail_text
        assert isinstance(app.focused, LineList)
        assert screen.query_one(DetailView).border_title.startswith(f"Line {finding.line} ")


async def test_next_and_previous_finding_keys(make_app, copy_of_mistakes) -> None:  # type: ignore[no-untyped-def]
    app = make_app(copy_of_mistakes, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        lines = screen.query_one(LineList)
        marked = list(screen.validator.report.marked_lines())
        await pilot.press("right_square_bracket")
        assert lines.cursor + 1 == marked[0]
        await pilot.press("right_square_bracket")
        assert lines.cursor + 1 == marked[1]
        await pilot.press("left_square_bracket")
        assert lines.cursor + 1 == marked[0]


async def test_appended_bad_line_is_validated_incrementally(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.jsonl"
    path.write_text("".join(good(i) for i in range(20)))
    app = make_app(path, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.validation_snapshot.errors == 0
        with path.open("a") as f:
            f.write(good(20).replace('"messages"', '"stream": true, "messages"'))
        screen.check_file()
        await settle(pilot)
        snap = screen.validation_snapshot
        assert snap.lines_checked == 21 and snap.count("streaming_unsupported") == 1
        assert screen.query_one(LineList)._line_marks(20) == "error"


async def test_same_size_rewrite_in_place_is_revalidated(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # nano and `dd conv=notrunc` write into the same inode; with the same size, only the
    # modification time tells. The report said "no errors" forever; now it re-validates.
    path = tmp_path / "f.jsonl"
    text = "".join(good(i) for i in range(300))
    path.write_text(text)
    app = make_app(path, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        before = screen.validation_snapshot
        assert before.errors == 0 and before.digest is not None
        broken = text
        for k in (10, 100, 200):  # three lines made invalid JSON, same length
            broken = broken.replace(f'"custom_id": "r{k}"', f'"custom_id": xr{k}"', 1)
        assert len(broken) == len(text)
        with path.open("r+") as f:
            f.write(broken)
        stamps = path.stat()
        os.utime(path, ns=(stamps.st_atime_ns, stamps.st_mtime_ns + 1_000_000))  # coarse clocks
        screen.check_file()
        await settle(pilot)
        after = screen.validation_snapshot
        assert after is not None and after.done and after.errors == 3
        assert not before.digest.matches(path) and after.digest.matches(path)
        assert "3 errors" in str(screen.query_one("StatusBar").render())


async def test_edit_in_editor_then_report_updates(make_app, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.jsonl"
    path.write_text(good(1) + "not json\n" + good(3))
    fixer = tmp_path / "fix.py"
    # An "editor" that fixes line 2 by rewriting the file (as editors do: new file, rename).
    fixer.write_text(
        "import os, sys\n"
        "path = sys.argv[-1]\n"
        "lines = open(path).read().splitlines(True)\n"
        f"lines[1] = {good(2)!r}\n"
        "open(path + '.tmp', 'w').write(''.join(lines))\n"
        "os.replace(path + '.tmp', path)\n"
        "open(path + '.args', 'w').write(' '.join(sys.argv[1:]))\n"
    )
    monkeypatch.setenv("VISUAL", f"{sys.executable} {fixer}")
    app = make_app(path, validate=True)
    monkeypatch.setattr(app, "suspend", contextlib.nullcontext)  # no real terminal in tests
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.validation_snapshot.errors == 1
        await pilot.press("j", "e")
        await settle(pilot)
        assert Path(str(path) + ".args").read_text() == f"+2 {path}"
        snap = app.screen.validation_snapshot
        assert snap is not None and snap.done and snap.errors == 0


def test_editor_command_spellings(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "nano -w")
    assert editor_command("/f.jsonl", 7) == ["nano", "-w", "+7", "/f.jsonl"]
    monkeypatch.setenv("EDITOR", "code --wait")
    assert editor_command("/f.jsonl", 7) == ["code", "--wait", "--goto", "/f.jsonl:7"]


async def test_a_big_file_is_validated_on_worker_processes(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # As `batchtui validate` does: pieces from the end of the file are checked in worker
    # processes (from a forkserver: the app has threads) while the screen's thread checks
    # from the start; the merged report is the one-process report, digest included.
    from batchtui.validation import pieces
    from batchtui.validation.engine import Validator
    from tests.validation.helpers import all_findings, validate
    from tests.validation.test_parallel import build

    monkeypatch.setattr(pieces, "MIN_PARALLEL_BYTES", 0)  # "big": this 900-line file
    monkeypatch.setattr(pieces, "MIN_PIECE_BYTES", 1)
    absorbed: list[int] = []
    absorb = Validator.absorb_part

    def spy(self: Validator, part: object, *args: object) -> None:
        absorbed.append(part.start)  # type: ignore[attr-defined]
        absorb(self, part, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Validator, "absorb_part", spy)
    path = build(tmp_path / "big.jsonl", crlf_from=600)
    app = make_app(path, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        assert absorbed, "no piece came from a worker process"
        single = validate(path).validator
        assert all_findings(screen.validator) == all_findings(single)
        snap = screen.validation_snapshot
        assert snap is not None and snap.done
        assert snap.errors == single.report.snapshot().errors
        assert snap.digest is not None and snap.digest.matches(path)
        assert "errors" in str(screen.query_one("StatusBar").render())
