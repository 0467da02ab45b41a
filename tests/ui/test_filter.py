"""Pilot tests of search modes and the filter view: only the matching lines, with their own
numbers and a count, every browser key, the detail pane, Esc back at the same line, filters
by finding, and export byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

from batchtui.ui.screens.file import FileScreen
from batchtui.ui.widgets.bars import KeyHints, StatusBar
from batchtui.ui.widgets.detail import DetailView
from batchtui.ui.widgets.line_list import LineList
from batchtui.ui.widgets.prompt import PromptBar
from batchtui.ui.widgets.report import ReportView
from tests.ui.conftest import REPO, screen_text, settle, wait_for

EXAMPLES = REPO / "batchtui" / "examples"


def write_requests(path: Path, n: int, crlf_every: int = 0) -> bytes:
    lines = []
    for i in range(1, n + 1):
        body = {"model": "gpt-4o" if i % 3 == 0 else "gpt-4o-mini", "max_tokens": i * 10}
        text = json.dumps({"custom_id": f"id-{i}", "method": "POST", "body": body})
        end = "\r\n" if crlf_every and i % crlf_every == 0 else "\n"
        lines.append((text + end).encode())
    data = b"".join(lines)
    path.write_bytes(data)
    return data


def status(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(StatusBar).render())


def toasts(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(n.message for n in app._notifications)


async def test_filter_shows_only_matching_lines_and_esc_returns(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.jsonl"
    write_requests(path, 90)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        await pilot.press("colon", *"40", "enter")
        await settle(pilot)
        await pilot.press("ampersand", *'"gpt-4o"', "enter")  # quoted: not gpt-4o-mini
        await settle(pilot)
        assert lines.filtered and lines.row_count == 30
        assert "30 of 90 lines" in status(app)
        # The cursor went to the first match at or after line 40: line 42 ("id-42").
        assert lines.row_line(lines.cursor) == 41
        text = screen_text(app)
        assert "id-42" in text and "id-41" not in text and "id-40" not in text
        # The gutter keeps the lines' own numbers.
        starts = [row.split()[0] for row in text.splitlines()[1:] if row.strip()]
        assert "42" in starts and "45" in starts and "43" not in starts
        # Every browser key: down, end, home, page; the detail shows the selected line.
        await pilot.press("j")
        await settle(pilot)
        assert lines.row_line(lines.cursor) == 44
        assert app.screen.query_one(DetailView).border_title.startswith("Line 45 ")
        await pilot.press("G")
        await settle(pilot)
        assert lines.row_line(lines.cursor) == 89
        await pilot.press("g", "j", "j")
        await settle(pilot)
        assert lines.row_line(lines.cursor) == 8
        assert "Ln 9/90" in status(app)
        # Esc: the whole file again, on the same line.
        await pilot.press("escape")
        await settle(pilot)
        assert not lines.filtered and lines.row_count == 90 and lines.cursor == 8
        assert "90 lines" in status(app) and " of " not in status(app)


async def test_a_filter_that_grows_from_nothing_can_scroll_before_the_next_layout(
    make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A filter starts with 0 rows (no scrollbar) and fills in; Textual shows the scrollbar
    only at the next layout and drops every scroll until then, which left the cursor off
    screen about one time in four. Scrolling follows the rows instead."""
    from array import array

    path = tmp_path / "f.jsonl"
    write_requests(path, 90)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        rows = array("q")
        lines.show_rows(rows, 0)
        await settle(pilot)
        assert not lines.show_vertical_scrollbar
        rows.extend(range(0, 90, 3))
        lines.show_rows(rows, len(rows))  # no layout in between, as while a scan fills in
        assert lines.allow_vertical_scroll
        lines.go_to_row(13)
        await settle(pilot)
        assert lines.scroll_offset.y > 0 and lines.row_line(lines.cursor) == 39


