"""What a join adds up to: counts by class and flag, the failure histogram, token usage, and
the ``--summary`` JSON. Computed from the per-row arrays of the store (once, on first use);
the summary's usage over failed rows uses the row queries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from batchtui.results.model import (
    FAILED_CLASSES,
    SOFT_FLAGS,
    FailureGroup,
    Flag,
    RequestClass,
    Source,
    Usage,
    stored_usage,
)
from batchtui.results.queries import RowQueries


class Totals(RowQueries):
    @cached_property
    def _class_counts(self) -> list[int]:
        return [self._klass.count(k) for k in range(len(RequestClass))]

    @cached_property
    def _flag_counts(self) -> dict[Flag, int]:
        counts = dict.fromkeys((f for f in Flag if f), 0)
        for value, n in Counter(self._flags).items():
            for f in counts:
                if value & f:
                    counts[f] += n
        return counts

    def count(self, klass: RequestClass) -> int:
        return self._class_counts[klass]

    @property
    def failed_count(self) -> int:
        """Failures other than expiry: HTTP errors, other errors, cancellations."""
        return sum(self._class_counts[k] for k in FAILED_CLASSES if k != RequestClass.EXPIRED)

    def counts(self) -> dict[str, int]:
        """The headline counts (the ``--summary --format json`` ``counts`` object)."""
        c = self._class_counts
        f = self._flag_counts
        return {
            "total": self.input_count,
            "succeeded": c[RequestClass.SUCCEEDED],
            "failed": self.failed_count,
            "expired": c[RequestClass.EXPIRED],
            "missing": c[RequestClass.MISSING],
            "unexpected": c[RequestClass.UNEXPECTED],
            "duplicates": f[Flag.DUPLICATE],
            "truncated": f[Flag.TRUNCATED],
            "failed_http": c[RequestClass.FAILED_HTTP],
            "cancelled": c[RequestClass.CANCELLED],
            "content_filter": f[Flag.CONTENT_FILTER],
            "refusal": f[Flag.REFUSAL],
            "empty": f[Flag.EMPTY],
            "duplicate_inputs": f[Flag.DUPLICATE_INPUT],
            "broken_lines": self.broken_line_count,
        }

    def histogram(self) -> list[FailureGroup]:
        """Failure groups by (class, code, message pattern), most frequent first."""
        groups = [g for g in self._groups if g.count]
        groups.sort(key=lambda g: (-g.count, g.first_row))
        return groups

    def failures_by_code(self) -> dict[str, int]:
        by_code: dict[str, int] = {}
        for g in self.histogram():
            by_code[g.code] = by_code.get(g.code, 0) + g.count
        return dict(sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0])))

    def usage(self, rows: Iterable[int] | None = None) -> Usage:
        """Token totals over ``rows`` (all rows when None)."""
        t = self._tokens
        if rows is None:
            return stored_usage(sum(t[0]), sum(t[1]), sum(t[2]), sum(t[3]))
        totals = [0, 0, 0, 0]
        for r in rows:
            for j in range(4):
                totals[j] += t[j][r]
        return stored_usage(*totals)

    def summary(self, max_groups: int = 50, max_problems: int = 100) -> dict[str, Any]:
        """Everything ``--summary --format json`` prints."""
        failed_rows = self.rows(FAILED_CLASSES)
        soft_rows = self.rows([RequestClass.SUCCEEDED], flags=int(SOFT_FLAGS))
        usage: dict[str, Any] = self.usage().as_dict()
        usage["on_failed"] = self.usage(failed_rows).as_dict()
        usage["on_soft_failures"] = self.usage(soft_rows).as_dict()
        return {
            "files": {
                "input": self.name(Source.INPUT),
                "output": self.name(Source.OUTPUT),
                "errors": self.name(Source.ERRORS),
            },
            "counts": self.counts(),
            "failures_by_code": self.failures_by_code(),
            "histogram": [
                {
                    "class": g.klass.name.lower(),
                    "code": g.code,
                    "pattern": g.pattern,
                    "count": g.count,
                    "example": g.example,
                    "first_custom_id": self._ids[g.first_row] if g.first_row >= 0 else None,
                }
                for g in self.histogram()[:max_groups]
            ],
            "usage": usage,
            "problems": {
                "count": self.problem_count,
                "lines": [
                    {
                        "file": p.source.label,
                        "line": p.line + 1,
                        "message": p.message,
                        "skipped": p.skipped,
                    }
                    for p in self.problems[:max_problems]
                ],
            },
        }
