"""Finding requests in a joined result: by text, by custom_id, by input line (no Textual).

"Why did request X fail" is the id plus a key or two: :func:`find_custom_id` takes an exact
id, else the first one it begins; :func:`find_text` looks for text in the ids and in the
answer and error lines (codes, messages, answer text), over the raw bytes, with the same
smart-case and JSON-escape rules as the File view's search.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Callable
from typing import TYPE_CHECKING

from batchtui.query.atoms import needle_regex as compile_needle

if TYPE_CHECKING:
    from batchtui.results.result import JoinResult

# Bytes of an answer or error line searched (longer lines: their first part).
LINE_CAP = 256 * 1024
# Rows between progress reports and cancellation checks.
CHECK_EVERY = 2048


def row_matches(result: JoinResult, row: int, pattern: re.Pattern[bytes]) -> bool:
    """Whether ``pattern`` is in the row's custom_id or in its answer or error line."""
    if pattern.search(result.custom_id(row).encode("utf-8", "surrogatepass")):
        return True
    data = result.result_bytes(row, LINE_CAP)
    return data is not None and pattern.search(data) is not None


def find_text(
    result: JoinResult,
    rows: array,
    text: str,
    start: int,
    direction: int = 1,
    *,
    progress: Callable[[int, int], object] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> int | None:
    """The position in ``rows`` of the next row (after position ``start``; -1 searches from
    the top) whose id, answer or error holds ``text``; wraps around. None: nowhere."""
    n = len(rows)
    if not n or not text:
        return None
    pattern = compile_needle(text)
    step = 1 if direction >= 0 else -1
    first = (start + step) % n if start >= 0 else (0 if step > 0 else n - 1)
    for k in range(n):
        pos = (first + k * step) % n
        if k % CHECK_EVERY == 0 and k:
            if cancelled is not None and cancelled():
                return None
            if progress is not None:
                progress(k, n)
        if row_matches(result, rows[pos], pattern):
            return pos
    return None


def find_custom_id(result: JoinResult, text: str) -> tuple[int | None, int]:
    """The row of custom_id ``text``: exactly, else the first id that begins with it.
    Returns ``(row or None, how many ids begin with it)`` (1 for an exact match)."""
    exact = result.row_of(text)
    if exact is not None:
        return exact, 1
    first = None
    count = 0
    for row in range(result.row_count):
        if result.custom_id(row).startswith(text):
            count += 1
            if first is None:
                first = row
    return first, count


def row_at_input_line(result: JoinResult, line: int) -> int | None:
    """The row of 0-based input ``line`` (None: a blank or unreadable line, or past the end).
    Input rows follow the input's line order, so this is a binary search."""
    n = result.input_count

    def line_of(row: int) -> int:
        found = result.input_line(row)
        return -1 if found is None else found

    pos = bisect_left(range(n), line, key=line_of)
    return pos if pos < n and line_of(pos) == line else None