async def test_search_mode_toggle_is_visible_and_remembered(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.jsonl"
    write_requests(path, 50)
    app = make_app(path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        prompt = app.screen.query_one(PromptBar)
        await pilot.press("slash")
        assert "text (smart case)" in prompt.placeholder
        assert "text → pattern" in str(app.screen.query_one(KeyHints).render())
        await pilot.press("ctrl+r")
        assert prompt.mode == "pattern" and "pattern (Python regex)" in prompt.placeholder
        assert "pattern → fields" in str(app.screen.query_one(KeyHints).render())
        await pilot.press(*r'id-3\d"', "enter")
        await settle(pilot)
        assert lines.cursor == 29  # id-30
        await pilot.press("n")
        await settle(pilot)
        assert lines.cursor == 30
        # The key line is the screen's again, and the next / opens in pattern mode.
        assert "Filter" in str(app.screen.query_one(KeyHints).render())
        await pilot.press("slash")
        assert prompt.mode == "pattern"
        # An invalid pattern is a message, never a crash.
        await pilot.press("ctrl+u", *"(oops", "enter")
        await settle(pilot)
        assert "invalid pattern" in toasts(app)
        assert lines.cursor == 30


async def test_field_filter_invert_and_search_inside_it(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.jsonl"
    write_requests(path, 60)
    app = make_app(path)
    app.query_mode = "fields"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        await pilot.press("ampersand", *"model=gpt-4o max_tokens>300", "enter")
        await settle(pilot)
        assert [lines.row_line(r) for r in range(lines.row_count)] == list(range(32, 60, 3))
        # n inside a filter stops only at its lines.
        await pilot.press("ctrl+r")  # nothing: the prompt is closed, ctrl+r is free
        await pilot.press("slash", "ctrl+r", *"id-4", "enter")  # fields -> text
        await settle(pilot)
        assert lines.row_line(lines.cursor) == 41  # id-42: the first id-4x in the filter
        await pilot.press("n")
        await settle(pilot)
        assert lines.row_line(lines.cursor) == 44
        await pilot.press("escape", "escape")
        await settle(pilot)
        # A leading ! keeps the other lines (text mode).
        await pilot.press("ampersand", *"!mini", "enter")
        await settle(pilot)
        assert lines.row_count == 20 and "not “mini”" in status(app)


async def test_export_writes_the_filtered_lines_byte_for_byte(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "in.jsonl"
    data = write_requests(path, 40, crlf_every=4)
    before = path.stat().st_mtime_ns
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("E")
        await settle(pilot)
        assert "press & (or F) to filter first" in toasts(app)
        await pilot.press("ampersand", *'"gpt-4o"', "enter")
        await settle(pilot)
        await pilot.press("E")
        prompt = app.screen.query_one(PromptBar)
        assert prompt.value == str(tmp_path / "in.filtered.jsonl")
        await pilot.press("enter")
        await settle(pilot)
        out = tmp_path / "in.filtered.jsonl"
        await wait_for(pilot, out.exists, "the export")
        want = b"".join(
            line for i, line in enumerate(data.splitlines(keepends=True)) if (i + 1) % 3 == 0
        )
        assert out.read_bytes() == want  # CRLF lines stay CRLF
        assert path.read_bytes() == data and path.stat().st_mtime_ns == before
        assert "Wrote 13 lines" in toasts(app)
        # An existing file is replaced only when the user says so ...
        out.write_bytes(b"old")
        await pilot.press("E", "enter")
        await settle(pilot)
        assert "Replace the file?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert out.read_bytes() == b"old"
        await pilot.press("E", "enter", "y")
        await settle(pilot)
        await wait_for(pilot, lambda: out.read_bytes() == want, "the second export")
        # ... and the input itself never is.
        await pilot.press("E", "ctrl+u", *str(path), "enter")
        await settle(pilot)
        assert "the file being browsed" in toasts(app)
        assert "Replace the file?" not in screen_text(app)
        assert path.read_bytes() == data and path.stat().st_mtime_ns == before


async def test_filter_by_findings_and_by_rule(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(EXAMPLES / "chat_mistakes.jsonl", validate=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        await wait_for(pilot, lambda: not screen.validation_running, "validation")
        lines = screen.query_one(LineList)
        marks = screen.validator.report.marks()
        errors = [i for i, m in enumerate(marks) if m == 3]
        findings = [i for i, m in enumerate(marks) if m]
        await pilot.press("F")
        await settle(pilot)
        assert [lines.row_line(r) for r in range(lines.row_count)] == errors
        assert "lines with errors" in status(app)
        await pilot.press("F")
        await settle(pilot)
        assert [lines.row_line(r) for r in range(lines.row_count)] == findings
        await pilot.press("F")
        await settle(pilot)
        assert not lines.filtered
        # From the report: F on a rule shows only that rule's lines.
        await pilot.press("v")
        await settle(pilot)
        report = screen.validator.report
        view = screen.query_one(ReportView)
        code = "streaming_unsupported"
        view.findings.move_cursor(view._groups[code])
        await pilot.press("F")
        await settle(pilot)
        want = [line - 1 for line in report.lines_with(code)]
        assert [lines.row_line(r) for r in range(lines.row_count)] == want
        assert f"lines with {code}" in status(app)
        # ] steps through findings inside the filter.
        await pilot.press("g", "right_square_bracket")
        await settle(pilot)
        assert lines.cursor == min(1, lines.row_count - 1)


async def test_results_failed_requests_open_as_a_filter_of_the_input() -> None:
    from batchtui.ui.app import BatchTUI
    from batchtui.ui.screens.results import ResultsScreen

    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {
        "input_path": str(EXAMPLES / "results_input.jsonl"),
        "output_path": str(EXAMPLES / "results_output.jsonl"),
        "error_path": str(EXAMPLES / "results_errors.jsonl"),
    }
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results = app.screen
        assert isinstance(results, ResultsScreen) and results.result is not None
        results.set_filter("failed")
        await settle(pilot)
        want = sorted(
            {
                line
                for row in results.current_rows()
                if (line := results.result.input_line(row)) is not None
            }
        )
        assert want
        await pilot.press("b")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        await wait_for(pilot, lambda: screen.filter is not None, "the filter")
        lines = screen.query_one(LineList)
        assert [lines.row_line(r) for r in range(lines.row_count)] == want
        assert "failed (results)" in status(app)
        assert f"{len(want)} of " in status(app)


async def test_the_list_fills_in_while_the_scan_runs_and_esc_stops_it(
    make_app, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import threading

    from batchtui.query import engine

    path = tmp_path / "f.jsonl"
    write_requests(path, 300)
    real_scan = engine.scan
    go_on = threading.Event()

    def slow_scan(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["block"] = 2048  # many blocks
        for n, hits in enumerate(real_scan(*args, **kwargs)):
            yield hits
            if n == 1:
                go_on.wait(10)  # hold the scan after two blocks

    monkeypatch.setattr(engine, "scan", slow_scan)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        lines = screen.query_one(LineList)
        await pilot.press("ampersand", *"gpt-4o", "enter")  # every line: many per block
        await wait_for(pilot, lambda: lines.row_count > 0, "the first rows")
        partial = lines.row_count
        assert 0 < partial < 300 and "filtering" in status(app)
        assert "id-1" in screen_text(app)  # shown while the scan goes on
        # Esc stops the scan: the rows so far stay, a second Esc leaves the filter.
        await pilot.press("escape")
        go_on.set()
        await settle(pilot)
        assert screen.filter is not None and screen.filter.stopped
        assert lines.row_count == partial and "(stopped)" in status(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not lines.filtered and lines.row_count == 300


async def test_a_filter_follows_appends_and_is_rerun_after_a_rewrite(
    make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "f.jsonl"
    write_requests(path, 30)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        lines = screen.query_one(LineList)
        await pilot.press("ampersand", *'"gpt-4o"', "enter")
        await settle(pilot)
        assert lines.row_count == 10
        # Lines appended: the filter goes on from where it was.
        with path.open("ab") as f:
            f.write(b'{"custom_id": "new-1", "body": {"model": "gpt-4o"}}\n')
            f.write(b'{"custom_id": "new-2", "body": {"model": "other"}}\n')
        screen.check_file()
        await settle(pilot)
        await wait_for(pilot, lambda: lines.row_count == 11, "the appended match")
        assert lines.row_line(10) == 30
        # Rewritten: re-opened, and the same filter runs over what is there now.
        path.write_bytes(b'{"a": "gpt-4o"}\n{"a": "x"}\n{"a": "gpt-4o"}\n')
        screen.check_file()
        await settle(pilot)
        await wait_for(pilot, lambda: screen.filter is not None and screen.filter.done, "rerun")
        assert [lines.row_line(r) for r in range(lines.row_count)] == [0, 2]
        assert "2 of 3 lines" in status(app)
