"""Searching a line index: text search and custom_id lookup, over the raw bytes.

Searching the raw bytes with ``re`` is far faster than decoding lines one by one. The file is
read in chunks of :data:`SEARCH_CHUNK` bytes (with an overlap, so a match across two chunks is
found) into private memory; a file that shrinks meanwhile raises
:class:`~batchtui.jsonl.index.FileChanged` instead of crashing the process. A needle is
also searched in its JSON-escaped form, because files written by ``json.dumps`` (the default
``ensure_ascii=True``) store "한국어" as ``\\ud55c\\uad6d\\uc5b4``.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Callable

from batchtui.jsonl.index import LineIndex

SEARCH_CHUNK = 8 * 1024 * 1024
# A match can straddle two chunks; chunks overlap by this much (longer needles are refused).
MAX_NEEDLE_BYTES = 4096


def _variants(text: str) -> list[bytes]:
    # A lone surrogate (pasted into a prompt) has no UTF-8 spelling: "surrogatepass" keeps
    # the search from raising, and its JSON-escaped variant finds the line holding "\ud800".
    raw = text.encode("utf-8", "surrogatepass")
    escaped = json.dumps(text)[1:-1].encode("ascii")
    unescaped_json = json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass")
    out: list[bytes] = []
    for v in (raw, unescaped_json, escaped):
        if v and v not in out:
            out.append(v)
    return out


def compile_needle(text: str) -> re.Pattern[bytes]:
    """A bytes pattern for ``text``: smart case (case-insensitive unless it has capitals)."""
    flags = 0 if any(c.isupper() for c in text) else re.IGNORECASE
    return re.compile(b"|".join(re.escape(v) for v in _variants(text)), flags)


def custom_id_pattern(custom_id: str) -> re.Pattern[bytes]:
    """Matches a ``"custom_id": "<id>"`` member, in raw or JSON-escaped spelling."""
    ids = b"|".join(re.escape(v) for v in _variants(custom_id))
    return re.compile(rb'"custom_id"\s*:\s*"(?:' + ids + rb')"')


def line_of_offset(index: LineIndex, offset: int) -> int:
    """0-based line holding byte ``offset`` (the index must cover it)."""
    return bisect_left(index.newline_offsets, offset)


def line_start(index: LineIndex, line: int) -> int:
    return index.newline_offsets[line - 1] + 1 if line > 0 else 0


class Searcher:
    """Finds the next or previous line matching a pattern, in chunks, with progress.

    The index must be complete (callers wait for the scan, which takes well under a second a
    gigabyte) so that byte offsets can be mapped to exact line numbers.
    """

    def __init__(
        self,
        index: LineIndex,
        pattern: re.Pattern[bytes],
        progress: Callable[[int, int], object] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.index = index
        self.pattern = pattern
        self.progress = progress
        self.cancelled = cancelled or (lambda: False)

    def next(self, after_line: int, wrap: bool = True) -> int | None:
        """First matching line after ``after_line`` (wrapping to the top), or None."""
        index = self.index
        count = index.line_count
        if count == 0:
            return None
        start = line_start(index, after_line + 1) if after_line + 1 < count else index.size
        hit = self._forward(start, index.size)
        if hit is None and wrap:
            hit = self._forward(0, min(start, index.size))
        return None if hit is None else line_of_offset(index, hit)

    def previous(self, before_line: int, wrap: bool = True) -> int | None:
        """Last matching line before ``before_line`` (wrapping to the bottom), or None."""
        index = self.index
        if index.line_count == 0:
            return None
        end = line_start(index, before_line)
        hit = self._backward(0, end)
        if hit is None and wrap:
            hit = self._backward(end, index.size)
        return None if hit is None else line_of_offset(index, hit)

    def _forward(self, start: int, end: int) -> int | None:
        read = self.index.read_exact
        search = self.pattern.search
        pos = start
        total = max(1, end - start)
        while pos < end:
            if self.cancelled():
                return None
            stop = min(end, pos + SEARCH_CHUNK)
            data = read(pos, min(end, stop + MAX_NEEDLE_BYTES))
            m = search(data)
            if m is not None and m.start() < stop - pos:
                return pos + m.start()
            pos = stop
            if self.progress:
                self.progress(pos - start, total)
        return None

    def _backward(self, start: int, end: int) -> int | None:
        read = self.index.read_exact
        finditer = self.pattern.finditer
        stop = end
        total = max(1, end - start)
        while stop > start:
            if self.cancelled():
                return None
            lo = max(start, stop - SEARCH_CHUNK)
            data = read(lo, min(end, stop + MAX_NEEDLE_BYTES))
            last = None
            for m in finditer(data):
                if m.start() >= stop - lo:
                    break
                last = lo + m.start()
            if last is not None:
                return last
            stop = lo
            if self.progress:
                self.progress(end - stop, total)
        return None
