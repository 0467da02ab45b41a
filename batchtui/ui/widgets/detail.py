"""The detail pane: the selected line as a transcript and pretty JSON, or raw."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from batchtui.jsonl import LineIndex, Span
from batchtui.ui.transcript import DETAIL_PARSE_CAP, render_line_detail


class DetailView(VerticalScroll, can_focus=True):
    """Shows one line. Reads at most DETAIL_PARSE_CAP bytes of it, whatever its size."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pretty = True
        self._shown: tuple[int, int, int, bool] | None = None
        self._body = Static("", markup=False)

    def compose(self):  # type: ignore[override]
        yield self._body

    def show_line(
        self, index: LineIndex, span: Span | None, line: int | None, force: bool = False
    ) -> None:
        if span is None:
            self._shown = None
            self.border_title = "Detail"
            self._body.update(
                Text("Indexing… the line number is not known yet.", style="dim italic")
            )
            return
        key = (span.start, span.end, id(index), self.pretty)
        if key == self._shown and not force:
            return
        self._shown = key
        data = index.read(span, DETAIL_PARSE_CAP)
        number = f"Line {line + 1:,}" if line is not None else "Line ?"
        mode = "pretty" if self.pretty else "raw"
        self.border_title = f"{number} · {span.length:,} bytes · {mode}"
        self._body.update(render_line_detail(data, span.length, self.pretty))
        self.scroll_home(animate=False)

    def clear(self, message: str) -> None:
        self._shown = None
        self.border_title = "Detail"
        self._body.update(Text(message, style="dim italic"))
