"""The per-request store of a join: compact arrays, one entry a row, and the lines behind them.

A row is a request: one per input line with a custom_id, in input order, then one per
unexpected custom_id. For each the store keeps its input line, its answer (which file, which
line), a class byte, a flag byte, an HTTP status, four token counts and a failure-group id;
what a view shows for one row is re-read from the files on demand (:meth:`RowStore.detail`).
Line numbers are 0-based throughout. Built by :func:`batchtui.results.joiner.join`; immutable
once built, so any thread may read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batchtui.jsonl.index import LineIndex, Span
from batchtui.results import parse
from batchtui.results.model import (
    Answer,
    FailureGroup,
    Flag,
    LineProblem,
    RequestClass,
    RowDetail,
    Source,
    Usage,
    stored_usage,
)

if TYPE_CHECKING:
    from batchtui.results.joiner import _Builder


class RowStore:
    """The files of a join and the rows read from them: per-row accessors and line reads.

    Keep it open while a view needs line bytes; ``close()`` releases the files the join
    opened itself.
    """

    def __init__(
        self,
        b: _Builder,
        inp: LineIndex | None,
        out: LineIndex | None,
        err: LineIndex | None,
        owned: list[LineIndex],
    ) -> None:
        self.input_index = inp
        self.output_index = out
        self.errors_index = err
        self._owned = owned
        self._ids = b.ids  # custom_id of each row
        self._row_of = b.row_of  # custom_id -> its (first) row
        self.input_count = b.input_count  # rows from the input (the rest are unexpected)
        self._input_line = b.input_line  # -1: an unexpected row
        self._klass = bytes(b.klass)  # RequestClass of each row
        self._flags = bytes(b.flags)  # Flag bits of each row
        self._result_src = bytes(b.result_src)  # Source of the shown answer, 0: none
        self._result_line = b.result_line
        self._status = b.status  # HTTP status of the answer, 0: none
        self._group = b.group  # failure group, -1: none
        self._tokens = b.tokens  # input, cached, output, reasoning tokens
        self._groups = b.groups
        self._other_answers = {row: tuple(v) for row, v in b.other_answers.items()}
        self.problems: list[LineProblem] = b.problems  # the first MAX_PROBLEMS bad lines
        self.problem_count = b.problem_count
        self.broken_line_count = b.skipped_count  # lines skipped as unusable
        self.blank_lines = b.blank_lines

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        for index in self._owned:
            index.close()
        self._owned = []

    def path(self, source: Source) -> str | None:
        ix = self._index(source)
        return ix.path if ix is not None else None

    def name(self, source: Source) -> str | None:
        """What to call the file: the user's argument (``<stdin>``, ``x.jsonl.gz``) when
        :meth:`path` is a decompressed spool of it."""
        ix = self._index(source)
        return ix.name if ix is not None else None

    def _index(self, source: Source) -> LineIndex | None:
        if source == Source.INPUT:
            return self.input_index
        if source == Source.OUTPUT:
            return self.output_index
        if source == Source.ERRORS:
            return self.errors_index
        return None

    # -- rows ------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Input rows plus unexpected rows."""
        return len(self._ids)

    def custom_id(self, row: int) -> str:
        return self._ids[row]

    def row_of(self, custom_id: str) -> int | None:
        """The row of ``custom_id`` (its first input line when repeated), or None."""
        return self._row_of.get(custom_id)

    def klass(self, row: int) -> RequestClass:
        return RequestClass(self._klass[row])

    def flags(self, row: int) -> Flag:
        return Flag(self._flags[row])

    def status_code(self, row: int) -> int | None:
        return self._status[row] or None

    def group_id(self, row: int) -> int | None:
        gid = self._group[row]
        return gid if gid >= 0 else None

    def group(self, group_id: int) -> FailureGroup:
        return self._groups[group_id]

    def input_line(self, row: int) -> int | None:
        line = self._input_line[row]
        return line if line >= 0 else None

    def result_answer(self, row: int) -> Answer | None:
        src = self._result_src[row]
        return Answer(Source(src), self._result_line[row]) if src else None

    def other_answers(self, row: int) -> tuple[Answer, ...]:
        return self._other_answers.get(row, ())

    def row_usage(self, row: int) -> Usage:
        t = self._tokens
        return stored_usage(t[0][row], t[1][row], t[2][row], t[3][row])

    # -- lines -----------------------------------------------------------------------

    def input_bytes(self, row: int, cap: int | None = None) -> bytes | None:
        line = self._input_line[row]
        ix = self.input_index
        return ix.line(line, cap) if line >= 0 and ix is not None else None

    def result_bytes(self, row: int, cap: int | None = None) -> bytes | None:
        answer = self.result_answer(row)
        if answer is None:
            return None
        return self.answer_bytes(answer, cap)

    def answer_bytes(self, answer: Answer, cap: int | None = None) -> bytes | None:
        """The line an :class:`Answer` points at (e.g. one of ``other_answers``)."""
        ix = self._index(answer.source)
        return ix.line(answer.line, cap) if ix is not None else None

    def raw_input_line(self, row: int) -> bytes | None:
        """The input line of ``row`` with its own line ending, exactly as in the file
        (a line without a final newline comes back without one)."""
        line = self._input_line[row]
        ix = self.input_index
        if line < 0 or ix is None:
            return None
        span = ix.span(line)
        nl = ix.newline_offsets
        end = nl[line] + 1 if line < len(nl) else span.end
        return ix.read(Span(span.start, end))

    def detail(self, row: int, cap: int | None = None) -> RowDetail:
        """Both lines of ``row`` (capped at ``cap`` bytes each) and the parsed outcome."""
        answer = self.result_answer(row)
        result_bytes = outcome = None
        if answer is not None:
            ix = self._index(answer.source)
            assert ix is not None
            full = ix.line(answer.line)
            result_bytes = full if cap is None else full[:cap]
            try:
                obj, _ = parse.loads(full)
                if isinstance(obj, dict):
                    outcome = parse.outcome(obj)
            except parse.LineError:
                outcome = None  # changed on disk since the join
        return RowDetail(
            row=row,
            custom_id=self._ids[row],
            klass=self.klass(row),
            flags=Flag(self._flags[row]),
            input_line=self.input_line(row),
            input_bytes=self.input_bytes(row, cap),
            result=answer,
            result_bytes=result_bytes,
            outcome=outcome,
            other_answers=self.other_answers(row),
        )
