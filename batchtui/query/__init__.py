"""Search and filter the lines of a file: by text, by pattern, by JSON field (no Textual).

``compile_query(text, mode)`` makes a :class:`Query`; :func:`scan` runs it over a
:class:`~batchtui.jsonl.index.LineIndex` block by block. The TUI's search and filter view and
``batchtui grep`` share both, so they agree on every line.

The names below load on first use (PEP 562): ``batchtui --help`` reads only
:mod:`batchtui.query.syntax` and must not pay for the engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "QueryError": "batchtui.query.atoms",
    "Hits": "batchtui.query.engine",
    "Matcher": "batchtui.query.engine",
    "count_lines": "batchtui.query.engine",
    "scan": "batchtui.query.engine",
    "MODES": "batchtui.query.expr",
    "Query": "batchtui.query.expr",
    "compile_query": "batchtui.query.expr",
    "custom_id_query": "batchtui.query.expr",
    "SYNTAX": "batchtui.query.fields",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'batchtui.query' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
