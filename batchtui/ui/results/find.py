"""Finding a request in the Results view: search ids, errors and answers (/ n N), jump to
a custom_id (i) or an input line (:), with the File view's prompt and keys."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message
from textual.worker import get_current_worker

from batchtui.core.text import safe
from batchtui.ui.results.base import ResultsScreenBase
from batchtui.ui.widgets.prompt import PromptBar

if TYPE_CHECKING:
    pass


class ResultsFind(ResultsScreenBase):
    """/ n N, i and : in the Results view."""

    @dataclass(eq=False)
    class SearchDone(Message):
        generation: int
        text: str
        position: int | None

    @dataclass(eq=False)
    class SearchProgress(Message):
        done: int
        total: int

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ResultsFind.SearchProgress)

    def action_find(self, kind: str) -> None:
        if self.result is None:
            return
        placeholder = {
            "search": "Search ids, errors and answers (smart case; n/N next/previous)",
            "custom_id": "Jump to custom_id (exact, else the first that begins so)",
            "goto": "Go to input line N (#N: the Nth request of this list)",
        }[kind]
        self._pending = {}
        value = self._search_text if kind == "search" else ""
        self.query_one(PromptBar).ask(kind, placeholder, value)

    def _find(self, kind: str, value: str) -> None:
        if kind == "search":
            self._search_text = value
            self._start_search(value, 1)
        elif kind == "custom_id":
            self._jump_to_custom_id(value)
        else:
            self._go_to(value)

    def action_search_next(self, direction: int) -> None:
        if self.result is None:
            return
        if not self._search_text:
            self.action_find("search")
            return
        self._start_search(self._search_text, direction)

    def _start_search(self, text: str, direction: int) -> None:
        lst = self.results_list
        start = lst.cursor if lst.rows else -1
        self._search_status = f"searching “{safe(text)[:40]}”…"
        self.update_status()
        self._search(self._generation, lst.rows, text, start, direction)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(self, generation: int, rows: array, text: str, start: int, direction: int) -> None:
        from batchtui.results.search import find_text

        worker = get_current_worker()
        assert self.result is not None
        position = find_text(
            self.result,
            rows,
            text,
            start,
            direction,
            progress=lambda done, total: self.post_message(self.SearchProgress(done, total)),
            cancelled=lambda: worker.is_cancelled,
        )
        if not worker.is_cancelled:
            self.post_message(self.SearchDone(generation, text, position))

    @on(SearchProgress)
    def _on_search_progress(self, event: SearchProgress) -> None:
        if self._search_status:
            pct = 100 * event.done // max(1, event.total)
            self._search_status = f"searching {pct}% (Esc cancels)"
            self.update_status()

    @on(SearchDone)
    def _on_search_done(self, event: SearchDone) -> None:
        self._search_status = ""
        self.update_status()
        if event.generation != self._generation or self.result is None:
            return
        lst = self.results_list
        if event.position is None:
            where = "" if self.filter_key == "all" and self.group_id is None else " in this view"
            self.notify(
                f"Not found{where}: “{safe(event.text)[:60]}”", severity="warning", markup=False
            )
            return
        if event.position == lst.cursor:
            self.notify("This is the only match.")
        lst.cursor = event.position

    def _show_row(self, row: int) -> None:
        """Select result ``row``, leaving a filter that hides it (and saying so)."""
        lst = self.results_list
        if not lst.select_row(row):
            self.notify(f"Not among {self.view_label()}: showing all requests.")
            self.filter_key, self.group_id = "all", None
            self._apply_view()
            lst.select_row(row)
        lst.focus()

    def _jump_to_custom_id(self, text: str) -> None:
        from batchtui.results.search import find_custom_id

        assert self.result is not None
        row, count = find_custom_id(self.result, text)
        if row is None:
            self.notify(
                f"No custom_id is or begins with “{safe(text)[:60]}”.",
                severity="warning",
                markup=False,
            )
            return
        if count > 1:
            self.notify(
                f"{count:,} custom_ids begin with “{safe(text)[:40]}”: showing the first.",
                markup=False,
            )
        self._show_row(row)

    def _go_to(self, value: str) -> None:
        from batchtui.results.search import row_at_input_line

        assert self.result is not None
        text = value.strip().replace(",", "").replace("_", "")
        by_position = text.startswith("#")
        try:
            number = int(text.lstrip("#"))
        except ValueError:
            self.notify(f"Not a line number: {safe(value)[:40]}", severity="error", markup=False)
            return
        lst = self.results_list
        if by_position:
            if not lst.rows:
                return
            if not 1 <= number <= len(lst.rows):
                self.notify(f"This list has {len(lst.rows):,} requests.", severity="warning")
            lst.cursor = max(0, min(number, len(lst.rows)) - 1)
            return
        row = row_at_input_line(self.result, number - 1)
        if row is None:
            self.notify(
                f"There is no request on input line {number:,} (blank, unreadable, or past "
                "the end).",
                severity="warning",
            )
            return
        self._show_row(row)
