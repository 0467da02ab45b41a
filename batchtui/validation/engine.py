"""The streaming, incremental validator over a :class:`~batchtui.jsonl.LineIndex`.

A :class:`Validator` checks lines in chunks, in whatever thread calls :meth:`Validator.run`:

* per-line findings stream out chunk by chunk (``on_findings(findings, False)``) and into the
  :class:`~batchtui.validation.report.Report`;
* ``cancelled()`` is polled between chunks (a chunk is at most ``chunk_lines`` lines or
  ``chunk_bytes`` bytes, ~10-30 ms of work); a cancelled run resumes where it stopped;
* when every line of a complete index has been checked, the file-level findings (majority url
  and model, limits, final newline) are derived from compact per-line arrays (no second read
  of the file) and delivered as one replacement set (``on_findings(findings, True)``);
* after the file grows (``LineIndex.check()`` says ``APPENDED``), calling :meth:`run` again
  checks only the new lines; duplicate ids and the majorities carry over. A last line that
  had no newline and was extended by the append is re-checked.

How the work is divided (each module reads in one sitting):

* this module: the run loop (chunks, progress, cancel, resume, appends), the per-line
  dispatch, and re-deriving the findings of any line later;
* :mod:`~batchtui.validation.syntax`: what a line is before any rule about its content
  (blank, not JSON, invalid UTF-8, too long, BOM, CRLF, duplicate ``custom_id``) and the
  verdicts that stand for a whole file (not text, pretty-printed);
* :mod:`~batchtui.validation.ruleset`: **the seam for kinds of file**. A
  :class:`~batchtui.validation.ruleset.RuleSet` gives the *line checker* called once for
  every line that parses to an object (today the input file's
  :class:`~batchtui.validation.checks.RequestChecker`), the limits watched while checking,
  and the *file-level step* run once every line is checked. Without ``rules=``, the
  validator sniffs what the file is (:mod:`batchtui.jsonl.kinds`) and judges it by the
  rules of its kind (:func:`batchtui.validation.kinds.rules_for`): an input, an output or
  error file, or a foreign file judged as a whole; :attr:`Validator.kind` says which;
* :mod:`~batchtui.validation.tally`: the state across lines (ids, majorities, counts) and
  the merge of a part checked elsewhere;
* :mod:`~batchtui.validation.parallel`: one file on several processes, through the public
  part API here (:meth:`Validator.for_part`, :meth:`export_part`, :meth:`absorb_part`).

Line numbers: 0-based inside (``LineIndex``, the tally, ``first_line``, ``stop``,
:attr:`Validator.next_line`), 1-based at the edges (findings, the report, the line checker,
and the public query methods :meth:`findings_at`, :meth:`iter_findings`).

The findings themselves are not kept (see :mod:`batchtui.validation.report`);
:meth:`Validator.findings_at` and :meth:`Validator.iter_findings` re-derive them for any line.

Driving it from a UI (any thread; the callbacks run in the validator's thread)::

    validator = Validator(index)              # shares the browser's LineIndex
    status = validator.run(                   # in a thread worker
        on_findings=lambda findings, file_level: post(...),  # per chunk; file_level=True
        on_progress=lambda progress: post(...),               # replaces the file-level set
        cancelled=lambda: worker.is_cancelled,
    )
    validator.report.snapshot()               # counts, groups by code, examples, progress
    validator.report.severity_at(line)        # gutter mark of a line (1-based)
    validator.report.next_marked(line, forward=True)
    validator.findings_at(line)               # every finding of a line, with its path
    islice(validator.iter_findings(code), 200)  # a page of one code's findings

    # LineIndex.check() -> APPENDED: run() again (it scans, then checks only the new lines).
    # REWRITTEN / REPLACED: open a new LineIndex and make a new Validator.
    # RunStatus.FILE_CHANGED: the same; CANCELLED: run() again resumes.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from batchtui.jsonl.index import MAX_LINE_BYTES, FileChanged, LineIndex, Span
from batchtui.jsonl.kinds import Sniff, sniff_index
from batchtui.validation import facts as F
from batchtui.validation import syntax
from batchtui.validation.digest import ContentDigest, DigestBuilder
from batchtui.validation.findings import Finding
from batchtui.validation.kinds import final_kind, rules_for
from batchtui.validation.providers import OPENAI, Provider
from batchtui.validation.report import DEFAULT_MAX_EXAMPLES, Report
from batchtui.validation.ruleset import Judgement, RuleSet
from batchtui.validation.tally import PartState, Tail, Tally

__all__ = ["FindingsCallback", "PartState", "Progress", "RunStatus", "Validator"]

CHUNK_LINES = 2000
CHUNK_BYTES = 8 * 1024 * 1024

FindingsCallback = Callable[[list[Finding], bool], None]


class RunStatus(enum.Enum):
    DONE = "done"  # every indexed line checked; file-level findings are current
    CANCELLED = "cancelled"  # stopped by ``cancelled()``; call run() again to resume
    FILE_CHANGED = "file_changed"  # the file shrank under us: re-open it and start over


@dataclass(frozen=True, slots=True)
class Progress:
    lines: int  # lines checked so far
    bytes: int  # bytes checked so far (up to the end of the last checked line)
    total_bytes: int  # size of the file as indexed
    done: bool  # all lines checked and the file-level findings delivered


class _NoJudgement:
    """Before the first file-level step: nothing about the whole file yet."""

    unlined: list[Finding] = []

    def on_lines(self, start: int, stop: int) -> Iterator[Finding]:
        return iter(())


class Validator:
    """Validates the lines of one :class:`LineIndex`, incrementally. See the module doc.

    Line numbers in the query methods are 1-based (as in findings); ``LineIndex``,
    ``first_line``, ``stop`` and :attr:`next_line` are 0-based.
    """

    def __init__(
        self,
        index: LineIndex,
        *,
        max_examples: int = DEFAULT_MAX_EXAMPLES,
        chunk_lines: int = CHUNK_LINES,
        chunk_bytes: int = CHUNK_BYTES,
        first_line: int = 0,
        max_line: int = MAX_LINE_BYTES,
        digest: bool = True,
        provider: Provider = OPENAI,
        rules: RuleSet | None = None,
    ) -> None:
        """``first_line`` (0-based) > 0 makes a validator for the lines from there on only
        (see :meth:`for_part`). A line longer than ``max_line`` bytes is reported
        (``line_too_long``), not read. ``digest=False`` skips hashing what is checked
        (:meth:`digest` is then None): for a check that will not be followed by a submit,
        such as ``batchtui validate``. ``rules`` judges the lines and the file; by default
        the file's head is sniffed and the rules of its kind apply, an input's under
        ``provider``'s limits and rules (OpenAI's unless given). ``InputRules(provider)``
        judges any file line by line as an input, as OpenAI does with an upload."""
        self.index = index
        self.max_line = max_line
        self.report = Report(index.name, index.size, max_examples)
        self.chunk_lines = chunk_lines
        self.chunk_bytes = chunk_bytes
        self.provider = provider
        # What the file is (None when the caller chose the rules): the sniff of its head,
        # settled over every line at the end (see kind).
        self.sniffed: Sniff | None = None
        if rules is None:
            self.sniffed = sniff_index(index)
            rules = rules_for(self.sniffed, provider)
        self.rules: RuleSet = rules
        self._rules_whole: Finding | None = getattr(rules, "whole", None)
        self._checker = self.rules.line_checker()
        self._run_lock = threading.Lock()
        self.next_line = first_line  # 0-based: lines [first_line, next_line) are checked
        self.tally = Tally(self.rules.limits, first_line)
        self._decide_whole()
        self._tail: Tail | None = None
        self._judgement: Judgement = _NoJudgement()  # the last file-level step's
        # SHA-256 of every block of bytes the lines were checked from (see digest.py).
        self._digest = DigestBuilder() if digest else None

    @property
    def digest_enabled(self) -> bool:
        """Whether the bytes checked are hashed (see :meth:`digest`)."""
        return self._digest is not None

    @classmethod
    def for_part(cls, index: LineIndex, first_line: int, **kwargs: Any) -> Validator:
        """A validator of the lines from ``first_line`` on, whose state another validator
        will take over (:meth:`export_part`, :meth:`absorb_part`): one part of a file,
        checked in another process."""
        validator = cls(index, first_line=first_line, **kwargs)
        validator.tally = Tally(validator.rules.limits, first_line, part=True)
        validator._decide_whole()
        return validator

    def _decide_whole(self) -> None:
        """A file judged as a whole by its rules (a foreign format): its one finding stands
        for every line from the start."""
        whole = self._rules_whole
        if whole is not None:
            self.tally.whole = whole
            self.tally.whole_decided = True

    @property
    def kind(self) -> Sniff | None:
        """What the file is: the sniff of its head, settled over the lines checked so far
        (an error file whose line 739 is a success is an output file); None when the
        caller chose the rules."""
        if self.sniffed is None:
            return None
        return final_kind(self.sniffed, self._checker)

    # -- running -----------------------------------------------------------------------------

    def run(
        self,
        *,
        on_findings: FindingsCallback | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        stop: int | None = None,
        finish: bool = True,
    ) -> RunStatus:
        """Check lines from where the last run stopped to ``stop`` (0-based, exclusive; default:
        every indexed line), then, if the whole file is checked and ``finish``, the file-level
        rules.

        Scans the index first if it is incomplete and does not hold the lines up to ``stop``.
        Thread-safe: concurrent calls queue.
        """
        with self._run_lock:
            try:
                return self._run(on_findings, on_progress, cancelled, stop, finish)
            finally:
                if self._digest is not None:
                    self._digest.settle()  # no hashing thread outlives a run

    def _run(
        self,
        on_findings: FindingsCallback | None,
        on_progress: Callable[[Progress], None] | None,
        cancelled: Callable[[], bool] | None,
        stop: int | None,
        finish: bool,
    ) -> RunStatus:
        index = self.index
        # The index must reach ``stop`` (or the end); lines it already holds need no wait.
        needed = stop is None or stop > index.terminated_lines
        if needed and not index.complete and not index.scan(cancelled=cancelled):
            return RunStatus.CANCELLED if cancelled and cancelled() else RunStatus.FILE_CHANGED
        self._reopen_tail()
        total = index.line_count if stop is None else min(stop, index.line_count)
        while self.next_line < total:
            if cancelled is not None and cancelled():
                return RunStatus.CANCELLED
            start = self.next_line
            end = index.chunk_end(start, min(total, start + self.chunk_lines), self.chunk_bytes)
            findings: list[Finding] = []
            if not self._check_range(start, end, findings):
                return RunStatus.FILE_CHANGED
            self._deliver(findings, on_findings, on_progress)
        if not finish or (stop is not None and self.next_line < index.line_count):
            return RunStatus.DONE
        self._finish(on_findings)
        if on_progress is not None:
            on_progress(self._progress(True))
        return RunStatus.DONE

    def _deliver(
        self,
        findings: list[Finding],
        on_findings: FindingsCallback | None,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        """A chunk is checked: into the report, then out to the callbacks."""
        self.report.add(findings)
        self._publish(done=False)
        if on_findings is not None and findings:
            on_findings(findings, False)
        if on_progress is not None:
            on_progress(self._progress(False))

    def _bytes_done(self) -> int:
        return self.index.start_of(self.next_line)

    def _progress(self, done: bool) -> Progress:
        return Progress(self.next_line, self._bytes_done(), self.index.size, done)

    def _publish(self, done: bool) -> None:
        self.report.kind = self.kind
        self.report.set_progress(
            self.next_line,
            self._bytes_done(),
            self.index.size,
            done,
            self.endpoint,
            self.model,
        )

    @property
    def endpoint(self) -> str | None:
        """The url most lines use so far (the batch's endpoint)."""
        urls = self.tally.urls
        return urls.name(urls.majority())

    @property
    def model(self) -> str | None:
        """The model most lines use so far."""
        models = self.tally.models
        return models.name(models.majority())

    # -- lines -------------------------------------------------------------------------------

    def _check_range(self, start: int, end: int, out: list[Finding]) -> bool:
        """Check lines [start, end); False if the file shrank under us.

        The loop handles the common line (an object, after line 1, outside a pretty-printed
        file) inline, with the state in locals; anything else goes through :meth:`_process`,
        which is also what re-derives a line's findings later (the property tests hold the
        two to the same results).
        """
        index = self.index
        tally = self.tally
        url_ids, model_ids = tally.url_ids, tally.model_ids
        process = self._process
        check = self._checker.check
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        first_seen = tally.ids.setdefault
        add_url, add_model = tally.urls.add, tally.models.add
        url_id, model_id = tally.urls.ids.get, tally.models.ids.get
        url_counts, model_counts = tally.urls.counts, tally.models.counts
        dup_log = tally.dup_log
        inputs_log = tally.inputs_log
        duplicate = syntax.duplicate
        count = tally.count
        fast = tally.whole is None
        max_requests = tally.max_requests
        # A line past the last indexed '\n' has no newline yet: an append would extend it.
        # Judged from the newlines, not line_count, so a concurrent LineIndex.check() from the
        # UI's watcher cannot make us miss it.
        terminated = index.terminated_lines
        size = index.size
        expected = start
        on_block = self._digest.add if self._digest is not None else None
        lines = index.iter_lines(start, end, max_line=self.max_line, on_block=on_block)
        try:
            for i, data in lines:
                mark = len(out)
                obj = None
                if fast and i:
                    try:
                        obj = loads(data)  # type: ignore[arg-type]  # (None raises JSONDecodeError too)
                    except decode_error:
                        pass
                if type(obj) is dict:
                    custom_id, url, model, inputs = check(obj, i + 1, out)
                    new_id = None
                    if custom_id is not None:
                        first = first_seen(custom_id, i)
                        if first != i:
                            out.append(duplicate(i + 1, custom_id, first + 1))
                            if dup_log is not None:
                                dup_log.append((i, custom_id))
                        else:
                            new_id = custom_id
                    # Interner.add, inlined for the usual case of a name seen before.
                    uid = url_id(url, 0) if url is not None else 0
                    if uid:
                        url_counts[uid] += 1
                    elif url is not None:
                        uid = add_url(url)
                    mid = model_id(model, 0) if model is not None else 0
                    if mid:
                        model_counts[mid] += 1
                    elif model is not None:
                        mid = add_model(model)
                    # Tally.count, inlined for a line without embedding inputs.
                    if inputs:
                        count(i, inputs)
                    else:
                        tally.requests += 1
                        if tally.requests == max_requests + 1:
                            tally.over_requests = i
                    request = True
                else:
                    new_id, uid, mid, inputs, request = process(i, data, out, True)
                    fast = tally.whole is None
                url_ids.append(uid)
                model_ids.append(mid)
                if inputs_log is not None:
                    inputs_log.append(inputs)
                if i >= terminated:
                    self._tail = Tail(i, size, out[mark:], new_id, uid, mid, inputs, request)
                expected = i + 1
        except FileChanged:
            self.next_line = expected
            if self._digest is not None:
                self._digest.drop_from(index.start_of(expected))  # not checked after all
            return False
        self.next_line = expected
        if expected != end:
            return False
        crlf = index.first_crlf_line
        if tally.crlf is None and tally.whole is None and crlf is not None and start <= crlf < end:
            tally.crlf = crlf  # reported once per file, on the first such line
            out.append(syntax.crlf(crlf + 1))
            out.sort(key=lambda f: f.line or 0)
        return True

    def _process(
        self, i: int, data: bytes | None, out: list[Finding], record: bool
    ) -> tuple[str | None, int, int, int, bool]:
        """Check line ``i`` (0-based); ``data`` None is a line too long to read. With
        ``record``, update the tally and return (custom_id first seen here, url id, model id,
        embedding inputs, is a request); without, only report (for re-deriving a line's
        findings later)."""
        line = i + 1
        tally = self.tally
        if data is None:
            return self._too_long(i, out, record)
        if i == 0 and data.startswith(F.BOM):
            out.append(syntax.bom(line))
            data = data[3:]
        if tally.whole is not None:
            # A pretty-printed document, a foreign file: reported once, on line 1.
            if i == 0 and (not record or tally.whole is self._rules_whole):
                out.append(tally.whole)
            return None, 0, 0, 0, False
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            obj = self._parse_failed(i, data, exc, out, record)
        if type(obj) is not dict:
            if obj is syntax.BLANK or obj is syntax.SKIP:
                return None, 0, 0, 0, False
            if obj is not syntax.BAD:
                out.append(syntax.not_an_object(line, obj))
            obj = None
        new_id: str | None = None
        uid = mid = inputs = 0
        if obj is not None:
            custom_id, url, model, inputs = self._checker.check(obj, line, out)
            if custom_id is not None:
                first = tally.first_use(i, custom_id) if record else tally.ids.get(custom_id)
                if first is not None and first != i:
                    out.append(syntax.duplicate(line, custom_id, first + 1))
                elif record:
                    new_id = custom_id
            if record:
                if url is not None:
                    uid = tally.urls.add(url)
                if model is not None:
                    mid = tally.models.add(model)
        if record:
            tally.count(i, inputs)
        return new_id, uid, mid, inputs, True

    def _too_long(
        self, i: int, out: list[Finding], record: bool
    ) -> tuple[str | None, int, int, int, bool]:
        """A line longer than ``max_line``: reported from its length alone, never read (a 2 GB
        line would take gigabytes to parse). Line 1 is still sniffed for a binary file."""
        tally = self.tally
        if i == 0:
            if self.index.read(Span(0, 3)) == F.BOM:
                out.append(syntax.bom(1))
            if record and not tally.whole_decided:
                tally.whole_decided = True
                tally.whole = syntax.not_text(self.index)
                if tally.whole is not None:
                    out.append(tally.whole)
                    return None, 0, 0, 0, False
        if tally.whole is not None:
            if i == 0 and (not record or tally.whole is self._rules_whole):
                out.append(tally.whole)
            return None, 0, 0, 0, False
        out.append(syntax.too_long(i + 1, self.index.span(i).length, self.max_line))
        if record:
            tally.count(i, 0)
        return None, 0, 0, 0, True

    def _parse_failed(
        self, i: int, data: bytes, exc: orjson.JSONDecodeError, out: list[Finding], record: bool
    ) -> Any:
        """A line orjson rejected: blank, the first line of a file that is not JSONL at all,
        or broken (see :func:`syntax.reparse`). Returns the object if a slower parser still
        reads it, else syntax.BLANK, SKIP or BAD."""
        if not data.strip():
            out.append(syntax.blank(i + 1))
            return syntax.BLANK
        tally = self.tally
        if i == 0 and record and not tally.whole_decided:
            tally.whole_decided = True
            tally.whole = syntax.whole_file(self.index, data.strip())
            if tally.whole is not None:
                out.append(tally.whole)
                return syntax.SKIP
        return syntax.reparse(i + 1, data, exc, out)

    def _reopen_tail(self) -> None:
        """If the last line had no newline and the file grew, take it back for re-checking."""
        tail = self._tail
        if tail is None or (
            tail.size == self.index.size and self.index.terminated_lines <= tail.line0
        ):
            return
        self._tail = None
        line0 = tail.line0
        if self._digest is not None:
            self._digest.drop_from(self.index.start_of(line0))  # read and hashed again
        self.report.remove_line(line0 + 1, tail.findings)
        self.tally.take_back(tail)
        self._decide_whole()
        self.next_line = line0

    # -- one part of a file, checked elsewhere (batchtui.validation.parallel) ---------------

    def export_part(self) -> PartState:
        """What this part validator (:meth:`for_part`) learnt, for :meth:`absorb_part`."""
        digest = self._digest.ranges if self._digest is not None else []
        state = self.tally.export(self.next_line, digest)
        export = getattr(self._checker, "export_state", None)
        if export is not None:  # a line checker that counts (the kinds of lines it met)
            state.checker = export()
        return state

    def absorb_part(
        self,
        part: PartState,
        chunks: Iterable[tuple[int, list[Finding]]],
        on_findings: FindingsCallback | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        """Continue with the lines of ``part``, checked by another validator that started at
        :attr:`next_line`: as if this one had checked them. ``chunks`` are the part's
        findings as ``(end line, findings)``, in line order; they are delivered to the report
        and the callbacks as this validator's own chunks would be, with the duplicates and
        the first CRLF settled across parts (see :meth:`Tally.absorb`).
        """
        if part.start != self.next_line:
            raise ValueError(f"part starts at line {part.start}, expected {self.next_line}")
        had_crlf = self.tally.crlf is not None
        dups = self.tally.absorb(part, self.index, self.max_line)
        absorb = getattr(self._checker, "absorb_state", None)
        if absorb is not None and part.checker is not None:
            absorb(part.checker)
        k = 0
        for end, batch in chunks:
            batch = [
                f
                for f in batch
                if f.code != "duplicate_custom_id"
                and not (had_crlf and f.code == "crlf_line_ending")
            ]
            while k < len(dups) and (dups[k].line or 0) <= end:
                batch.append(dups[k])
                k += 1
            batch.sort(key=lambda f: f.line or 0)
            self.next_line = end
            self._deliver(batch, on_findings, on_progress)
        if k < len(dups):
            rest = dups[k:]
            self.report.add(rest)
            if on_findings is not None:
                on_findings(rest, False)
        if self._digest is not None:
            self._digest.extend(part.digest)
        self.next_line = part.end
        self._publish(done=False)

    def digest(self) -> ContentDigest | None:
        """SHA-256 ranges of exactly the bytes the report is about, read as they were checked
        (see :mod:`batchtui.validation.digest`); None until every line is checked."""
        index = self.index
        if self._digest is None or self.tally.base or not index.complete:
            return None
        if self.next_line < index.line_count:
            return None
        return self._digest.build(index.size)

    # -- the whole file ----------------------------------------------------------------------

    def _finish(self, on_findings: FindingsCallback | None) -> None:
        batch: list[Finding] = []
        index = self.index
        self._judgement = judgement = self.rules.judge(self.tally, index.size)

        def stream() -> Iterator[Finding]:
            yield from judgement.unlined
            if self.tally.whole is None and index.size and not index.ends_with_newline:
                yield syntax.no_final_newline(index.line_count)
            yield from judgement.on_lines(0, self.next_line)

        def tee() -> Iterator[Finding]:
            for finding in stream():
                batch.append(finding)
                if on_findings is not None and len(batch) >= 5000:
                    on_findings(batch[:], True)
                    batch.clear()
                yield finding

        self.report.set_file_findings(tee())
        self.report.digest = self.digest()
        self._publish(done=True)
        if on_findings is not None:
            on_findings(batch, True)

    # -- re-deriving findings ----------------------------------------------------------------

    def findings_at(self, line: int) -> list[Finding]:
        """Every finding on ``line`` (1-based), re-derived by checking it again (microseconds).
        Empty for lines not checked yet."""
        i = line - 1
        if i < 0 or i >= self.next_line:
            return []
        try:
            span = self.index.span(i)
        except IndexError:
            return []
        data = None if span.length > self.max_line else self.index.read(span)
        out: list[Finding] = []
        if self.tally.crlf == i:
            out.append(syntax.crlf(line))
        self._process(i, data, out, False)
        if self.report.done and self.tally.whole is None:
            if i == self.index.line_count - 1 and not self.index.ends_with_newline:
                out.append(syntax.no_final_newline(line))
            out.extend(self._judgement.on_lines(i, i + 1))
        out.sort(key=Finding.sort_key)
        return out

    def iter_findings(self, code: str | None = None, start_line: int = 1) -> Iterator[Finding]:
        """Every finding (of ``code``, if given) from ``start_line`` on, in line order, then the
        file-level ones without a line. Lazily re-derived: take a page with ``islice``."""
        report = self.report
        lines: Iterable[int] = (
            report.lines_with(code) if code is not None else report.marked_lines(start_line)
        )
        for line in lines:
            if line < start_line:
                continue
            for finding in self.findings_at(line):
                if code is None or finding.code == code:
                    yield finding
        for finding in self._judgement.unlined:
            if code is None or finding.code == code:
                yield finding
