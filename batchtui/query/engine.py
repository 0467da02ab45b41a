"""The scan: which lines of a file a query matches, block by block, at the speed of grep.

A file is read in line-aligned blocks (:func:`batchtui.jsonl.blocks.line_blocks`). Each
block is searched for every atom of the query at once, and only the lines something hit are
looked at one by one (and parsed, for field tests). Two engines do the block search:

* **hyperscan** (Intel's regex engine, from the ``hyperscan`` wheel): every atom compiled
  into one database and the block scanned once, without holding the GIL. Measured here on
  256 MB: a case-insensitive miss in 0.07 s against ``grep -ci``'s 0.09 s.
* **Python** when hyperscan is missing or refuses a pattern: ``bytes.find`` for text
  (over ``bytes.lower()`` for smart case), ``re`` for patterns and field pre-checks. Correct,
  and 1.1-3x slower than grep (6x for patterns that match most lines).

Measured before choosing (256 MB of the benchmark's data, same run, grep 0.09 s for a
case-insensitive miss, 0.17 s for a hit): ``bytes.find`` alone 0.16 s (case-sensitive
only); ``bytes.lower()`` then ``find`` 0.25 s; ``re`` with IGNORECASE 1.3 s (the old
search); google-re2 0.22-0.48 s; hyperscan 0.07 s (miss) to 0.10 s (hit). Reading into one
reused buffer instead of a fresh ``bytes`` a block: 0.06 s against 0.5 s of page faults.
See ``tests/benchmarks/bench_search.py`` for the 1 GB figures beside grep.

Results come as :class:`Hits`, one per block that had matching lines: the lines' start and
end offsets (and numbers, when asked), so a caller can count them, print them, list them or
stop at the first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from batchtui.jsonl.blocks import (
    BLOCK_BYTES,
    Block,
    all_line_ends,
    line_at,
    line_blocks,
    line_end,
    line_numbers,
    line_start,
    line_text,
    lines_ending_at,
)
from batchtui.jsonl.index import LineIndex
from batchtui.query.atoms import Atom
from batchtui.query.expr import Query

# Above this many matching lines in a block, numpy numbers them (and drops them, for -v).
_NUMPY_HITS = 256
# BATCHTUI_SEARCH_ENGINE=python forces the pure-Python engine (tests compare the two).
ENGINE_ENV = "BATCHTUI_SEARCH_ENGINE"


@dataclass
class Hits:
    """Matching lines of one block: ``ends[i]`` is the file offset of a line's ``\\n`` (or
    of the file's end), ``starts[i]`` of its first byte, ``lines[i]`` its 0-based number when
    the scan numbers lines. ``block`` holds the lines' bytes when it is whole, only until
    the scan reads its next block (``starts`` is worked out from them: ask before)."""

    block: Block
    ends: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    _starts: list[int] | None = None

    def __len__(self) -> int:
        return len(self.ends)

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            b = self.block
            if not b.whole:
                self._starts = [b.line_start] * len(self.ends)
            else:
                data, base = b.data, b.offset
                self._starts = [line_start(data, e - base) + base for e in self.ends]
        return self._starts

    def line_bytes(self, i: int) -> bytes | None:
        """The bytes of the ``i``-th line with its line ending, if this block holds them
        (only until the scan reads its next block)."""
        b = self.block
        if not b.whole:
            return None
        start = self.starts[i] - b.offset
        end = min(self.ends[i] + 1 - b.offset, b.size)
        return bytes(memoryview(b.data)[start:end])


def hyperscan_module() -> Any:
    """hyperscan, or None when it is not installed, not wanted, or cannot run on this CPU."""
    if os.environ.get(ENGINE_ENV, "").lower() == "python":
        return None
    try:
        import hyperscan
    except (ImportError, OSError):
        return None
    return hyperscan


class Matcher:
    """The block search of one query, for one thread at a time."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.atoms = query.atoms
        self.engine = "python"
        self._hs: Any = None
        self._db: Any = None
        self._hs_ids: list[int] = []
        self._at_end: set[int] = set()  # atoms hyperscan reports at their line's end
        hs = hyperscan_module()
        usable = [
            i
            for i, a in enumerate(self.atoms)
            if a.hyperscan_ok and a.regex and not a.always and a.line_regex is None
        ]
        if hs is not None and usable:
            try:
                db = hs.Database(mode=hs.HS_MODE_BLOCK)
                db.compile(
                    # One report a line, at its end (see _scan_hyperscan).
                    expressions=[_to_line_end(self.atoms[i].regex) for i in usable],
                    ids=usable,
                    elements=len(usable),
                    flags=[
                        hs.HS_FLAG_MULTILINE
                        | (hs.HS_FLAG_CASELESS if self.atoms[i].caseless else 0)
                        for i in usable
                    ],
                )
                self._scratch = hs.Scratch(db)
            except Exception:  # a pattern it cannot compile, a CPU it cannot run on
                db = None
            if db is not None:
                self._hs, self._db, self._hs_ids = hs, db, usable
                self._at_end = {i for i in usable if b"$" not in self.atoms[i].regex}
                self.engine = "hyperscan"

    # -- one block ---------------------------------------------------------------------

    def hit_lines(self, data: bytes | bytearray, size: int) -> dict[int, int]:
        """``{line end: mask}`` for the lines of ``data[:size]`` that some atom hits
        (positions relative to ``data``; a line's end is its ``\\n``, or ``size``)."""
        masks: dict[int, int] = {}
        for i, ends in self.atom_line_ends(data, size).items():
            bit = 1 << i
            for e in ends:
                masks[e] = masks.get(e, 0) | bit
        return masks

    def atom_line_ends(self, data: bytes | bytearray, size: int) -> dict[int, list[int]]:
        """For each atom that hit, the sorted ends of the lines it hit."""
        out: dict[int, list[int]] = {}
        if self._db is not None:
            out.update(self._scan_hyperscan(data, size))
        done = set(self._hs_ids)
        lowered: bytes | bytearray | None = None
        for i, atom in enumerate(self.atoms):
            if i in done or atom.always:
                continue
            if atom.needles is not None:
                if atom.caseless and lowered is None:
                    lowered = data.lower()  # ASCII only: same length, same offsets
                hay = lowered if atom.caseless and lowered is not None else data
                ends = _needle_line_ends(hay, size, atom.needles)
            elif atom.line_regex is not None:
                ends = _line_regex_ends(data, size, atom)
            else:
                ends = _regex_line_ends(data, size, atom)
            if ends:
                out[i] = ends
        return out

    def _scan_hyperscan(self, data: bytes | bytearray, size: int) -> dict[int, list[int]]:
        """The ends of the lines each atom hits. Every atom was compiled as ``(?:R)[^\\n]*$``,
        so hyperscan reports a hit line once, at its end, however often the atom occurs in
        it: one call into Python per matching line (measured: no slower to scan)."""
        hits: dict[int, list[int]] = {i: [] for i in self._hs_ids}
        appends = {i: lst.append for i, lst in hits.items()}

        def on_match(ident: int, _from: int, to: int, _flags: int, _ctx: object) -> None:
            appends[ident](to)

        view = memoryview(data)
        try:
            self._db.scan(view[:size], match_event_handler=on_match, scratch=self._scratch)
        finally:
            view.release()
        # Usually in order already; hyperscan does not promise it. An atom with a $ of its
        # own reports where it matched, which may be before its line's end.
        out = {}
        for i, v in hits.items():
            if v:
                ends = sorted(set(v))
                out[i] = ends if i in self._at_end else lines_ending_at(data, size, ends)
        return out

    # -- a whole block ------------------------------------------------------------------

    def block_matches(self, data: bytes | bytearray, size: int) -> tuple[list[int], int]:
        """Line ends (relative, ascending) of the lines of the whole-line block
        ``data[:size]`` that the query matches; with ``query.empty_matches`` (NOT, -v) every
        line counts, and the second value is how many lines the block holds (else -1)."""
        q = self.query
        if q.simple and not self.atoms[0].always:
            hit = self.atom_line_ends(data, size).get(0, [])
            if not q.invert:
                return hit, -1
            every = all_line_ends(data, size)
            return _without(every, hit), len(every)
        masks = self.hit_lines(data, size)
        known = q.known
        decided: dict[int, bool] = {}  # mask -> answer, when the atoms decide it
        keep = []
        for e in sorted(masks):
            m = masks[e]
            answer = decided.get(m)
            if answer is None:
                k = known(m)
                if k is None:
                    line = line_at(data, e)
                    answer = q.decide_parsed(m, line)  # parse this line
                    line.release()
                else:
                    answer = decided[m] = k
            if answer != q.empty_matches:
                keep.append(e)  # a match (or, when every line matches, one that does not)
        if not q.empty_matches:
            return keep, -1
        every = all_line_ends(data, size)
        if not keep:
            return every, len(every)
        drop = set(keep)
        return [e for e in every if e not in drop], len(every)


