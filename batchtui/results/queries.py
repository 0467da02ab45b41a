"""The questions a view asks of a join: which rows match a filter (class, flag, failure
group), which rows are problems, and the next or previous problem from a row.

Answers are ascending ``array('i')`` row numbers, cached (a virtual list asks the same
question on every redraw): do not modify them.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from batchtui.results.model import PROBLEM_CLASSES, SOFT_FLAGS, Flag, RequestClass
from batchtui.results.store import RowStore


class RowQueries(RowStore):
    @cached_property
    def _row_cache(self) -> dict[tuple[Any, ...], array]:
        return {}

    def is_problem(self, row: int, soft: bool = True) -> bool:
        if self._klass[row] in PROBLEM_CLASSES:
            return True
        mask = int(SOFT_FLAGS | Flag.DUPLICATE) if soft else int(Flag.DUPLICATE)
        return bool(self._flags[row] & mask)

    def rows(
        self,
        classes: Iterable[RequestClass] | None = None,
        *,
        flags: int = 0,
        group: int | None = None,
    ) -> array:
        """Row numbers (ascending ``array('i')``) matching every given filter: class in
        ``classes``, any bit of ``flags`` set, failure group ``group``. No filter: all rows.
        Results are cached; do not modify the returned array."""
        key = (None if classes is None else frozenset(int(c) for c in classes), int(flags), group)
        cached = self._row_cache.get(key)
        if cached is not None:
            return cached
        if group is not None:
            candidates: Iterable[int] = (r for r, g in enumerate(self._group) if g == group)
        else:
            candidates = range(len(self._ids))
        kl, fl = self._klass, self._flags
        if key[0] is not None:
            wanted = key[0]
            candidates = [r for r in candidates if kl[r] in wanted]
        if flags:
            candidates = [r for r in candidates if fl[r] & flags]
        result = array("i", candidates)
        if len(self._row_cache) > 64:
            self._row_cache.clear()
        self._row_cache[key] = result
        return result

    def problem_rows(self, soft: bool = True) -> array:
        """Rows a "next failure" key stops at: failed, expired, cancelled, missing,
        unexpected, answered twice, and (with ``soft``) truncated/filtered/refused/empty."""
        key = ("problems", soft)
        cached = self._row_cache.get(key)
        if cached is None:
            cached = array("i", (r for r in range(len(self._ids)) if self.is_problem(r, soft)))
            self._row_cache[key] = cached
        return cached

    def next_failure(
        self,
        row: int | None,
        *,
        backward: bool = False,
        within: array | None = None,
        soft: bool = True,
        wrap: bool = True,
    ) -> int | None:
        """The next (or previous) problem row after ``row`` (None: from the edge).

        ``within`` restricts the search to an ascending row array, e.g. the list the UI is
        showing. Returns None when there is none; wraps around by default.
        """
        if within is None:
            candidates = self.problem_rows(soft)
        else:
            candidates = array("i", (r for r in within if self.is_problem(r, soft)))
        if not candidates:
            return None
        if backward:
            pos = len(candidates) if row is None else bisect_left(candidates, row)
            if pos > 0:
                return candidates[pos - 1]
            return candidates[-1] if wrap else None
        pos = 0 if row is None else bisect_right(candidates, row)
        if pos < len(candidates):
            return candidates[pos]
        return candidates[0] if wrap else None
