"""The virtual line list: draws only the visible lines of a file of any size (Line API)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from batchtui.core.text import safe
from batchtui.jsonl import LineIndex, Span
from batchtui.ui.cells import drawable, fit_middle
from batchtui.ui.summary import SUMMARY_PARSE_CAP, summarize

# Bytes read for one row of the list. A row shows at most a screen width of cells, so a few KB
# is plenty, and it keeps a 50 MB line from being decoded on every repaint.
ROW_READ_CAP = 4096
CUT_MARK = "…"
STRIP_CACHE_SIZE = 512
# The custom_id column: as wide as the widest id drawn so far (plus a space), within bounds.
ID_COLUMN_MIN = 12
ID_COLUMN_MAX = 40


class LineList(ScrollView, can_focus=True):
    """Rows are file lines; before the index is complete, the rows past the indexed part are
    an estimate, and the last rows come from reading the file's tail backwards."""

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
    }

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="browser.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="browser.down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="browser.page_up"),
        Binding(
            "pagedown,ctrl+f,space", "page(1)", "Page down", show=False, id="browser.page_down"
        ),
        Binding("home,g", "first", "First line", show=False, id="browser.first"),
        Binding("end,G", "last", "Last line", show=False, id="browser.last"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class CursorMoved(Message):
        """The selected row changed; coalesced so a held-down key doesn't queue redraws."""

        def __init__(self, line_list: LineList, row: int) -> None:
            super().__init__()
            self.line_list = line_list
            self.row = row

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LineList.CursorMoved) and message.line_list is self.line_list

    def __init__(self, index: LineIndex, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.index = index
        self._tail: list[Span] = []
        self._cache: OrderedDict[tuple[int, int, bool], Strip] = OrderedDict()
        self._line_marks: Callable[[int], str | None] = lambda line: None
        self._highlight = ""  # search text highlighted in every visible row (lower-cased)
        self.summary = True  # rows as "custom_id model text" when the line is a request
        self.follow = False  # keep the cursor on the last line as the file grows
        self._anchor_end = False  # the cursor is on the (estimated) last row: keep it there
        self._rows = 0
        self._base_style: Style | None = None
        self._id_cells = ID_COLUMN_MIN  # grows to the widest id seen, so columns line up
        self._widened = False
        self._recount()

    # -- data model --------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows in the list. A snapshot taken on the UI thread (see :meth:`_recount`): the
        scan thread moves the estimate, and rows must not shift under a render or a cursor."""
        return self._rows

    def _recount(self) -> int:
        ix = self.index
        if ix.complete:
            self._tail = []
            self._rows = ix.line_count
        else:
            self._rows = max(ix.line_count + len(self._tail), ix.estimated_line_count())
        return self._rows

    def row_line(self, row: int) -> int | None:
        """The exact 0-based line number of ``row``, or None when it is not known yet."""
        ix = self.index
        if row < ix.line_count:
            return row
        return None

    def row_span(self, row: int) -> Span | None:
        ix = self.index
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
        if not self.index.complete:
            self._tail = self.index.tail(rows)
        self._recount()

    def set_index(self, index: LineIndex) -> None:
        """Swap in a re-opened file (after a rewrite or replacement)."""
        self.index = index
        self._tail = []
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

    def clear_cache(self) -> None:
        self._cache.clear()

    def index_changed(self) -> None:
        """Called when the index grew or completed: resize, and keep the cursor anchored."""
        rows = self._recount()
        self._cache.clear()
        self.virtual_size = Size(self.size.width, rows)
        if (self.follow or self._anchor_end) and rows:
            # Keep the cursor on the end while the estimate firms up or the file grows.
            self.set_reactive(LineList.cursor, rows - 1)
            self.scroll_to(y=max(0, rows - self.scrollable_content_region.height), animate=False)
        elif self.cursor >= rows:
            self.set_reactive(LineList.cursor, max(0, rows - 1))
        self.refresh()
        self.post_message(self.CursorMoved(self, self.cursor))

    # -- cursor ------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_to_cursor()
        self.post_message(self.CursorMoved(self, new))

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1)) if self.row_count else 0

    def _refresh_row(self, row: int) -> None:
        y = row - int(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh_lines(y)

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def go_to_row(self, row: int, center: bool = True) -> None:
        self._anchor_end = self.follow = False
        self.cursor = row
        if center:
            height = self.scrollable_content_region.height
            self.scroll_to(y=max(0, self.cursor - height // 3), animate=False)

    def action_cursor(self, delta: int) -> None:
        self._anchor_end = self.follow = False
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        self._anchor_end = self.follow = False
        height = max(1, self.scrollable_content_region.height - 1)
        self.scroll_to(y=self.scroll_offset.y + direction * height, animate=False)
        self.cursor += direction * height

    def action_first(self) -> None:
        self._anchor_end = self.follow = False
        self.cursor = 0
        self.scroll_to(y=0, animate=False)

    def action_last(self) -> None:
        if not self.index.complete:
            self.load_tail(max(self.size.height, 1) * 2)
        else:
            self._recount()
        self.virtual_size = Size(self.size.width, self.row_count)
        self._cache.clear()
        self._anchor_end = True
        self.cursor = self.row_count - 1
        self.scroll_to(
            y=max(0, self.row_count - self.scrollable_content_region.height), animate=False
        )
        self.refresh()

    # -- rendering ---------------------------------------------------------------------

    @property
    def gutter_width(self) -> int:
        return len(f"{max(self.row_count, 1):,}") + 2

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, self.row_count)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base_style = None
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        row = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        if row >= self.row_count or width <= 0:
            return Strip.blank(width, self._base_style or self.rich_style)
        is_cursor = row == self.cursor
        key = (row, width, is_cursor)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(row, width, is_cursor)
            self._cache[key] = strip
            if len(self._cache) > STRIP_CACHE_SIZE:
                self._cache.popitem(last=False)
        return strip

    def _render_row(self, row: int, width: int, is_cursor: bool) -> Strip:
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

    def _summary_segments(
        self, parts: tuple[str, str, str], avail: int, style: Style
    ) -> list[Segment]:
        cid, model, text = (drawable(p) for p in parts)
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
        segments = [Segment(cid_cell, style + self._component("line-list--id"))]
        rest = avail - id_width
        if model and rest > 20:
            width = 12 if cell_len(model) <= 12 else 18  # two fixed widths keep columns aligned
            model_cell = set_cell_size(model, width) + " "
            segments.append(Segment(model_cell, style + self._component("line-list--model")))
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
