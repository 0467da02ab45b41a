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
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from batchtui.ui.widgets.virtual_list import VirtualList, cursor_bindings

PAD = 1  # blank cells each side of a column


class BatchTable(VirtualList):
    """Rows of :class:`~rich.text.Text` cells under a header, keyed by batch id.

    The last column takes the width that is left and is cut with an ellipsis; the others are
    as wide as their widest cell. ``cursor`` is a row position; :attr:`cursor_key` its key.
    """

    help_title = "Batch list"

    HEADER_ROWS = 1

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
        *cursor_bindings("batch_table", "First batch", "Last batch", space=False),
        Binding("enter", "select", "Open", show=False, id="batch_table.select"),
    ]

    class Highlighted(VirtualList.CursorMessage):
        """The cursor moved to another batch (``key`` is None when the table is empty);
        coalesced so a held-down key does not queue redraws."""

        def __init__(self, table: BatchTable, key: str | None) -> None:
            super().__init__(table)
            self.table = table
            self.key = key

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
        self._header: Strip | None = None

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
        self.update_virtual_size()
        self.scroll_to_cursor()
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
        self.forget_row(pos)

    def _measure(self) -> None:
        self._widths = [
            max([cell_len(label)] + [self._cells[key][i].cell_len for key in self._keys])
            for i, (_, label) in enumerate(self.columns)
        ]
        self.clear_cache()

    def clear_cache(self) -> None:
        super().clear_cache()
        self._header = None

    # -- cursor ------------------------------------------------------------------------

    def post_cursor_moved(self) -> None:
        self.post_message(self.Highlighted(self, self.cursor_key))

    @property
    def body_height(self) -> int:
        return max(1, super().body_height)

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.Selected(self, self.cursor_key))

    def double_clicked(self) -> None:
        self.action_select()

    # -- rendering ---------------------------------------------------------------------

    def render_header(self, y: int, width: int) -> Strip:
        if self._header is None:
            labels = tuple(Text(label) for _, label in self.columns)
            self._header = self._render_cells(labels, width, self._component("header"))
        return self._header

    def render_row(self, pos: int, width: int, is_cursor: bool) -> Strip:
        style = self.rich_style
        if pos % 2:
            style += self._component("even")
        if is_cursor:
            style += self._component("cursor")
        return self._render_cells(self._cells[self._keys[pos]], width, style)

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
