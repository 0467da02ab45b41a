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

from batchtui.validation import sdk_snapshot

# -- limits ------------------------------------------------------------------------------------
# A file's limits (requests, bytes, embedding inputs, custom_id length) differ by service: they
# live in the provider profiles (providers.py), the one source of each.
# SPEC CreateEmbeddingRequest: an input array holds 1-2048 items.
MAX_EMBEDDING_ARRAY = 2048

ENVELOPE_KEYS = frozenset({"custom_id", "method", "url", "body"})
BOM = b"\xef\xbb\xbf"

# Numeric ranges per endpoint, (minimum, maximum) inclusive, None = unbounded: SPEC
# CreateChatCompletionRequest / ModelResponseProperties (BATCH_API.md §9),
# CreateCompletionRequest, CreateResponse, CreateEmbeddingRequest, CreateImageRequest,
# EditImageBodyJsonParam. tests/validation/test_spec_facts.py holds these to a vendored copy
# of the spec's constraints.
_SAMPLING: dict[str, tuple[float | None, float | None]] = {
    "temperature": (0, 2),
    "top_p": (0, 1),
}
_PENALTIES: dict[str, tuple[float | None, float | None]] = {
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
}
_IMAGES: dict[str, tuple[float | None, float | None]] = {
    "n": (1, 10),
    "partial_images": (0, 3),
    # SPEC CreateImageRequest: "The compression level (0-100%)"; EditImageBodyJsonParam 0-100.
    "output_compression": (0, 100),
}
RANGES: dict[str, dict[str, tuple[float | None, float | None]]] = {
    "/v1/chat/completions": {
        **_SAMPLING,
        **_PENALTIES,
        "n": (1, 128),
        "top_logprobs": (0, 20),
        # Not in SPEC (no minimum there); a token limit below 1 asks for nothing: batchtui.
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
    # SPEC CreateResponse max_output_tokens minimum 16, and OpenAI answers "Expected a value
    # >= 16, but got 8 instead." (FORMATS.md §3, smoke test 2026-09-24).
    "/v1/responses": {**_SAMPLING, "top_logprobs": (0, 20), "max_output_tokens": (16, None)},
    "/v1/embeddings": {"dimensions": (1, None)},
    "/v1/images/generations": _IMAGES,
    "/v1/images/edits": _IMAGES,
}
# Most characters (strings) or items (arrays). SPEC: safety_identifier <= 64 characters;
# functions <= 128 items; stop <= 4 items (BATCH_API.md §9); image and video prompts <= 32,000
# characters (SPEC EditImageBodyJsonParam, CreateVideoJsonBody; CreateImageRequest's text:
# "32000 characters for the GPT image models"); edits take 1-16 images.
MAX_LENGTHS: dict[str, dict[str, int]] = {
    "/v1/chat/completions": {"safety_identifier": 64, "functions": 128},
    "/v1/responses": {"safety_identifier": 64},
    "/v1/images/generations": {"prompt": 32_000, "safety_identifier": 64},
    "/v1/images/edits": {"prompt": 32_000, "images": 16, "safety_identifier": 64},
    "/v1/videos": {"prompt": 32_000},
}
# Fewest characters or items, where the SPEC gives a minimum of 1 (minLength / minItems).
MIN_LENGTHS: dict[str, dict[str, int]] = {
    "/v1/images/edits": {"prompt": 1, "images": 1},
    "/v1/videos": {"prompt": 1},
}

# -- are the SDK's request types complete? ---------------------------------------------------
# Compared on 2026-09 (openai 3.57.0 against openai/openai-openapi 2026-08-21): for each
# endpoint below, every property of the SPEC's request schema is a key of the SDK's TypedDict
# (the SDK, newer, has a few more), so a key the SDK lacks is one OpenAI does not know either,
# and OpenAI answers 400 "Unknown parameter: 'x'." (FORMATS.md §3). The exception is
# /v1/images/edits: the SDK types the multipart form (``image``, ``mask`` as file uploads),
# while a batch line is the JSON body (SPEC EditImageBodyJsonParam: ``images``, ``mask`` as
# references), which the SDK does not type. tests/validation/test_spec_facts.py repeats the
# comparison against a vendored list of the spec's property names.
SDK_TYPES_COMPLETE: dict[str, bool] = {
    "/v1/chat/completions": True,
    "/v1/embeddings": True,
    "/v1/responses": True,
    "/v1/completions": True,
    "/v1/moderations": True,
    "/v1/images/generations": True,
    "/v1/images/edits": False,
    "/v1/videos": True,
}
# What a JSON batch body adds to, or drops from, the SDK's (multipart) parameter type.
# SPEC EditImageBodyJsonParam: ``images`` (1-16 ImageRefParam, required), ``mask`` (one
# ImageRefParam: {image_url} or {file_id}), ``moderation``; the multipart-only ``image`` and
# ``markup`` are files, which a JSON line cannot carry.
JSON_BODY_OVERLAYS: dict[str, dict[str, Any]] = {
    "/v1/images/edits": {
        "drop": ("image", "markup"),
        "add": {
            "images": {"kinds": ["array"]},
            "mask": {"kinds": ["object"]},
            "moderation": {"kinds": ["null", "string"], "enum": ["auto", "low"]},
        },
        "required": ("images", "prompt"),
    },
}

# Parameters of another endpoint, with OpenAI's own answer where it is known: (code, OpenAI's
# message, what to use instead). Messages observed against the API (FORMATS.md §3: a real
# error file for response_format; the smoke test of 2026-09-24 for the others).
_DOCS = (
    " Try again with the new parameter. See the API documentation for more information: "
    "https://platform.openai.com/docs/api-reference/responses/create."
)
MOVED: dict[tuple[str, str], tuple[str, str, str]] = {
    ("/v1/responses", "response_format"): (
        "unsupported_parameter",
        "Unsupported parameter: 'response_format'. In the Responses API, this parameter has "
        "moved to 'text.format'." + _DOCS,
        'text.format: write "text": {"format": {...}} with the same schema object',
    ),
    ("/v1/responses", "reasoning_effort"): (
        "unsupported_parameter",
        "Unsupported parameter: 'reasoning_effort'. In the Responses API, this parameter has "
        "moved to 'reasoning.effort'." + _DOCS,
        'reasoning.effort: write "reasoning": {"effort": ...}',
    ),
    ("/v1/responses", "messages"): (
        "unknown_parameter",
        "Unknown parameter: 'messages'.",
        "input: the Responses API takes the conversation as input (a string or a list of messages)",
    ),
    ("/v1/responses", "max_tokens"): (
        "unknown_parameter",
        "Unknown parameter: 'max_tokens'.",
        "max_output_tokens (at least 16)",
    ),
    ("/v1/responses", "max_completion_tokens"): (
        "unknown_parameter",
        "Unknown parameter: 'max_completion_tokens'.",
        "max_output_tokens (at least 16)",
    ),
    ("/v1/chat/completions", "input"): (
        "unknown_parameter",
        "Unknown parameter: 'input'.",
        "messages",
    ),
    ("/v1/chat/completions", "reasoning"): (
        "unknown_parameter",
        "Unknown parameter: 'reasoning'.",
        'reasoning_effort: Chat Completions takes "reasoning_effort": "low", not a reasoning '
        "object",
    ),
    ("/v1/chat/completions", "max_output_tokens"): (
        "unknown_parameter",
        "Unknown parameter: 'max_output_tokens'.",
        "max_completion_tokens",
    ),
    ("/v1/chat/completions", "instructions"): (
        "unknown_parameter",
        "Unknown parameter: 'instructions'.",
        "a system or developer message",
    ),
    ("/v1/embeddings", "inputs"): ("unknown_parameter", "Unknown parameter: 'inputs'.", "input"),
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


# The reasoning effort a model uses when the request names none, where it is known.
# Temperature and top_p are accepted only with effort "none" (smoke test 2026-09-24, FORMATS.md
# §3: "temperature/top_p work only with effort none"; 200 with reasoning_effort "none").
ALWAYS_REASONS = "always"  # no "none" effort: o-series, gpt-5, gpt-5-mini/-nano/-pro
UNKNOWN_EFFORT = "unknown"
_DEFAULT_EFFORT: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"^o\d"),
        ALWAYS_REASONS,
        "SPEC (o-series: reasoning models); their reasoning_effort has no 'none'",
    ),
    (
        re.compile(r"^gpt-5(?![.\d])"),
        ALWAYS_REASONS,
        "SDK reasoning_effort docstring (gpt-5: minimal to high; 'none' arrived with gpt-5.1)",
    ),
    (
        re.compile(r"^gpt-5\.1(?!\d)"),
        "none",
        "FORMATS.md §2.1: 45 gpt-5.1 lines with temperature 0 succeeded; the bodies echo "
        "reasoning.effort 'none'",
    ),
    (
        re.compile(r"^(?:gpt-6|gpt-5\.6)"),
        "medium",
        "FORMATS.md §3 smoke test 2026-09-24: 'Default reasoning.effort is medium on all GPT-6 "
        "models'; temperature at default effort refused on gpt-6-luna and gpt-5.6-luna",
    ),
)


