"""The Textual application: three modes (File, Batches, Results) and the app-wide keys."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from batchtui.jsonl import LineIndex
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.screens.help import HelpScreen


class BatchTUI(App[int]):
    """``batchtui``: browse a batch file, watch batches, understand results."""

    CSS_PATH = "app.tcss"
    TITLE = "batchtui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "mode('file')", "File", id="app.mode_file"),
        Binding("2", "mode('batches')", "Batches", id="app.mode_batches"),
        Binding("3", "mode('results')", "Results", id="app.mode_results"),
        Binding("question_mark,f1", "help", "Keys", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        index: LineIndex | None = None,
        *,
        start_line: int | None = None,
        follow: bool = False,
        validate: bool = True,
        initial_mode: str | None = None,
        **services: Any,
    ) -> None:
        super().__init__()
        self.index = index
        self.start_line = start_line
        self.follow = follow
        self.validate = validate
        self.services = services
        self.initial_mode = initial_mode or ("file" if index is not None else "batches")

    def _make_screen(self, mode: str) -> Screen[Any]:
        if mode == "file":
            return FileScreen(self.index, start_line=self.start_line, follow=self.follow)
        from batchtui.ui.screens.placeholder import PlaceholderScreen

        return PlaceholderScreen(mode)

    async def on_mount(self) -> None:
        for mode in ("file", "batches", "results"):
            self.add_mode(mode, partial(self._make_screen, mode))
        await self.switch_mode(self.initial_mode)

    async def action_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            await self.switch_mode(mode)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = []
        focused = self.focused
        if focused is not None:
            sections.append((type(focused).__name__, list(_own_bindings(focused))))
        sections.append(("This screen", list(_own_bindings(self.screen))))
        sections.append(("Everywhere", list(_own_bindings(self))))
        self.push_screen(HelpScreen(sections))


def _own_bindings(node: object) -> list[Binding]:
    out = []
    for b in getattr(node, "BINDINGS", []):
        if isinstance(b, Binding):
            out.append(b)
    return out
