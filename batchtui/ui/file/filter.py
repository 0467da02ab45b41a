"""The File view's filter view (& F, a rule from the report, the Results view's "these
requests") and the export of its lines (E)."""

from __future__ import annotations

import os
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.widgets import ContentSwitcher
from textual.worker import get_current_worker

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.jsonl import LineIndex
from batchtui.jsonl.index import FileChanged
from batchtui.ui import messages as msg
from batchtui.ui.file.base import FileScreenBase
from batchtui.ui.format import human_size, plural

if TYPE_CHECKING:
    from batchtui.query.expr import Query
    from batchtui.ui.widgets.report import ReportView


@dataclass(eq=False)
class FilterState:
    """The filter the list shows: its lines (sorted, 8 bytes each), what it is, and its scan."""

    label: str
    rows: array
    query: Query | None = None  # None for a filter by finding or by result
    done: bool = True
    scanned: int = 0  # bytes of the file the scan has covered (it goes on after appends)
    stopped: bool = False  # Esc stopped the scan: the rows are the matches so far
    anchor: int | None = None  # the file line to put the cursor on once a row reaches it
    placed: int = 0  # the row the screen put the cursor on (the user has not moved since)
    kind: str = "query"  # query, errors, findings, rule, results


class FileFilter(FileScreenBase):
    """Show only some lines of the file, and write them to a new file."""

    # -- the filter view ---------------------------------------------------------------

    def start_filter(self, query: Query, label: str) -> None:
        """Show only the lines ``query`` matches; the list fills in as the scan goes."""
        line = self.line_list.row_line(self.line_list.cursor)
        state = FilterState(label, array("q"), query, done=False, anchor=line)
        self.show_filter(state)
        self._run_filter(state)

    def show_filter(self, state: FilterState) -> None:
        """Switch the list to ``state``'s lines (the cursor to the nearest at or after the
        current line)."""
        lines = self.line_list
        if state.anchor is None:
            state.anchor = lines.row_line(lines.cursor)
        self.workers.cancel_group(self, "filter")
        self.filter = state
        lines.show_rows(state.rows, len(state.rows))
        self._place_filter_cursor(state)
        self.call_after_refresh(self.flush_pending)
        self.update_status()

    def _place_filter_cursor(self, state: FilterState) -> None:
        lines = self.line_list
        if lines.cursor != state.placed or state.anchor is None:
            return  # the user has moved: leave the cursor alone
        row = lines.row_of_line(state.anchor)
        if row < lines.row_count:
            state.anchor = None  # reached: from now on the cursor is the user's
        else:
            row = 0
        lines.go_to_row(row)
        state.placed = row
        # Once the list has its new height, scroll the cursor into view.
        self.call_after_refresh(lines.go_to_row, row)

    def _run_filter(self, state: FilterState) -> None:
        state.done = False
        self._filter(self.index, state)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _filter(self, index: LineIndex, state: FilterState) -> None:
        from batchtui.query import scan

        worker = get_current_worker()
        while not self._scan_done.wait(0.05):  # line numbers come from the complete index
            if worker.is_cancelled:
                return
        rows = state.rows
        start = state.scanned
        end = index.size
        total = max(1, end)
        try:
            for hits in scan(
                index,
                state.query,
                start=start,
                end=end,
                first_line=None,
                number=True,
                cancelled=lambda: worker.is_cancelled,
                progress=lambda done, _t: self.post_message(
                    msg.FilterProgress(state, len(rows), start + done, total)
                ),
            ):
                rows.extend(hits.lines)
                self.post_message(msg.FilterProgress(state, len(rows), hits.block.end, total))
        except FileChanged:
            self.app.call_from_thread(self.check_file)
            return
        if worker.is_cancelled:
            return
        state.scanned = end
        self.post_message(msg.FilterProgress(state, len(rows), end, total, final=True))

    @on(msg.FilterProgress)
    def _on_filter_progress(self, event: msg.FilterProgress) -> None:
        state = self.filter
        if state is None or event.token is not state:
            return
        if event.final:
            state.done = True
            if not state.rows:
                self.notify(f"No line matches {safe(state.label)[:60]}.", severity="warning")
        self._filter_done_pct = 100 * event.done // max(1, event.total)
        self.line_list.show_rows(state.rows, event.count)
        self._place_filter_cursor(state)
        if event.final:
            self.show_detail(force=True)
        self.update_status()

    def leave_filter(self) -> None:
        """Every line again, the cursor on the line it was on."""
        lines = self.line_list
        line = lines.row_line(lines.cursor)
        self.workers.cancel_group(self, "filter")
        self.filter = None
        lines.show_rows(None)
        if line is not None:
            lines.go_to_row(line)
        self.call_after_refresh(self.flush_pending)
        self.update_status()

    def action_filter_findings(self) -> None:
        """F: only the lines with errors; again: with any finding; again: every line."""
        v = self.validator
        current = self.filter.kind if self.filter is not None else ""
        if v is None:
            self.notify("Validation has not run yet: no findings to filter by.")
            return
        kind = {"errors": "findings", "findings": ""}.get(current, "errors")
        if not kind:
            self.leave_filter()
            return
        marks = v.report.marks()
        rows = _marked_lines(marks, 3 if kind == "errors" else 1)
        if kind == "errors" and not rows:
            kind, rows = "findings", _marked_lines(marks, 1)
        so_far = " so far" if self.validation_running else ""
        if not rows:
            self.notify(f"No line has a finding{so_far}.")
            return
        label = ("lines with errors" if kind == "errors" else "lines with findings") + so_far
        self.show_filter(FilterState(label, rows, kind=kind))

    def on_report_view_filter_rule(self, event: ReportView.FilterRule) -> None:
        v = self.validator
        if v is None:
            return
        rows = array("q", (line - 1 for line in v.report.lines_with(event.code)))
        if not rows:
            self.notify(f"{event.code} is about the whole file, not about lines.")
            return
        so_far = " so far" if self.validation_running else ""
        self.query_one("#bottom", ContentSwitcher).current = "detail"
        self.line_list.focus()
        self.show_filter(FilterState(f"lines with {event.code}{so_far}", rows, kind="rule"))

    # -- export ------------------------------------------------------------------------

    def action_export_filtered(self) -> None:
        if self.index is None:
            return
        state = self.filter
        if state is None:
            self.notify("E exports the lines of a filter: press & (or F) to filter first.")
            return
        if not state.done:
            self.notify("The filter is still running: wait for it, or Esc to stop it.")
            return
        if not state.rows:
            self.notify("The filter shows no line: nothing to export.")
            return
        if self._prompt is None:
            return
        self._prompt.ask(
            "export",
            "Export the filtered lines to (a new file; the input is never changed)",
            _export_default(self.index.name),
            select=False,
        )

    def _ask_export(self, dest: str) -> None:
        from batchtui.ui.screens.dialogs import ConfirmDialog

        path = Path(os.path.expanduser(dest))
        if not path.is_absolute() and self.index is not None and self.index.copy_of is None:
            path = Path.cwd() / path
        if path.exists():
            try:
                same = self.index is not None and os.path.samefile(path, self.index.path)
            except OSError:
                same = False
            if same:
                self.notify(
                    f"{safe(str(path))} is the file being browsed: an export never replaces it.",
                    severity="error",
                )
                return

            def answer(yes: bool | None) -> None:
                if yes:
                    self._start_export(str(path))

            self.app.push_screen(
                ConfirmDialog(
                    "Replace the file?",
                    f"{safe(str(path))} exists; it will be replaced by the filtered lines.",
                    confirm="Replace",
                ),
                answer,
            )
            return
        self._start_export(str(path))

    def _start_export(self, dest: str) -> None:
        assert self.index is not None and self.filter is not None
        rows = self.filter.rows[: self.line_list.row_count]
        self._export(self.index, rows, dest)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, index: LineIndex, rows: array, dest: str) -> None:
        from batchtui.core.atomic import atomic_write

        try:
            size = 0
            with atomic_write(dest, protect=[index.path]) as fh:
                for start, end in _runs(index, rows):
                    for _off, data in index.read_blocks(start, end):
                        fh.write(data)
                        size += len(data)
        except UserError as exc:
            self.post_message(msg.ExportDone(dest, 0, 0, exc.message))
            return
        self.post_message(msg.ExportDone(dest, len(rows), size))

    @on(msg.ExportDone)
    def _on_export_done(self, event: msg.ExportDone) -> None:
        if event.error is not None:
            self.notify(f"Export failed: {safe(event.error)}", severity="error", timeout=10)
            return
        self.notify(
            f"Wrote {plural(event.lines, 'line')} ({human_size(event.size)}) to "
            f"{safe(event.path)}.",
            timeout=8,
        )


