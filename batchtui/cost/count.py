"""Input tokens and the output ceiling of one Batch API request, as OpenAI counts them.

Text is counted exactly with the model's tiktoken encoding (see :mod:`batchtui.cost.encodings`).
The message framing follows OpenAI's cookbook "How to count tokens with tiktoken"
(github.com/openai/openai-cookbook, ``examples/How_to_count_tokens_with_tiktoken.ipynb``,
``num_tokens_from_messages``), which OpenAI verified against the API for gpt-3.5-turbo, gpt-4,
gpt-4o and gpt-4o-mini (129 and 124 tokens on its worked example):

* every message costs 3 tokens, plus the tokens of each of its string values (role, content,
  name, ...), plus 1 when it has a ``name``;
* every reply is primed with 3 more tokens.

OpenAI notes that the framing "may change from model to model"; for models newer than those it
verified, expect the count to differ by a few tokens per request, not per token of text.

Per endpoint:

* ``/v1/chat/completions``: ``messages``; content as a string or an array of parts: ``text``
  and ``refusal`` are counted, ``image_url`` with the image formula
  (:mod:`batchtui.cost.images`), ``input_audio`` and ``file`` are reported as not counted.
* ``/v1/responses``: ``instructions`` as a developer message, ``input`` as a user message
  (a string) or items (messages as above; ``input_image`` parts as images; tool calls and
  their outputs approximately, see below), framed like chat messages (the cookbook covers
  chat only; OpenAI publishes no separate rule for Responses).
* ``/v1/embeddings`` and ``/v1/completions``: ``input`` / ``prompt`` as a string, strings,
  token ids or arrays of token ids (ids count one each), with no framing.
* ``/v1/moderations``: the text of ``input`` (moderations are free).

Approximations (no public rule; each counted line is flagged so the report says so):

* **Tools and functions**: the cookbook's ``num_tokens_for_tools``: per function 7 tokens
  (10 on cl100k models) plus ``name:description``; 3 for the properties, per property 3 plus
  ``name:type:description``, -3 per enum plus 3 and the text per enum item; 12 at the end.
  The cookbook reads only top-level properties; nested schemas (``properties``/``items``/
  ``anyOf``... under a property) are counted here as their compact JSON text.
* **JSON-schema response formats** (``response_format`` / ``text.format``): the compact JSON
  text of the schema plus its name; OpenAI publishes no rule for how a schema is rendered.
* **Tool calls in the history** (assistant ``tool_calls``, Responses ``function_call`` and
  ``function_call_output`` items): the name, arguments and output texts.

The output ceiling is ``max_completion_tokens`` or ``max_tokens`` (chat, times ``n``),
``max_output_tokens`` (responses), ``max_tokens`` with the API's default of 16 (completions,
times ``max(n, best_of)``); embeddings and moderations produce no output tokens. A chat or
responses request without a limit has no ceiling.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batchtui.cost import encodings, images
from batchtui.jsonl.bodies import (
    image_source,
    input_item_kind,
    output_limit,
    part_type,
    prompt_items,
)

MODERATION_DEFAULT_MODEL = "omni-moderation-latest"
COMPLETIONS_DEFAULT_MAX_TOKENS = 16  # the legacy completions API's default for max_tokens

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

# Strings at most this long are remembered (roles, names, repeated system prompts).
_CACHE_MAX_CHARS = 1024
_CACHE_MAX_ENTRIES = 16384


class Approx(enum.IntFlag):
    """What in a request was counted by an approximation."""

    NONE = 0
    TOOLS = 1
    SCHEMA = 2
    TOOL_CALLS = 4
    BUILTIN_TOOLS = 8  # web search and friends: their own charges are not estimated
    STORED_PROMPT = 16  # Responses ``prompt`` references a stored prompt we cannot see
    OTHER_ITEMS = 32  # Responses items of other kinds (reasoning, references)
    IMAGE_FORMULA = 64  # an image on a model the image guide does not list


APPROX_TEXT = {
    Approx.TOOLS: "tool and function definitions (the cookbook's approximation)",
    Approx.SCHEMA: "JSON-schema response formats (as compact JSON text)",
    Approx.TOOL_CALLS: "tool calls and tool outputs in the history (their texts)",
    Approx.BUILTIN_TOOLS: "built-in tools (web search, file search...): their charges are not included",
    Approx.STORED_PROMPT: "stored prompts (`prompt`): their text is not included",
    Approx.OTHER_ITEMS: "Responses items other than messages and tool calls (texts only)",
    Approx.IMAGE_FORMULA: "images on models the image guide does not list (gpt-4o's formula)",
}

# Why an input could not be counted (the report says "not counted: N images"): singular, plural.
NOT_COUNTED_TEXT = {
    "image_url": ("image at a remote URL", "images at remote URLs"),
    "image_file_id": ("image given by file id", "images given by file id"),
    "image_unreadable": (
        "image whose data could not be read",
        "images whose data could not be read",
    ),
    "audio": ("audio input", "audio inputs"),
    "file": ("file input (PDF...)", "file inputs (PDF...)"),
}
IMAGE_REASONS = ("image_url", "image_file_id", "image_unreadable")


@dataclass(slots=True)
class RequestCount:
    """One request: its model, input tokens and output ceiling (None: no ceiling)."""

    model: str
    input_tokens: int = 0
    output_max: int | None = None
    images: int = 0  # images counted
    image_tokens: int = 0  # their tokens (included in input_tokens)
    not_counted: dict[str, int] = field(default_factory=dict)
    approx: Approx = Approx.NONE


class TextCounter:
    """Exact token counts of strings with one encoding (thread-safe; encoding releases the GIL).

    Uses tiktoken's ``encode_to_numpy`` with special tokens treated as text, which gives the
    same tokens as ``encode_ordinary`` without building a list of Python ints.
    """

    def __init__(self, encoding: Any) -> None:
        self.encoding = encoding
        self._cache: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        if not text:
            return 0
        short = len(text) <= _CACHE_MAX_CHARS
        if short:
            cached = self._cache.get(text)
            if cached is not None:
                return cached
        try:
            n = int(self.encoding.encode_to_numpy(text, disallowed_special=()).size)
        except UnicodeEncodeError:  # lone surrogates: tiktoken's own fix-up
            n = len(self.encoding.encode_ordinary(text))
        if short:
            if len(self._cache) >= _CACHE_MAX_ENTRIES:
                self._cache.clear()
            self._cache[text] = n
        return n


@dataclass(frozen=True, slots=True)
class _ToolConstants:
    func_init: int
    prop_init: int = 3
    prop_key: int = 3
    enum_init: int = -3
    enum_item: int = 3
    func_end: int = 12


# The cookbook's constants: gpt-4o/gpt-4o-mini (o200k_base) and gpt-3.5-turbo/gpt-4 (cl100k).
_TOOLS_O200K = _ToolConstants(func_init=7)
_TOOLS_CL100K = _ToolConstants(func_init=10)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


class ModelCounter:
    """Counts requests for one model (its encoding, tool constants and image rule)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.choice = encodings.choose_encoding(model)
        self.text = TextCounter(encodings.get_encoding(self.choice.encoding))
        self.tools = _TOOLS_CL100K if self.choice.encoding == "cl100k_base" else _TOOLS_O200K
        self.image_rule, self.image_rule_assumed = images.rule_for(model)

    # -- endpoints -----------------------------------------------------------------------

    def chat(self, body: dict[str, Any], out: RequestCount) -> None:
        messages = body.get("messages")
        if isinstance(messages, list):
            for message in messages:
                self._message(message, out)
            out.input_tokens += REPLY_PRIMING
        self._function_tools(body.get("tools"), body.get("functions"), out)
        fmt = body.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            self._schema(fmt.get("json_schema"), out)
        limit = output_limit("chat", body)[1]
        n = _int(body.get("n")) or 1
        out.output_max = None if limit is None else limit * max(1, n)

    def responses(self, body: dict[str, Any], out: RequestCount) -> None:
        text = self.text
        instructions = body.get("instructions")
        if isinstance(instructions, str):
            out.input_tokens += TOKENS_PER_MESSAGE + text("developer") + text(instructions)
        items = body.get("input")
        if isinstance(items, str):
            out.input_tokens += TOKENS_PER_MESSAGE + text("user") + text(items)
        elif isinstance(items, list):
            for item in items:
                self._response_item(item, out)
        if isinstance(items, (str, list)) or isinstance(instructions, str):
            out.input_tokens += REPLY_PRIMING
        if body.get("prompt") is not None:
            out.approx |= Approx.STORED_PROMPT
        tools = body.get("tools")
        if isinstance(tools, list):
            functions = []
            for tool in tools:
                if not isinstance(tool, dict):
                    continue
                if tool.get("type") == "function":
                    functions.append(tool)
                elif tool.get("type") in ("custom",):
                    out.input_tokens += text(_compact(tool))
                    out.approx |= Approx.TOOLS
                else:
                    out.approx |= Approx.BUILTIN_TOOLS
            self._tools(functions, out)
        fmt = body.get("text")
        if isinstance(fmt, dict):
            fmt = fmt.get("format")
            if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
                self._schema(fmt, out)
        out.output_max = output_limit("responses", body)[1]

    def embeddings(self, body: dict[str, Any], out: RequestCount) -> None:
        out.input_tokens += self._prompt(body.get("input"))
        out.output_max = 0

    def completions(self, body: dict[str, Any], out: RequestCount) -> None:
        out.input_tokens += self._prompt(body.get("prompt"))
        suffix = body.get("suffix")
        if isinstance(suffix, str):
            out.input_tokens += self.text(suffix)
        limit = output_limit("completions", body)[1]
        if limit is None:
            limit = COMPLETIONS_DEFAULT_MAX_TOKENS
        n = max(_int(body.get("n")) or 1, _int(body.get("best_of")) or 1)
        out.output_max = limit * n

    def moderations(self, body: dict[str, Any], out: RequestCount) -> None:
        value = body.get("input")
        if isinstance(value, str):
            out.input_tokens += self.text(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str):
                    out.input_tokens += self.text(item)
                elif isinstance(item, dict) and isinstance(item.get("text"), str):
                    out.input_tokens += self.text(item["text"])
        out.output_max = 0

    # -- pieces --------------------------------------------------------------------------

    def _message(self, message: Any, out: RequestCount) -> None:
        if not isinstance(message, dict):
            return
        text = self.text
        n = TOKENS_PER_MESSAGE
        for key, value in message.items():
            if isinstance(value, str):
                n += text(value)
                if key == "name":
                    n += TOKENS_PER_NAME
            elif key == "content" and isinstance(value, list):
                for part in value:
                    n += self._part(part, out)
            elif key == "tool_calls" and isinstance(value, list):
                n += self._tool_calls(value)
                out.approx |= Approx.TOOL_CALLS
            elif key == "function_call" and isinstance(value, dict):
                n += self._strings(value, ("name", "arguments"))
                out.approx |= Approx.TOOL_CALLS
        out.input_tokens += n

    def _part(self, part: Any, out: RequestCount) -> int:
        # What a part is comes from the one walker over bodies; how it counts, from here.
        if part.__class__ is str:
            return self.text(part)
        if part.__class__ is not dict:
            return 0
        kind = part_type(part)
        if kind == "image":
            url, file_id, detail = image_source(part)
            if file_id is not None:
                _not_counted(out, "image_file_id")
                return 0
            return self._image(url, detail, out)
        if kind == "audio":
            _not_counted(out, "audio")
            return 0
        if kind == "file":
            _not_counted(out, "file")
            return 0
        n = 0
        for key in ("text", "refusal"):
            value = part.get(key)
            if isinstance(value, str):
                n += self.text(value)
        return n

    def _image(self, url: Any, detail: Any, out: RequestCount) -> int:
        if not isinstance(url, str):
            _not_counted(out, "image_unreadable")
            return 0
        if url.startswith(("http://", "https://")):
            _not_counted(out, "image_url")
            return 0
        size = images.data_url_size(url)
        if size is None:
            _not_counted(out, "image_unreadable")
            return 0
        detail = detail if isinstance(detail, str) else "auto"
        tokens = images.image_tokens(size.width, size.height, detail, self.image_rule)
        if self.image_rule_assumed:
            out.approx |= Approx.IMAGE_FORMULA
        out.images += 1
        out.image_tokens += tokens
        return tokens

    def _tool_calls(self, calls: list[Any]) -> int:
        n = 0
        for call in calls:
            if isinstance(call, dict):
                function = call.get("function")
                if isinstance(function, dict):
                    n += self._strings(function, ("name", "arguments"))
        return n

    def _strings(self, value: dict[str, Any], keys: tuple[str, ...]) -> int:
        return sum(self.text(v) for k in keys if isinstance(v := value.get(k), str))

    def _response_item(self, item: Any, out: RequestCount) -> None:
        kind = input_item_kind(item)
        if kind == "text":  # lenient: a bare string as a user message
            out.input_tokens += TOKENS_PER_MESSAGE + self.text("user") + self.text(item)
        elif kind == "invalid":
            return
        elif kind == "message":
            self._message({k: v for k, v in item.items() if k not in ("type", "id", "status")}, out)
        elif kind == "call":
            out.input_tokens += TOKENS_PER_MESSAGE + self._strings(
                item, ("name", "arguments", "input")
            )
            out.approx |= Approx.TOOL_CALLS
        elif kind == "output":
            output = item.get("output")
            n = TOKENS_PER_MESSAGE
            if isinstance(output, str):
                n += self.text(output)
            elif isinstance(output, list):
                for part in output:
                    n += self._part(part, out)
            out.input_tokens += n
            out.approx |= Approx.TOOL_CALLS
        else:
            out.input_tokens += self._all_text(item)
            out.approx |= Approx.OTHER_ITEMS

    def _all_text(self, value: Any, depth: int = 0) -> int:
        """Tokens of every ``text``/``summary`` string below ``value`` (for unknown items)."""
        if depth > 6:
            return 0
        if isinstance(value, list):
            return sum(self._all_text(v, depth + 1) for v in value)
        if isinstance(value, dict):
            n = 0
            for key, v in value.items():
                if key in ("text", "content", "summary", "output") and isinstance(v, str):
                    n += self.text(v)
                elif isinstance(v, (list, dict)):
                    n += self._all_text(v, depth + 1)
            return n
        return 0

    def _prompt(self, value: Any) -> int:
        """str | [str] | [int] | [[int]] (embeddings ``input``, completions ``prompt``)."""
        if isinstance(value, str):
            return self.text(value)
        if not isinstance(value, list):
            return 0
        n = 0
        for item in prompt_items(value):
            if isinstance(item, str):
                n += self.text(item)
            elif isinstance(item, int):
                n += 1
            elif isinstance(item, list):
                n += len(item)
        return n

    def _function_tools(self, tools: Any, functions: Any, out: RequestCount) -> None:
        defs: list[dict[str, Any]] = []
        if isinstance(tools, list):
            for tool in tools:
                if not isinstance(tool, dict):
                    continue
                function = tool.get("function")
                if isinstance(function, dict):
                    defs.append(function)
                else:  # custom tools and anything newer: their JSON text
                    out.input_tokens += self.text(_compact(tool))
                    out.approx |= Approx.TOOLS
        if isinstance(functions, list):
            defs.extend(f for f in functions if isinstance(f, dict))
        self._tools(defs, out)

    def _tools(self, functions: list[dict[str, Any]], out: RequestCount) -> None:
        if not functions:
            return
        c = self.tools
        text = self.text
        n = 0
        for function in functions:
            n += c.func_init
            name = function.get("name") if isinstance(function.get("name"), str) else ""
            desc = function.get("description")
            desc = desc.removesuffix(".") if isinstance(desc, str) else ""
            n += text(f"{name}:{desc}")
            params = function.get("parameters")
            props = params.get("properties") if isinstance(params, dict) else None
            if isinstance(props, dict) and props:
                n += c.prop_init
                for key, schema in props.items():
                    n += c.prop_key
                    if not isinstance(schema, dict):
                        n += text(str(key))
                        continue
                    p_type = schema.get("type", "")
                    if isinstance(p_type, list):
                        p_type = "|".join(str(t) for t in p_type)
                    p_desc = schema.get("description")
                    p_desc = p_desc.removesuffix(".") if isinstance(p_desc, str) else ""
                    enum_values = schema.get("enum")
                    if isinstance(enum_values, list):
                        n += c.enum_init
                        for item in enum_values:
                            n += c.enum_item + text(str(item))
                    n += text(f"{key}:{p_type}:{p_desc}")
                    nested = {
                        k: schema[k]
                        for k in ("properties", "items", "anyOf", "oneOf", "allOf", "$defs")
                        if k in schema
                    }
                    if nested:
                        n += text(_compact(nested))
        n += c.func_end
        out.input_tokens += n
        out.approx |= Approx.TOOLS

    def _schema(self, fmt: Any, out: RequestCount) -> None:
        if not isinstance(fmt, dict):
            return
        name = fmt.get("name")
        n = self.text(name) if isinstance(name, str) else 0
        if fmt.get("schema") is not None:
            n += self.text(_compact(fmt["schema"]))
        out.input_tokens += n
        out.approx |= Approx.SCHEMA


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _not_counted(out: RequestCount, reason: str) -> None:
    out.not_counted[reason] = out.not_counted.get(reason, 0) + 1


