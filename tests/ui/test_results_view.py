"""Pilot tests of the Results screen on the sample set and on generated sets."""

from __future__ import annotations

import argparse
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Input, OptionList, Static

import batchtui.results as results_pkg
from batchtui.results import JoinCancelled, RequestClass, export_retry, join, retry_rows
from batchtui.ui.app import BatchTUI
from batchtui.ui.results.export import default_export_path
from batchtui.ui.results.problems import ProblemsScreen
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.screens.results import ResultsScreen
from batchtui.ui.widgets.prompt import PromptBar
from batchtui.ui.widgets.results_detail import ResultDetail
from batchtui.ui.widgets.results_list import ResultList
from batchtui.ui.widgets.results_summary import ResultsSummary
from tests.results.builders import request, write_lines
from tests.ui.conftest import REPO, screen_text, settle, wait_for

EXAMPLES = REPO / "batchtui" / "examples"
SAMPLE = {
    "input_path": str(EXAMPLES / "results_input.jsonl"),
    "output_path": str(EXAMPLES / "results_output.jsonl"),
    "error_path": str(EXAMPLES / "results_errors.jsonl"),
}


def results_app(**kwargs: Any) -> BatchTUI:
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = kwargs
    return app


@pytest.fixture
def sample_copy(tmp_path: Path) -> dict[str, str]:
    """The sample set in a writable directory (exports go next to the input)."""
    out = {}
    for key, path in SAMPLE.items():
        dest = tmp_path / Path(path).name
        shutil.copyfile(path, dest)
        out[key] = str(dest)
    return out


