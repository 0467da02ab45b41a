"""Line-aligned blocks of a file, for whole-file scans that need no line index (search,
filters, ``batchtui grep``).

A block is a run of whole lines: it starts at a line start and ends just after a ``\\n`` (or
at the end of the file), so whatever looks at one block never sees half a line and a pattern
can never match across a block boundary. Reads are ``pread`` into one buffer that is reused
from block to block: a fresh 4 MB ``bytes`` a block costs more in page faults than the
search itself (measured: 0.5 s against 0.06 s for 256 MB). So a block's ``data`` is valid
only until the next block is read; copy what must be kept. A file that shrinks meanwhile
raises :class:`~batchtui.jsonl.index.FileChanged`.

A line longer than :data:`MAX_WHOLE_LINE` is not read whole: it comes as several
:class:`Block` pieces with ``whole=False`` that overlap by :data:`WINDOW_OVERLAP` bytes, so
memory stays bounded whatever the file holds; a text search still finds what is in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from batchtui.jsonl.index import MAX_LINE_BYTES, LineIndex

# Bytes read at a time: big enough that per-block overhead vanishes, small enough that the
# bytes are still in the CPU cache when they are searched.
BLOCK_BYTES = 4 * 1024 * 1024
# The longest line handed to a matcher whole (a field filter parses it).
MAX_WHOLE_LINE = MAX_LINE_BYTES
# Pieces of a longer line overlap by this much, so a match up to this long is never cut.
WINDOW_OVERLAP = 64 * 1024


@dataclass(frozen=True, slots=True)
class Block:
    """The file's bytes ``data[:size]`` at ``offset`` (``data`` may be longer: the rest is
    not part of the block). With ``whole``, they are whole lines (the last one ends with
    ``\\n`` unless the file ends there); otherwise a piece of one line too long to read
    whole, which starts at ``line_start``."""

    offset: int
    data: bytes | bytearray
    size: int
    whole: bool = True
    line_start: int = -1

    @property
    def end(self) -> int:
        return self.offset + self.size

    def bytes(self) -> bytes:
        return bytes(memoryview(self.data)[: self.size])


def line_blocks(
    index: LineIndex,
    start: int = 0,
    end: int | None = None,
    *,
    block: int = BLOCK_BYTES,
    max_line: int | None = None,
) -> Iterator[Block]:
    """Blocks of whole lines covering bytes ``[start, end)`` of ``index``'s file; ``start``
    must be a line start, and ``end`` (default: the size) a line start or the size. A line
    longer than ``max_line`` (default :data:`MAX_WHOLE_LINE`) comes in pieces."""
    max_line = MAX_WHOLE_LINE if max_line is None else max_line
    size = index.size if end is None else min(end, index.size)
    buf = bytearray(min(block, max(0, size - start)))
    view = memoryview(buf)
    pos = start
    try:
        while pos < size:
            n = min(size - pos, len(buf))
            index.read_into(view[:n], pos)
            cut = n if pos + n >= size else buf.rfind(b"\n", 0, n) + 1
            if cut == 0:
                # One line longer than a block: read on until it ends (or give it in pieces).
                yield from _long_line(index, pos, size, block, max_line)
                pos = _next_line_start(index, pos, size, n)
                continue
            yield Block(pos, buf, cut)
            pos += cut
    finally:
        view.release()


def _next_line_start(index: LineIndex, pos: int, size: int, skip: int) -> int:
    nl = index.find(b"\n", pos + skip, size)
    return size if nl < 0 else nl + 1


def _long_line(index: LineIndex, pos: int, size: int, block: int, max_line: int) -> Iterator[Block]:
    """The line starting at ``pos``: one whole block if it is at most ``max_line`` bytes,
    else overlapping pieces."""
    nl = index.find(b"\n", pos, min(size, pos + max_line + 1))
    if nl >= 0 or size - pos <= max_line:
        stop = size if nl < 0 else nl + 1
        data = index.read_exact(pos, stop)
        yield Block(pos, data, len(data))
        return
    end = _next_line_start(index, pos, size, max_line)
    step = max(block, WINDOW_OVERLAP * 2)
    off = pos
    while off < end:
        stop = min(end, off + step)
        data = index.read_exact(off, stop)
        yield Block(off, data, len(data), whole=False, line_start=pos)
        if stop >= end:
            break
        off = stop - WINDOW_OVERLAP


# -- lines inside a block -----------------------------------------------------------------
# Positions are relative to a block's ``data``, whose valid bytes are ``data[:size]``. A
# line's *end* is the offset of its ``\n``, or ``size`` for a last line without one; a CRLF's
# ``\r`` belongs to the line ending (see :mod:`batchtui.jsonl.index`).


def line_end(data: bytes | bytearray, pos: int, size: int) -> int:
    """The end of the line holding ``pos`` (its ``\\n``, or ``size``)."""
    end = data.find(b"\n", pos, size)
    return size if end < 0 else end


def line_start(data: bytes | bytearray, end: int) -> int:
    """The first byte of the line ending at ``end``."""
    return data.rfind(b"\n", 0, end) + 1


def line_text(data: bytes | bytearray, start: int, end: int) -> bytes:
    """The content of the line ``[start, end)``, without a CRLF's ``\\r``."""
    line = bytes(memoryview(data)[start:end])
    return line[:-1] if line.endswith(b"\r") else line


def line_at(data: bytes | bytearray, end: int) -> memoryview:
    """The line ending at ``end``, without a copy, for a JSON parser (a CRLF's ``\\r`` is
    JSON whitespace)."""
    return memoryview(data)[line_start(data, end) : end]


def lines_ending_at(data: bytes | bytearray, size: int, positions: list[int]) -> list[int]:
    """The distinct ends of the lines holding the ends of matches at ``positions`` (sorted:
    a match ending at ``p`` has its last byte at ``p - 1``)."""
    out: list[int] = []
    end = -1
    for pos in positions:
        if pos <= end:
            continue
        end = line_end(data, max(0, pos - 1), size)
        out.append(end)
    return out


def all_line_ends(data: bytes | bytearray, size: int) -> list[int]:
    """The end of every line of ``data[:size]``."""
    from batchtui.jsonl.index import _find_newlines

    ends: list[int] = _find_newlines(data, 0, size, numpy_min=256 * 1024).tolist()
    if size and data[size - 1] != 10:
        ends.append(size)
    return ends


# Above this many lines, numpy numbers them.
_NUMPY_LINES = 256


def line_numbers(data: bytes | bytearray, size: int, ends: list[int], first: int) -> list[int]:
    """The numbers of the lines ending at ``ends`` (sorted) in a block whose first line is
    number ``first``: the newlines before each, counted in C (numpy for many lines)."""
    if len(ends) > _NUMPY_LINES:
        import numpy as np  # first use pays ~80 ms, in a scan thread

        nl = np.flatnonzero(np.frombuffer(data, dtype=np.uint8, count=size) == 10)
        at = np.searchsorted(nl, np.asarray(ends, dtype=np.int64))
        return [int(x) for x in at + first]
    out = []
    line, counted, count = first, 0, data.count
    for e in ends:
        line += count(b"\n", counted, e)
        counted = e
        out.append(line)
    return out
