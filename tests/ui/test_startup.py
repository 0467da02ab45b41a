"""Start-up pays for the File screen's first frame only: hidden screens, their styles, the
hidden panes and their imports come later (issue #12; tests/benchmarks/bench_browser.py
--startup measures the time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from batchtui.ui.screens.file import FileScreen
from tests.ui.conftest import REPO, settle

CHAT = REPO / "batchtui" / "examples" / "chat.jsonl"
UI = REPO / "batchtui" / "ui"


def test_browsing_a_file_imports_no_hidden_screen_or_pane() -> None:
    code = (
        "import sys, batchtui.cli.entry, batchtui.cli.browse, batchtui.ui.app\n"
        "print('\\n'.join(sys.modules))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    later = {
        "batchtui.ui.screens.batches",  # the other screens
        "batchtui.ui.screens.results",
        "batchtui.ui.widgets.prompt",  # the panes a key opens
        "batchtui.ui.transcript",  # the detail pane draws after the first frame
        "batchtui.results.answers",
        "batchtui.validation.engine",  # validation starts after it, in a thread
        "batchtui.validation.parallel",
    }
    assert not loaded & later, sorted(loaded & later)


async def test_the_first_frame_is_the_file_screen_alone(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import textual.css.stylesheet as stylesheet

    reparses: list[int] = []
    reparse = stylesheet.Stylesheet.reparse

    def counting(self: stylesheet.Stylesheet) -> None:
        reparses.append(1)
        reparse(self)

    monkeypatch.setattr(stylesheet.Stylesheet, "reparse", counting)
    import batchtui.validation.providers as providers
    from batchtui.ui.app import BatchTUI

    calls: list[str] = []
    for owner, name in ((BatchTUI, "get_default_screen"), (providers, "file_limits")):
        real = getattr(owner, name)
        monkeypatch.setattr(
            owner, name, lambda *a, _r=real, _n=name, **k: (calls.append(_n), _r(*a, **k))[1]
        )
    at_first_paint: dict[str, Any] = {}
    after_first_paint = FileScreen._after_first_paint

    async def spy(self: FileScreen) -> None:
        at_first_paint["widgets"] = {type(w).__name__ for w in self.walk_children()}
        at_first_paint["sources"] = {Path(path).name for path, _ in self.app.stylesheet.source}
        at_first_paint["reparses"] = len(reparses)
        at_first_paint["calls"] = list(calls)
        await after_first_paint(self)

    monkeypatch.setattr(FileScreen, "_after_first_paint", spy)
    app = make_app(CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # What the first frame was made of: no report, no prompt, nor their styles; no other
        # screen's styles; and no second parse of every stylesheet for the mode's new screen.
        assert not at_first_paint["widgets"] & {"ReportView", "PromptBar", "Tree"}
        assert "results.tcss" not in at_first_paint["sources"]
        assert "batches.tcss" not in at_first_paint["sources"]
        assert at_first_paint["reparses"] == 0
        # Nor Textual's blank default screen (switching from it to the File mode restyled and
        # laid out every widget twice more), nor the limits' profiles and SDK snapshot.
        assert at_first_paint["calls"] == []
        assert "get_default_screen" not in calls and "file_limits" in calls
        # Mounted right after it, and working.
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.query_one("#report").display
        await pilot.press("v", "colon")
        assert app.screen.query_one("#prompt").display
        await pilot.press("escape")
        # Another screen brings its styles when first shown.
        await pilot.press("3")
        await settle(pilot)
        assert app.stylesheet.has_source(str(UI / "results.tcss"), "")


async def test_the_bars_redraw_without_a_layout(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status bar changes on every key and progress report; a bar's size never does (one
    line, full width), so its new text must not lay out the whole screen again."""
    from batchtui.ui.widgets.bars import KeyHints, ModeBar, StatusBar

    app = make_app(CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        layouts: list[bool] = []
        for bar in (screen.query_one(cls) for cls in (StatusBar, KeyHints, ModeBar)):
            real = bar.refresh
            monkeypatch.setattr(
                bar,
                "refresh",
                lambda *a, _r=real, layout=False, **k: (
                    layouts.append(layout),
                    _r(*a, layout=layout, **k),
                )[1],
            )
        screen._notice = "a notice"
        screen.update_status()
        screen.query_one(KeyHints).show([("x", "Something")])
        screen.query_one(ModeBar).set_title("another title")
        await pilot.pause()
        assert "a notice" in str(screen.query_one(StatusBar).render())
        assert len(layouts) == 3 and not any(layouts)


BUILD_APP = """
import sys
from batchtui.cli.entry import _browse_parser
from batchtui.cli.browse import build_app
from batchtui.validation import pieces

pieces.MIN_PARALLEL_BYTES = 0  # this small file counts as big
for flags in ([], ["--no-validate"]):
    app = build_app(_browse_parser([]).parse_args([sys.argv[1], *flags]))
    head = app.validation_head
    print(flags, None if head is None else (head.path == sys.argv[1], len(head.workers)))
    if head is not None:
        head.close()
print(sorted(m for m in sys.modules if m.startswith("batchtui.validation.")))
"""


def test_the_command_line_starts_the_validation_workers_before_the_app(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(CHAT.read_bytes() * 200)
    done = subprocess.run(
        [sys.executable, "-c", BUILD_APP, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        timeout=60,
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[] (True, ") and not lines[0].endswith(" 0)")  # workers
    assert lines[1] == "['--no-validate'] None"
    # Forking them cost the app's start-up no import of the validator.
    assert lines[2] == "['batchtui.validation.pieces']"
