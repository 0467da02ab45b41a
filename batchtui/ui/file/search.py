"""The File view's prompts: go to a line, search (/ n N) and jump to a custom_id; the
query modes of / and & (Ctrl+R)."""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.worker import get_current_worker

from batchtui.core.text import safe
from batchtui.jsonl import LineIndex
from batchtui.jsonl.index import FileChanged
from batchtui.ui import messages as msg
from batchtui.ui.context import tui
from batchtui.ui.file.base import FileScreenBase
from batchtui.ui.widgets.bars import KeyHints

if TYPE_CHECKING:
    from batchtui.query.expr import Query
    from batchtui.ui.widgets.prompt import PromptBar

# The query modes of / and &, in the order Ctrl+R goes through them.
QUERY_MODES = ("text", "pattern", "fields")
_MODE_WORDS = {
    "text": "text (smart case)",
    "pattern": "pattern (Python regex)",
    "fields": "fields (model=gpt-4o max_tokens>1000)",
}

QUERY_HELP = [
    (
        "text",
        "smart case (a capital letter makes it case-sensitive); also finds JSON-escaped "
        "text: 한국어 finds \\ud55c\\uad6d\\uc5b4",
    ),
    ("Ctrl+R", "in the / and & prompts: text → pattern → fields (remembered)"),
    ("pattern", "a Python regular expression, within one line; \\d \\w \\s are ASCII"),
    ("&!text", "a leading ! keeps the lines that do NOT match (text and pattern)"),
    ("PATH=V  PATH!=V", "fields: equal / not equal; numbers compare as numbers"),
    ("^=  $=  *=  ~=", "begins with / ends with / contains / regex (smart case)"),
    (">  >=  <  <=", "numbers only: body.max_tokens>1000"),
    ("model  max_tokens", "a name not at the top is looked up in body, then response.body"),
    ("a b   a OR b", "both / either; NOT a inverts; ( ) group; a missing path never matches"),
    ("F", "only lines with errors, then with any finding, then every line"),
    ("F (in the report)", "only the lines of the selected rule"),
    ("E", "write the filtered lines, byte for byte, to a new file"),
    ("Esc", "stop a running filter; again: every line, at the same line"),
]


