"""The join itself: input, output and error files read once and matched by ``custom_id``.

Memory model: nothing parsed is kept. Each file gets a :class:`~batchtui.jsonl.LineIndex`
(8 bytes a line); each request gets a handful of compact per-row arrays (line numbers, a class
byte, a flag byte, a status code, four token counts, a failure-group id) plus its custom_id
in one dict (:class:`~batchtui.results.store.RowStore`). Everything the UI shows for one
request is re-read from the files on demand. Totals are computed from the per-row arrays
after the pass, which makes replacing an answer (an id answered twice) a plain overwrite.

Rows: one per input line that has a custom_id, in input order, then one per unexpected
custom_id (a result whose id is not in the input), in the order they were met.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable
from typing import Any

from batchtui.core.errors import UserError
from batchtui.jsonl.index import MAX_LINE_BYTES, LineIndex
from batchtui.results import parse
from batchtui.results.model import (
    Answer,
    ErrorInfo,
    FailureGroup,
    Flag,
    LineProblem,
    Progress,
    RequestClass,
    Source,
)
from batchtui.results.result import JoinResult

# A file argument: a path, an open LineIndex, or None / "" for an absent file.
FileArg = Any
ProgressCallback = Callable[[Progress], None]
CancelCheck = Callable[[], bool]

# How often (in lines) the read loops report progress and look at the cancel flag.
CHECK_EVERY = 1024
# Problems kept with their line numbers; beyond this only the count grows.
MAX_PROBLEMS = 10_000

_NO_USAGE = parse.NO_USAGE
_STICKY_FLAGS = int(Flag.DUPLICATE | Flag.DUPLICATE_INPUT)


class JoinCancelled(Exception):
    """The join was cancelled through its ``cancelled`` callback."""


def _open(arg: Any, owned: list[LineIndex]) -> LineIndex | None:
    if arg is None or arg == "":
        return None  # an absent file: output_file_id null, error_file_id ""
    if isinstance(arg, LineIndex):
        return arg
    index = LineIndex(arg)
    owned.append(index)
    return index


def _same_file(a: LineIndex, b: LineIndex) -> bool:
    if a is b:
        return True
    try:
        return os.path.samefile(a.path, b.path)
    except OSError:
        return False


class _Reporter:
    """Turns per-phase byte counts into one monotone :class:`Progress` stream."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.base = 0  # bytes of finished phases

    def report(self, phase: str, done_in_phase: int) -> None:
        if self.callback is not None:
            self.callback(Progress(phase, self.base + done_in_phase, self.total))

    def finish_phase(self, size: int) -> None:
        self.base += size


def join(
    input_file: FileArg,
    output_file: FileArg = None,
    errors_file: FileArg = None,
    *,
    progress: ProgressCallback | None = None,
    cancelled: CancelCheck | None = None,
) -> JoinResult:
    """Join an input file with its output and/or error file.

    Each file argument is a path, an already open :class:`LineIndex` (the browser's, for
    instance; it is scanned to the end if needed and not closed by us), or None / ``""`` for
    an absent file. Without an input file, the rows are the custom_ids of the results, in
    the order met (nothing can be missing, nothing is unexpected, no retry file can be
    made); counts, failures, the histogram and usage work as with one. A single vLLM-style file holding successes and failures goes in
    ``output_file``; passing the same file as ``errors_file`` too is detected and ignored.

    Runs in the calling thread (the UI calls it from a thread worker); ``progress`` receives
    :class:`Progress` snapshots, at most one per 16 MB scanned or ~1,000 lines read, and a
    true ``cancelled()`` stops it with :class:`JoinCancelled`. Bad lines are collected in
    :attr:`JoinResult.problems`, never raised. Missing or unreadable files raise
    :class:`~batchtui.core.errors.UserError`.
    """
    owned: list[LineIndex] = []
    try:
        inp = _open(input_file, owned)
        out = _open(output_file, owned)
        err = _open(errors_file, owned)
        if inp is None and out is None and err is None:
            raise UserError("give an input, output or error file")
        if out is not None and err is not None and _same_file(out, err):
            err = None  # one file given twice (vLLM): read it once
        files = [(Source.INPUT, inp), (Source.OUTPUT, out), (Source.ERRORS, err)]
        present = [(src, ix) for src, ix in files if ix is not None]
        reporter = _Reporter(progress, 2 * sum(ix.size for _, ix in present))
        for src, ix in present:
            _scan(ix, src, reporter, cancelled)
        builder = _Builder(cancelled, reporter)
        if inp is not None:
            builder.read_input(inp)
        else:
            builder.no_input()
        if out is not None:
            builder.read_results(out, Source.OUTPUT)
        if err is not None:
            builder.read_results(err, Source.ERRORS)
        reporter.report("done", 0)
        return builder.finish(inp, out, err, owned)
    except BaseException:
        for index in owned:
            index.close()
        raise


