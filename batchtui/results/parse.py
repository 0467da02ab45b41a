"""Reading batch lines: custom_id extraction, result classification, error normalisation.

Shapes handled (../shared/BATCH_API.md §5 and §8):

* OpenAI success: ``{"custom_id", "response": {"status_code": 200, "body": {...}}, "error": null}``
* OpenAI HTTP failure: ``response.status_code`` 4xx/5xx, error in ``response.body.error``,
  top-level ``error`` null (these may sit in the output file too);
* non-HTTP failure: ``response`` null, ``error = {code, message}`` (``batch_expired``, ...);
* Azure: ``error.message`` may itself be an object;
* vLLM: one file with both; failures carry ``response.status_code`` 400 with ``body`` null and
  ``error`` as a string or an ErrorResponse (``{"error": {...}}`` or flat ``{"object": "error"}``).

Nothing here keeps parsed JSON around: the join calls :func:`classify` once per result line and
keeps a few integers; :func:`outcome` re-reads a line in full for the detail pane and exports.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from batchtui.jsonl.bodies.answers import (
    CONTENT_FILTER,
    EMPTY,
    REFUSAL,
    TRUNCATED,
    answer_facts,
    error_fields,
    failure_in,
    usage_of,
)
from batchtui.jsonl.bodies.answers import (
    NO_USAGE as NO_USAGE,  # re-exported: the join tests `usage is NO_USAGE`
)
from batchtui.results.model import ErrorInfo, Flag, Outcome, RequestClass, stored_usage

BOM = b"\xef\xbb\xbf"
# The prefixes `json.dumps`/orjson/most generators write when custom_id is the first key.
_ID_PREFIX = b'{"custom_id":'
_ID_KEY = b'"custom_id"'
_CANCELLED_CODES = frozenset({"batch_cancelled", "cancelled", "request_cancelled"})
# Plain ints for the hot path (enum attribute lookups cost more than the work around them).
_SUCCEEDED = int(RequestClass.SUCCEEDED)
_FAILED_HTTP = int(RequestClass.FAILED_HTTP)
_FAILED = int(RequestClass.FAILED)
_EXPIRED = int(RequestClass.EXPIRED)
_CANCELLED = int(RequestClass.CANCELLED)
# The walker's answer flags are the join's soft-failure flags, bit for bit.
assert (TRUNCATED, CONTENT_FILTER, REFUSAL, EMPTY) == (
    Flag.TRUNCATED,
    Flag.CONTENT_FILTER,
    Flag.REFUSAL,
    Flag.EMPTY,
)
PATTERN_CAP = 200  # longest normalised message used as a histogram key


class LineError(ValueError):
    """A line that cannot be used; the message is meant for the user."""


def loads(data: bytes) -> tuple[Any, bool]:
    """Parse one line. Returns ``(value, had_invalid_utf8)``; raises :class:`LineError`.

    Invalid UTF-8 inside a string should not cost the user a whole request (it would then be
    counted missing and retried), so such a line is re-read with U+FFFD replacements.
    """
    if data[:3] == BOM:
        data = data[3:]
    try:
        return orjson.loads(data), False
    except orjson.JSONDecodeError as exc:
        error = exc
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return orjson.loads(data.decode("utf-8", errors="replace")), True
        except orjson.JSONDecodeError:
            pass
    raise LineError(f"not valid JSON ({_short_json_error(error)})")


def _short_json_error(exc: Exception) -> str:
    text = str(exc)
    return text.split(":", 1)[0] if len(text) > 80 else text


def input_custom_id(data: bytes) -> str:
    """The ``custom_id`` of an input line; raises :class:`LineError` if there is none.

    Input lines can be megabytes long and the join needs only the id, so the common layout
    (``{"custom_id": "..."`` first, no escapes in the id) is read without parsing the line.
    The fast path is taken only when it cannot disagree with a full parse: the key occurs once
    in the line (so no later duplicate key overrides it), the value has no backslash, and
    the line looks closed. Everything else goes through orjson. Input lines are not
    otherwise validated here; ``batchtui validate`` does that.
    """
    if data[:13] == _ID_PREFIX:
        k = 14 if data[13:14] == b" " else 13
        if data[k : k + 1] == b'"':
            end = data.find(b'"', k + 1)
            if (
                end > 0
                and data.find(b"\\", k + 1, end) < 0
                and data[end + 1 : end + 2] in (b",", b"}", b" ")
                and data.rstrip(b" \t")[-1:] == b"}"
                and data.count(_ID_KEY) == 1
            ):
                try:
                    return data[k + 1 : end].decode("utf-8")
                except UnicodeDecodeError:
                    pass  # the full parse decides
    obj, _ = loads(data)
    return _custom_id_of(obj)


def _custom_id_of(obj: Any) -> str:
    if not isinstance(obj, dict):
        raise LineError("not a JSON object")
    cid = obj.get("custom_id")
    if cid is None:
        raise LineError("no custom_id")
    if not isinstance(cid, str):
        raise LineError(f"custom_id is not a string ({type(cid).__name__})")
    return cid


def result_custom_id(obj: Any) -> str:
    return _custom_id_of(obj)


# -- classification ---------------------------------------------------------------------
# What a body holds is read by the one walker (batchtui.jsonl.bodies.answers); what counts as
# failed, expired or cancelled is the join's business, decided here.


def _error_info(err: Any, status: int | None) -> ErrorInfo:
    """Normalise any error object/string found in a result line."""
    code, message, etype, param = error_fields(err, status)
    return ErrorInfo(code, message, etype, param, status)


def classify(obj: dict[str, Any]) -> tuple[int, int, int, tuple[int, int, int, int], Any]:
    """The hot-path verdict on one parsed result line.

    Returns ``(class, flags, status_code or 0, usage, error)`` where ``error`` is an
    :class:`ErrorInfo` for failures and None for successes.
    """
    resp = obj.get("response")
    if resp.__class__ is dict:
        status = resp.get("status_code")
        if status.__class__ is not int:
            status = 0
        body = resp.get("body")
        usage = usage_of(body)
        err = failure_in(status, body, obj.get("error"))
        if err is None:
            return _SUCCEEDED, answer_facts(body)[0], status or 200, usage, None
    else:
        status, usage, err = 0, NO_USAGE, obj.get("error")
        if not err:
            info = ErrorInfo("no_result", "the line has neither a response nor an error")
            return _FAILED, 0, 0, NO_USAGE, info
    info = _error_info(err, status or None)
    if status and not 200 <= status < 300:
        return _FAILED_HTTP, 0, status, usage, info
    if info.code == "batch_expired":
        return _EXPIRED, 0, status, usage, info
    if info.code in _CANCELLED_CODES:
        return _CANCELLED, 0, status, usage, info
    return _FAILED, 0, status, usage, info


def outcome(obj: dict[str, Any]) -> Outcome:
    """The full reading of one result line: class, flags, usage, error, text, finish."""
    klass, flags, status, usage, error = classify(obj)
    finish = text = dims = count = None
    resp = obj.get("response")
    if klass == _SUCCEEDED and isinstance(resp, dict):
        _, finish, text, dims, count = answer_facts(resp.get("body"))
    return Outcome(
        klass=RequestClass(klass),
        flags=flags,
        status_code=status or None,
        usage=stored_usage(*usage),
        error=error,
        finish_reason=finish,
        content=text,
        embedding_dims=dims,
        embedding_count=count,
    )


# -- failure histogram keys ----------------------------------------------------------

_NORMALISERS = (
    # UUIDs and the prefixed ids OpenAI and Azure put in messages.
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (
        re.compile(
            r"\b(?:org|proj|req|file|batch_req|batch|resp|msg|chatcmpl|call|user|run|thread|"
            r"asst|ft|vllm|vllm-batch)[-_][A-Za-z0-9_-]{6,}"
        ),
        "<id>",
    ),
    # Long tokens mixing letters and digits (request ids, hashes) ...
    (re.compile(r"\b(?=[A-Za-z_-]*\d)(?=[\d_-]*[A-Za-z])[A-Za-z0-9_-]{16,}\b"), "<id>"),
    # ... and free-standing numbers, keeping units ("in 1.4s" -> "in #s") and leaving model
    # names alone ("gpt-4o", "gpt-3.5-turbo").
    (re.compile(r"(?<![\w.\-])\d+(?:[.,]\d+)*(?=(?:ms|s|m|h)?(?![\w\-]))"), "#"),
    (re.compile(r"\s+"), " "),
)


def message_pattern(message: str) -> str:
    """The message with the parts that vary per request replaced, for grouping failures."""
    text = message[: PATTERN_CAP * 2]
    for regex, repl in _NORMALISERS:
        text = regex.sub(repl, text)
    text = text.strip()
    return text if len(text) <= PATTERN_CAP else text[: PATTERN_CAP - 1] + "…"
