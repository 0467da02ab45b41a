"""The virtual list of joined requests: one row per request, only the visible rows drawn.

A row is ``mark  custom_id  status  short answer or error``. The list holds an ascending
``array('i')`` of result rows (the current filter, straight from ``JoinResult.rows``), so
50,000 rows cost 200 KB and a repaint reads and parses only the rows on screen.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from batchtui.core.text import safe
from batchtui.results.model import SOFT_FLAGS, Flag, RequestClass
from batchtui.ui.cells import drawable, fit_middle
from batchtui.ui.widgets.virtual_list import VirtualList, cursor_bindings

if TYPE_CHECKING:
    from batchtui.results.model import Outcome
    from batchtui.results.result import JoinResult

# A result line longer than this is not parsed for its one-line summary (the detail pane
# still shows it); the failure group or the size stands in.
LIST_PARSE_CAP = 256 * 1024
# Characters of answer or error text kept for a row (a row never shows more).
BRIEF_CAP = 400
BRIEF_CACHE_SIZE = 2048
CUT_MARK = "…"

# kind -> (mark, label). Kinds are also the component class suffixes.
MARKS = {
    "ok": ("✔", "succeeded"),
    "soft": ("◐", "succeeded, flagged"),
    "fail": ("✖", "failed"),
    "cancelled": ("⊘", "cancelled"),
    "expired": ("◷", "expired"),
    "missing": ("?", "missing"),
    "unexpected": ("+", "unexpected"),
}


def row_kind(klass: RequestClass, flags: int) -> str:
    """The look of a row: its class, with flagged successes apart."""
    if klass == RequestClass.SUCCEEDED:
        return "soft" if flags & SOFT_FLAGS else "ok"
    if klass in (RequestClass.FAILED_HTTP, RequestClass.FAILED):
        return "fail"
    return {
        RequestClass.CANCELLED: "cancelled",
        RequestClass.EXPIRED: "expired",
        RequestClass.MISSING: "missing",
    }.get(klass, "unexpected")


def one_line(text: str, cap: int = BRIEF_CAP) -> str:
    """User text squeezed onto one line: whitespace runs become one space, controls escaped,
    drawn without emoji-presentation selectors (see ui/cells.py)."""
    return drawable(safe(" ".join(text[: cap * 2].split())))[:cap]


@dataclass(frozen=True, slots=True)
class Brief:
    """What one list row shows besides its custom_id: ``tag`` (an error code, a finish
    reason) in the row's colour, then ``text`` (the message or the answer)."""

    kind: str
    status: str  # "200", "429", or "" when there is no HTTP status
    tag: str
    text: str
    dim: bool = False  # the text is a placeholder, not the user's data


def read_outcome(result: JoinResult, row: int, cap: int = LIST_PARSE_CAP) -> Outcome | None:
    """The parsed answer of ``row``, or None (no answer, too long, or unreadable now)."""
    return read_answer(result, row, cap)[1]


def read_answer(
    result: JoinResult, row: int, cap: int = LIST_PARSE_CAP
) -> tuple[dict[str, Any] | None, Outcome | None]:
    """The result line of ``row`` parsed, and its outcome; (None, None) when there is none
    (no answer, too long to parse for a row, or unreadable now)."""
    from batchtui.results import parse

    answer = result.result_answer(row)
    if answer is None:
        return None, None
    data = result.answer_bytes(answer, cap + 1)
    if data is None or len(data) > cap:
        return None, None
    try:
        obj, _ = parse.loads(data)
    except parse.LineError:
        return None, None
    return (obj, parse.outcome(obj)) if isinstance(obj, dict) else (None, None)


def answer_preview(obj: dict[str, Any] | None) -> str:
    """What a successful answer holds on one line: its text, and its calls, refusals, tools
    and audio (a function call alone used to show as "finish_reason completed")."""
    from batchtui.jsonl.bodies.answers import answer_parts, preview

    response = obj.get("response") if obj is not None else None
    body = response.get("body") if isinstance(response, dict) else None
    return preview(answer_parts(body))


def brief(result: JoinResult, row: int) -> Brief:
    """The one-line summary of a request: its answer, its error, or why there is none."""
    klass = result.klass(row)
    flags = result.flags(row)
    kind = row_kind(klass, flags)
    code = result.status_code(row)
    status = str(code) if code else ""
    tags = []
    if flags & Flag.DUPLICATE:
        tags.append("answered twice")
    if flags & Flag.DUPLICATE_INPUT:
        tags.append("id repeated in input")
    if klass == RequestClass.UNEXPECTED:
        tags.append("not in the input")
    if klass == RequestClass.MISSING:
        return Brief(kind, status, _tags(tags), "no answer in the output or error file", True)
    obj, out = read_answer(result, row)
    if out is None:
        gid = result.group_id(row)
        if gid is not None:
            g = result.group(gid)
            tags.append(g.code)
            return Brief(kind, status, _tags(tags), one_line(g.example))
        return Brief(kind, status, _tags(tags), "answer too long to summarise", dim=True)
    if out.error is not None:
        tags.append(out.error.code)
        return Brief(kind, status, _tags(tags), one_line(out.error.message))
    if flags & Flag.TRUNCATED:
        tags.append(out.finish_reason or "truncated")
    if flags & Flag.CONTENT_FILTER:
        tags.append("content_filter")
    if flags & Flag.REFUSAL:
        tags.append("refusal")
    if flags & Flag.EMPTY:
        tags.append("empty")
    tag = _tags(list(dict.fromkeys(tags)))
    said = answer_preview(obj) if klass in (RequestClass.SUCCEEDED, RequestClass.UNEXPECTED) else ""
    if flags & Flag.REFUSAL:
        said = said.removeprefix("refusal: ")  # the tag says it already
    if said or out.content:
        return Brief(kind, status, tag, one_line(said or out.content or ""))
    if out.embedding_dims is not None:
        count = out.embedding_count or 1
        return Brief(kind, status, tag, f"{count} embedding(s) of {out.embedding_dims} dims")
    if tag:
        return Brief(kind, status, tag, "")
    if out.finish_reason:
        return Brief(kind, status, tag, f"finish_reason {one_line(out.finish_reason, 40)}", True)
    return Brief(kind, status, tag, "(no text)", dim=True)