def endpoint_key(url: str) -> str:
    """``/v1/chat/completions`` (also ``/chat/completions``, Azure's dated form) -> the
    canonical ``/v1/...`` path."""
    path = url.split("?", 1)[0].strip().strip("/")
    if not path.startswith("v1/"):
        path = "v1/" + path
    return "/" + path


_ENDPOINTS: dict[str, Callable[[ModelCounter, dict[str, Any], RequestCount], None]] = {
    "/v1/chat/completions": ModelCounter.chat,
    "/v1/responses": ModelCounter.responses,
    "/v1/embeddings": ModelCounter.embeddings,
    "/v1/completions": ModelCounter.completions,
    "/v1/moderations": ModelCounter.moderations,
}
COUNTED_ENDPOINTS = tuple(_ENDPOINTS)


class RequestCounter:
    """Counts request bodies of any supported endpoint; one :class:`ModelCounter` per model.

    Thread-safe: model counters are created under the GIL and encodings are shared.
    """

    def __init__(self) -> None:
        self._models: dict[str, ModelCounter] = {}

    def model_counter(self, model: str) -> ModelCounter:
        counter = self._models.get(model)
        if counter is None:
            counter = self._models.setdefault(model, ModelCounter(model))
        return counter

    def count(self, url: str, body: dict[str, Any]) -> RequestCount | str:
        """The request's count, or why it cannot be counted (a short reason)."""
        endpoint = endpoint_key(url)
        handler = _ENDPOINTS.get(endpoint)
        if handler is None:
            return f"{endpoint}: cost not estimated for this endpoint"
        model = body.get("model")
        if model is None and endpoint == "/v1/moderations":
            model = MODERATION_DEFAULT_MODEL
        if not isinstance(model, str) or not model:
            return "no body.model"
        out = RequestCount(model)
        handler(self.model_counter(model), body, out)
        return out

    def choices(self) -> dict[str, encodings.EncodingChoice]:
        return {model: c.choice for model, c in self._models.items()}
