"""The validation report: counts, groups by code, bounded examples, and per-line marks.

Memory does not grow with the number of findings beyond a constant: a finding is kept only as
one of the first ``max_examples`` of its code; otherwise it is a count. What *does* grow is
bounded per line, so the UI can mark the gutter and list every finding of a code without a
full re-scan:

* ``marks``: one byte per line, the highest severity found on it (1 B/line; 50 KB for a
  50,000-line file, 10 MB for a 10-million-line output file);
* ``lines of a code``: an ``array('I')`` of line numbers per code, each line recorded once per
  code (4 B per line and code). The full findings of those lines are re-derived on demand by
  re-checking them (see :meth:`batchtui.validation.engine.Validator.iter_findings`), which is
  microseconds a line, so storing messages would buy nothing.

Line numbers in this API are 1-based, like :attr:`Finding.line`.

Thread model: one thread (the validator's) writes, any thread reads. Every method takes the
report's lock; :meth:`snapshot` returns an immutable copy for the UI to render.
"""

from __future__ import annotations

import re
import threading
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from batchtui.jsonl.kinds import Sniff
from batchtui.validation.digest import ContentDigest
from batchtui.validation.findings import SEVERITY_BY_RANK, Finding, Severity
from batchtui.validation.rules import RULES

DEFAULT_MAX_EXAMPLES = 20
_NONZERO = re.compile(rb"[^\x00]")


@dataclass(frozen=True, slots=True)
class Group:
    """All findings of one code: how many, and the first few."""

    code: str
    severity: Severity
    title: str
    count: int
    lines: int  # distinct lines with this code (file-level findings without a line excluded)
    examples: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class ReportSnapshot:
    """An immutable view of a :class:`Report` at one moment (safe to hand to the UI)."""

    path: str
    lines_checked: int
    bytes_checked: int
    total_bytes: int
    done: bool
    endpoint: str | None
    model: str | None
    errors: int
    warnings: int
    infos: int
    groups: tuple[Group, ...]  # errors first, then by count
    # Hashes of exactly the bytes this report is about, once done (see validation/digest.py):
    # the submit path checks the file it uploads against them.
    digest: ContentDigest | None = None
    # What the file is (input, output, errors, a foreign format...), as far as the lines
    # checked so far tell; None when the validator was told which rules to apply.
    kind: Sniff | None = None

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.infos

    def count(self, code: str) -> int:
        return next((g.count for g in self.groups if g.code == code), 0)


class _Tally:
    """Counts, examples and line lists for one stream of findings."""

    __slots__ = ("by_code", "examples", "lines", "marks", "max_examples", "severities")

    def __init__(self, max_examples: int) -> None:
        self.max_examples = max_examples
        self.by_code: dict[str, int] = {}
        self.severities = [0, 0, 0, 0]  # indexed by rank
        self.examples: dict[str, list[Finding]] = {}
        self.lines: dict[str, array] = {}  # code -> 0-based line numbers, ascending
        self.marks = bytearray()  # 0-based line -> highest severity rank

    def add(self, finding: Finding) -> None:
        code = finding.code
        self.by_code[code] = self.by_code.get(code, 0) + 1
        rank = finding.severity.rank
        self.severities[rank] += 1
        examples = self.examples.get(code)
        if examples is None:
            examples = self.examples[code] = []
        if len(examples) < self.max_examples:
            examples.append(finding)
        if finding.line is None:
            return
        i = finding.line - 1
        lines = self.lines.get(code)
        if lines is None:
            lines = self.lines[code] = array("I")
        if not lines or lines[-1] != i:
            lines.append(i)
        marks = self.marks
        if i >= len(marks):
            marks.extend(bytes(i + 1 - len(marks)))
        if marks[i] < rank:
            marks[i] = rank

    def remove_line(self, line: int, findings: Iterable[Finding]) -> None:
        """Forget the findings of the last recorded line (re-checked after an append)."""
        i = line - 1
        for finding in findings:
            code = finding.code
            self.by_code[code] -= 1
            if not self.by_code[code]:
                del self.by_code[code]
            self.severities[finding.severity.rank] -= 1
            examples = self.examples.get(code)
            if examples and finding in examples:
                examples.remove(finding)
            if examples is not None and not examples and code not in self.by_code:
                del self.examples[code]
            lines = self.lines.get(code)
            if lines and lines[-1] == i:
                lines.pop()
                if not lines:
                    del self.lines[code]
        if i < len(self.marks):
            self.marks[i] = 0


