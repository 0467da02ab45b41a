"""One-line summaries of JSONL lines for the list: what a person scans for in each kind of
batch line. Requests (OpenAI, Anthropic, Gemini, fine-tuning) show their model and the last
thing the user asked; results (OpenAI output and error lines, Anthropic and Gemini results)
their status and the answer, or the error's code, param and message. What a line holds is
read by the one walker over bodies (:mod:`batchtui.jsonl.bodies`)."""

from __future__ import annotations

from typing import NamedTuple

import orjson

from batchtui.core.text import safe
from batchtui.jsonl.bodies import (
    REQUEST_KINDS,
    Request,
    Result,
    endpoint_format,
    read_request,
    read_result,
)
from batchtui.jsonl.bodies.requests import request_prompt
from batchtui.jsonl.kinds import LineKind, line_kind

# Lines longer than this are shown raw in the list rather than parsed for a summary.
SUMMARY_PARSE_CAP = 256 * 1024
# Characters of text kept for a row (before its whitespace runs are squeezed): a row shows
# a screen width at most, and squeezing and sanitising cost in proportion to the length
# (they are most of a row's cost). Text that squeezes below ROW_TEXT_MIN (indented code,
# padding) is read further, up to ROW_TEXT_MAX.
ROW_TEXT_CAP = 400
ROW_TEXT_MIN = 300
ROW_TEXT_MAX = 4000


class Row(NamedTuple):
    """What a list row shows of a line; every field already made safe to draw."""

    id: str  # custom_id or key ("" for a fine-tuning example)
    second: str  # the model of a request, the status of a result
    text: str  # what was asked, answered, or why it failed, on one line
    tone: str = ""  # "ok", "warning" (cut short) or "error" for a result, "" for a request


def request_row(request: Request) -> tuple[str, str, str]:
    """``(id, model, what was asked)``; a fine-tuning example has no id or model: its turn
    count stands in the model's column."""
    text = request.prompt() or ""
    if request.format == "finetune":
        messages = request.body.get("messages")
        return "", f"{len(messages)} turns" if isinstance(messages, list) else "", text
    return request.id or "", request.model or "", text


# Finish reasons that mean the answer was cut short or held back (OpenAI, Anthropic, Gemini):
# the row's status says so, in the warning colour.
CUT_SHORT = frozenset(
    {
        "length",
        "max_output_tokens",
        "content_filter",
        "max_tokens",
        "refusal",
        "MAX_TOKENS",
        "SAFETY",
        "RECITATION",
    }
)


def result_row(result: Result) -> tuple[str, str, str]:
    """``(id, status, the answer)`` or ``(id, status, "code (param): message")``; an
    answer cut short says why in its status ("200 length")."""
    error = result.error
    if error is None:
        said = result.preview()
        if not said:
            said = f"({result.finish_reason or 'no text'})"
        status = result.status
        if result.finish_reason in CUT_SHORT and result.finish_reason != status:
            status = f"{status} {result.finish_reason}"
        return result.id or "", status, said
    if error.code in (result.status, "batch_expired", "no_result"):
        text = error.message  # the status column says it already
    else:
        param = f" ({error.param})" if error.param else ""
        text = f"{error.code}{param}: {error.message}"
    return result.id or "", result.status, text


def summarize(data: bytes) -> Row | None:
    """The row of a line of any batch format, else None (the row shows the line's raw
    text)."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if obj.__class__ is not dict:
        return None
    kind = line_kind(obj)
    if kind is LineKind.INPUT:
        # The common row, read without building a Request: this runs for every row drawn.
        body = obj.get("body")
        text = request_prompt(endpoint_format(obj.get("url"), body), body) or ""
        cid = obj.get("custom_id")
        model = body.get("model") if body.__class__ is dict else None
        cid, second, tone = "" if cid is None else cid, "" if model is None else model, ""
    elif kind is LineKind.UNKNOWN or kind is LineKind.INVALID:
        return None
    elif kind in REQUEST_KINDS:
        request = read_request(obj, kind)
        assert request is not None
        cid, second, text = request_row(request)
        tone = ""
    else:
        line = read_result(obj, kind)
        assert line is not None
        cid, second, text = result_row(line)
        tone = "error" if not line.ok else "warning" if line.finish_reason in CUT_SHORT else "ok"
    flat = " ".join(text[:ROW_TEXT_CAP].split())
    if len(flat) < ROW_TEXT_MIN and len(text) > ROW_TEXT_CAP:
        flat = " ".join(text[:ROW_TEXT_MAX].split())
    return Row(safe(cid), safe(second), safe(flat), tone)  # (safe() str()s a non-string id)
