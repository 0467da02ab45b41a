"""The File screen as a user meets it: prompts, panes, splitting, the status line."""

from __future__ import annotations

from pathlib import Path

from batchtui.api.config import ClientSettings
from batchtui.api.service import BatchService
from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.dialogs import SubmitDialog
from tests.ui.conftest import REPO, settle, wait_for

EXAMPLES = REPO / "batchtui" / "examples"


def notes(app: BatchTUI) -> list[str]:
    return [n.message for n in app._notifications]


async def test_no_api_key_on_the_file_screen_does_not_say_press_r(tmp_path: Path) -> None:
    svc = BatchService(ClientSettings(api_key=None, base_url="http://127.0.0.1:9/v1"))
    app = BatchTUI(LineIndex(EXAMPLES / "chat.jsonl"), service=svc, validate=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        await pilot.press("enter")
        await settle(pilot)
        said = " ".join(notes(app))
        assert "OPENAI_API_KEY" in said
        assert "press r" not in said  # r is "raw" here; and a new key needs a restart anyway


async def test_search_prompt_reopens_with_the_old_query_selected(make_app) -> None:  # type: ignore[no-untyped-def]
    from batchtui.ui.widgets.prompt import PromptBar

    app = make_app(EXAMPLES / "chat.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"sentiment", "enter")
        await settle(pilot)
        await pilot.press("slash")
        prompt = app.screen.query_one(PromptBar)
        assert prompt.value == "sentiment"
        await pilot.press(*"korean")  # typing replaces the old query, never prepends
        assert prompt.value == "korean"
        await pilot.press("escape", "slash", "end", *" day")  # End keeps it and appends
        assert prompt.value == "sentiment day"


async def test_tab_cycles_list_and_whichever_pane_is_shown(make_app) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import Tree

    from batchtui.ui.widgets.detail import DetailView
    from batchtui.ui.widgets.line_list import LineList

    app = make_app(EXAMPLES / "chat_mistakes.jsonl", validate=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, DetailView)
        await pilot.press("tab")
        assert isinstance(app.focused, LineList)
        await pilot.press("v")  # the report replaces the detail pane
        assert isinstance(app.focused, Tree)
        await pilot.press("tab")
        assert isinstance(app.focused, LineList)
        await pilot.press("tab")
        assert isinstance(app.focused, Tree), app.focused


async def test_an_empty_file_says_so_in_the_detail_pane(make_app) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.conftest import screen_text

    app = make_app(REPO / "tests" / "ui" / "fixtures" / "empty.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Indexing" not in text
        assert "The file is empty" in text


def _snapshot(done: bool, errors: int = 0, checked: int = 420, total: int = 1000):  # type: ignore[no-untyped-def]
    from batchtui.validation.report import ReportSnapshot

    return ReportSnapshot(
        path="x.jsonl",
        lines_checked=12_345,
        bytes_checked=checked,
        total_bytes=total,
        done=done,
        endpoint=None,
        model=None,
        errors=errors,
        warnings=0,
        infos=0,
        groups=(),
    )


def test_status_never_says_no_errors_before_validation_is_done() -> None:
    from batchtui.ui.widgets.report import summary_text

    running = summary_text(_snapshot(False), True).plain
    assert "no errors" not in running and "✔" not in running
    assert "validating 42%" in running
    assert "✖ 3 errors so far" in summary_text(_snapshot(False, errors=3), True).plain
    done = summary_text(_snapshot(True, checked=1000), False).plain
    assert "✔ no errors" in done and "validating" not in done


async def test_file_limits_are_shown_as_soon_as_size_and_lines_are_known(
    make_app, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.conftest import screen_text
    from tests.validation.helpers import small_limits

    path = tmp_path / "many.jsonl"
    path.write_bytes(b"{}\n" * 50_001)
    # 100 KB stands in for 200 MB; the request limit is OpenAI's.
    provider = small_limits(file_bytes=100_000)
    app = make_app(path, provider=provider)  # validation off: only the index knows the numbers
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        status = screen_text(app).splitlines()[-2]
        assert "over 100,000 bytes" in status and "over 50,000 requests" in status, status
        said = " ".join(notes(app))
        assert "file_too_large" in said and "too_many_tasks" in said and "p splits" in said


async def test_split_asks_first_and_refuses_a_file_that_fits(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from batchtui.ui.screens.dialogs import ConfirmDialog
    from tests.validation.helpers import small_limits

    path = tmp_path / "chat.jsonl"
    shutil.copyfile(EXAMPLES / "chat.jsonl", path)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("already fits" in n for n in notes(app)), notes(app)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.jsonl"]

        app.file_screen.provider = small_limits(requests=5)  # 12 requests: 3 parts
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        assert "3 parts" in str(app.screen.title_text)  # type: ignore[attr-defined]
        await pilot.press("n")
        await settle(pilot)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["chat.jsonl"]
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("y")
        await settle(pilot)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == ["chat.jsonl", *(f"chat.part00{i}.jsonl" for i in (1, 2, 3))]
        assert any("Wrote 3 parts" in n for n in notes(app)), notes(app)
