"""The browser shows each kind of file for what it is, and an output or error file's
results are one key away (with its input when one sits beside it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from batchtui.ui.screens.dialogs import ConfirmDialog
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.screens.results import ResultsScreen
from batchtui.ui.summary import summarize
from tests.jsonl import kind_samples as k
from tests.ui.conftest import FIXTURES, screen_text, settle, wait_for
from tests.ui.test_results_view import plain


def write(path: Path, objs: list[Any]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs))
    return path


def detail_text(app: Any) -> str:
    return plain(app.screen.detail._body.content)


def notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


def status_text(app: Any) -> str:
    return screen_text(app).splitlines()[-2]


def the_inputs() -> list[dict[str, Any]]:
    """The requests kind_output.jsonl answers (same custom_ids)."""
    return [dict(k.chat_input(i), custom_id=f"ticket-{i:03d}") for i in range(1, 6)]


# -- rows of every kind (the list's summaries) -------------------------------------------


@pytest.mark.parametrize(
    ("line", "row"),
    [
        (k.chat_input(2), ("request-2", "gpt-4o-mini", "Question 2?", "")),
        (k.chat_output(3), ("request-3", "200", "Answer 3.", "ok")),
        (
            k.http_error_line(1),
            ("annotation:1", "400", "unsupported_parameter: Unsupported parameter:", "error"),
        ),
        (k.EXPIRED_LINE, ("2", "expired", "This request could not be executed", "error")),
        (k.AZURE_ERROR_LINE, ("id1", "400", "BadRequest: Value of max_tokens", "error")),
        (k.VLLM_ERROR_LINE, ("request-9", "400", "http_400: The model `llava` does", "error")),
        (k.anthropic_request(4), ("req-4", "claude-3-7-sonnet-20250219", "Question 4?", "")),
        (k.anthropic_result(5), ("req-5", "succeeded", "Answer 5.", "ok")),
        (
            k.anthropic_result(6, "errored"),
            ("req-6", "errored", "invalid_request_error: You have reached", "error"),
        ),
        (k.anthropic_result(7, "expired"), ("req-7", "expired", "The batch reached", "error")),
        (k.gemini_request(8), ("request_8", "", "Question 8?", "")),
        (k.gemini_result(9), ("request_9", "STOP", "Answer 9.", "ok")),
        (k.VERTEX_REQUEST, ("", "", "Hi", "")),
        (k.FINETUNE, ("", "3 turns", "Hi", "")),
    ],
)
def test_each_kind_of_line_makes_its_own_row(line: dict[str, Any], row: tuple[str, ...]) -> None:
    got = summarize(json.dumps(line).encode())
    assert got is not None
    assert (got.id, got.second, got.tone) == (row[0], row[1], row[3])
    assert got.text.startswith(row[2]), got.text


def test_an_error_names_its_param_before_the_message() -> None:
    line = k.http_error_line(1)
    line["response"]["body"]["error"]["param"] = "max_output_tokens"
    got = summarize(json.dumps(line).encode())
    assert got is not None and got.text.startswith("unsupported_parameter (max_output_tokens): ")


def test_lines_of_no_batch_kind_show_raw() -> None:
    for obj in (k.LEGACY_FINETUNE, k.DPO, k.FLATTENED_ANTHROPIC, {"custom_id": "x"}):
        assert summarize(json.dumps(obj).encode()) is None


# -- the browser per kind ------------------------------------------------------------------


async def test_an_output_file_reads_as_answers(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = shutil.copy(FIXTURES / "kind_output.jsonl", tmp_path / "out.jsonl")
    app = make_app(out)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "batch output" in status_text(app)
        assert "ticket-003  200" in text and '→ get_order_status(order_id="48213")' in text
        assert "refusal: I'm sorry, but I can't help with that." in text
        assert "Missing required parameter" not in text  # not judged as an input
        await pilot.press("j", "j", "j")
        await settle(pilot)
        detail = detail_text(app)
        assert "HTTP 200 · gpt-4o-mini-2024-07-18 · 88 in · 40 out · finish length" in detail
        assert "assistant: 구매 후 30일이 지난" in detail


async def test_an_error_file_reads_as_errors(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(FIXTURES / "kind_errors.jsonl")
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "batch errors" in status_text(app)
        assert "integer_below_min_value (max_output_tokens): Invalid 'max_output_tokens'" in text
        assert "403" in text and "model_not_found: Project `proj_abc`" in text
        assert "expired" in text and "This request could not be executed" in text
        await pilot.press("j")
        await settle(pilot)
        detail = detail_text(app)
        assert "HTTP 400" in detail and "error integer_below_min_value: Invalid" in detail
        assert "type: invalid_request_error  param: max_output_tokens" in detail


async def test_an_anthropic_request_file_reads_as_transcripts(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(FIXTURES / "kind_anthropic.jsonl", validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        assert "Anthropic requests" in status_text(app) and "1 error" in status_text(app)
        assert "guardian_0002 claude-sonnet-4-20 Can I change the delivery" in screen_text(app)
        findings = screen.validator.report.snapshot()
        assert findings.errors == 1 and [g.code for g in findings.groups] == ["foreign_format"]
        detail = detail_text(app)
        assert "foreign_format" in detail and "Anthropic Message Batches request:" not in detail
        await pilot.press("j")
        await settle(pilot)
        detail = detail_text(app)
        assert "Anthropic Message Batches request: batchtui convert" in detail
        assert "system: You write short, calm replies" in detail
        assert "max_tokens=2048  temperature=0.7" in detail


@pytest.mark.parametrize(
    ("objs", "label", "shown"),
    [
        ([k.chat_output(i, runner="vllm") for i in range(3)], "batch output · vLLM", "Answer 1."),
        ([k.gemini_request(i) for i in range(3)], "Gemini requests", "request_2"),
        (
            [k.anthropic_result(1), k.anthropic_result(2, "errored")],
            "Anthropic results",
            "errored",
        ),
        ([k.FINETUNE] * 2, "fine-tuning chat", "3 turns"),
        ([k.chat_input(1), k.anthropic_request(2)], "mixed kinds", "req-2"),
    ],
)
async def test_the_status_bar_names_the_kind(  # type: ignore[no-untyped-def]
    make_app, tmp_path: Path, objs: list[Any], label: str, shown: str
) -> None:
    app = make_app(write(tmp_path / "f.jsonl", objs))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert label in status_text(app)
        assert shown in screen_text(app)


# -- o: the results, one key away ---------------------------------------------------------


async def test_o_opens_the_results_joined_with_the_input_beside_it(  # type: ignore[no-untyped-def]
    make_app, tmp_path: Path
) -> None:
    out = shutil.copy(FIXTURES / "kind_output.jsonl", tmp_path / "batch_abc_output.jsonl")
    write(tmp_path / "batch_abc_input.jsonl", the_inputs())
    write(tmp_path / "batch_abc_error.jsonl", [dict(k.EXPIRED_LINE, custom_id="ticket-006")])
    app = make_app(out)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the join question")
        body = app.screen.body
        assert f"{tmp_path / 'batch_abc_input.jsonl'} (named like it) looks like" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), "the results")
        screen = app.screen
        await wait_for(pilot, lambda: screen.result is not None, "the join")
        assert screen.input_path == str(tmp_path / "batch_abc_input.jsonl")
        assert screen.error_path == str(tmp_path / "batch_abc_error.jsonl")
        counts = screen.result.counts()
        assert (counts["succeeded"], counts["expired"], counts["unexpected"]) == (5, 0, 1)


async def test_o_without_an_input_opens_the_results_alone(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = shutil.copy(FIXTURES / "kind_output.jsonl", tmp_path / "answers.jsonl")
    app = make_app(out)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), "the results")
        screen = app.screen
        await wait_for(pilot, lambda: screen.result is not None, "the join")
        await settle(pilot)
        assert screen.input_path is None and screen.result.row_count == 5
        text = screen_text(app)
        assert "5 succeeded" in text and "missing" not in text
        assert "No input file: the request is not shown." in text
        assert "output line 1" in text
        await pilot.press("x")
        await settle(pilot)
        assert any("A retry file is made of the input's lines" in n for n in notes(app))


async def test_o_names_what_an_input_file_is(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(FIXTURES / "normal.jsonl")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, FileScreen)
        assert any("this is an OpenAI batch input file" in n for n in notes(app))


def test_an_answer_cut_short_says_why_in_its_status() -> None:
    line = k.chat_output(1)
    line["response"]["body"]["choices"][0]["finish_reason"] = "length"
    got = summarize(json.dumps(line).encode())
    assert got is not None and (got.second, got.tone) == ("200 length", "warning")
    cut = k.anthropic_result(2)
    cut["result"]["message"]["stop_reason"] = "max_tokens"
    got = summarize(json.dumps(cut).encode())
    assert got is not None and got.second == "succeeded max_tokens"


async def test_the_results_of_an_output_file_are_in_the_command_palette(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(FIXTURES / "kind_output.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "File: Results of this output file" in titles
