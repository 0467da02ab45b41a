"""Next and previous match from a line (``n``/``N`` in the browser), over the block scan.

The line index must be complete, so that offsets map to line numbers (the browser waits for
its scan, which takes well under a second a gigabyte). Within a filter (``rows``, the sorted
line numbers the view shows) only those lines count.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable

from batchtui.jsonl.index import LineIndex
from batchtui.query.engine import Matcher, scan
from batchtui.query.expr import Query

# Bytes scanned backwards at a time by :meth:`Finder.previous`.
BACK_WINDOW = 8 * 1024 * 1024


class Finder:
    def __init__(
        self,
        index: LineIndex,
        query: Query,
        *,
        rows: array | None = None,
        progress: Callable[[int, int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.index = index
        self.query = query
        self.rows = rows
        self.progress = progress
        self.cancelled = cancelled or (lambda: False)
        self.matcher = Matcher(query)
        self._done = 0
        self._total = 1

    def _start(self, line: int) -> int:
        ix = self.index
        if line <= 0:
            return 0
        if line >= ix.line_count:
            return ix.size
        return ix.start_of(line)

    def _wanted(self, line: int) -> bool:
        rows = self.rows
        if rows is None:
            return True
        i = bisect_left(rows, line)
        return i < len(rows) and rows[i] == line

    def _report(self, done: int) -> None:
        if self.progress is not None:
            self.progress(self._done + done, self._total)

    def next(self, after_line: int, wrap: bool = True) -> int | None:
        """The first matching line after ``after_line`` (wrapping to the top), or None."""
        ix = self.index
        if ix.line_count == 0:
            return None
        start = self._start(after_line + 1)
        self._total = max(1, ix.size)
        self._done = 0
        hit = self._forward(start, ix.size)
        if hit is None and wrap and not self.cancelled():
            self._done = ix.size - start
            hit = self._forward(0, start)
        return hit

    def _forward(self, lo: int, hi: int) -> int | None:
        for hits in scan(
            self.index,
            self.query,
            start=lo,
            end=hi,
            first_line=None,
            number=True,
            matcher=self.matcher,
            cancelled=self.cancelled,
            progress=lambda done, _total: self._report(done),
        ):
            for line in hits.lines:
                if self._wanted(line):
                    return line
        return None

    def previous(self, before_line: int, wrap: bool = True) -> int | None:
        """The last matching line before ``before_line`` (wrapping to the bottom), or None."""
        ix = self.index
        if ix.line_count == 0:
            return None
        end = self._start(before_line)
        self._total = max(1, ix.size)
        self._done = 0
        hit = self._backward(0, end)
        if hit is None and wrap and not self.cancelled():
            self._done = end
            hit = self._backward(end, ix.size)
        return hit

    def _backward(self, lo: int, hi: int) -> int | None:
        ix = self.index
        stop = hi
        while stop > lo:
            if self.cancelled():
                return None
            # A window of whole lines ending at ``stop``: from the start of the line that
            # holds ``stop - BACK_WINDOW``.
            cut = max(lo, stop - BACK_WINDOW)
            begin = max(lo, self._start(ix.line_containing(cut)))
            last = None
            for hits in scan(
                ix,
                self.query,
                start=begin,
                end=stop,
                first_line=None,
                number=True,
                matcher=self.matcher,
            ):
                for found in hits.lines:
                    if self._wanted(found):
                        last = found
            if last is not None:
                return last
            self._report(hi - begin)
            stop = begin
        return None
