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

from batchtui.results.model import ErrorInfo, Flag, Outcome, RequestClass, Usage

BOM = b"\xef\xbb\xbf"
# The prefixes `json.dumps`/orjson/most generators write when custom_id is the first key.
_ID_PREFIX = b'{"custom_id":'
_ID_KEY = b'"custom_id"'
_CANCELLED_CODES = frozenset({"batch_cancelled", "cancelled", "request_cancelled"})
NO_USAGE = (0, 0, 0, 0)  # shared, so callers can test `usage is NO_USAGE`
# Plain ints for the hot path (enum attribute lookups cost more than the work around them).
_SUCCEEDED = int(RequestClass.SUCCEEDED)
_FAILED_HTTP = int(RequestClass.FAILED_HTTP)
_FAILED = int(RequestClass.FAILED)
_EXPIRED = int(RequestClass.EXPIRED)
_CANCELLED = int(RequestClass.CANCELLED)
_TRUNCATED = int(Flag.TRUNCATED)
_CONTENT_FILTER = int(Flag.CONTENT_FILTER)
_REFUSAL = int(Flag.REFUSAL)
_EMPTY = int(Flag.EMPTY)
MESSAGE_CAP = 2000  # longest error message kept in an ErrorInfo
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


def _int(value: Any) -> int:
    return value if type(value) is int and value > 0 else 0