def _to_line_end(regex: bytes) -> bytes:
    """``regex`` made to report once a line, at the line's end: ``(?:R)[^\\n]*$``. A regex
    with a ``$`` of its own (end of line, as ``\\r?$``) is left as it is: hyperscan refuses
    the tail after it."""
    return regex if b"$" in regex else b"(?:" + regex + rb")[^\n]*$"


def _without(every: list[int], drop: list[int]) -> list[int]:
    """``every`` less ``drop`` (both sorted)."""
    if not drop:
        return every
    if len(every) > _NUMPY_HITS:
        import numpy as np

        kept = np.setdiff1d(
            np.asarray(every, dtype=np.int64), np.asarray(drop, dtype=np.int64), True
        )
        return [int(x) for x in kept]
    gone = set(drop)
    return [e for e in every if e not in gone]


def _needle_line_ends(data: bytes | bytearray, size: int, needles: tuple[bytes, ...]) -> list[int]:
    find = data.find
    found: set[int] = set()
    for needle in needles:
        p = find(needle, 0, size)
        while p >= 0:
            e = line_end(data, p, size)
            found.add(e)
            p = find(needle, e + 1, size) if e < size else -1
    return sorted(found)


def _regex_line_ends(data: bytes | bytearray, size: int, atom: Atom) -> list[int]:
    search = atom.compiled.search
    out: list[int] = []
    m = search(data, 0, size)
    while m is not None:
        e = line_end(data, m.start(), size)
        out.append(e)
        if e + 1 >= size:
            break  # no line after this one (an empty match would find one at the end)
        m = search(data, e + 1, size)
    return out


