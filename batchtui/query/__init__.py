"""Search and filter the lines of a file: by text, by pattern, by JSON field (no Textual).

``compile_query(text, mode)`` makes a :class:`Query`; :func:`scan` runs it over a
:class:`~batchtui.jsonl.index.LineIndex` block by block. The TUI's search and filter view and
``batchtui grep`` share both, so they agree on every line.
"""

from batchtui.query.atoms import QueryError
from batchtui.query.engine import Hits, Matcher, count_lines, scan
from batchtui.query.expr import MODES, Query, compile_query, custom_id_query
from batchtui.query.fields import SYNTAX

__all__ = [
    "MODES",
    "SYNTAX",
    "Hits",
    "Matcher",
    "Query",
    "QueryError",
    "compile_query",
    "count_lines",
    "custom_id_query",
    "scan",
]