def usage_of(body: Any) -> tuple[int, int, int, int]:
    """(input, output, cached, reasoning) tokens from a chat, completions, embeddings or
    responses body; zeros when absent or malformed."""
    if body.__class__ is not dict:
        return NO_USAGE
    u = body.get("usage")
    if u.__class__ is not dict:
        return NO_USAGE
    inp = u.get("prompt_tokens")
    if inp is None:
        inp = u.get("input_tokens")
    out = u.get("completion_tokens")
    if out is None:
        out = u.get("output_tokens")
    details = u.get("prompt_tokens_details") or u.get("input_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else 0
    details = u.get("completion_tokens_details") or u.get("output_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else 0
    return _int(inp), _int(out), _int(cached), _int(reasoning)


def _text_of(content: Any) -> str | None:
    """Chat message content: a string, or a list of parts some providers send."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(t for t in texts if isinstance(t, str))
    return None


def _soft_flags_choices(choices: list[Any]) -> tuple[int, str | None, str | None]:
    """Flags, first finish_reason and first text of chat/completions choices."""
    flags = 0
    finish: str | None = None
    text: str | None = None
    any_answer = False
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        fr = choice.get("finish_reason")
        if i == 0 and isinstance(fr, str):
            finish = fr
        if fr == "length":
            flags |= _TRUNCATED
        elif fr == "content_filter":
            flags |= _CONTENT_FILTER
        msg = choice.get("message")
        if msg.__class__ is dict:  # chat
            if msg.get("refusal"):
                flags |= _REFUSAL
            t = _text_of(msg.get("content"))
            if t or msg.get("tool_calls") or msg.get("function_call") or msg.get("audio"):
                any_answer = True
        else:  # legacy completions
            t = choice.get("text") if isinstance(choice.get("text"), str) else None
            if t:
                any_answer = True
        if i == 0:
            text = t
    if not any_answer and not flags & (_REFUSAL | _CONTENT_FILTER):
        flags |= _EMPTY  # (a filter or a refusal already explains a missing answer)
    return flags, finish, text


def _soft_flags_response(body: dict[str, Any]) -> tuple[int, str | None, str | None]:
    """The same for a /v1/responses Response object."""
    flags = 0
    finish: str | None = None
    if body.get("status") == "incomplete":
        details = body.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        finish = reason if isinstance(reason, str) else "incomplete"
        if reason == "max_output_tokens":
            flags |= Flag.TRUNCATED
        elif reason == "content_filter":
            flags |= Flag.CONTENT_FILTER
    elif isinstance(body.get("status"), str):
        finish = body["status"]
    texts: list[str] = []
    other = False
    for item in body.get("output") or ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or ():
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif part.get("type") == "refusal":
                    flags |= Flag.REFUSAL
        elif kind != "reasoning":
            other = True  # a tool call or another output item is an answer too
    text = "".join(texts)
    if not text and isinstance(body.get("output_text"), str):
        text = body["output_text"]  # some proxies flatten it
    if not text and not other and not flags & (Flag.REFUSAL | Flag.CONTENT_FILTER):
        flags |= Flag.EMPTY
    return flags, finish, text


def _soft_flags_embeddings(data: list[Any]) -> tuple[int, int | None, int]:
    dims: int | None = None
    if data and isinstance(data[0], dict):
        emb = data[0].get("embedding")
        if isinstance(emb, list):
            dims = len(emb)
        elif isinstance(emb, str):  # encoding_format=base64: float32 values
            pad = len(emb) - len(emb.rstrip("="))
            dims = (len(emb) * 3 // 4 - pad) // 4
    return (0 if dims else int(Flag.EMPTY)), dims, len(data)


def _moderation_text(results: list[Any]) -> str:
    parts = []
    for r in results:
        if not isinstance(r, dict):
            continue
        cats = r.get("categories")
        hit = [k for k, v in cats.items() if v is True] if isinstance(cats, dict) else []
        parts.append("flagged: " + ", ".join(hit) if r.get("flagged") else "not flagged")
    return "; ".join(parts)


def _body_flags(body: Any) -> tuple[int, str | None, str | None, int | None, int | None]:
    """Soft flags, finish_reason, text, embedding dims and count of a 2xx body."""
    if body.__class__ is not dict:
        return _EMPTY, None, None, None, None
    choices = body.get("choices")
    if choices.__class__ is list:
        flags, finish, text = _soft_flags_choices(choices)
        return flags, finish, text, None, None
    if body.get("object") == "response" or isinstance(body.get("output"), list):
        flags, finish, text = _soft_flags_response(body)
        return flags, finish, text, None, None
    data = body.get("data")
    if isinstance(data, list):
        flags, dims, count = _soft_flags_embeddings(data)
        return flags, None, None, dims, count
    results = body.get("results")
    if isinstance(results, list):
        return 0, None, _moderation_text(results), None, None
    return 0, None, None, None, None  # an endpoint we do not know: no soft verdict


def _message_text(message: Any, depth: int = 0) -> str:
    """An error message as text; Azure nests objects where a string is expected."""
    if isinstance(message, str):
        return message
    if isinstance(message, dict) and depth < 4:
        for key in ("message", "error"):
            inner = message.get(key)
            if inner is not None:
                return _message_text(inner, depth + 1)
    if message is None:
        return ""
    return orjson.dumps(message).decode("utf-8", errors="replace")


def _code_in(obj: Any, depth: int = 0) -> str | None:
    """The first string ``code`` (or ``type``) in a possibly nested error object."""
    if not isinstance(obj, dict) or depth > 4:
        return None
    for key in ("code", "type"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    for key in ("error", "message"):
        found = _code_in(obj.get(key), depth + 1)
        if found:
            return found
    return None


def _error_info(err: Any, status: int | None) -> ErrorInfo:
    """Normalise any error object/string found in a result line."""
    if isinstance(err, dict) and isinstance(err.get("error"), dict):
        err = err["error"]  # vLLM ErrorResponse {"error": {...}}, and a doubly wrapped body
    if isinstance(err, dict):
        code = _code_in(err)
        raw_code = err.get("code")
        if code is None and type(raw_code) is int:
            code = f"http_{raw_code}"
        message = _message_text(err.get("message"))
        etype = err.get("type") if isinstance(err.get("type"), str) else None
        param = err.get("param") if isinstance(err.get("param"), str) else None
    else:
        code, etype, param = None, None, None
        message = _message_text(err)
    if not code:
        code = f"http_{status}" if status else "unknown_error"
    return ErrorInfo(code, message[:MESSAGE_CAP], etype, param, status)


def _failed_body(body: dict[str, Any]) -> bool:
    if body.get("status") == "failed":
        return True
    return not any(key in body for key in ("choices", "output", "data", "results"))


def classify(obj: dict[str, Any]) -> tuple[int, int, int, tuple[int, int, int, int], Any]:
    """The hot-path verdict on one parsed result line.

    Returns ``(class, flags, status_code or 0, usage, error)`` where ``error`` is an
    :class:`ErrorInfo` for failures and None for successes.
    """
    resp = obj.get("response")
    err = obj.get("error")
    if resp.__class__ is dict:
        status = resp.get("status_code")
        if status.__class__ is not int:
            status = 0
        body = resp.get("body")
        usage = usage_of(body)
        if status and not 200 <= status < 300:
            source = body.get("error") if body.__class__ is dict and body.get("error") else err
            info = _error_info(source if source else f"HTTP {status}", status)
            return _FAILED_HTTP, 0, status, usage, info
        if not err:
            if body.__class__ is dict and body.get("error") and _failed_body(body):
                # a 200 that still carries only an error (a failed Response object, proxies)
                info = _error_info(body["error"], status or None)
                return _FAILED, 0, status, usage, info
            return _SUCCEEDED, _body_flags(body)[0], status or 200, usage, None
        info = _error_info(err, status or None)
    elif err:
        usage = NO_USAGE
        status = 0
        info = _error_info(err, None)
    else:
        info = ErrorInfo("no_result", "the line has neither a response nor an error")
        return _FAILED, 0, 0, NO_USAGE, info
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
        _, finish, text, dims, count = _body_flags(resp.get("body"))
    return Outcome(
        klass=RequestClass(klass),
        flags=flags,
        status_code=status or None,
        usage=Usage(*usage),
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
