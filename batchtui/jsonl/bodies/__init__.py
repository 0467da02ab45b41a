"""One walker over request and response bodies, for every endpoint and every format a batch
user holds: what a request asks (its turns and settings) and what a result answered (its
parts, finish reason, usage, or its error).

The browser's rows and transcripts, the results join, the emulator's token estimates and
the cost counter read bodies through here, so each shape is known in one place:

* :mod:`.parts`: :class:`Part` and :class:`Turn`, OpenAI content parts (``part_type``,
  ``image_source``), arguments as JSON;
* :mod:`.requests`: OpenAI request bodies (chat, responses, completions, embeddings,
  moderations, images, videos) and fine-tuning chat examples; settings;
* :mod:`.answers`: OpenAI answers (choices, Responses output items, embeddings,
  moderations, images), the facts the join keeps (flags, usage), errors of any shape;
* :mod:`.foreign`: Anthropic Message Batches and Gemini batch requests and results.

Usage::

    from batchtui.jsonl import bodies

    line = bodies.read_line(orjson.loads(data))   # a Request, a Result or None
    if isinstance(line, bodies.Request):
        line.id, line.settings().model, line.prompt()
        for turn in line.turns(): turn.role, turn.parts
    elif isinstance(line, bodies.Result):
        line.status, line.error, bodies.preview(list(line.parts)), line.usage

Needs only orjson (no Textual, no openai): cheap enough for every visible row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from batchtui.jsonl.bodies import foreign
from batchtui.jsonl.bodies.answers import (
    answer_facts,
    answer_parts,
    chat_message_parts,
    error_fields,
    failure_source,
    output_item_parts,
    preview,
    usage_of,
)
from batchtui.jsonl.bodies.parts import (
    ACTION_KINDS,
    Part,
    Turn,
    as_json,
    compact_arguments,
    content_parts,
    image_source,
    part_type,
    pretty_arguments,
    s,
)
from batchtui.jsonl.bodies.requests import (
    PROMPT_TURNS,
    Settings,
    endpoint_format,
    input_item_kind,
    output_limit,
    prompt_items,
    request_prompt,
    request_settings,
    request_texts,
    request_turns,
)
from batchtui.jsonl.kinds import LineKind, line_kind

__all__ = [
    "ACTION_KINDS",
    "REQUEST_KINDS",
    "RESULT_KINDS",
    "Failure",
    "Part",
    "Request",
    "Result",
    "Settings",
    "Turn",
    "answer_facts",
    "answer_parts",
    "chat_message_parts",
    "compact_arguments",
    "content_parts",
    "endpoint_format",
    "error_fields",
    "failure_source",
    "image_source",
    "input_item_kind",
    "output_item_parts",
    "output_limit",
    "part_type",
    "pretty_arguments",
    "preview",
    "prompt_items",
    "read_line",
    "read_request",
    "read_result",
    "request_texts",
    "usage_of",
]

# Line kinds that hold a request, and those that hold a result.
REQUEST_KINDS = frozenset(
    {LineKind.INPUT, LineKind.ANTHROPIC_REQUEST, LineKind.GEMINI_REQUEST, LineKind.FINETUNE_CHAT}
)
RESULT_KINDS = frozenset(
    {LineKind.OUTPUT, LineKind.ERROR, LineKind.ANTHROPIC_RESULT, LineKind.GEMINI_RESULT}
)


@dataclass(slots=True)
class Request:
    """One request of any format. ``format`` is an OpenAI endpoint's ("chat", "responses",
    "completions", "embeddings", "moderations", "images", "videos", "other"), or "anthropic",
    "gemini", "finetune"; ``body`` is what the format reads (an OpenAI ``body``, Anthropic
    ``params``, a Gemini ``request``, a fine-tuning example). Turns are read on demand."""

    kind: LineKind
    format: str
    id: str | None
    body: Any
    url: str | None = None

    def turns(self, limit: int | None = PROMPT_TURNS) -> Iterator[Turn]:
        if self.format == "anthropic":
            return foreign.anthropic_turns(self.body)
        if self.format == "gemini":
            return foreign.gemini_turns(self.body)
        return request_turns(self.format, self.body, limit)

    def settings(self) -> Settings:
        if self.format == "anthropic":
            return foreign.anthropic_settings(self.body)
        if self.format == "gemini":
            return foreign.gemini_settings(self.body)
        return request_settings(self.format, self.body)

    @property
    def model(self) -> str | None:
        """The model asked for (cheaper than ``settings().model``, for list rows)."""
        body = self.body
        return s(body.get("model")) if isinstance(body, dict) else None

    def prompt(self) -> str | None:
        """What a list row shows: the last user text, the input or the prompt."""
        if self.format == "anthropic":
            return foreign.anthropic_prompt(self.body)
        if self.format == "gemini":
            return foreign.gemini_prompt(self.body)
        return request_prompt(self.format, self.body)


@dataclass(slots=True)
class Failure:
    """Why a request has no answer, whatever shape the error came in."""

    code: str
    message: str
    type: str | None = None
    param: str | None = None


@dataclass(slots=True)
class Result:
    """One result line of any format. ``status`` is what a row shows: the HTTP status
    ("200", "400"), Anthropic's result type ("succeeded", "errored", "expired"), Gemini's
    finish reason ("STOP"), or "error"/"expired" for a line without a status."""

    kind: LineKind
    format: str  # "openai", "anthropic", "gemini"
    id: str | None
    status: str
    parts: tuple[Part, ...] = ()
    error: Failure | None = None
    finish_reason: str | None = None
    usage: tuple[int, int, int, int] | None = None  # input, output, cached, reasoning
    model: str | None = None
    status_code: int | None = None
    request: Request | None = None  # the request echoed beside it (Vertex predictions)

    @property
    def ok(self) -> bool:
        return self.error is None

    def preview(self) -> str:
        return preview(list(self.parts))


def read_request(obj: Any, kind: LineKind | None = None) -> Request | None:
    """The request of a batch input line, an Anthropic or Gemini request line, or a
    fine-tuning example; None for any other line."""
    if obj.__class__ is not dict:
        return None
    kind = kind or line_kind(obj)
    if kind is LineKind.INPUT:
        url = s(obj.get("url"))
        body = obj.get("body")
        return Request(kind, endpoint_format(url, body), _id(obj.get("custom_id")), body, url)
    if kind is LineKind.ANTHROPIC_REQUEST:
        return Request(kind, "anthropic", _id(obj.get("custom_id")), obj.get("params"))
    if kind is LineKind.GEMINI_REQUEST:
        key = obj.get("key", obj.get("custom_id"))
        return Request(kind, "gemini", _id(key), foreign.gemini_request_body(obj))
    if kind is LineKind.FINETUNE_CHAT:
        return Request(kind, "finetune", None, obj)
    return None


def read_result(obj: Any, kind: LineKind | None = None) -> Result | None:
    """The result of an OpenAI output or error line, or an Anthropic or Gemini result
    line; None for any other line."""
    if obj.__class__ is not dict:
        return None
    kind = kind or line_kind(obj)
    if kind in (LineKind.OUTPUT, LineKind.ERROR):
        return _openai_result(obj, kind)
    if kind is LineKind.ANTHROPIC_RESULT:
        return _anthropic_result(obj, kind)
    if kind is LineKind.GEMINI_RESULT:
        return _gemini_result(obj, kind)
    return None


def read_line(obj: Any) -> Request | Result | None:
    """Whatever the line holds: a :class:`Request`, a :class:`Result`, or None (not a
    line of any batch format)."""
    if obj.__class__ is not dict:
        return None
    kind = line_kind(obj)
    if kind is LineKind.INPUT:  # the common case first, by identity (an Enum hashes slowly)
        url = obj.get("url")
        body = obj.get("body")
        cid = obj.get("custom_id")
        return Request(kind, endpoint_format(url, body), _id(cid), body, s(url))
    if kind is LineKind.UNKNOWN or kind is LineKind.INVALID:
        return None
    if kind in REQUEST_KINDS:
        return read_request(obj, kind)
    return read_result(obj, kind)


def _id(value: Any) -> str | None:
    if value is None or value.__class__ is str:
        return value
    return str(value)


def _openai_result(obj: dict[str, Any], kind: LineKind) -> Result:
    response = obj.get("response")
    body = response.get("body") if isinstance(response, dict) else None
    model = s(body.get("model")) if isinstance(body, dict) else None
    usage = usage_of(body) if isinstance(body, dict) and "usage" in body else None
    failed = failure_source(response, obj.get("error"))
    cid = _id(obj.get("custom_id"))
    if failed is not None:
        status, err = failed
        if err is None:
            failure = Failure("no_result", "The line has neither a response nor an error.")
        else:
            code, message, etype, param = error_fields(err, status or None)
            failure = Failure(code, message, etype, param)
        expired = failure.code == "batch_expired"
        label = str(status) if status else ("expired" if expired else "error")
        return Result(
            kind,
            "openai",
            cid,
            label,
            error=failure,
            usage=usage,
            model=model,
            status_code=status or None,
        )
    raw = response.get("status_code") if isinstance(response, dict) else None
    number = raw if type(raw) is int else None
    # Absent (an answer all the same), or not a number: shown as it stands.
    shown = str(number) if number is not None else "ok" if raw is None else s(raw) or as_json(raw)
    return Result(
        kind,
        "openai",
        cid,
        shown,
        tuple(answer_parts(body)),
        finish_reason=answer_facts(body)[1],
        usage=usage,
        model=model,
        status_code=number,
    )


def _anthropic_result(obj: dict[str, Any], kind: LineKind) -> Result:
    result = obj["result"]
    status = s(result.get("type")) or "?"
    cid = _id(obj.get("custom_id"))
    if status != "succeeded":
        code, message, etype = foreign.anthropic_error(result)
        return Result(kind, "anthropic", cid, status, (), Failure(code, message, etype))
    message = result.get("message")
    if not isinstance(message, dict):
        return Result(kind, "anthropic", cid, status)
    role = s(message.get("role")) or "assistant"
    return Result(
        kind,
        "anthropic",
        cid,
        status,
        tuple(foreign.anthropic_blocks(message.get("content"), role)),
        finish_reason=s(message.get("stop_reason")),
        usage=foreign.anthropic_usage(message.get("usage")),
        model=s(message.get("model")),
    )


def _gemini_result(obj: dict[str, Any], kind: LineKind) -> Result:
    response = obj.get("response")
    cid = _id(obj.get("key", obj.get("custom_id")))
    echoed = obj.get("request")
    request = None
    if isinstance(echoed, dict):
        request = Request(LineKind.GEMINI_REQUEST, "gemini", cid, echoed)
    failed = foreign.gemini_failure(obj, response)
    if not isinstance(response, dict):
        response = {}
    usage = foreign.gemini_usage(response.get("usageMetadata"))
    model = s(response.get("modelVersion"))
    if failed is not None:
        code, message = failed
        return Result(
            kind,
            "gemini",
            cid,
            "error",
            error=Failure(code, message),
            usage=usage,
            model=model,
            request=request,
        )
    parts, finish = foreign.gemini_answer(response)
    return Result(
        kind,
        "gemini",
        cid,
        finish or "ok",
        tuple(parts),
        finish_reason=finish,
        usage=usage,
        model=model,
        request=request,
    )