class FileSearch(FileScreenBase):
    """The prompts of the File view (: / & i E) and the search they start."""

    @property
    def query_mode(self) -> str:
        """The mode of / and & (Ctrl+R in the prompt), remembered for the session."""
        return tui(self).query_mode

    def _prompt_text(self, kind: str, mode: str) -> str:
        what = "Search" if kind == "search" else "Filter: only the lines that match"
        extra = "; n/N next/previous" if kind == "search" else "; a leading ! keeps the others"
        if mode == "fields" and kind == "filter":
            extra = "; NOT before a test inverts it"
        return f"{what}: {_MODE_WORDS[mode]}{extra}. Ctrl+R: mode"

    def _prompt_hints(self, kind: str, mode: str) -> None:
        nxt = QUERY_MODES[(QUERY_MODES.index(mode) + 1) % len(QUERY_MODES)]
        self.query_one(KeyHints).show(
            [
                ("Enter", "Search" if kind == "search" else "Filter"),
                ("Ctrl+R", f"{mode} → {nxt}"),
                ("Esc", "Cancel"),
            ]
        )

    def action_prompt(self, kind: str) -> None:
        if self.index is None:
            return
        prompt = self._prompt  # (mounted once the first frame is on screen)
        if kind in ("search", "filter"):
            mode = self.query_mode
            value = self._search_text if kind == "search" else ""
            if kind == "filter" and self.filter is not None and self.filter.query is not None:
                value = self.filter.query.text
                mode = self.filter.query.mode
                if self.filter.query.invert and mode != "fields":
                    value = "!" + value
            if prompt is not None:
                prompt.ask(kind, self._prompt_text(kind, mode), value, modes=QUERY_MODES, mode=mode)
                self._prompt_hints(kind, mode)
            return
        placeholder = {
            "goto": "Go to line (1-based; negative counts from the end)",
            "custom_id": "Jump to custom_id",
        }[kind]
        if prompt is not None:
            prompt.ask(kind, placeholder, "")

    def on_prompt_bar_mode_changed(self, event: PromptBar.ModeChanged) -> None:
        tui(self).query_mode = event.mode
        if self._prompt is not None:
            self._prompt.placeholder = self._prompt_text(event.kind, event.mode)
        self._prompt_hints(event.kind, event.mode)

    def on_prompt_bar_submitted(self, event: PromptBar.Submitted) -> None:
        self._restore_hints()
        self.line_list.focus()
        if event.kind == "export":
            if event.value:
                self._ask_export(event.value)
            return
        if not event.value:
            return
        if event.kind == "goto":
            self._goto(event.value)
        elif event.kind == "search":
            query = self._compile(event.value, event.mode)
            if query is None:
                return
            self._search_text = event.value
            self._search_query = query
            self.line_list.set_highlight(event.value if event.mode == "text" else "")
            self.run_search(query, query.label, 1)
        elif event.kind == "filter":
            value, invert = event.value, False
            if event.mode != "fields" and value.startswith("!") and len(value) > 1:
                value, invert = value[1:], True
            query = self._compile(value, event.mode, invert)
            if query is not None:
                self.start_filter(query, query.label)
        elif event.kind == "custom_id":
            from batchtui.query import custom_id_query

            self.run_search(
                custom_id_query(event.value), f"custom_id {event.value}", 1, from_top=True
            )

    def _compile(self, text: str, mode: str, invert: bool = False) -> Query | None:
        from batchtui.query import QueryError, compile_query

        try:
            return compile_query(text, mode, invert=invert)
        except QueryError as exc:
            self.notify(safe(exc.message), severity="error", timeout=8)
            return None

    def on_prompt_bar_cancelled(self, event: PromptBar.Cancelled) -> None:
        self._restore_hints()
        self.line_list.focus()

    def _goto(self, value: str) -> None:
        try:
            number = int(value.replace(",", "").replace("_", ""))
        except ValueError:
            self.notify(f"Not a line number: {safe(value)[:40]}", severity="error")
            return
        lines = self.line_list
        if number < 0:
            if not self._scan_done.is_set():
                self.notify(
                    "Counting from the end needs the index; it is still being built.",
                    severity="warning",
                )
                return
            number = lines.index.line_count + number + 1
        if self._scan_done.is_set() and number > lines.index.line_count:
            self.notify(f"The file has {lines.index.line_count:,} lines.", severity="warning")
        if not self._scan_done.is_set() and number > lines.index.line_count:
            self._start_line = number  # jump when the index reaches it
            self.notify(f"Going to line {number:,} when indexing reaches it.")
            return
        self.go_to_line(max(1, number))

    def action_search_next(self, direction: int) -> None:
        if self._search_query is None:
            self.action_prompt("search")
            return
        self.run_search(self._search_query, self._search_query.label, direction)

    def run_search(self, query: Query, label: str, direction: int, from_top: bool = False) -> None:
        lines = self.line_list
        line = lines.row_line(lines.cursor)
        start = -1 if from_top else (line if line is not None else -1)
        self._search_status = f"searching {safe(label)[:40]}…"
        self.update_status()
        # Within a filter, only its lines (a copy: the filter's scan may still add rows).
        rows = self.filter.rows[: lines.row_count] if self.filter is not None else None
        self._search(lines.index, query, label, start, direction, rows)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(
        self,
        index: LineIndex,
        query: Query,
        label: str,
        start: int,
        direction: int,
        rows: array | None,
    ) -> None:
        from batchtui.query.find import Finder

        worker = get_current_worker()
        # Line numbers need the complete index; it takes well under a second a gigabyte.
        while not self._scan_done.wait(0.05):
            if worker.is_cancelled:
                return
        finder = Finder(
            index,
            query,
            rows=rows,
            progress=lambda done, total: self._post(msg.SearchProgress(done, total)),
            cancelled=lambda: worker.is_cancelled,
        )
        try:
            found = finder.next(start) if direction > 0 else finder.previous(max(0, start))
        except FileChanged:
            # Shrank or rewritten under the search: re-open it; this result is for the old file.
            self.app.call_from_thread(self.check_file)
            found = None
        if not worker.is_cancelled:
            self.post_message(msg.SearchDone(index, label, found, start))

    def _post(self, message: Message) -> None:
        """post_message without its result: the Finder's progress callback returns None."""
        self.post_message(message)

    @on(msg.SearchProgress)
    def _on_search_progress(self, event: msg.SearchProgress) -> None:
        pct = 100 * event.done // max(1, event.total)
        self._search_status = f"searching {pct}% (Esc cancels)"
        self.update_status()

    @on(msg.SearchDone)
    def _on_search_done(self, event: msg.SearchDone) -> None:
        self._search_status = ""
        if event.index is not self.index:
            return
        if event.line is None:
            where = " in this filter" if self.filter is not None else ""
            self.notify(f"Not found{where}: {safe(event.label)[:60]}", severity="warning")
        else:
            if event.start >= 0 and event.line <= event.start and event.line != event.start:
                self.notify("Search wrapped around.")
            self.go_to_line(event.line + 1)
        self.update_status()