class Report:
    """Aggregated findings of one file, filled in while the validator runs."""

    def __init__(self, path: str, total_bytes: int = 0, max_examples: int = DEFAULT_MAX_EXAMPLES):
        self.path = path
        self.max_examples = max_examples
        self._lock = threading.Lock()
        self._lines = _Tally(max_examples)  # findings streamed line by line (append-only)
        self._file = _Tally(max_examples)  # file-level findings, replaced at every finish
        self.lines_checked = 0
        self.bytes_checked = 0
        self.total_bytes = total_bytes
        self.done = False
        self.endpoint: str | None = None
        self.model: str | None = None
        self.digest: ContentDigest | None = None  # set by the validator when done
        self.kind: Sniff | None = None  # set by the validator (an immutable value)

    # -- writing (the validator's thread) ----------------------------------------------------

    def add(self, findings: Iterable[Finding]) -> None:
        with self._lock:
            add = self._lines.add
            for finding in findings:
                add(finding)

    def remove_line(self, line: int, findings: Iterable[Finding]) -> None:
        with self._lock:
            self._lines.remove_line(line, findings)

    def set_file_findings(self, findings: Iterable[Finding]) -> None:
        """Replace the file-level findings (majority url/model, limits, final newline)."""
        tally = _Tally(self.max_examples)
        for finding in findings:
            tally.add(finding)
        with self._lock:
            self._file = tally

    def set_progress(
        self,
        lines: int,
        bytes_checked: int,
        total_bytes: int,
        done: bool,
        endpoint: str | None,
        model: str | None,
    ) -> None:
        with self._lock:
            self.lines_checked = lines
            self.bytes_checked = bytes_checked
            self.total_bytes = total_bytes
            self.done = done
            self.endpoint = endpoint
            self.model = model

    # -- reading (any thread) ----------------------------------------------------------------

    def snapshot(self) -> ReportSnapshot:
        with self._lock:
            a, b = self._lines, self._file
            codes = set(a.by_code) | set(b.by_code)
            groups = []
            for code in codes:
                rule = RULES[code]
                examples = (a.examples.get(code, []) + b.examples.get(code, []))[
                    : self.max_examples
                ]
                examples.sort(key=Finding.sort_key)
                lines = len(a.lines.get(code, ())) + len(b.lines.get(code, ()))
                groups.append(
                    Group(
                        code=code,
                        severity=rule.severity,
                        title=rule.title,
                        count=a.by_code.get(code, 0) + b.by_code.get(code, 0),
                        lines=lines,
                        examples=tuple(examples),
                    )
                )
            groups.sort(key=lambda g: (-g.severity.rank, -g.count, g.code))
            sev = [x + y for x, y in zip(a.severities, b.severities, strict=True)]
            return ReportSnapshot(
                path=self.path,
                lines_checked=self.lines_checked,
                bytes_checked=self.bytes_checked,
                total_bytes=self.total_bytes,
                done=self.done,
                endpoint=self.endpoint,
                model=self.model,
                errors=sev[Severity.ERROR.rank],
                warnings=sev[Severity.WARNING.rank],
                infos=sev[Severity.INFO.rank],
                groups=tuple(groups),
                digest=self.digest if self.done else None,
                kind=self.kind,
            )

    @property
    def errors(self) -> int:
        with self._lock:
            return self._lines.severities[3] + self._file.severities[3]

    @property
    def warnings(self) -> int:
        with self._lock:
            return self._lines.severities[2] + self._file.severities[2]

    def severity_at(self, line: int) -> Severity | None:
        """The highest severity among the findings on ``line`` (1-based), for gutter marks."""
        i = line - 1
        with self._lock:
            a, b = self._lines.marks, self._file.marks
            rank = max(a[i] if 0 <= i < len(a) else 0, b[i] if 0 <= i < len(b) else 0)
        return SEVERITY_BY_RANK.get(rank)

    def marks(self) -> bytes:
        """Per line (index 0 = line 1) the highest severity rank: 0 none, 1 info, 2 warning,
        3 error. A copy, for painting many gutter rows at once."""
        with self._lock:
            a, b = self._lines.marks, self._file.marks
            if len(b) > len(a):
                a, b = b, a
            out = bytearray(a)
            for i in _iter_marked(b, 0, len(b)):
                if b[i] > out[i]:
                    out[i] = b[i]
            return bytes(out)

    def next_marked(self, line: int, forward: bool = True) -> int | None:
        """The nearest line after (or before) ``line`` (1-based) that has a finding."""
        with self._lock:
            a, b = bytes(self._lines.marks), bytes(self._file.marks)
        i = line - 1
        if forward:
            hits = [h for h in (_first_marked(m, i + 1) for m in (a, b)) if h is not None]
            return min(hits) + 1 if hits else None
        hits = [h for h in (_last_marked(m, i) for m in (a, b)) if h is not None]
        return max(hits) + 1 if hits else None

    def lines_with(self, code: str) -> list[int]:
        """Every line (1-based, ascending) with a finding of ``code``."""
        with self._lock:
            a = self._lines.lines.get(code, array("I"))
            b = self._file.lines.get(code, array("I"))
            merged = sorted(set(a) | set(b)) if b else list(a)
        return [i + 1 for i in merged]

    def marked_lines(self, start: int = 1) -> Iterator[int]:
        """Lines (1-based, ascending, from ``start``) with any finding."""
        marks = self.marks()
        for i in _iter_marked(marks, max(0, start - 1), len(marks)):
            yield i + 1

    def file_findings(self) -> list[Finding]:
        """The current file-level findings' examples (bounded), in order."""
        with self._lock:
            out = [f for ex in self._file.examples.values() for f in ex]
        return sorted(out, key=Finding.sort_key)


def _iter_marked(marks: bytes | bytearray, start: int, stop: int) -> Iterator[int]:
    for m in _NONZERO.finditer(marks, start, stop):
        yield m.start()


def _first_marked(marks: bytes, start: int) -> int | None:
    if start < 0:
        start = 0
    m = _NONZERO.search(marks, start)
    return m.start() if m else None


def _last_marked(marks: bytes, stop: int) -> int | None:
    """The last nonzero index below ``stop``, searching backwards in chunks."""
    stop = min(stop, len(marks))
    chunk = 1 << 16
    while stop > 0:
        start = max(0, stop - chunk)
        last = None
        for m in _NONZERO.finditer(marks, start, stop):
            last = m.start()
        if last is not None:
            return last
        stop = start
    return None
