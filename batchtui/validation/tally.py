"""What the lines checked so far add up to: the validator's state across lines.

Small and fixed per line: a 2-byte url id and a 2-byte model id (``array('H')``), plus the
``custom_id`` -> first line dict needed for uniqueness, the counts the limits watch, the first
CRLF, and the verdict about the whole file if there is one (not text, pretty-printed). The
file-level rules (:mod:`batchtui.validation.ruleset`) read it; the engine writes it.

One part of a file checked in another process keeps a tally of its own (with a log of its
duplicates and embedding inputs per line) and sends it back as a :class:`PartState`, which
:meth:`Tally.absorb` merges as if one tally had seen every line.

Line numbers here are 0-based, like :class:`~batchtui.jsonl.LineIndex`.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

from batchtui.jsonl.index import LineIndex
from batchtui.validation import syntax
from batchtui.validation.digest import DigestRange
from batchtui.validation.findings import Finding
from batchtui.validation.ruleset import Limits

# Distinct urls/models remembered by name; more (only in broken files) share the last id.
MAX_DISTINCT = 0xFFFF


class Interner:
    """Strings to small ids (1..MAX_DISTINCT) with a count per id; 0 means "none"."""

    __slots__ = ("counts", "ids", "names")

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.names: list[str] = [""]
        self.counts: list[int] = [0]

    def add(self, name: str) -> int:
        i = self.ids.get(name)
        if i is None:
            if len(self.names) < MAX_DISTINCT:
                i = len(self.names)
                self.ids[name] = i
                self.names.append(name)
                self.counts.append(0)
            else:
                i = MAX_DISTINCT - 1  # pathological files only: lump the rest together
        self.counts[i] += 1
        return i

    def remove(self, i: int) -> None:
        if i:
            self.counts[i] -= 1

    def merge(self, names: list[str], counts: list[int]) -> list[int]:
        """Add another interner's counts; return its ids mapped to ours."""
        mapping = [0]
        for name, count in zip(names[1:], counts[1:], strict=True):
            i = self.add(name)
            self.counts[i] += count - 1
            mapping.append(i)
        return mapping

    def majority(self) -> int:
        """The id most lines use (the first seen on a tie), 0 if none."""
        best = 0
        counts = self.counts
        for i in range(1, len(counts)):
            if counts[i] > counts[best]:
                best = i
        return best

    def distinct(self) -> int:
        return sum(1 for c in self.counts[1:] if c)

    def name(self, i: int) -> str | None:
        return self.names[i] if i else None


@dataclass(slots=True)
class Tail:
    """What the last checked line contributed, kept while it has no final newline: an append
    extends that line, so it must be taken back and checked again."""

    line0: int
    size: int  # the file size when it was checked; growth means the line grew
    findings: list[Finding]
    new_id: str | None
    url_id: int
    model_id: int
    inputs: int
    request: bool


@dataclass(slots=True)
class PartState:
    """What the tally of lines [start, end) learnt, to be merged into the tally of the lines
    before it (:meth:`Tally.absorb`). Picklable; sent back by a worker process."""

    start: int
    end: int
    ids: dict[str, int]  # custom_id -> first line within the part
    dups: list[tuple[int, str]]  # duplicates within the part: (line, custom_id)
    url_names: list[str]
    url_counts: list[int]
    url_ids: bytes  # array('H') per line
    model_names: list[str]
    model_counts: list[int]
    model_ids: bytes
    requests: int
    inputs: int
    inputs_log: bytes  # array('I') of embedding inputs per line
    crlf: int | None
    digest: list[DigestRange]  # hashes of the bytes the part was checked from, in order
    checker: Any = None  # what the line checker keeps of its own, if anything (picklable)