def _tags(tags: list[str]) -> str:
    return one_line(", ".join(tags), 80) if tags else ""


class ResultList(VirtualList):
    """The requests of the current filter. ``cursor`` is a position in :attr:`rows`."""

    help_title = "Requests"

    COMPONENT_CLASSES = {
        "results-list--cursor",
        "results-list--id",
        "results-list--status",
        "results-list--dim",
        "results-list--cut",
        "results-list--ok",
        "results-list--soft",
        "results-list--fail",
        "results-list--cancelled",
        "results-list--expired",
        "results-list--missing",
        "results-list--unexpected",
    }

    BINDINGS = cursor_bindings("results", "First request", "Last request")

    class CursorMoved(VirtualList.CursorMessage):
        """The selected request changed (``row`` is a result row, None when empty);
        coalesced so a held-down key does not queue detail redraws."""

        def __init__(self, results_list: ResultList, row: int | None) -> None:
            super().__init__(results_list)
            self.results_list = results_list
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.result: JoinResult | None = None
        self.rows: array = array("i")
        self._briefs: LRUCache[int, Brief] = LRUCache(BRIEF_CACHE_SIZE)
        self._id_width = 12

    # -- data --------------------------------------------------------------------------

    def set_result(self, result: JoinResult | None) -> None:
        self.result = result
        self._briefs.clear()
        longest = 0
        if result is not None:
            # A sample is enough to size the id column; ids in one batch look alike.
            n = result.row_count
            step = max(1, n // 2000)
            longest = max((cell_len(result.custom_id(r)) for r in range(0, n, step)), default=0)
        self._id_width = max(8, min(longest, 40))
        self.set_rows(result.rows() if result is not None else array("i"))

    def set_rows(self, rows: array, keep: int | None = None) -> None:
        """Show ``rows`` (ascending). The cursor stays on ``keep`` if it is shown, else on
        the first row after it (else the last); without ``keep``, on the first row."""
        self.rows = rows
        self.clear_cache()
        self.update_virtual_size()
        pos = 0
        if keep is not None and rows:
            pos = min(bisect_left(rows, keep), len(rows) - 1)
        self.set_reactive(ResultList.cursor, pos)
        height = self.scrollable_content_region.height
        self.scroll_to(y=max(0, pos - height // 3), animate=False)
        self.refresh()
        self.post_cursor_moved()

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def current_row(self) -> int | None:
        """The result row under the cursor."""
        if not self.rows:
            return None
        return self.rows[min(self.cursor, len(self.rows) - 1)]

    def position_of(self, row: int) -> int | None:
        pos = bisect_left(self.rows, row)
        return pos if pos < len(self.rows) and self.rows[pos] == row else None

    def select_row(self, row: int) -> bool:
        """Put the cursor on result row ``row``; False when the filter hides it."""
        pos = self.position_of(row)
        if pos is None:
            return False
        self.cursor = pos
        return True

    def brief(self, row: int) -> Brief:
        cached = self._briefs.get(row)
        if cached is None:
            assert self.result is not None
            cached = brief(self.result, row)
            self._briefs.set(row, cached)
        return cached

    # -- cursor and rendering ------------------------------------------------------------

    def post_cursor_moved(self) -> None:
        self.post_message(self.CursorMoved(self, self.current_row))

    def _component(self, name: str) -> Style:
        # Partial: only what the class sets, so the cursor row's background shows through.
        return self.get_component_rich_style(f"results-list--{name}", partial=True)

    def render_row(self, pos: int, width: int, is_cursor: bool) -> Strip:
        assert self.result is not None
        row = self.rows[pos]
        style = self.rich_style
        if is_cursor:
            style = style + self._component("cursor")
        b = self.brief(row)
        mark = MARKS[b.kind][0]
        segments = [Segment(f" {mark} ", style + self._component(b.kind))]
        avail = width - 3
        cid = drawable(safe(self.result.custom_id(row)))
        id_width = min(self._id_width, max(6, avail // 3))
        # Cut in the middle: ids that differ only at the end must not look the same.
        cid_cell = fit_middle(cid, id_width)
        segments.append(Segment(cid_cell + " ", style + self._component("id")))
        avail -= id_width + 1
        if avail >= 24:
            segments.append(Segment(f"{b.status:>3} ", style + self._component("status")))
            avail -= 4
        if avail > 0:
            parts: list[tuple[str, Style]] = []
            if b.tag:
                # On the cursor row the colour stays on the mark: red on blue is unreadable.
                tag_style = style if is_cursor else style + self._component(b.kind)
                parts.append((b.tag + ": " if b.text else b.tag, tag_style))
            if b.text:
                parts.append((b.text, style + self._component("dim") if b.dim else style))
            for text, part_style in parts:
                if avail <= 0:
                    break
                cut = cell_len(text) > avail
                body = set_cell_size(text, avail - 1 if cut else avail) if cut else text
                segments.append(Segment(body, part_style))
                avail -= cell_len(body)
                if cut:
                    segments.append(Segment(CUT_MARK, style + self._component("cut")))
                    avail = 0
        return Strip(segments).adjust_cell_length(width, style)
