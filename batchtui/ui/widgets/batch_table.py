"""The dashboard's table of batches: a fixed header and one line per batch, drawn line by line.

Textual's DataTable keys its render caches on a table-wide update counter, so changing one
cell re-renders every visible cell (~25 ms for a screenful, on each poll that moves any
batch). Here each row's line is cached on its own: a poll that changes three batches redraws
three lines, and moving the cursor redraws two.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

PAD = 1  # blank cells each side of a column


class BatchTable(ScrollView, can_focus=True):
    """Rows of :class:`~rich.text.Text` cells under a header, keyed by batch id.

    The last column takes the width that is left and is cut with an ellipsis; the others are
    as wide as their widest cell. ``cursor`` is a row position; :attr:`cursor_key` its key.
    """

    help_title = "Batch list"

    COMPONENT_CLASSES = {
        "batch-table--header",
        "batch-table--cursor",
        "batch-table--even",
    }

    DEFAULT_CSS = """
    BatchTable {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    BatchTable > .batch-table--header { background: $panel; color: $foreground; text-style: bold; }
    BatchTable > .batch-table--even { background: $surface-lighten-1 50%; }
    BatchTable > .batch-table--cursor { background: $primary 40%; }
    BatchTable:focus > .batch-table--cursor { background: $primary 70%; }
    """

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="batch_table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="batch_table.down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id="batch_table.page_up"),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False, id="batch_table.page_down"),
        Binding("home,g", "first", "First batch", show=False, id="batch_table.first"),
        Binding("end,G", "last", "Last batch", show=False, id="batch_table.last"),
        Binding("enter", "select", "Open", show=False, id="batch_table.select"),
    ]

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class Highlighted(Message):
        """The cursor moved to another batch (``key`` is None when the table is empty);
        coalesced so a held-down key does not queue redraws."""

        def __init__(self, table: BatchTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, BatchTable.Highlighted) and message.table is self.table

    class Selected(Message):
        """Enter (or a double click) on batch ``key``."""

        def __init__(self, table: BatchTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.columns: list[tuple[str, str]] = []  # (key, label)
        self._widths: list[int] = []
        self._keys: list[str] = []
        self._positions: dict[str, int] = {}
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._strips: dict[tuple[int, bool], Strip] = {}
        self._header: Strip | None = None
        self._width = 0

    # -- data --------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_key(self) -> str | None:
        return self._keys[self.cursor] if self._keys else None

    def get_row(self, key: str) -> tuple[Text, ...]:
        return self._cells[key]

    def get_row_at(self, position: int) -> tuple[Text, ...]:
        return self._cells[self._keys[position]]

    def get_cell(self, key: str, column: str) -> Text:
        return self._cells[key][[k for k, _ in self.columns].index(column)]

    def set_columns(self, columns: Sequence[tuple[str, str]]) -> None:
        """New columns; the rows must be set again (their cells follow the columns)."""
        self.columns = list(columns)
        self.set_rows([])

    def set_rows(
        self, rows: Sequence[tuple[str, tuple[Text, ...]]], keep: str | None = None
    ) -> None:
        """Show ``rows`` in order. The cursor stays on ``keep`` when it is shown, else it
        stays at its position (clamped)."""
        before = self.cursor_key
        self._keys = [key for key, _ in rows]
        self._positions = {key: i for i, key in enumerate(self._keys)}
        self._cells = dict(rows)
        self._measure()
        pos = self._positions.get(keep, self.cursor) if keep is not None else self.cursor
        self.set_reactive(BatchTable.cursor, self.validate_cursor(pos))
        self.virtual_size = Size(self.size.width, len(self._keys) + 1)
        self._scroll_to_cursor()
        self.refresh()
        if self.cursor_key != before:
            self.post_message(self.Highlighted(self, self.cursor_key))

    def update_row(self, key: str, cells: tuple[Text, ...]) -> None:
        """New cells for one shown row: only its line is drawn again (unless a cell no longer
        fits its column, which widens the column and redraws everything)."""
        pos = self._positions[key]
        self._cells[key] = cells
        last = len(cells) - 1
        if any(cell.cell_len > self._widths[i] for i, cell in enumerate(cells) if i < last):
            self._measure()
            self.refresh()
            return
        self._strips.pop((pos, False), None)
        self._strips.pop((pos, True), None)
        self._refresh_position(pos)

    def _measure(self) -> None:
        self._widths = [
            max([cell_len(label)] + [self._cells[key][i].cell_len for key in self._keys])
            for i, (_, label) in enumerate(self.columns)
        ]
        self._clear_cache()

    def _clear_cache(self) -> None:
        self._strips.clear()
        self._header = None

    # -- cursor ------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._keys) - 1)) if self._keys else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_position(old)
        self._refresh_position(new)
        self._scroll_to_cursor()
        self.post_message(self.Highlighted(self, self.cursor_key))

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # less the header

    def _scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        height = self._body_height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def _refresh_position(self, pos: int) -> None:
        y = pos - int(self.scroll_offset.y) + 1
        if 1 <= y < self.size.height:
            self.refresh_lines(y)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        height = max(1, self._body_height - 1)
        self.scroll_to(y=self.scroll_offset.y + direction * height, animate=False)
        self.cursor += direction * height

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._keys) - 1

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Selected(self, self.cursor_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return  # the border, the scrollbar or the header
        pos = int(self.scroll_offset.y) + offset.y - 1
        if 0 <= pos < len(self._keys):
            if pos == self.cursor and event.chain > 1:
                self.action_select()
            self.cursor = pos

    # -- rendering ---------------------------------------------------------------------

    def on_resize(self) -> None:
        # render_line drops the cached lines when the content width changes.
        self.virtual_size = Size(self.size.width, len(self._keys) + 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._clear_cache()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._width:
            self._width = width
            self._clear_cache()
        if y == 0:
            if self._header is None:
                labels = tuple(Text(label) for _, label in self.columns)
                self._header = self._render_cells(labels, width, self._component("header"))
            return self._header
        pos = int(self.scroll_offset.y) + y - 1
        if pos >= len(self._keys) or width <= 0:
            return Strip.blank(width, self.rich_style)
        is_cursor = pos == self.cursor
        strip = self._strips.get((pos, is_cursor))
        if strip is None:
            style = self.rich_style
            if pos % 2:
                style += self._component("even")
            if is_cursor:
                style += self._component("cursor")
            strip = self._render_cells(self._cells[self._keys[pos]], width, style)
            self._strips[(pos, is_cursor)] = strip
        return strip

    def _component(self, name: str) -> Style:
        return self.get_component_rich_style(f"batch-table--{name}", partial=True)

    def _render_cells(self, cells: tuple[Text, ...], width: int, style: Style) -> Strip:
        console = self.app.console
        segments: list[Segment] = []
        left = width
        last = len(cells) - 1
        pad = Segment(" " * PAD)
        for i, cell in enumerate(cells):
            if left <= 0:
                break
            column = min(self._widths[i] if i < last else left - 2 * PAD, left - 2 * PAD)
            if column <= 0:
                break
            if cell.cell_len > column:
                cell = cell.copy()
                cell.truncate(column, overflow="ellipsis")
            segments.append(pad)
            segments.extend(
                Segment.adjust_line_length(list(cell.render(console)), column, pad=True)
            )
            segments.append(pad)
            left -= column + 2 * PAD
        return Strip(Segment.apply_style(segments, style)).adjust_cell_length(width, style)
