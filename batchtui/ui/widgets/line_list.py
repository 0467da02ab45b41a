"""The virtual line list: draws only the visible lines of a file of any size (Line API)."""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from batchtui.core.text import safe
from batchtui.jsonl import LineIndex, Span
from batchtui.ui.cells import drawable, fit_middle
from batchtui.ui.summary import SUMMARY_PARSE_CAP, Row, summarize
from batchtui.ui.widgets.virtual_list import VirtualList, cursor_bindings

# Bytes read for one row of the list. A row shows at most a screen width of cells, so a few KB
# is plenty, and it keeps a 50 MB line from being decoded on every repaint.
ROW_READ_CAP = 4096
CUT_MARK = "…"
# The custom_id column: as wide as the widest id drawn so far (plus a space), within bounds.
ID_COLUMN_MIN = 12
ID_COLUMN_MAX = 40
_TONES = {"ok": "line-list--ok", "warning": "line-list--warning", "error": "line-list--error"}


class LineList(VirtualList):
    """Rows are file lines; before the index is complete, the rows past the indexed part are
    an estimate, and the last rows come from reading the file's tail backwards."""

    PREFETCH_PAGES = 1  # rows cost file reads: the next page is read while the keys rest

    help_title = "Lines"

    COMPONENT_CLASSES = {
        "line-list--gutter",
        "line-list--cursor",
        "line-list--cursor-gutter",
        "line-list--cut",
        "line-list--escape",
        "line-list--placeholder",
        "line-list--error",
        "line-list--warning",
        "line-list--info",
        "line-list--match",
        "line-list--id",
        "line-list--model",
        "line-list--ok",
    }

    BINDINGS = cursor_bindings("browser", "First line", "Last line")

    class CursorMoved(VirtualList.CursorMessage):
        """The selected row changed; coalesced so a held-down key doesn't queue redraws."""

        def __init__(self, line_list: LineList, row: int) -> None:
            super().__init__(line_list)
            self.line_list = line_list
            self.row = row

    def __init__(self, index: LineIndex, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.index = index
        self._tail: list[Span] = []
        self._line_marks: Callable[[int], str | None] = lambda line: None
        self._highlight = ""  # search text highlighted in every visible row (lower-cased)
        self.summary = True  # rows as "custom_id model text" when the line is a request
        self.follow = False  # keep the cursor on the last line as the file grows
        self._anchor_end = False  # the cursor is on the (estimated) last row: keep it there
        self._rows = 0
        self._base_style: Style | None = None
        self._id_cells = ID_COLUMN_MIN  # grows to the widest id seen, so columns line up
        self._widened = False
        # A filter view: row -> line number (sorted); filled in by a scan in another thread,
        # so the row count is a snapshot taken on the UI thread (see show_rows).
        self._rows_map: array | None = None
        self._rows_shown = 0
        self._recount()

    # -- data model --------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows in the list. A snapshot taken on the UI thread (see :meth:`_recount`): the
        scan thread moves the estimate, and rows must not shift under a render or a cursor."""
        return self._rows

    def _recount(self) -> int:
        ix = self.index
        if self._rows_map is not None:
            self._rows = self._rows_shown
            return self._rows
        if ix.complete:
            self._tail = []
            self._rows = ix.line_count
        else:
            self._rows = max(ix.line_count + len(self._tail), ix.estimated_line_count())
        return self._rows

    @property
    def filtered(self) -> bool:
        return self._rows_map is not None

    def show_rows(self, rows: array | None, count: int = 0) -> None:
        """Show only the lines ``rows[:count]`` (a filter; None: every line again). Call
        again with a larger ``count`` as a scan fills ``rows`` in."""
        changed = rows is not self._rows_map
        self._rows_map = rows
        self._rows_shown = min(count, len(rows)) if rows is not None else 0
        if changed:
            self._anchor_end = False
            self._id_cells = ID_COLUMN_MIN
        self.index_changed()

    def row_of_line(self, line: int) -> int:
        """The row showing ``line``, or in a filter the first row at or after it (the row
        count when there is none)."""
        rows = self._rows_map
        if rows is None:
            return line
        return bisect_left(rows, line, 0, self._rows_shown)

    def row_line(self, row: int) -> int | None:
        """The exact 0-based line number of ``row``, or None when it is not known yet."""
        ix = self.index
        rows = self._rows_map
        if rows is not None:
            return rows[row] if 0 <= row < self._rows_shown else None
        if row < ix.line_count:
            return row
        return None

    def row_span(self, row: int) -> Span | None:
        ix = self.index
        if self._rows_map is not None:
            line = self.row_line(row)
            return ix.span(line) if line is not None and line < ix.line_count else None
        if row < ix.line_count:
            return ix.span(row)
        if ix.complete:
            return None
        k = row - (self._rows - len(self._tail))
        if 0 <= k < len(self._tail):
            return self._tail[k]
        return None

    def load_tail(self, rows: int) -> None:
        """Read the last lines backwards so End works before the index is complete."""
        if not self.index.complete and self._rows_map is None:
            self._tail = self.index.tail(rows)
        self._recount()

    def set_index(self, index: LineIndex) -> None:
        """Swap in a re-opened file (after a rewrite or replacement); a filter goes."""
        self.index = index
        self._tail = []
        self._rows_map = None
        self._id_cells = ID_COLUMN_MIN
        self.index_changed()

    def set_mark_source(self, marks: Callable[[int], str | None]) -> None:
        """``marks(line)`` gives a line's worst finding severity, for the gutter."""
        self._line_marks = marks
        self.clear_cache()
        self.refresh()

    def set_highlight(self, needle: str) -> None:
        self._highlight = needle.lower()
        self.clear_cache()
        self.refresh()

    def index_changed(self) -> None:
        """Called when the index grew or completed: resize, and keep the cursor anchored."""
        rows = self._recount()
        self.clear_cache()
        self.update_virtual_size()
        if (self.follow or self._anchor_end) and rows:
            # Keep the cursor on the end while the estimate firms up or the file grows.
            self.set_reactive(LineList.cursor, rows - 1)
            self.scroll_to(y=max(0, rows - self.scrollable_content_region.height), animate=False)
        elif self.cursor >= rows:
            self.set_reactive(LineList.cursor, max(0, rows - 1))
        self.refresh()
        self.post_cursor_moved()

    # -- cursor ------------------------------------------------------------------------

    def post_cursor_moved(self) -> None:
        self.post_message(self.CursorMoved(self, self.cursor))

    def go_to_row(self, row: int, center: bool = True) -> None:
        self._detach()
        self.cursor = row
        if center:
            height = self.scrollable_content_region.height
            self.scroll_to(y=max(0, self.cursor - height // 3), animate=False)

    def _detach(self) -> None:
        """A move by hand ends following the end of the file."""
        self._anchor_end = self.follow = False

    def action_cursor(self, delta: int) -> None:
        self._detach()
        super().action_cursor(delta)

    def action_page(self, direction: int) -> None:
        self._detach()
        super().action_page(direction)

    def action_first(self) -> None:
        self._detach()
        super().action_first()

    def action_last(self) -> None:
        if not self.index.complete and self._rows_map is None:
            self.load_tail(max(self.size.height, 1) * 2)
        else:
            self._recount()
        self.update_virtual_size()
        self.clear_cache()
        self._anchor_end = True
        self.cursor = self.row_count - 1
        self.scroll_to(
            y=max(0, self.row_count - self.scrollable_content_region.height), animate=False
        )
        self.refresh()

    # -- rendering ---------------------------------------------------------------------

    @property
    def gutter_width(self) -> int:
        # In a filter the gutter holds the lines' own numbers, up to the file's last.
        most = self.index.line_count if self._rows_map is not None else self.row_count
        return len(f"{max(most, 1):,}") + 2

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None

    def blank_style(self) -> Style:
        return self._base_style or self.rich_style

    def render_row(self, row: int, width: int, is_cursor: bool) -> Strip:
        if self._base_style is None:
            self._base_style = self.rich_style  # ~1 ms to compute: once per style change
        style = self._base_style
        gutter_style = style + self._component("line-list--gutter")
        if is_cursor:
            cursor_style = self._component("line-list--cursor")
            style = style + cursor_style
            gutter_style = gutter_style + self._component("line-list--cursor-gutter")
        line = self.row_line(row)
        gw = self.gutter_width
        number = f"{line + 1:,}" if line is not None else "·"
        mark = self._line_marks(line) if line is not None else None
        segments = [Segment(number.rjust(gw - 2) + " ", gutter_style)]
        if mark:
            segments.append(Segment("●", gutter_style + self._component(f"line-list--{mark}")))
        else:
            segments.append(Segment(" ", gutter_style))
        avail = max(0, width - gw)
        span = self.row_span(row)
        if span is None:
            text = "indexing…"
            segments.append(
                Segment(
                    set_cell_size(text, avail),
                    style + self._component("line-list--placeholder"),
                )
            )
            return Strip(segments, width)
        if self.summary and span.length <= SUMMARY_PARSE_CAP:
            parts = summarize(self.index.read(span))
            if parts is not None:
                return Strip(segments + self._summary_segments(parts, avail, style), width)
        data = self.index.read(span, ROW_READ_CAP)
        text = safe(data)
        text = drawable(text)
        text, cut = text[: avail + 1], span.length > len(data) or len(text) > avail
        cut = cut or cell_len(text) > avail
        body_width = avail - 1 if cut else avail
        body = set_cell_size(text, max(0, body_width))
        if self._highlight:
            segments.extend(self._highlighted(body, style))
        else:
            segments.append(Segment(body, style))
        if cut and avail > 0:
            segments.append(Segment(CUT_MARK, style + self._component("line-list--cut")))
        return Strip(segments, width)

    def _summary_segments(self, row: Row, avail: int, style: Style) -> list[Segment]:
        cid, model, text = drawable(row.id), drawable(row.second), drawable(row.text)
        segments: list[Segment] = []
        id_width = 0
        if cid:  # (a fine-tuning example has no id: its text gets the room)
            need = min(cell_len(cid) + 1, ID_COLUMN_MAX)
            if need > self._id_cells:
                # A wider id than any so far: every row redraws with the wider column (once).
                self._id_cells = need
                if not self._widened:
                    self._widened = True
                    self.call_later(self._after_widening)
            id_width = min(self._id_cells, max(8, avail // 3))
            # Cut in the middle: ids that differ only at the end must not look the same.
            cid_cell = fit_middle(cid, id_width - 1) + " "
            segments.append(Segment(cid_cell, style + self._component("line-list--id")))
        rest = avail - id_width
        if model and rest > 20:
            width = 12 if cell_len(model) <= 12 else 18  # two fixed widths keep columns aligned
            model_cell = set_cell_size(model, width) + " "
            look = _TONES.get(row.tone, "line-list--model")  # a result's status: its colour
            segments.append(Segment(model_cell, style + self._component(look)))
            rest -= cell_len(model_cell)
        text = text[: rest + 1]  # a character is at least one cell: no need to measure more
        cut = cell_len(text) > rest
        body = set_cell_size(text, max(0, rest - 1 if cut else rest))
        if self._highlight:
            segments.extend(self._highlighted(body, style))
        else:
            segments.append(Segment(body, style))
        if cut and rest > 0:
            segments.append(Segment(CUT_MARK, style + self._component("line-list--cut")))
        return segments

    def _after_widening(self) -> None:
        self._widened = False
        self.clear_cache()
        self.refresh()

    def _component(self, name: str) -> Style:
        # Partial: only what the class sets, so a cursor row's background shows through.
        return self.get_component_rich_style(name, partial=True)

    def toggle_summary(self) -> None:
        self.summary = not self.summary
        self.clear_cache()
        self.refresh()

    def _highlighted(self, body: str, style: Style) -> list[Segment]:
        """Split ``body`` so every (case-insensitive) occurrence of the search text stands out."""
        needle = self._highlight
        match_style = style + self._component("line-list--match")
        lowered = body.lower()
        if len(lowered) != len(body):  # rare case-folding that changes length: no highlight
            return [Segment(body, style)]
        segments: list[Segment] = []
        pos = 0
        while (hit := lowered.find(needle, pos)) != -1:
            segments.append(Segment(body[pos:hit], style))
            segments.append(Segment(body[hit : hit + len(needle)], match_style))
            pos = hit + len(needle)
        segments.append(Segment(body[pos:], style))
        return segments

    def visible_rows(self) -> range:
        top = int(self.scroll_offset.y)
        return range(top, min(self.row_count, top + self.size.height))