def _marked_lines(marks: bytes, at_least: int) -> array:
    """0-based lines whose mark (0 none, 1 info, 2 warning, 3 error) is at least ``at_least``."""
    import numpy as np

    out = array("q")
    hits = np.flatnonzero(np.frombuffer(marks, dtype=np.uint8) >= at_least)
    out.frombytes(hits.astype(np.int64).tobytes())
    return out


def _runs(index: LineIndex, rows: array) -> list[tuple[int, int]]:
    """Byte ranges of the lines ``rows`` with their line endings, consecutive lines merged:
    what an export copies, byte for byte."""
    runs: list[tuple[int, int]] = []
    start_of = index.start_of
    for line in rows:
        start, end = start_of(line), start_of(line + 1)
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _export_default(name: str) -> str:
    """``NAME.filtered.jsonl`` beside the file (in the current directory for standard input
    or a compressed file, whose copy is private)."""
    from batchtui.jsonl.spool import STDIN_NAME

    if name == STDIN_NAME:
        return "stdin.filtered.jsonl"
    base = Path(name)
    stem = base.name
    for suffix in (".gz", ".gzip", ".jsonl", ".json"):
        if stem.lower().endswith(suffix) and len(stem) > len(suffix):
            stem = stem[: -len(suffix)]
    return str(base.with_name(stem + ".filtered.jsonl"))
