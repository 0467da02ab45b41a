"""The outcome of a join, as the views and the exports use it.

One object, three parts each in a module of its own: the per-request store and the lines
behind it (:mod:`~batchtui.results.store`), the row queries a view makes
(:mod:`~batchtui.results.queries`), and the counts, histogram, usage and summary
(:mod:`~batchtui.results.totals`). Made by :func:`batchtui.results.joiner.join`.
"""

from __future__ import annotations

from batchtui.results.totals import Totals


class JoinResult(Totals):
    """The outcome of a join: counts, the failure histogram, and per-row access.

    Immutable once built, so any thread may read it. Line numbers are 0-based throughout
    the API (add 1 to show them). Keep it open while the UI needs line bytes; ``close()``
    releases the files this result opened itself.
    """

    def __enter__(self) -> JoinResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