def _scan(ix: LineIndex, src: Source, reporter: _Reporter, cancelled: CancelCheck | None) -> None:
    phase = f"indexing {src.label}"
    start = ix.scanned_bytes
    reporter.report(phase, start)
    done = ix.scan(
        progress=lambda scanned, _lines: reporter.report(phase, scanned), cancelled=cancelled
    )
    if not done:
        if cancelled is not None and cancelled():
            raise JoinCancelled()
        raise UserError(f"{ix.path}: the file shrank while it was being read")
    reporter.finish_phase(ix.size)


def _check_complete(ix: LineIndex, lines_read: int) -> None:
    # iter_lines raises FileChanged when the file shrinks under it; should a pass still end
    # early, a partial join would report the unread requests as missing: say so instead.
    if lines_read < ix.line_count:
        raise UserError(f"{ix.path}: the file changed while it was being read; try again")


def _too_long(ix: LineIndex, line: int) -> str:
    # Never read whole: a 2 GB line would take gigabytes to parse.
    return f"line of {ix.span(line).length:,} bytes, too long to read (over {MAX_LINE_BYTES:,})"


def _is_blank(data: bytes) -> bool:
    # Cheap for the usual line (starts with '{'); strip() only for lines that start blank.
    return not data or (data[0] in b" \t\r\f\v" and not data.strip())


