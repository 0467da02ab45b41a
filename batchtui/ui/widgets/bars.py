"""The mode bar at the top of every screen and the status bar of the file screen.

Each bar is one line, its height set in app.tcss, as wide as the screen: new text never
changes its size, so it is redrawn without a layout pass (``Static.update`` lays out the
whole screen by default: with the status bar updated on every key press and progress
report, that was most of the UI's work while a file was indexed and validated).
"""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

MODES = (("file", "1 File"), ("batches", "2 Batches"), ("results", "3 Results"), ("jobs", "4 Jobs"))


class _Bar(Static):
    def update(self, content: VisualType = "", *, layout: bool = False) -> None:
        super().update(content, layout=layout)


class ModeBar(_Bar):
    """``batchtui  1 File  2 Batches  3 Results  4 Jobs`` with the current mode highlighted."""

    def __init__(self, mode: str, title: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.mode = mode
        self.title = title

    def on_mount(self) -> None:
        self.update(self.render_bar())

    def set_title(self, title: str) -> None:
        self.title = title
        self.update(self.render_bar())

    def render_bar(self) -> Text:
        text = Text(" batchtui ", style="bold")
        for mode, label in MODES:
            style = "reverse bold" if mode == self.mode else "dim"
            text.append(f" {label} ", style=style)
            text.append(" ")
        if self.title:
            text.append("  ")
            text.append(self.title, style="italic")
        text.truncate(max(1, self.size.width or 200), overflow="ellipsis")
        return text

    def on_resize(self) -> None:
        self.update(self.render_bar())


class StatusBar(_Bar):
    """One line of left-aligned facts and a right-aligned position, fitted to the width."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._left = Text()
        self._right = Text()

    def set(self, left: Text, right: Text) -> None:
        self._left, self._right = left, right
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def _redraw(self) -> None:
        width = self.size.width or 80
        right = self._right
        left = self._left.copy()
        room = max(0, width - right.cell_len - 1)
        left.truncate(room, overflow="ellipsis", pad=True)
        self.update(Text.assemble(left, " ", right))


class KeyHints(_Bar):
    """A one-line list of the screen's main keys: a cheap stand-in for Textual's Footer, which
    costs ~0.1-0.2 s to lay out and would delay the first frame of a large file."""

    def __init__(self, bindings: list[tuple[str, str]], *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.bindings = bindings

    def show(self, bindings: list[tuple[str, str]]) -> None:
        """Other keys for a while (a prompt's own)."""
        self.bindings = bindings
        self._redraw()

    def on_mount(self) -> None:
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def set_bindings(self, bindings: list[tuple[str, str]]) -> None:
        if bindings != self.bindings:
            self.bindings = bindings
            self._redraw()

    def _redraw(self) -> None:
        width = self.size.width or 80
        text = Text()
        for key, description in self.bindings:
            piece = Text.assemble((f" {key} ", "bold reverse"), f" {description} ")
            if text.cell_len + piece.cell_len > width:
                break
            text.append_text(piece)
        self.update(text)
