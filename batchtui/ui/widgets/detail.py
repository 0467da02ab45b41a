"""The detail pane: the selected line as a transcript and pretty JSON, or raw."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from batchtui.core.text import safe
from batchtui.jsonl import LineIndex, Span
from batchtui.ui.format import SEVERITY_LOOK, severity_name


class DetailView(VerticalScroll, can_focus=True):
    """Shows one line. Reads at most DETAIL_PARSE_CAP bytes of it, whatever its size."""

    help_title = "Detail"

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.pretty = True
        self.source: str | None = None  # the file's name, for the commands a note suggests
        self._shown: tuple[int, int, int, bool, int] | None = None  # what is drawn
        self._body = Static("", markup=False)
        self._title = "Detail"
        # (id of the index, start byte) of the line whose token count the title shows
        self.tokens_for: tuple[int, int] | None = None
        self._tokens = ""

    def compose(self) -> ComposeResult:
        yield self._body

    def show_line(
        self,
        index: LineIndex,
        span: Span | None,
        line: int | None,
        force: bool = False,
        findings: Sequence[Any] = (),
    ) -> None:
        if span is None:
            self._shown = None
            self._set_title("Detail")
            self._body.update(
                Text("Indexing… the line number is not known yet.", style="dim italic")
            )
            return
        key = (span.start, span.end, id(index), self.pretty, len(findings))
        if key == self._shown and not force:
            return
        # Imported on the first line shown (after the first frame: the pane waits for the
        # cursor to rest), not with the screen.
        from batchtui.ui.transcript import DETAIL_PARSE_CAP, render_line_detail

        self._shown = key
        data = index.read(span, DETAIL_PARSE_CAP)
        number = f"Line {line + 1:,}" if line is not None else "Line ?"
        mode = "pretty" if self.pretty else "raw"
        if self.tokens_for != (id(index), span.start):
            self.tokens_for, self._tokens = None, ""
        self._set_title(f"{number} · {span.length:,} bytes · {mode}")
        # A file-level finding already says what the file is: no note beside it.
        said = any(f.code == "foreign_format" for f in findings)
        body = render_line_detail(
            data,
            span.length,
            self.pretty,
            marks=field_keys(findings),
            source=self.source,
            note=not said,
        )
        if findings:
            body = Group(findings_block(findings), body)
        self._body.update(body)
        self.scroll_home(animate=False)

    def clear(self, message: str) -> None:
        self._shown = None
        self.tokens_for, self._tokens = None, ""
        self._set_title("Detail")
        self._body.update(Text(message, style="dim italic"))

    def set_tokens(self, index: LineIndex, start: int, label: str) -> None:
        """The token count of ``index``'s line starting at byte ``start``, in the title
        (counted in the background: it arrives after the line is shown)."""
        self.tokens_for, self._tokens = (id(index), start), label
        self._set_title(self._title)

    def _set_title(self, title: str) -> None:
        self._title = title
        self.border_title = f"{title} · {self._tokens}" if self._tokens else title


_LAST_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[\d+\])*$")


def field_keys(findings: Sequence[Any]) -> list[str]:
    """The JSON keys the findings point at (``body.messages[2].role`` -> ``role``)."""
    keys = []
    for f in findings:
        if f.path:
            m = _LAST_KEY.search(f.path)
            if m and m.group(1) not in keys:
                keys.append(m.group(1))
    return keys


def findings_block(findings: Sequence[Any]) -> Text:
    text = Text()
    for f in findings:
        symbol, style = SEVERITY_LOOK.get(severity_name(f.severity), ("•", ""))
        text.append(f"{symbol} {f.code}", style=style)
        if f.path:
            text.append(f" at {safe(f.path)}", style="cyan")
        text.append(f": {safe(f.message)}\n")
        if f.hint:
            text.append(f"  hint: {safe(f.hint)}\n", style="dim")
    return text