class _Builder:
    """Accumulates the per-row arrays during the pass."""

    def __init__(self, cancelled: CancelCheck | None, reporter: _Reporter) -> None:
        self.cancelled = cancelled
        self.reporter = reporter
        self.ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self.input_rows: dict[str, list[int]] = {}  # only ids on several input lines
        self.input_line = array("i")
        self.problems: list[LineProblem] = []
        self.problem_count = 0
        self.skipped_count = 0
        self.blank_lines = 0
        self.other_answers: dict[int, list[Answer]] = {}
        self.groups: list[FailureGroup] = []
        self.group_of: dict[tuple[int, str, str], int] = {}
        self.pattern_cache: dict[str, str] = {}
        self.input_count = 0
        self.has_input = True

    # -- helpers ---------------------------------------------------------------------

    def _problem(self, source: Source, line: int, message: str, skipped: bool = True) -> None:
        self.problem_count += 1
        self.skipped_count += skipped
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(LineProblem(source, line, message, skipped))

    def _tick(self, ix: LineIndex, phase: str, line: int) -> None:
        if self.cancelled is not None and self.cancelled():
            raise JoinCancelled()
        nl = ix.newline_offsets
        self.reporter.report(phase, nl[line] if line < len(nl) else ix.size)

    # -- input -----------------------------------------------------------------------

    def read_input(self, ix: LineIndex) -> None:
        phase = "reading input"
        ids = self.ids
        row_of = self.row_of
        input_line = self.input_line
        get_id = parse.input_custom_id
        i = -1
        for i, data in ix.iter_lines(max_line=MAX_LINE_BYTES):
            if not i % CHECK_EVERY:
                self._tick(ix, phase, i)
            if data is None:
                self._problem(Source.INPUT, i, _too_long(ix, i))
                continue
            if _is_blank(data):
                self.blank_lines += 1
                continue
            try:
                cid = get_id(data)
            except parse.LineError as exc:
                self._problem(Source.INPUT, i, str(exc))
                continue
            row = len(ids)
            first = row_of.setdefault(cid, row)
            if first != row:
                self.input_rows.setdefault(cid, [first]).append(row)
            ids.append(cid)
            input_line.append(i)
        _check_complete(ix, i + 1)
        self.reporter.finish_phase(ix.size)
        n = self.input_count = len(ids)
        # Every input row starts missing; answers overwrite these in place.
        self.klass = bytearray([RequestClass.MISSING]) * n
        self.flags = bytearray(n)
        self.result_src = bytearray(n)
        self.result_line = array("i", [-1]) * n
        self.status = array("H", [0]) * n
        self.group = array("i", [-1]) * n
        self.tokens = [array("q", [0]) * n for _ in range(4)]
        for rows in self.input_rows.values():
            for row in rows:
                self.flags[row] |= Flag.DUPLICATE_INPUT

    def no_input(self) -> None:
        """No input file: every custom_id met in the results makes a row of its own."""
        self.has_input = False
        self.klass = bytearray()
        self.flags = bytearray()
        self.result_src = bytearray()
        self.result_line = array("i")
        self.status = array("H")
        self.group = array("i")
        self.tokens = [array("q") for _ in range(4)]

    # -- results ---------------------------------------------------------------------

    def read_results(self, ix: LineIndex, src: Source) -> None:
        phase = f"reading {src.label}"
        loads = parse.loads
        classify = parse.classify
        result_custom_id = parse.result_custom_id
        row_get = self.row_of.get
        repeated_inputs = self.input_rows
        result_src, result_line, status_of = self.result_src, self.result_line, self.status
        klass, flags, group = self.klass, self.flags, self.group
        t0, t1, t2, t3 = self.tokens
        source = int(src)
        i = -1
        for i, data in ix.iter_lines(max_line=MAX_LINE_BYTES):
            if not i % CHECK_EVERY:
                self._tick(ix, phase, i)
            if data is None:
                self._problem(src, i, _too_long(ix, i))
                continue
            if _is_blank(data):
                self.blank_lines += 1
                continue
            try:
                obj, bad_utf8 = loads(data)
                cid = result_custom_id(obj)
            except parse.LineError as exc:
                self._problem(src, i, str(exc))
                continue
            if bad_utf8:
                self._problem(src, i, "invalid UTF-8, read with replacement characters", False)
            verdict = classify(obj)
            row = row_get(cid)
            if row is None or result_src[row] or cid in repeated_inputs:
                self._assign(cid, src, i, verdict)
                continue
            # The common case inlined: the first answer for an input row.
            k, fl, status, usage, info = verdict
            result_src[row] = source
            result_line[row] = i
            status_of[row] = status if status < 65536 else 0
            flags[row] |= fl
            klass[row] = k
            if info is not None:
                group[row] = self._group_id(k, info)
            if usage is not _NO_USAGE:
                t0[row], t1[row], t2[row], t3[row] = usage
        _check_complete(ix, i + 1)
        self.reporter.finish_phase(ix.size)

    def _new_unexpected_row(self, cid: str) -> int:
        row = len(self.ids)
        self.ids.append(cid)
        self.row_of[cid] = row
        self.input_line.append(-1)
        # Without an input file a result is no surprise: _store gives the row its class.
        self.klass.append(RequestClass.UNEXPECTED if self.has_input else RequestClass.MISSING)
        self.flags.append(0)
        self.result_src.append(0)
        self.result_line.append(-1)
        self.status.append(0)
        self.group.append(-1)
        for arr in self.tokens:
            arr.append(0)
        return row

    def _assign(self, cid: str, src: Source, line: int, verdict: tuple[Any, ...]) -> None:
        row = self.row_of.get(cid)
        if row is None:
            row = self._new_unexpected_row(cid)
        else:
            rows = self.input_rows.get(cid)
            if rows is not None:
                # The same id on several input lines: pair answers with lines in order
                # (vLLM answers each line; it does not check uniqueness).
                for candidate in rows:
                    if not self.result_src[candidate]:
                        row = candidate
                        break
        if not self.result_src[row]:
            self._store(row, src, line, verdict)
            return
        # Answered again. The shown answer is the best one: a success over a failure, then
        # the earliest position (output before errors, lower line first), so the verdict
        # does not depend on which answer was read first.
        self.flags[row] |= Flag.DUPLICATE
        others = self.other_answers.setdefault(row, [])
        cur_src, cur_line = self.result_src[row], self.result_line[row]
        cur_rank = self._answer_class(row) != RequestClass.SUCCEEDED
        new_rank = verdict[0] != RequestClass.SUCCEEDED
        if (new_rank, src, line) < (cur_rank, cur_src, cur_line):
            others.append(Answer(Source(cur_src), cur_line))
            self._store(row, src, line, verdict)
        else:
            others.append(Answer(src, line))

    def _answer_class(self, row: int) -> int:
        # An unexpected row keeps its class; its answer's own class is in its status code.
        k = self.klass[row]
        if k == RequestClass.UNEXPECTED:
            status = self.status[row]
            return RequestClass.SUCCEEDED if 200 <= status < 300 else RequestClass.FAILED
        return k

    def _store(self, row: int, src: Source, line: int, verdict: tuple[Any, ...]) -> None:
        klass, flags, status, usage, info = verdict
        self.result_src[row] = src
        self.result_line[row] = line
        self.status[row] = status if 0 <= status < 65536 else 0
        self.flags[row] = (self.flags[row] & _STICKY_FLAGS) | flags
        if self.klass[row] != RequestClass.UNEXPECTED:
            self.klass[row] = klass
            self.group[row] = self._group_id(klass, info) if info is not None else -1
        if usage is not _NO_USAGE:
            t = self.tokens
            t[0][row], t[1][row], t[2][row], t[3][row] = usage

    def _group_id(self, klass: int, info: ErrorInfo) -> int:
        pattern = self.pattern_cache.get(info.message)
        if pattern is None:
            if len(self.pattern_cache) > 4096:
                self.pattern_cache.clear()  # messages with per-request numbers: bounded
            pattern = self.pattern_cache[info.message] = parse.message_pattern(info.message)
        key = (klass, info.code, pattern)
        gid = self.group_of.get(key)
        if gid is None:
            gid = self.group_of[key] = len(self.groups)
            self.groups.append(
                FailureGroup(gid, info.code, pattern, RequestClass(klass), info.message[:500])
            )
        return gid

    # -- result ----------------------------------------------------------------------

    def finish(
        self,
        inp: LineIndex | None,
        out: LineIndex | None,
        err: LineIndex | None,
        owned: list[LineIndex],
    ) -> JoinResult:
        # Group counts from the final per-row state (replaced answers no longer count).
        group = self.group
        for g in self.groups:
            g.count = 0
        for row, gid in enumerate(group):
            if gid >= 0:
                g = self.groups[gid]
                if not g.count:
                    g.first_row = row
                g.count += 1
        if not self.has_input:
            self.input_count = len(self.ids)  # the requests the results answer
        return JoinResult(self, inp, out, err, owned)