def default_effort(model: str) -> str:
    """``"none"``, another effort, :data:`ALWAYS_REASONS` or :data:`UNKNOWN_EFFORT`."""
    name = model.split(":", 2)[1] if model.startswith("ft:") and model.count(":") >= 1 else model
    for pattern, effort, _source in _DEFAULT_EFFORT:
        if pattern.match(name):
            return effort
    return UNKNOWN_EFFORT


def known_model(models: frozenset[str], model: str) -> bool:
    """Is ``model`` one of the SDK's names for the endpoint (a fine-tune counts by its base)?"""
    if model in models:
        return True
    if model.startswith("ft:"):
        base = model.split(":", 2)[1]
        return base in models or any(m for m in models if base.startswith(m + "-"))
    return False


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
    min_len: int | None = None  # fewest characters (string) or items (array)
    plain: bool = True  # nothing to check beyond the type: the hot path skips the rest

    def settle(self) -> None:
        """Recompute the derived flags after a change."""
        self.deep = self.items is not None or self.shape is not None or self.variants is not None
        self.plain = (
            not self.deep
            and self.enum is None
            and self.bounds is None
            and self.max_len is None
            and self.min_len is None
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
    complete: bool = True  # SDK_TYPES_COMPLETE: an unknown key is unknown to OpenAI too
    models: frozenset[str] = frozenset()  # the SDK's model names for the endpoint


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
    models = snap.get("models", {})
    for endpoint, desc in snap["bodies"].items():
        overlay = JSON_BODY_OVERLAYS.get(endpoint)
        if overlay is not None:
            keys = {k: v for k, v in desc["keys"].items() if k not in overlay["drop"]}
            keys.update(overlay["add"])
            desc = {"required": list(overlay["required"]), "keys": keys}
        params = compile_object(desc)
        for name, bounds in RANGES.get(endpoint, {}).items():
            if name in params.keys:
                params.keys[name].bounds = bounds
                params.keys[name].settle()
        for name, most in MAX_LENGTHS.get(endpoint, {}).items():
            if name in params.keys:
                params.keys[name].max_len = most
                params.keys[name].settle()
        for name, least in MIN_LENGTHS.get(endpoint, {}).items():
            if name in params.keys:
                params.keys[name].min_len = least
                params.keys[name].settle()
        bodies[endpoint] = BodySpec(
            endpoint=endpoint,
            params=params,
            complete=SDK_TYPES_COMPLETE.get(endpoint, False),
            models=frozenset(models.get(endpoint, ())),
        )
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
