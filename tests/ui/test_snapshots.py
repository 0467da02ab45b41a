"""Snapshots of the main screens at 80x24 (and one large size). Update with --snapshot-update."""

from __future__ import annotations

import pytest

from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI
from tests.ui.conftest import REPO, settle


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    # The mode bar shows the path as given; relative paths keep snapshots machine-independent.
    monkeypatch.chdir(REPO)


def browser(name: str) -> BatchTUI:
    return BatchTUI(LineIndex(f"tests/ui/fixtures/{name}.jsonl"), validate=False)


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)


def _pressing(*keys: str):  # type: ignore[no-untyped-def]
    """A run_before that settles, presses keys, and settles again (press= does not wait)."""

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run


@pytest.mark.parametrize("name", ["normal", "cjk", "long", "controls", "empty"])
def test_browser_80x24(snap_compare, name: str) -> None:
    assert snap_compare(browser(name), terminal_size=(80, 24), run_before=_settle)


def test_browser_cursor_and_raw_80x24(snap_compare) -> None:
    assert snap_compare(browser("cjk"), terminal_size=(80, 24), run_before=_pressing("j", "j", "r"))


def test_browser_large(snap_compare) -> None:
    assert snap_compare(browser("normal"), terminal_size=(160, 50), run_before=_pressing("j"))


def test_help_80x24(snap_compare) -> None:
    assert snap_compare(
        browser("normal"), terminal_size=(80, 24), run_before=_pressing("question_mark")
    )


def mistakes() -> BatchTUI:
    return BatchTUI(LineIndex("batchtui/examples/chat_mistakes.jsonl"), validate=True)


def test_validation_marks_80x24(snap_compare) -> None:
    assert snap_compare(
        mistakes(), terminal_size=(80, 24), run_before=_pressing("right_square_bracket")
    )


def test_validation_report_80x24(snap_compare) -> None:
    assert snap_compare(mistakes(), terminal_size=(80, 24), run_before=_pressing("v"))


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("kind_output", ("j", "j")),  # an answer that is a tool call
        ("kind_errors", ("j",)),  # an error with its param
        ("kind_anthropic", ("j",)),  # the note and the transcript (line 1 has the finding)
    ],
)
def test_browser_kinds_80x24(snap_compare, name: str, keys: tuple[str, ...]) -> None:
    """Each kind shown for what it is: answers, errors, another provider's requests."""
    app = BatchTUI(LineIndex(f"tests/ui/fixtures/{name}.jsonl"), validate=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_pressing(*keys))