def _line_regex_ends(data: bytes | bytearray, size: int, atom: Atom) -> list[int]:
    """A pattern only Python's ``re`` can run: over each decoded line."""
    assert atom.line_regex is not None
    search = atom.line_regex.search
    out: list[int] = []
    pos = 0
    while pos < size:
        end = line_end(data, pos, size)
        if search(line_text(data, pos, end).decode("utf-8", "surrogateescape")) is not None:
            out.append(end)
        pos = end + 1
    return out


# -- scanning a file ---------------------------------------------------------------------------


def scan(
    index: LineIndex,
    query: Query,
    *,
    start: int = 0,
    end: int | None = None,
    first_line: int | None = 0,
    number: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    block: int = BLOCK_BYTES,
    matcher: Matcher | None = None,
    stats: dict[str, int] | None = None,
) -> Iterator[Hits]:
    """The lines of ``index``'s file in bytes ``[start, end)`` that ``query`` matches.

    ``start`` must be a line start. With ``number``, each line's number comes too: counted
    from ``first_line`` (the number of the line at ``start``), or from the index when it is
    complete (``first_line=None``). ``progress(done, total)`` gets bytes after each block;
    ``cancelled()`` is polled between blocks. ``stats`` (if given) receives ``lines`` (every
    line scanned, counted only when the query matches lines no atom hit, or ``number``) and
    ``too_long`` (lines too long to parse for a field test, taken as not matching).

    Raises :class:`~batchtui.jsonl.index.FileChanged` if the file shrinks meanwhile.
    """
    m = matcher or Matcher(query)
    stop = index.size if end is None else min(end, index.size)
    total = max(1, stop - start)
    # The number of the next line, when counting (None: from the index).
    line_no = first_line
    pending: Block | None = None  # the last piece so far of a line too long to read whole
    pending_mask = 0

    def number_of(offset: int) -> int | None:
        if not number:
            return None
        return index.line_containing(offset) if line_no is None else line_no

    for blk in line_blocks(index, start, stop, block=block):
        if cancelled is not None and cancelled():
            return
        if pending is not None and (blk.whole or blk.line_start != pending.line_start):
            yield from _finish_long(
                pending, pending_mask, query, stats, number_of(pending.line_start)
            )
            if line_no is not None:
                line_no += 1
            pending = None
        if not blk.whole:
            if pending is None:
                pending_mask = 0
            for mask in m.hit_lines(blk.data, blk.size).values():
                pending_mask |= mask
            pending = blk
            if progress is not None:
                progress(blk.end - start, total)
            continue
        data = blk.data
        ends, lines_here = m.block_matches(data, blk.size)
        if stats is not None and lines_here >= 0:
            stats["lines"] = stats.get("lines", 0) + lines_here
        if ends:
            hits = Hits(blk, [blk.offset + e for e in ends])
            if number and line_no is None:
                # From the complete index: a binary search a line, cheaper than counting.
                where = index.line_containing
                hits.lines = [where(e) for e in hits.ends]
            elif number:
                hits.lines = line_numbers(data, blk.size, ends, line_no or 0)
            yield hits
        if number and line_no is not None:
            line_no += data.count(b"\n", 0, blk.size) + (data[blk.size - 1] != 10)
        if progress is not None:
            progress(blk.end - start, total)
    if pending is not None:
        yield from _finish_long(pending, pending_mask, query, stats, number_of(pending.line_start))


def _finish_long(
    blk: Block, mask: int, query: Query, stats: dict[str, int] | None, line: int | None
) -> Iterator[Hits]:
    """Decide a line read in pieces (``blk`` is its last): its atoms' hits are known, and it
    is never parsed (a field test on it is false)."""
    if query.parses and stats is not None:
        stats["too_long"] = stats.get("too_long", 0) + 1
    if not query.decide(mask, None):
        return
    end = blk.offset + line_end(blk.data, blk.size - 1, blk.size)
    yield Hits(blk, [end], [line] if line is not None else [], [blk.line_start])


def count_lines(index: LineIndex, query: Query, **kwargs: Any) -> int:
    return sum(len(h) for h in scan(index, query, **kwargs))
