"""Joining batch inputs with their outputs and errors by ``custom_id`` (no Textual here).

How a UI drives it (everything is importable from ``batchtui.results``; the names are
loaded lazily so ``batchtui --help`` does not pay for orjson)::

    # in a thread worker; progress snapshots can be coalesced with Message.can_replace
    result = join(input_path, output_path, errors_path,            # or open LineIndexes
                  progress=lambda p: post(p.phase, p.fraction),
                  cancelled=lambda: worker.is_cancelled)             # -> JoinCancelled

    result.counts()                   # {"succeeded": .., "failed": .., "expired": .., ...}
    result.histogram()                # [FailureGroup(id, code, pattern, count, ...)], biggest first
    result.usage(), result.summary()  # token totals; the --summary json
    rows = result.rows([RequestClass.EXPIRED])     # ascending array('i') for a virtual list
    rows = result.rows(group=group.id)             # one histogram bar
    rows = result.rows(flags=Flag.TRUNCATED)
    result.custom_id(row), result.klass(row), result.flags(row)    # a list line, O(1)
    result.detail(row, cap=64_000)    # RowDetail: both lines' bytes, Outcome (error, text, usage)
    result.next_failure(row, backward=False, within=rows)          # step through failures
    export_retry(result, path)        # failed + expired + cancelled + missing, byte for byte
    export_results(result, "out.csv") # or .jsonl
    result.close()

Row numbers are input order (then unexpected results); line numbers are 0-based.
"""

from __future__ import annotations

from batchtui.core.lazy import lazy_exports

_EXPORTS = {
    "join": "batchtui.results.joiner",
    "JoinResult": "batchtui.results.result",
    "JoinCancelled": "batchtui.results.joiner",
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


__getattr__ = lazy_exports(__name__, _EXPORTS)
