"""The one virtual list under LineList, ResultList and BatchTable (Textual's Line API).

A subclass says how many rows there are (:attr:`row_count`), draws one
(:meth:`render_row`), and posts its own cursor message (:meth:`post_cursor_moved`, a
:class:`CursorMessage` so a held key coalesces). The base keeps the rest in one place: a
cursor over row positions, paging (PgUp/PgDn/Home/End/g/G/j/k through
:func:`cursor_bindings`), scrolling the cursor into view, redrawing only the two rows a move
touches, an LRU cache of drawn rows (cleared when the width or the theme changes), fixed
header lines above the rows, a click that selects, and an idle prefetch of the pages either
side of the view (``PREFETCH_PAGES``) so the next page is drawn before it is asked for.
"""

from __future__ import annotations

from itertools import chain
from typing import ClassVar

from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from batchtui.ui.debounce import Debouncer

STRIP_CACHE_SIZE = 512  # drawn rows kept: a few screens, both cursor states
# Seconds the cursor must rest before the neighbouring pages are drawn (a held key repeats
# faster, so scrolling never waits for a prefetch).
PREFETCH_DELAY = 0.15


def cursor_bindings(prefix: str, first: str, last: str, *, space: bool = True) -> list[BindingType]:
    """The list keys, with ids ``<prefix>.up`` … ``<prefix>.last`` (the keymap's names)."""
    page_down = "pagedown,ctrl+f,space" if space else "pagedown,ctrl+f"
    return [
        Binding("up,k", "cursor(-1)", "Up", show=False, id=f"{prefix}.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id=f"{prefix}.down"),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False, id=f"{prefix}.page_up"),
        Binding(page_down, "page(1)", "Page down", show=False, id=f"{prefix}.page_down"),
        Binding("home,g", "first", first, show=False, id=f"{prefix}.first"),
        Binding("end,G", "last", last, show=False, id=f"{prefix}.last"),
    ]


class VirtualList(ScrollView, can_focus=True):
    """Rows drawn on demand under ``HEADER_ROWS`` fixed lines; ``cursor`` is a row position."""

    HEADER_ROWS: ClassVar[int] = 0
    PREFETCH_PAGES: ClassVar[int] = 0  # pages drawn ahead each side once the cursor rests

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    class CursorMessage(Message):
        """Base of each list's "the cursor moved" message: a newer one from the same list
        replaces one still queued, so a held-down key does not queue redraws."""

        def __init__(self, widget: VirtualList) -> None:
            super().__init__()
            self.widget = widget

        def can_replace(self, message: Message) -> bool:
            return type(message) is type(self) and message.widget is self.widget

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._strips: LRUCache[tuple[int, bool], Strip] = LRUCache(STRIP_CACHE_SIZE)
        self._cache_width = -1
        self._prefetch = Debouncer(self, self._prefetch_pages, PREFETCH_DELAY)

    # -- what a subclass provides ----------------------------------------------------------

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def render_row(self, pos: int, width: int, is_cursor: bool) -> Strip:
        raise NotImplementedError

    def render_header(self, y: int, width: int) -> Strip:
        return Strip.blank(width, self.rich_style)

    def post_cursor_moved(self) -> None:
        """Post the list's own :class:`CursorMessage`."""

    def blank_style(self) -> Style:
        return self.rich_style

    # -- cache ---------------------------------------------------------------------------

    def clear_cache(self) -> None:
        self._strips.clear()

    def forget_row(self, pos: int) -> None:
        """Drop one row's drawn lines (its data changed) and redraw it if it is in view."""
        self._strips.discard((pos, False))
        self._strips.discard((pos, True))
        self.refresh_row(pos)

    def update_virtual_size(self) -> None:
        self.virtual_size = Size(self.size.width, self.row_count + self.HEADER_ROWS)

    @property
    def allow_vertical_scroll(self) -> bool:
        """Scrolling follows the rows, not the scrollbar: Textual shows or hides the bar only
        at the next layout, and until then drops every scroll (a filter that grows from 0
        rows would leave its cursor off screen)."""
        return not self._check_disabled() and self.max_scroll_y > 0

    # -- cursor --------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        rows = self.row_count
        return max(0, min(value, rows - 1)) if rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_row(old)
        self.refresh_row(new)
        self.scroll_to_cursor()
        self.post_cursor_moved()
        if self.PREFETCH_PAGES:
            self._prefetch.poke()

    @property
    def body_height(self) -> int:
        """Rows on screen below the header."""
        return self.scrollable_content_region.height - self.HEADER_ROWS

    def scroll_to_cursor(self) -> None:
        top = int(self.scroll_offset.y)
        height = self.body_height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False)

    def refresh_row(self, pos: int) -> None:
        y = pos - int(self.scroll_offset.y) + self.HEADER_ROWS
        if self.HEADER_ROWS <= y < self.size.height:
            self.refresh_lines(y)

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_page(self, direction: int) -> None:
        height = max(1, self.body_height - 1)
        self.scroll_to(y=self.scroll_offset.y + direction * height, animate=False)
        self.cursor += direction * height

    def action_first(self) -> None:
        self.cursor = 0
        self.scroll_to(y=0, animate=False)

    def action_last(self) -> None:
        self.cursor = self.row_count - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.HEADER_ROWS:
            return  # the border, the scrollbar or the header
        pos = int(self.scroll_offset.y) + offset.y - self.HEADER_ROWS
        if 0 <= pos < self.row_count:
            if pos == self.cursor and event.chain > 1:
                self.double_clicked()
            self.cursor = pos

    def double_clicked(self) -> None:
        """A double click on the cursor row (BatchTable opens the batch)."""

    # -- rendering -----------------------------------------------------------------------

    def on_resize(self) -> None:
        self.clear_cache()
        self.update_virtual_size()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.clear_cache()  # a theme or CSS change: every row is drawn again

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._cache_width:
            self._cache_width = width
            self.clear_cache()
        if y < self.HEADER_ROWS:
            return self.render_header(y, width)
        pos = int(self.scroll_offset.y) + y - self.HEADER_ROWS
        if pos >= self.row_count or width <= 0:
            return Strip.blank(width, self.blank_style())
        return self._row_strip(pos, width, pos == self.cursor)

    def _row_strip(self, pos: int, width: int, is_cursor: bool) -> Strip:
        key = (pos, is_cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self.render_row(pos, width, is_cursor)
            self._strips.set(key, strip)
        return strip

    def _prefetch_pages(self) -> None:
        """Draw the pages either side of the view into the cache while the keys rest."""
        width = self.scrollable_content_region.width
        height = self.body_height
        if width <= 0 or width != self._cache_width or height <= 0 or not self.is_attached:
            return  # not drawn yet at this width: the cache would hold the wrong rows
        top = int(self.scroll_offset.y)
        reach = height * self.PREFETCH_PAGES
        below = range(top + height, min(self.row_count, top + height + reach))
        above = range(max(0, top - reach), top)
        for pos in chain(below, reversed(above)):
            self._row_strip(pos, width, pos == self.cursor)
