"""Exports of a join: the retry file and the flattened results, both written atomically.

Every export goes through the one atomic writer (``batchtui.core.atomic``): a temp file in the
destination's directory, moved into place only when complete, so a reader never sees half a
file, and a cancelled or failed export (a full disk included) leaves the old file, if any,
untouched and no temp file behind. Never writes over a file the join read.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from batchtui.core.atomic import atomic_write
from batchtui.core.errors import UserError
from batchtui.jsonl.index import Span
from batchtui.results import parse
from batchtui.results.joiner import CHECK_EVERY, JoinCancelled
from batchtui.results.model import RETRY_CLASSES, Progress, RequestClass, Source, flag_names
from batchtui.results.result import JoinResult

RESULT_FIELDS = (
    "custom_id",
    "class",
    "status_code",
    "finish_reason",
    "content",
    "embedding_dims",
    "input_tokens",
    "output_tokens",
    "cached_tokens",
    "reasoning_tokens",
    "error_code",
    "error_message",
    "flags",
    "input_line",
    "result_file",
    "result_line",
)
FORMATS = ("jsonl", "csv")


@dataclass(frozen=True, slots=True)
class ExportReport:
    path: str
    rows: int
    bytes: int


def _sources(result: JoinResult) -> list[str]:
    return [p for p in (result.path(s) for s in (Source.INPUT, Source.OUTPUT, Source.ERRORS)) if p]


def _line_ending(result: JoinResult) -> bytes:
    """The input's own line ending convention (from its first line), for a last line that
    has none."""
    ix = result.input_index
    if ix is None:
        return b"\n"
    nl = ix.newline_offsets
    if nl and nl[0] > 0 and ix.read(Span(nl[0] - 1, nl[0])) == b"\r":
        return b"\r\n"
    return b"\n"


def retry_rows(
    result: JoinResult,
    classes: Iterable[RequestClass] = RETRY_CLASSES,
    flags: int = 0,
) -> list[int]:
    """Input rows to send again: in ``classes`` or carrying any of ``flags``, input order."""
    wanted = set(result.rows(classes))
    if flags:
        wanted.update(result.rows([RequestClass.SUCCEEDED], flags=flags))
    return sorted(r for r in wanted if result.input_line(r) is not None)


def export_retry(
    result: JoinResult,
    dest: str | os.PathLike[str],
    *,
    classes: Iterable[RequestClass] = RETRY_CLASSES,
    flags: int = 0,
    rows: Iterable[int] | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExportReport:
    """Write the original input lines of the requests to retry, byte for byte.

    Default: failed (HTTP and other), expired, cancelled and missing requests. ``flags`` adds
    succeeded-but-flagged ones (e.g. ``Flag.TRUNCATED``); ``rows`` replaces the selection.
    Each line keeps its own ending (LF or CRLF); an input last line without a newline gets
    the file's convention so the retry file stays one request per line. A UTF-8 BOM at the
    start of the input is a file marker, not part of the first line, and is not copied.
    """
    if result.input_index is None:
        raise UserError("a retry file is made of input lines: it needs the input file (--input)")
    chosen = sorted(set(rows)) if rows is not None else retry_rows(result, classes, flags)
    chosen = [r for r in chosen if result.input_line(r) is not None]
    ending = _line_ending(result)
    written = 0
    with atomic_write(dest, protect=_sources(result)) as fh:
        for n, row in enumerate(chosen):
            _tick(n, len(chosen), "writing retry file", progress, cancelled)
            raw = result.raw_input_line(row)
            assert raw is not None
            if result.input_line(row) == 0 and raw[:3] == parse.BOM:
                raw = raw[3:]
            if not raw.endswith(b"\n"):
                raw += ending
            fh.write(raw)
            written += len(raw)
    return ExportReport(os.fspath(dest), len(chosen), written)


def result_record(result: JoinResult, row: int) -> dict[str, Any]:
    """One request flattened (the fields of :data:`RESULT_FIELDS`; lines are 1-based)."""
    out = None
    data = result.result_bytes(row)
    if data is not None:
        try:
            obj, _ = parse.loads(data)
            out = parse.outcome(obj) if isinstance(obj, dict) else None
        except parse.LineError:
            out = None  # changed on disk since the join
    usage = out.usage if out is not None else result.row_usage(row)
    error = out.error if out is not None else None
    answer = result.result_answer(row)
    input_line = result.input_line(row)
    return {
        "custom_id": result.custom_id(row),
        "class": result.klass(row).name.lower(),
        "status_code": out.status_code if out is not None else None,
        "finish_reason": out.finish_reason if out is not None else None,
        "content": out.content if out is not None else None,
        "embedding_dims": out.embedding_dims if out is not None else None,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_tokens": usage.cached_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "error_code": error.code if error is not None else None,
        "error_message": error.message if error is not None else None,
        "flags": flag_names(result.flags(row)),
        "input_line": input_line + 1 if input_line is not None else None,
        "result_file": answer.source.label if answer else None,
        "result_line": answer.line + 1 if answer else None,
    }


def format_for(dest: str | os.PathLike[str], fmt: str | None = None) -> str:
    if fmt is None:
        suffix = os.fspath(dest).rsplit(".", 1)[-1].lower()
        fmt = {"jsonl": "jsonl", "json": "jsonl", "ndjson": "jsonl", "csv": "csv"}.get(suffix)
        if fmt is None:
            raise UserError(f"{os.fspath(dest)}: name the export .jsonl or .csv")
    if fmt not in FORMATS:
        raise UserError(f"unknown export format {fmt!r} (use jsonl or csv)")
    return fmt


def export_results(
    result: JoinResult,
    dest: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    rows: Iterable[int] | None = None,
    progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExportReport:
    """Write one record per request (input order, then unexpected results) as JSONL or CSV.

    The format comes from ``fmt`` or the file name (``.jsonl``/``.csv``). CSV cells hold
    ``flags`` joined with ``;``.
    """
    fmt = format_for(dest, fmt)
    chosen = list(range(result.row_count)) if rows is None else list(rows)
    written = 0
    with atomic_write(dest, protect=_sources(result)) as fh:
        if fmt == "csv":
            text = io.TextIOWrapper(fh, encoding="utf-8", newline="", write_through=True)
            writer = csv.writer(text)
            writer.writerow(RESULT_FIELDS)
        for n, row in enumerate(chosen):
            _tick(n, len(chosen), "writing results", progress, cancelled)
            record = result_record(result, row)
            if fmt == "jsonl":
                data = orjson.dumps(record) + b"\n"
                fh.write(data)
                written += len(data)
            else:
                record["flags"] = ";".join(record["flags"])
                writer.writerow(["" if v is None else v for v in record.values()])
        if fmt == "csv":
            text.flush()
            written = fh.tell()
            text.detach()  # leave closing (and fsync) to atomic_write
    return ExportReport(os.fspath(dest), len(chosen), written)


def _tick(
    n: int,
    total: int,
    phase: str,
    progress: Callable[[Progress], None] | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    """Every CHECK_EVERY rows: stop if cancelled, else say how far the export is."""
    if n % CHECK_EVERY:
        return
    if cancelled is not None and cancelled():
        raise JoinCancelled()
    if progress is not None:
        progress(Progress(phase, n, total))