def plain(renderable: Any, width: int = 200) -> str:
    console = Console(width=width, record=True, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def screen_of(app: BatchTUI) -> ResultsScreen:
    screen = app.screen
    assert isinstance(screen, ResultsScreen)
    return screen


def detail_text(screen: ResultsScreen) -> str:
    detail = screen.query_one(ResultDetail)
    panes = [detail.query_one(f"#{pane}") for pane in ("request-pane", "response-pane")]
    return "\n".join(
        f"{pane.border_title}\n{plain(pane.query_one(Static).content)}" for pane in panes
    )


def notes(app: BatchTUI) -> list[str]:
    return [n.message for n in app._notifications]


async def opened(pilot: Any) -> ResultsScreen:
    await settle(pilot)
    screen = screen_of(pilot.app)
    assert screen.result is not None, "the join did not finish"
    return screen


# -- summary -------------------------------------------------------------------------


async def test_sample_counts_are_shown() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        summary = plain(screen.query_one(ResultsSummary).content)
        for part in ("16 requests", "✔ 9 succeeded", "✖ 4 failed", "◷ 2 expired", "? 1 missing"):
            assert part in summary, summary
        assert "truncated 1" in summary and "refusal 1" in summary
        hist = screen.query_one("#histogram", OptionList)
        labels = [plain(hist.get_option_at_index(i).prompt) for i in range(hist.option_count)]
        assert [label.split()[0] for label in labels] == ["2", "2", "1", "1"]
        assert "rate_limit_exceeded" in labels[0] and "batch_expired" in labels[1]
        lst = screen.query_one(ResultList)
        assert list(lst.rows) == list(range(16))
        assert lst.virtual_size.height == 16


async def test_wide_layout_puts_request_beside_answer() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await opened(pilot)
        assert screen.has_class("-wide") and screen.has_class("-roomy")
        request = screen.query_one("#request-pane")
        response = screen.query_one("#response-pane")
        assert request.region.y == response.region.y
        assert request.region.x < response.region.x
        summary = plain(screen.query_one(ResultsSummary).content)
        assert "succeeded" in summary and "56%" in summary
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert screen.has_class("-narrow") and screen.has_class("-compact")
        # Stacked: the answer (or error) first, then the request.
        assert response.region.y < request.region.y


async def test_empty_state_without_files() -> None:
    app = results_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        empty = plain(screen.query_one("#results-empty", Static).content)
        assert "No results open" in empty and "batchtui results --input" in empty
        await pilot.press("right_square_bracket", "f", "x")  # nothing to act on: no error
        await settle(pilot)


async def test_join_error_is_a_message(tmp_path: Path) -> None:
    app = results_app(input_path=str(tmp_path / "nope.jsonl"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        empty = plain(screen_of(app).query_one("#results-empty", Static).content)
        assert "Could not join" in empty and "nope.jsonl" in empty


# -- stepping through failures ---------------------------------------------------------


async def test_next_failure_steps_in_order_and_detail_matches() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        result = screen.result
        assert result is not None
        # Failures only: truncated, refused and filtered answers are successes (f shows them).
        expected = list(result.problem_rows(soft=False))
        assert expected == [5, 6, 7, 8, 9, 10, 11]
        lst = screen.query_one(ResultList)
        seen = []
        for _ in expected:
            await pilot.press("right_square_bracket")
            await pilot.pause()
            row = lst.current_row
            assert row is not None
            seen.append(row)
            text = detail_text(screen)
            assert result.custom_id(row) in text
            error = result.detail(row).error
            if error is not None:
                assert error.code in text, text
                assert error.message[:30] in text.replace("\n", " ") or error.code in text
            if result.klass(row) == RequestClass.MISSING:
                assert "No answer" in text
        assert seen == expected
        # Wraps around to the first failure, and [ goes back.
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert lst.current_row == expected[0]
        assert any("Wrapped" in n for n in notes(app))
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert lst.current_row == expected[-1]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert lst.current_row == expected[-2]


async def test_failure_keys_work_from_the_histogram_and_detail() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        screen.query_one("#histogram").focus()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.query_one(ResultList).current_row == 5
        screen.query_one(ResultDetail).focus()
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.query_one(ResultList).current_row == 6


async def test_error_detail_shows_request_and_error() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        assert lst.select_row(6)  # ticket-007: HTTP 429
        await pilot.pause()
        text = detail_text(screen)
        assert "Request · input line 7" in text
        assert "Error · errors line 2" in text
        assert "HTTP 429" in text and "rate_limit_exceeded" in text
        assert "user:" in text  # the request as a transcript
        await pilot.press("r")
        await pilot.pause()
        text = detail_text(screen)
        assert '"custom_id": "ticket-007"' in text  # JSON mode shows both lines as JSON
        assert '"status_code": 429' in text


# -- filters and the histogram -----------------------------------------------------------


async def test_filter_by_class_narrows_the_list() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        seen = {}
        for _ in range(8):
            await pilot.press("f")
            await pilot.pause()
            seen[screen.filter_key] = list(lst.rows)
            if screen.filter_key == "all":
                break
        assert seen == {
            "problems": [3, 4, 5, 6, 7, 8, 9, 10, 11, 13],
            "failed": [5, 6, 7, 8],
            "expired": [9, 10],
            "missing": [11],
            "truncated": [3],
            "flagged": [3, 4, 13],
            "succeeded": [0, 1, 2, 3, 4, 12, 13, 14, 15],
            "all": list(range(16)),
        }
        await pilot.press("f", "f")  # failed
        await pilot.pause()
        assert screen.filter_key == "failed"
        assert lst.current_row == 5
        assert "failed" in plain(screen.query_one("#results-status", Static).content)
        # ] stays within the filter
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert lst.current_row == 6
        await pilot.press("escape")
        await pilot.pause()
        assert screen.filter_key == "all" and len(lst.rows) == 16
        assert lst.current_row == 6  # the cursor stays on the request
        await pilot.press("F")
        await pilot.pause()
        assert screen.filter_key == "succeeded"


async def test_failure_key_leaves_a_filter_without_failures() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        screen.set_filter("succeeded")
        await pilot.pause()
        # truncated/filtered/refused answers are soft failures inside "succeeded"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.query_one(ResultList).current_row == 3


async def test_selecting_a_histogram_group_filters() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        result = screen.result
        assert result is not None
        rate = next(g for g in result.histogram() if g.code == "rate_limit_exceeded")
        hist = screen.query_one("#histogram", OptionList)
        hist.focus()
        hist.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        lst = screen.query_one(ResultList)
        assert screen.group_id == rate.id
        assert list(lst.rows) == list(result.rows(group=rate.id)) == [6, 7]
        assert lst.current_row == 6
        assert "▶" in plain(hist.get_option_at_index(0).prompt)
        assert "rate_limit_exceeded" in str(lst.border_title)
        assert app.focused is lst  # Enter hands the filtered list over
        # Another group replaces it (h goes back to the histogram); the same one again
        # clears it.
        await pilot.press("h")
        assert hist.highlighted == 0  # on the group in use
        await pilot.press("down", "enter")
        await pilot.pause()
        assert list(lst.rows) == [9, 10]
        await pilot.press("h", "enter")
        await pilot.pause()
        assert screen.group_id is None and len(lst.rows) == 16


async def test_clicking_a_row_selects_it() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        await pilot.click(ResultList, offset=(5, 3))  # border-top, then rows 0, 1, 2
        await pilot.pause()
        assert lst.current_row == 2
        assert "ticket-003" in detail_text(screen)


# -- exports -----------------------------------------------------------------------------


async def _prompt(pilot: Any) -> Input:
    prompt = screen_of(pilot.app).query_one("#results-prompt", Input)
    assert prompt.display and prompt.has_focus
    return prompt


async def test_export_retry_writes_the_engine_rows_byte_for_byte(
    sample_copy: dict[str, str], tmp_path: Path
) -> None:
    app = results_app(**sample_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        await pilot.press("x")
        prompt = await _prompt(pilot)
        expected_path = str(tmp_path / "results_input.retry.jsonl")
        assert prompt.value == expected_path
        assert "7 to retry" in plain(screen.query_one("#results-status", Static).content)
        await pilot.press("enter")
        await settle(pilot)
        written = Path(expected_path).read_bytes()
        assert screen.retry_path == expected_path
        assert any("Wrote 7 request(s) to retry" in n for n in notes(app))
    with join(
        sample_copy["input_path"], sample_copy["output_path"], sample_copy["error_path"]
    ) as r:
        rows = retry_rows(r)
        assert [r.custom_id(x) for x in rows] == [
            f"ticket-{n:03d}" for n in (6, 7, 8, 9, 10, 11, 12)
        ]
        assert written == b"".join(r.raw_input_line(x) or b"" for x in rows)
        export_retry(r, tmp_path / "engine.jsonl")
    assert written == (tmp_path / "engine.jsonl").read_bytes()


async def test_export_retry_of_a_filtered_view(sample_copy: dict[str, str], tmp_path: Path) -> None:
    app = results_app(**sample_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        screen.set_filter("expired")
        await pilot.press("x")
        prompt = await _prompt(pilot)
        assert "2 to retry (expired)" in plain(screen.query_one("#results-status", Static).content)
        prompt.value = str(tmp_path / "expired.jsonl")
        await pilot.press("enter")
        await settle(pilot)
    lines = (tmp_path / "expired.jsonl").read_bytes().splitlines()
    assert [b'"ticket-010"' in lines[0], b'"ticket-011"' in lines[1]] == [True, True]


async def test_export_retry_refuses_to_overwrite_the_input(sample_copy: dict[str, str]) -> None:
    before = Path(sample_copy["input_path"]).read_bytes()
    app = results_app(**sample_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("x")
        prompt = await _prompt(pilot)
        prompt.value = sample_copy["input_path"]
        await pilot.press("enter")
        await settle(pilot)
        assert any("read from" in n for n in notes(app))
    assert Path(sample_copy["input_path"]).read_bytes() == before


async def test_export_retry_asks_before_overwriting(
    sample_copy: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "old.jsonl"
    target.write_bytes(b"old\n")
    app = results_app(**sample_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("x")
        prompt = await _prompt(pilot)
        prompt.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")  # keep it
        await settle(pilot)
        assert target.read_bytes() == b"old\n"
        await pilot.press("x")
        prompt = await _prompt(pilot)
        prompt.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    assert target.read_bytes().count(b"\n") == 7


async def test_export_cancelled_with_escape_writes_nothing(sample_copy: dict[str, str]) -> None:
    app = results_app(**sample_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        await pilot.press("x")
        await _prompt(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.retry_path is None
        assert screen.query_one(ResultList).has_focus
    assert not Path(default_export_path(sample_copy["input_path"], ".retry.jsonl")).exists()


async def test_export_results_as_csv(sample_copy: dict[str, str], tmp_path: Path) -> None:
    app = results_app(**sample_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("E")
        prompt = await _prompt(pilot)
        assert prompt.value.endswith("results_input.results.jsonl")
        prompt.value = str(tmp_path / "flat.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert any("Wrote 16 result record(s)" in n for n in notes(app))
        await pilot.press("E")
        prompt = await _prompt(pilot)
        prompt.value = str(tmp_path / "flat.txt")
        await pilot.press("enter")
        await settle(pilot)
        assert any(".jsonl or .csv" in n for n in notes(app))
    lines = (tmp_path / "flat.csv").read_text().splitlines()
    assert lines[0].startswith("custom_id,class,status_code")
    assert len(lines) == 17
    assert not (tmp_path / "flat.txt").exists()


def test_default_export_path_falls_back_to_cwd(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    locked = tmp_path / "ro"
    locked.mkdir()
    monkeypatch.setattr("os.access", lambda path, mode: False)
    assert default_export_path(str(locked / "in.jsonl"), ".retry.jsonl") == str(
        tmp_path / "in.retry.jsonl"
    )
    monkeypatch.undo()
    assert default_export_path(str(locked / "in.jsonl"), ".retry.jsonl") == str(
        locked / "in.retry.jsonl"
    )


async def test_submit_retry_exports_then_submits(
    sample_copy: dict[str, str], tmp_path: Path, monkeypatch: Any
) -> None:
    app = results_app(**sample_copy)
    submitted: list[str | None] = []

    def fake_submit() -> None:
        index = app.index
        submitted.append(index.path if index is not None else None)

    monkeypatch.setattr(app, "action_submit_file", fake_submit)
    async with app.run_test(size=(80, 24)) as pilot:
        await opened(pilot)
        await pilot.press("S")
        await _prompt(pilot)
        await pilot.press("enter")
        await settle(pilot)
        retry = str(tmp_path / "results_input.retry.jsonl")
        assert submitted == [retry]
        assert app.current_mode == "file"
        # A second S submits the file already written, without asking.
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert submitted == [retry, retry]


# -- the browser -------------------------------------------------------------------------


async def test_open_request_at_its_line() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        for _ in range(2):  # 5, 6: ticket-007
            await pilot.press("right_square_bracket")
        await pilot.pause()
        assert lst.current_row == 6
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "file"
        file_screen = app.screen
        assert isinstance(file_screen, FileScreen)
        assert file_screen.index is not None
        assert Path(file_screen.index.path) == Path(SAMPLE["input_path"])
        await wait_for(pilot, lambda: file_screen.line_list.cursor == 6, "line 7 selected")
        # Back to the results: the screen and its cursor are still there.
        await pilot.press("3")
        await settle(pilot)
        assert app.screen is screen and lst.current_row == 6
        await pilot.press("l")
        await settle(pilot)
        assert app.current_mode == "file"


async def test_broken_lines_are_counted_and_listed(tmp_path: Path) -> None:
    inp = write_lines(
        tmp_path / "in.jsonl", [request("a"), b'{"custom_id": "b", broken', request("c")]
    )
    out = write_lines(
        tmp_path / "out.jsonl",
        [b"not json at all"],
    )
    app = results_app(input_path=str(inp), output_path=str(out))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        summary = plain(screen.query_one(ResultsSummary).content)
        assert "⚠ 2 broken lines (p)" in summary
        await pilot.press("p")
        await settle(pilot)
        problems = app.screen
        assert isinstance(problems, ProblemsScreen)
        options = problems.query_one(OptionList)
        labels = [plain(options.get_option_at_index(i).prompt) for i in range(2)]
        assert labels[0].startswith("in.jsonl:2 ") and "not valid JSON" in labels[0]
        assert labels[1].startswith("out.jsonl:1 ")
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "file"
        file_screen = app.screen
        assert isinstance(file_screen, FileScreen)
        await wait_for(pilot, lambda: file_screen.line_list.cursor == 1, "line 2 selected")


async def test_unexpected_and_duplicate_answers(tmp_path: Path) -> None:
    from tests.results.builders import chat_body, ok

    inp = write_lines(tmp_path / "in.jsonl", [request("a"), request("b")])
    out = write_lines(
        tmp_path / "out.jsonl",
        [ok("a", chat_body("first")), ok("zzz", chat_body("stray")), ok("a", chat_body("again"))],
    )
    app = results_app(input_path=str(inp), output_path=str(out))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        assert lst.brief(0).tag == "answered twice" and lst.brief(0).text == "first"
        assert lst.brief(2).kind == "unexpected" and lst.brief(2).tag == "not in the input"
        assert lst.select_row(0)
        await pilot.pause()
        assert "Also answered at output line 3" in detail_text(screen)
        assert lst.select_row(2)
        await pilot.pause()
        assert "Not in the input file" in detail_text(screen)
        await pilot.press("l")  # no input line: the answer's own line
        await settle(pilot)
        file_screen = app.screen
        assert isinstance(file_screen, FileScreen) and file_screen.index is not None
        assert Path(file_screen.index.path) == out
        await wait_for(pilot, lambda: file_screen.line_list.cursor == 1, "line 2 selected")


async def test_a_huge_request_line_is_not_parsed(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request("a", "x" * 3_000_000), request("b")])
    app = results_app(input_path=str(inp))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        text = detail_text(screen)
        assert "too long to show parsed" in text and "more bytes" in text
        assert screen.query_one(ResultList).brief(0).kind == "missing"


# -- the join worker ---------------------------------------------------------------------


async def test_escape_cancels_the_join(monkeypatch: Any) -> None:
    started = threading.Event()

    def slow_join(*args: Any, progress: Any = None, cancelled: Any = None) -> Any:
        from batchtui.results.model import Progress

        progress(Progress("indexing input", 10, 100))
        started.set()
        while not cancelled():
            threading.Event().wait(0.005)
        raise JoinCancelled()

    monkeypatch.setattr(results_pkg, "join", slow_join, raising=False)
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, started.is_set, "the join to start")
        screen = screen_of(app)
        await wait_for(
            pilot,
            lambda: "indexing input" in plain(screen.query_one("#results-message", Static).content),
            "progress to show",
        )
        assert screen.joining
        await pilot.press("escape")
        await settle(pilot)
        assert not screen.joining and screen.result is None
        assert "Join cancelled" in plain(screen.query_one("#results-empty", Static).content)
        monkeypatch.undo()
        await pilot.press("R")
        await settle(pilot)
        assert screen.result is not None and screen.result.input_count == 16


async def test_fifty_thousand_rows_draw_only_what_is_visible(tmp_path: Path) -> None:
    inp, out, err = big_set(tmp_path, 50_000)
    app = results_app(input_path=str(inp), output_path=str(out), error_path=str(err))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        assert lst.virtual_size.height == 50_000
        assert len(lst._briefs) <= lst.size.height + 2  # only the visible rows were read
        await pilot.press("end")
        await pilot.pause()
        assert lst.current_row == 49_999
        await pilot.press("right_square_bracket")  # wraps to the first failure
        await pilot.pause()
        assert lst.current_row == 0
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert lst.current_row == 997
        assert "rate_limit_exceeded" in detail_text(screen)
        assert len(lst._briefs) < 200
        await pilot.press("f", "f")  # problems, then failed
        await pilot.pause()
        assert screen.filter_key == "failed" and len(lst.rows) == 51


def big_set(tmp: Path, n: int) -> tuple[Path, Path, Path]:
    """``n`` chat requests: every 997th rate-limited, the last expired, the rest answered
    (outputs in reverse order). Written from templates: dumping 100,000 objects is slow."""
    req = (
        '{"custom_id": "req-%05d", "method": "POST", "url": "/v1/chat/completions", '
        '"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "q %d"}]}}\n'
    )
    ok = (
        '{"id": "batch_req_%d", "custom_id": "req-%05d", "response": {"status_code": 200, '
        '"body": {"choices": [{"index": 0, "message": {"role": "assistant", "content": '
        '"answer %d"}, "finish_reason": "stop"}], "usage": {"prompt_tokens": 9, '
        '"completion_tokens": 3}}}, "error": null}\n'
    )
    limited = (
        '{"id": "batch_req_%d", "custom_id": "req-%05d", "response": {"status_code": 429, '
        '"body": {"error": {"message": "Rate limit reached (%d)", "type": "tokens", '
        '"code": "rate_limit_exceeded"}}}, "error": null}\n'
    )
    expired = (
        '{"id": "batch_req_%d", "custom_id": "req-%05d", "response": null, "error": '
        '{"code": "batch_expired", "message": "expired %d"}}\n'
    )
    inputs, outputs, errors = [], [], []
    for i in range(n):
        inputs.append(req % (i, i))
        if i == n - 1:
            errors.append(expired % (i, i, i))
        elif i % 997 == 0:
            errors.append(limited % (i, i, i))
        else:
            outputs.append(ok % (i, i, i))
    paths = (tmp / "in.jsonl", tmp / "out.jsonl", tmp / "err.jsonl")
    for path, lines in zip(paths, (inputs, outputs[::-1], errors), strict=True):
        path.write_text("".join(lines))
    return paths


# -- command line --------------------------------------------------------------------------


def test_launch_results_starts_the_results_mode(monkeypatch: Any) -> None:
    from batchtui.cli import results as results_launch

    seen: dict[str, Any] = {}

    def fake_run(self: BatchTUI) -> None:
        seen["mode"] = self.initial_mode
        seen["args"] = dict(self.results_args)

    monkeypatch.setattr(BatchTUI, "run", fake_run)
    args = argparse.Namespace(
        input="in.jsonl", output="out.jsonl", errors=None, batch_id="batch_abc"
    )
    assert results_launch.launch_results(args) == 0
    assert seen == {
        "mode": "results",
        "args": {
            "input_path": "in.jsonl",
            "output_path": "out.jsonl",
            "error_path": None,
            "batch_id": "batch_abc",
        },
    }


async def test_next_failure_skips_truncated_successes_except_in_their_filter() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        await pilot.press("right_square_bracket")
        assert lst.current_row == 5  # not 3 (truncated) or 4 (refused): they succeeded
        screen.set_filter("truncated")
        await pilot.pause()
        await pilot.press("home", "right_square_bracket")
        assert lst.current_row == 3  # a filter the user chose: ] walks its rows


async def test_histogram_enter_filters_and_hands_focus_to_the_list() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        hist = screen.query_one("#histogram", OptionList)
        await pilot.press("h")
        assert app.focused is hist and hist.highlighted == 0
        await pilot.press("j", "j", "k")  # j/k move in the histogram too
        assert hist.highlighted == 1
        await pilot.press("enter")
        await pilot.pause()
        lst = screen.query_one(ResultList)
        assert app.focused is lst  # the filtered list, ready for j/k and Enter
        group = screen.group_id
        assert group is not None and list(lst.rows) == [9, 10]
        opened_at: list[int] = []

        async def open_request() -> None:
            opened_at.append(lst.current_row or -1)

        screen.action_open_request = open_request  # type: ignore[method-assign]
        await pilot.press("enter")  # opens the request; the filter stays
        await pilot.pause()
        assert opened_at == [9] and screen.group_id == group


# -- finding a request: / n N, i, : --------------------------------------------------------


async def test_i_jumps_to_a_custom_id_exact_then_prefix() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        await pilot.press("i", *"ticket-007", "enter")  # the id and two keys
        await settle(pilot)
        assert lst.current_row == 6
        assert "rate_limit_exceeded" in detail_text(screen)
        await pilot.press("i", *"ticket-01", "enter")  # ticket-010 … ticket-016 begin so
        await settle(pilot)
        assert lst.current_row == 9
        assert any("7 custom_ids begin with" in n for n in notes(app)), notes(app)
        await pilot.press("i", *"nope", "enter")
        await settle(pilot)
        assert lst.current_row == 9 and any("No custom_id" in n for n in notes(app))


async def test_i_leaves_a_filter_that_hides_the_request() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        screen.set_filter("failed")
        await pilot.pause()
        await pilot.press("i", *"ticket-001", "enter")
        await settle(pilot)
        assert screen.filter_key == "all" and screen.query_one(ResultList).current_row == 0


async def test_slash_searches_ids_errors_and_answers_with_n_and_shift_n() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        await pilot.press("slash", *"rate_limit", "enter")
        await settle(pilot)
        assert lst.current_row == 6
        await pilot.press("n")
        await settle(pilot)
        assert lst.current_row == 7
        await pilot.press("N")
        await settle(pilot)
        assert lst.current_row == 6
        await pilot.press("slash")
        assert screen.query_one(PromptBar).value == "rate_limit"  # selected, like the File view
        await pilot.press(*"[/x] zzz", "enter")  # markup-like text is only text
        await settle(pilot)
        assert lst.current_row == 6 and any("Not found" in n for n in notes(app))
        await pilot.press("slash", *"Forgot password", "enter")  # answer text
        await settle(pilot)
        assert screen.result is not None
        assert screen.result.custom_id(lst.current_row or 0) == "ticket-003"


async def test_colon_goes_to_an_input_line_or_a_row_of_the_list() -> None:
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        lst = screen.query_one(ResultList)
        await pilot.press("colon", *"7", "enter")
        await settle(pilot)
        assert lst.current_row == 6  # input line 7
        screen.set_filter("failed")
        await pilot.pause()
        await pilot.press("colon", *"#3", "enter")
        await settle(pilot)
        assert lst.cursor == 2 and lst.current_row == 7  # the third failed request
        await pilot.press("colon", *"99", "enter")
        await settle(pilot)
        assert any("no request on input line 99" in n for n in notes(app)), notes(app)


async def test_the_screen_keeps_textuals_batch_and_can_recompose() -> None:
    """The screen's own attributes do not hide Textual's: `app.recompose()` runs
    `screen.batch()`, which a stored BatchView (or None) used to replace."""
    app = results_app(**SAMPLE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        async with screen.batch():
            pass
        await app.recompose()
        await settle(pilot)
        assert isinstance(app.screen, ResultsScreen)


async def test_the_results_view_opens_on_an_output_alone(tmp_path: Path) -> None:
    """``batchtui results --output OUT`` (launch_results with no input) used to say
    "No results open"."""
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {"output_path": str(REPO / "tests/ui/fixtures/kind_errors.jsonl")}
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResultsScreen) and screen.result is not None
        text = screen_text(app)
        assert "No results open" not in text
        assert "4 failed" in text or "3 failed" in text
        assert "integer_below_min_value" in text


# -- cost ------------------------------------------------------------------------------


async def test_the_summary_says_what_the_requests_cost_and_failures_not_billed() -> None:
    from batchtui.core.usage import TokenUsage
    from batchtui.cost.estimate import usd
    from batchtui.cost.receipt import receipt

    app = results_app(**SAMPLE)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await opened(pilot)
        assert screen.result is not None
        # The sample's answers: 1,544 input tokens (1,024 cached) and 297 output, gpt-4o-mini.
        expected = receipt("gpt-4o-mini", TokenUsage(1_544, 1_024, 297, 0))
        assert expected.cost is not None
        summary = plain(screen.query_one(ResultsSummary).content)
        assert (
            f"cost {usd(expected.cost.batch_max)} at batch price, "
            f"{usd(expected.cost.standard_max)} standard: saved "
            f"{usd(expected.cost.saving_max)} · failures: not billed"
        ) in summary, summary
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        compact = plain(screen.query_one(ResultsSummary).content)
        assert f"cost {usd(expected.cost.batch_max)} (saved" in compact, compact


def test_failures_that_carry_usage_are_priced(tmp_path: Path) -> None:
    from batchtui.core.usage import TokenUsage
    from batchtui.cost.receipt import receipt
    from batchtui.ui.costs import model_of, result_costs
    from tests.results.builders import chat_body, http_error, ok

    inp = write_lines(tmp_path / "in.jsonl", [request("a"), request("b"), request("c")])
    out = write_lines(tmp_path / "out.jsonl", [ok("a", chat_body(prompt=1000, completion=500))])
    failed = http_error("b", 500, "server_error", "boom")
    failed["response"]["body"]["usage"] = {"prompt_tokens": 200, "completion_tokens": 50}
    err = write_lines(
        tmp_path / "err.jsonl", [failed, http_error("c", 400, "invalid_request", "no")]
    )
    with join(inp, out, err) as result:
        model = model_of(result)
        assert model == "gpt-4o-mini"
        costs = result_costs(result, model)
    assert costs.failed_count == 2
    assert costs.failed == receipt(model, TokenUsage(200, 0, 50, 0))
    assert costs.total == receipt(model, TokenUsage(1200, 0, 550, 0))
    assert costs.failed_text().endswith("(250 tokens in their usage)")
    assert model_of(result, argparse.Namespace(model="gpt-4.1")) == "gpt-4.1"
