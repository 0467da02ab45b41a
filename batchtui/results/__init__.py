"""Joining batch inputs with their outputs and errors by ``custom_id`` (no Textual here).

Public API (imported lazily so ``batchtui --help`` does not pay for orjson and friends)::

    from batchtui.results import join, export_retry, export_results
    result = join("in.jsonl", "out.jsonl", "err.jsonl", progress=cb, cancelled=check)
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "join": "batchtui.results.engine",
    "JoinResult": "batchtui.results.engine",
    "JoinCancelled": "batchtui.results.engine",
    "export_retry": "batchtui.results.export",
    "export_results": "batchtui.results.export",
    "retry_rows": "batchtui.results.export",
    "result_record": "batchtui.results.export",
    "ExportReport": "batchtui.results.export",
    "format_text": "batchtui.results.report",
    "RequestClass": "batchtui.results.model",
    "Flag": "batchtui.results.model",
    "Source": "batchtui.results.model",
    "Usage": "batchtui.results.model",
    "ErrorInfo": "batchtui.results.model",
    "Outcome": "batchtui.results.model",
    "FailureGroup": "batchtui.results.model",
    "RowDetail": "batchtui.results.model",
    "Answer": "batchtui.results.model",
    "LineProblem": "batchtui.results.model",
    "Progress": "batchtui.results.model",
    "FAILED_CLASSES": "batchtui.results.model",
    "RETRY_CLASSES": "batchtui.results.model",
    "PROBLEM_CLASSES": "batchtui.results.model",
    "SOFT_FLAGS": "batchtui.results.model",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'batchtui.results' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