class Tally:
    """The state across lines of one validator (see the module doc). Attributes are read by
    the rules and written by the engine, whose hot loop updates them inline."""

    __slots__ = (
        "base",
        "crlf",
        "dup_log",
        "ids",
        "inputs",
        "inputs_log",
        "max_inputs",
        "max_requests",
        "model_ids",
        "models",
        "over_inputs",
        "over_requests",
        "requests",
        "url_ids",
        "urls",
        "whole",
        "whole_decided",
    )

    def __init__(self, limits: Limits, base: int = 0, part: bool = False) -> None:
        """``base``: the first line counted (a part of a file starts later). ``part``: keep
        the logs :meth:`export` needs."""
        self.base = base
        self.max_requests = limits.requests
        self.max_inputs = limits.embedding_inputs
        self.ids: dict[str, int] = {}  # custom_id -> first line
        self.urls = Interner()
        self.models = Interner()
        self.url_ids = array("H")  # per line from ``base``; 0 = no valid url
        self.model_ids = array("H")  # per line from ``base``; 0 = no model
        self.requests = 0  # non-blank lines outside a pretty-printed document
        self.over_requests: int | None = None  # line of request max_requests + 1
        self.inputs = 0  # embedding inputs so far
        self.over_inputs: int | None = None  # line where they passed the limit
        self.crlf: int | None = None  # line of the first CRLF
        # A finding about the whole file that stands for every line's (pretty-printed JSON,
        # a compressed or UTF-16 file): once set, lines are not reported one by one.
        self.whole: Finding | None = None
        self.whole_decided = False
        # Only for one part of a file checked in a worker process, for the merge:
        self.dup_log: list[tuple[int, str]] | None = [] if part else None
        self.inputs_log: array | None = array("I") if part else None

    def count(self, i: int, inputs: int) -> None:
        """One more request (a non-blank line), on line ``i``, with ``inputs`` embedding
        inputs: note where the limits are passed."""
        self.requests += 1
        if self.requests == self.max_requests + 1:
            self.over_requests = i
        if inputs:
            before = self.inputs
            self.inputs += inputs
            if before <= self.max_inputs < self.inputs:
                self.over_inputs = i

    def first_use(self, i: int, custom_id: str) -> int:
        """Record ``custom_id`` on line ``i``; the line it was first used on (``i`` if new)."""
        first = self.ids.setdefault(custom_id, i)
        if first != i and self.dup_log is not None:
            self.dup_log.append((i, custom_id))
        return first

    def take_back(self, tail: Tail) -> None:
        """Undo what the last line (:class:`Tail`) added, to check it again."""
        line0 = tail.line0
        if tail.new_id is not None and self.ids.get(tail.new_id) == line0:
            del self.ids[tail.new_id]
        self.urls.remove(tail.url_id)
        self.models.remove(tail.model_id)
        self.url_ids.pop()
        self.model_ids.pop()
        if self.inputs_log is not None:
            self.inputs_log.pop()
        if tail.request:
            if self.over_requests == line0:
                self.over_requests = None
            self.requests -= 1
        if tail.inputs:
            self.inputs -= tail.inputs
            if self.over_inputs == line0:
                self.over_inputs = None
        if line0 == 0:
            self.whole = None
            self.whole_decided = False
        if self.crlf == line0:
            self.crlf = None

    # -- parts of a file ---------------------------------------------------------------

    def export(self, end: int, digest: list[DigestRange]) -> PartState:
        """This part's state, lines [base, end), for the tally of the lines before it."""
        return PartState(
            start=self.base,
            end=end,
            ids=self.ids,
            dups=self.dup_log or [],
            url_names=self.urls.names,
            url_counts=self.urls.counts,
            url_ids=self.url_ids.tobytes(),
            model_names=self.models.names,
            model_counts=self.models.counts,
            model_ids=self.model_ids.tobytes(),
            requests=self.requests,
            inputs=self.inputs,
            inputs_log=self.inputs_log.tobytes() if self.inputs_log is not None else b"",
            crlf=self.crlf,
            digest=digest,
        )

    def absorb(self, part: PartState, index: LineIndex, max_line: int) -> list[Finding]:
        """Merge the tally of the lines right after ours. What the part could not know is
        settled here: ids first used before the part (the duplicates, returned in line
        order), the first CRLF, and where the request and embedding-input limits were
        passed (``index`` is read for the requests, up to ``max_line`` bytes a line)."""
        for interner, array_, names, counts, blob in (
            (self.urls, self.url_ids, part.url_names, part.url_counts, part.url_ids),
            (self.models, self.model_ids, part.model_names, part.model_counts, part.model_ids),
        ):
            mapping = interner.merge(names, counts)
            ids = array("H")
            ids.frombytes(blob)
            if mapping != list(range(len(mapping))):
                ids = array("H", [mapping[x] for x in ids])
            array_.extend(ids)

        dups: list[Finding] = []
        known = self.ids
        for custom_id, line0 in part.ids.items():
            first = known.setdefault(custom_id, line0)
            if first != line0:
                dups.append(syntax.duplicate(line0 + 1, custom_id, first + 1))
        for line0, custom_id in part.dups:
            dups.append(syntax.duplicate(line0 + 1, custom_id, known[custom_id] + 1))
        dups.sort(key=Finding.sort_key)

        before = self.requests
        self.requests += part.requests
        if self.over_requests is None and before <= self.max_requests < self.requests:
            count = before
            for i, data in index.iter_lines(part.start, part.end, max_line=max_line):
                count += data is None or bool(data.strip())
                if count > self.max_requests:
                    self.over_requests = i
                    break
        before = self.inputs
        self.inputs += part.inputs
        if self.over_inputs is None and before <= self.max_inputs < self.inputs:
            per_line = array("I")
            per_line.frombytes(part.inputs_log)
            total = before
            for k, n in enumerate(per_line):
                total += n
                if total > self.max_inputs:
                    self.over_inputs = part.start + k
                    break
        if self.crlf is None:
            self.crlf = part.crlf
        return dups
