"""The keys dialog: headings name the areas a user knows, never widget class names."""

from __future__ import annotations

from pathlib import Path

from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.help import HelpScreen
from tests.ui.conftest import REPO, screen_text, settle

EXAMPLES = REPO / "batchtui" / "examples"
CLASS_NAMES = ("LineList", "ResultList", "BatchTable", "OptionList", "Tree", "DetailView")


def help_text(app: BatchTUI) -> str:
    assert isinstance(app.screen, HelpScreen)
    return screen_text(app)


async def open_help(app: BatchTUI, pilot) -> str:  # type: ignore[no-untyped-def]
    await pilot.press("question_mark")
    await pilot.pause()
    text = help_text(app)
    await pilot.press("escape")
    await pilot.pause()
    return text


async def test_file_help_has_area_headings_and_lists_the_palette(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(EXAMPLES / "chat.jsonl")
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        text = await open_help(app, pilot)
        for name in CLASS_NAMES:
            assert name not in text
        assert "File" in text and "Everywhere" in text
        assert "Ctrl+P" in text and "Command palette" in text
        assert "Quit" in text
        # The report is an area of its own once it has focus.
        await pilot.press("v")
        await pilot.pause()
        text = await open_help(app, pilot)
        assert "Report" in text and "Tree" not in text


async def test_results_help_headings(tmp_path: Path) -> None:
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {
        "input_path": str(EXAMPLES / "results_input.jsonl"),
        "output_path": str(EXAMPLES / "results_output.jsonl"),
        "error_path": str(EXAMPLES / "results_errors.jsonl"),
    }
    async with app.run_test(size=(100, 60)) as pilot:
        await settle(pilot)
        text = await open_help(app, pilot)
        assert "Results" in text
        for name in CLASS_NAMES:
            assert name not in text
        await pilot.press("h")
        await pilot.pause()
        text = await open_help(app, pilot)
        assert "Failure groups" in text and "OptionList" not in text
