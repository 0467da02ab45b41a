"""The facts the checks need, compiled once into plain sets and dicts for the hot path.

Two sources: the SDK snapshot (``sdk_snapshot.json``: endpoints, parameter names, JSON kinds,
literal values, nested shapes) and the facts the SDK does not carry, written here once with
their source (limits, numeric ranges, the reasoning-model family). Source tags are those of
``BATCH_API.md``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batchtui.limits import MAX_FILE_BYTES as MAX_FILE_BYTES
from batchtui.limits import MAX_REQUESTS as MAX_REQUESTS
from batchtui.validation import sdk_snapshot

# -- limits (SDK batch_create_params docstring; GUIDE "Rate limits") ---------------------------
# MAX_REQUESTS and MAX_FILE_BYTES live in batchtui.limits (the browser checks them at open).
MAX_EMBEDDING_INPUTS = 50_000
# SPEC CreateEmbeddingRequest: an input array holds 1-2048 items.
MAX_EMBEDDING_ARRAY = 2048
# Issue #3 (OpenAI documents no limit; Together and Anthropic enforce 64).
MAX_CUSTOM_ID = 512

ENVELOPE_KEYS = frozenset({"custom_id", "method", "url", "body"})
BOM = b"\xef\xbb\xbf"

# Numeric ranges per endpoint, (minimum, maximum) inclusive, None = unbounded.
# SPEC CreateChatCompletionRequest / ModelResponseProperties (BATCH_API.md §9),
# CreateCompletionRequest, CreateResponse, CreateEmbeddingRequest.
_SAMPLING: dict[str, tuple[float | None, float | None]] = {
    "temperature": (0, 2),
    "top_p": (0, 1),
}
_PENALTIES: dict[str, tuple[float | None, float | None]] = {
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
}
RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "/v1/chat/completions": {
        **_SAMPLING,
        **_PENALTIES,
        "n": (1, 128),
        "top_logprobs": (0, 20),
        "max_tokens": (1, None),
        "max_completion_tokens": (1, None),
    },
    "/v1/completions": {
        **_SAMPLING,
        **_PENALTIES,
        "n": (1, 128),
        "best_of": (0, 20),
        "logprobs": (0, 5),
        # 0 is allowed here: with echo it returns the prompt's logprobs only.
        "max_tokens": (0, None),
    },
    "/v1/responses": {**_SAMPLING, "top_logprobs": (0, 20), "max_output_tokens": (1, None)},
    "/v1/embeddings": {"dimensions": (1, None)},
}
# SPEC: safety_identifier <= 64 characters; functions <= 128 items (BATCH_API.md §9).
MAX_LENGTHS: dict[str, dict[str, int]] = {
    "/v1/chat/completions": {"safety_identifier": 64, "functions": 128},
    "/v1/responses": {"safety_identifier": 64},
}

# Parameters that moved between endpoints: a better hint than difflib's guess.
MOVED: dict[tuple[str, str], str] = {
    ("/v1/responses", "messages"): "input",
    ("/v1/responses", "max_tokens"): "max_output_tokens",
    ("/v1/responses", "max_completion_tokens"): "max_output_tokens",
    ("/v1/responses", "reasoning_effort"): "reasoning.effort",
    ("/v1/chat/completions", "input"): "messages",
    ("/v1/chat/completions", "max_output_tokens"): "max_completion_tokens",
    ("/v1/chat/completions", "instructions"): "a system or developer message",
    ("/v1/embeddings", "inputs"): "input",
}

# Keys the SDK marks Required that the API fills in when absent: image ``detail`` defaults
# to "auto", and replayed ``output_text`` parts need no ``annotations`` (GUIDE examples omit
# both). Flagging them would fail good files.
IGNORED_REQUIRED = frozenset({"detail", "annotations"})

# o-series and gpt-5 and later are reasoning models (SPEC: max_tokens "is not compatible with
# o-series models"); the *-chat variants are not. Judged by name: a fine-tune keeps its base
# model's name after "ft:"; an Azure deployment name may hide the model entirely.
_REASONING = re.compile(r"^(?:ft:)?(?:o\d+|gpt-(?:[5-9]|\d\d))(?![\w.]*-chat)", re.ASCII)


def is_reasoning_model(model: str) -> bool:
    return _REASONING.match(model) is not None


# -- compiled specs ------------------------------------------------------------------------

_NONE = type(None)
_KIND_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (_NONE,),
    "array": (list,),
    "object": (dict,),
}
_KIND_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
    "array": "an array",
    "object": "an object",
}
KIND_OF: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a decimal number",
    bool: "a boolean",
    _NONE: "null",
    list: "an array",
    dict: "an object",
}


@dataclass(slots=True, eq=False)
class ValueSpec:
    """What one JSON value may be."""

    types: frozenset[type] | None  # None: anything
    expected: str  # "a number or null", for messages
    enum: frozenset[Any] | None = None
    shape: ObjectSpec | None = None  # when the value is an object of one known shape
    variants: Variants | None = None  # when it is one of several tagged shapes
    items: ValueSpec | None = None  # when it is an array
    deep: bool = False  # a container with insides to check (items, shape or variants)
    bounds: tuple[float | None, float | None] | None = None  # numeric range, inclusive
    max_len: int | None = None  # most characters (string) or items (array)
    plain: bool = True  # nothing to check beyond the type: the hot path skips the rest

    def settle(self) -> None:
        """Recompute the derived flags after a change."""
        self.deep = self.items is not None or self.shape is not None or self.variants is not None
        self.plain = (
            not self.deep and self.enum is None and self.bounds is None and self.max_len is None
        )


@dataclass(slots=True, eq=False)
class Variants:
    key: str  # the tag, "type" or "role"
    table: dict[str, ObjectSpec]
    expected: str  # "'assistant', 'developer', ..."


@dataclass(slots=True, eq=False)
class ObjectSpec:
    required: tuple[str, ...]
    keys: dict[str, ValueSpec]
    names: tuple[str, ...] = ()  # known keys, for "did you mean"
    required_set: frozenset[str] = frozenset()
    known: frozenset[str] = frozenset()  # == keys, as a set for one-call subset tests
    # An extra hand-written check: (obj, path, line, out) -> None.
    extra: Callable[..., None] | None = field(default=None)


def _expected(kinds: list[str]) -> str:
    names = [_KIND_NAMES[k] for k in kinds if k in _KIND_NAMES]
    if not names:
        return "any value"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def quote_list(values: Any) -> str:
    return ", ".join(repr(v) if isinstance(v, str) else str(v).lower() for v in values)


def compile_value(desc: dict[str, Any]) -> ValueSpec:
    kinds: list[str] = desc.get("kinds", [])
    if "any" in kinds:
        types: frozenset[type] | None = None
    else:
        types = frozenset(t for k in kinds for t in _KIND_TYPES.get(k, ()))
    spec = ValueSpec(types=types, expected=_expected(kinds))
    if "enum" in desc:
        values = desc["enum"]
        if "null" in kinds:
            values = [*values, None]
        spec.enum = frozenset(values)
    if "shape" in desc:
        spec.shape = compile_object(desc["shape"])
    if "variants" in desc:
        key, table = next(iter(desc["variants"].items()))
        compiled = {tag: compile_object(shape) for tag, shape in table.items()}
        for shape in compiled.values():
            tag_spec = shape.keys.get(key)
            if tag_spec is not None:  # the dispatch on the tag already checked its value
                tag_spec.enum = None
                tag_spec.settle()
        spec.variants = Variants(key=key, table=compiled, expected=quote_list(sorted(table)))
    if "items" in desc:
        spec.items = compile_value(desc["items"])
    spec.settle()
    return spec


def compile_object(desc: dict[str, Any]) -> ObjectSpec:
    keys = {name: compile_value(d) for name, d in desc["keys"].items()}
    required = tuple(r for r in desc["required"] if r not in IGNORED_REQUIRED)
    return ObjectSpec(
        required=required,
        keys=keys,
        names=tuple(sorted(keys)),
        required_set=frozenset(required),
        known=frozenset(keys),
    )


@dataclass(slots=True, eq=False)
class BodySpec:
    endpoint: str
    params: ObjectSpec


@dataclass(slots=True, eq=False)
class Facts:
    openai_version: str
    endpoints: frozenset[str]
    endpoint_list: tuple[str, ...]
    bodies: dict[str, BodySpec]
    responses_item_types: frozenset[str]
    responses_message: ObjectSpec
    responses_assistant_message: ObjectSpec


def _merge_parts(a: ValueSpec, b: ValueSpec) -> ValueSpec:
    """Content that may hold the parts of either ``a`` or ``b`` (Responses assistant turns)."""
    if a.items is None or b.items is None or a.items.variants is None:
        return a
    table = dict(a.items.variants.table)
    if b.items.variants is not None:
        for tag, spec in b.items.variants.table.items():
            table.setdefault(tag, spec)
    variants = Variants(a.items.variants.key, table, quote_list(sorted(table)))
    items = ValueSpec(types=a.items.types, expected=a.items.expected, variants=variants)
    items.settle()
    types = None if a.types is None or b.types is None else a.types | b.types
    merged = ValueSpec(types=types, expected=a.expected, items=items)
    merged.settle()
    return merged


@functools.lru_cache(maxsize=1)
def facts() -> Facts:
    """Compile the snapshot (about a millisecond; cached for the process)."""
    snap = sdk_snapshot.load()
    bodies: dict[str, BodySpec] = {}
    for endpoint, desc in snap["bodies"].items():
        params = compile_object(desc)
        for name, bounds in RANGES.get(endpoint, {}).items():
            if name in params.keys:
                params.keys[name].bounds = bounds
                params.keys[name].settle()
        for name, most in MAX_LENGTHS.get(endpoint, {}).items():
            if name in params.keys:
                params.keys[name].max_len = most
                params.keys[name].settle()
        bodies[endpoint] = BodySpec(endpoint=endpoint, params=params)
    chat = bodies.get("/v1/chat/completions")
    if chat is not None and "messages" in chat.params.keys:
        # The snapshot keeps the (deep) message shapes apart from the flat parameter list.
        messages = ValueSpec(
            types=frozenset({list}),
            expected="an array",
            items=compile_value(snap["chat_messages"]),
        )
        messages.settle()
        chat.params.keys["messages"] = messages
    moderations = bodies.get("/v1/moderations")
    if moderations is not None and "input" in moderations.params.keys:
        moderations.params.keys["input"] = compile_value(snap["moderation_input"])

    message = compile_object(snap["responses_message"])
    output = compile_object(snap["responses_output_message"])
    assistant_keys = dict(output.keys)
    assistant_keys.update(message.keys)
    assistant_keys["content"] = _merge_parts(message.keys["content"], output.keys["content"])
    assistant = ObjectSpec(
        required=message.required,
        keys=assistant_keys,
        names=tuple(sorted(assistant_keys)),
        required_set=message.required_set,
        known=frozenset(assistant_keys),
    )
    endpoints = tuple(snap["batch_endpoints"])
    return Facts(
        openai_version=snap["openai_version"],
        endpoints=frozenset(endpoints),
        endpoint_list=endpoints,
        bodies=bodies,
        responses_item_types=frozenset(snap["responses_input_item_types"]),
        responses_message=message,
        responses_assistant_message=assistant,
    )
