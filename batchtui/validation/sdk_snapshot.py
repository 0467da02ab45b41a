"""Facts about the Batch API's request shapes, derived from the installed ``openai`` SDK.

``import openai.types.chat`` alone costs ~0.8 s, so the validator never imports the SDK.
Instead this module turns the SDK's TypedDicts into a small JSON snapshot,
``sdk_snapshot.json``, shipped with the package and loaded in a millisecond:

* the batch endpoints (``BatchCreateParams.endpoint``) and completion windows;
* for each endpoint the validator knows, every body parameter with whether it is required,
  the JSON kinds it accepts and, for literal types, the allowed values;
* the nested shapes the validator checks by hand: chat message roles and their content
  parts, Responses input messages, items and parts, moderation input parts;
* for each endpoint, the model names its ``model`` parameter lists as literals (the SDK's
  ``ChatModel``, ``ResponsesModel``, ``EmbeddingModel``, ``ImageModel``, ``VideoModel``...).

Refresh it after upgrading ``openai``::

    python -m batchtui.validation.sdk_snapshot --write

``tests/validation/test_sdk_snapshot.py`` regenerates it from the installed SDK and compares
*shapes*, never version strings: a release that only bumps its version is not drift. What
changed is named by :func:`diff` (endpoint, parameter, what); additions (a new optional
parameter, a new enum value) are reported as a warning, removals and changed types fail.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import sys
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SNAPSHOT_PATH = Path(__file__).with_name("sdk_snapshot.json")
FORMAT_VERSION = 1

# endpoint -> (module, TypedDict) describing its request body. The non-streaming variant is
# used because a batch request must not stream (its ``stream`` is ``Literal[False]``).
ENDPOINT_PARAMS: dict[str, tuple[str, str]] = {
    "/v1/chat/completions": (
        "openai.types.chat.completion_create_params",
        "CompletionCreateParamsNonStreaming",
    ),
    "/v1/embeddings": ("openai.types.embedding_create_params", "EmbeddingCreateParams"),
    "/v1/responses": (
        "openai.types.responses.response_create_params",
        "ResponseCreateParamsNonStreaming",
    ),
    "/v1/completions": (
        "openai.types.completion_create_params",
        "CompletionCreateParamsNonStreaming",
    ),
    "/v1/moderations": ("openai.types.moderation_create_params", "ModerationCreateParams"),
    "/v1/images/generations": (
        "openai.types.image_generate_params",
        "ImageGenerateParamsNonStreaming",
    ),
    # The SDK types the multipart form of an edit (``image`` is a file upload); a batch line
    # is JSON, see facts.JSON_BODY_OVERLAYS for what differs.
    "/v1/images/edits": ("openai.types.image_edit_params", "ImageEditParamsNonStreaming"),
    "/v1/videos": ("openai.types.video_create_params", "VideoCreateParams"),
}

Desc = dict[str, Any]


# -- turning typing objects into JSON -----------------------------------------------------


def _te() -> Any:
    import typing_extensions

    return typing_extensions


def _is_typeddict(tp: object) -> bool:
    return isinstance(tp, type) and _te().is_typeddict(tp)


def _unwrap(tp: Any) -> tuple[Any, bool | None]:
    """Strip ``Required``/``NotRequired``/``Annotated``; return ``(type, required or None)``."""
    te = _te()
    required: bool | None = None
    while True:
        origin = typing.get_origin(tp)
        if origin in (te.Required, getattr(typing, "Required", te.Required)):
            required, tp = True, typing.get_args(tp)[0]
        elif origin in (te.NotRequired, getattr(typing, "NotRequired", te.NotRequired)):
            required, tp = False, typing.get_args(tp)[0]
        elif origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        else:
            return tp, required


def _hints(td: type) -> dict[str, Any]:
    return typing.get_type_hints(td, include_extras=True)


def _flatten_union(tp: Any) -> list[Any]:
    tp, _ = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_flatten_union(arg))
        return out
    return [tp]


_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
_ARRAYS = {list, tuple, set, frozenset, Sequence, Iterable, typing.List, typing.Iterable}  # noqa: UP006
_OBJECTS = {dict, Mapping, typing.Dict}  # noqa: UP006


def _literal_kind(value: object) -> str:
    return _SCALARS.get(type(value), "any")


def describe(tp: Any, depth: int) -> Desc:
    """JSON description of a type: kinds, literal values and (to ``depth``) nested shapes."""
    kinds: set[str] = set()
    enum: set[Any] = set()
    open_values = False  # a non-literal member (e.g. ``str``) accepts any value of its kind
    items: list[Any] = []
    typeddicts: list[type] = []
    for member in _flatten_union(tp):
        origin = typing.get_origin(member)
        if origin is typing.Literal:
            for value in typing.get_args(member):
                kinds.add(_literal_kind(value))
                enum.add(value)
        elif member in _SCALARS:
            kinds.add(_SCALARS[member])
            if member is not type(None):
                open_values = True
        elif _is_typeddict(member):
            kinds.add("object")
            typeddicts.append(member)
            open_values = True
        elif member in _OBJECTS or origin in _OBJECTS:
            kinds.add("object")
            open_values = True
        elif member in _ARRAYS or origin in _ARRAYS:
            kinds.add("array")
            args = typing.get_args(member)
            if args:
                items.append(args[0])
            open_values = True
        else:  # object, Any, file types: anything goes
            kinds.add("any")
            open_values = True
    desc: Desc = {"kinds": sorted(kinds)}
    literal_values = sorted(v for v in enum if v is not None)
    if literal_values and not open_values:
        desc["enum"] = literal_values
    if depth > 0 and items:
        item_union = typing.Union[tuple(items)] if len(items) > 1 else items[0]  # noqa: UP007
        desc["items"] = describe(item_union, depth - 1)
    if depth > 0 and typeddicts:
        variants = _variants(typeddicts, depth - 1)
        if variants is not None:
            desc["variants"] = variants
        if variants is None and len(typeddicts) == 1:
            desc["shape"] = shape(typeddicts[0], depth - 1)
    return desc


def _discriminator(td: type) -> tuple[str, list[str]] | None:
    """The single-literal ``type`` or ``role`` key that tells union members apart."""
    hints = _hints(td)
    for key in ("type", "role"):
        if key in hints:
            tp, _ = _unwrap(hints[key])
            members = _flatten_union(tp)
            values = [
                v
                for m in members
                if typing.get_origin(m) is typing.Literal
                for v in typing.get_args(m)
                if isinstance(v, str)
            ]
            if values:
                return key, values
    return None


def _variants(tds: list[type], depth: int) -> dict[str, Any] | None:
    """``{tag_key: {literal: shape}}`` for TypedDicts told apart by a ``type``/``role`` tag."""
    keys: dict[str, dict[str, Desc]] = {}
    for td in tds:
        disc = _discriminator(td)
        if disc is None:
            continue
        key, values = disc
        for value in values:
            # Two members may share a tag (e.g. Responses ``message``); keep the first.
            keys.setdefault(key, {}).setdefault(value, shape(td, depth))
    if not keys:
        return None
    out: dict[str, Any] = {}
    for key in sorted(keys):
        out[key] = dict(sorted(keys[key].items()))
    return out


def shape(td: type, depth: int) -> Desc:
    """``{"required": [...], "keys": {name: description}}`` for a TypedDict."""
    required: list[str] = []
    keys: dict[str, Desc] = {}
    total = getattr(td, "__total__", True)
    for name, hint in _hints(td).items():
        tp, req = _unwrap(hint)
        if req is None:
            req = total
        if req:
            required.append(name)
        keys[name] = describe(tp, depth)
    return {"required": sorted(required), "keys": dict(sorted(keys.items()))}


def literal_strings(tp: Any) -> list[str]:
    """Every string literal in a (union of) type(s): the model names of ``model``."""
    out: list[str] = []
    for member in _flatten_union(tp):
        if typing.get_origin(member) is typing.Literal:
            out.extend(v for v in typing.get_args(member) if isinstance(v, str) and v)
    return sorted(set(out))


def literal_strings_in_order(tp: Any) -> list[str]:
    """The string literals of a type in declaration order, without repeats."""
    out: list[str] = []
    for member in _flatten_union(tp):
        if typing.get_origin(member) is typing.Literal:
            out.extend(v for v in typing.get_args(member) if isinstance(v, str) and v not in out)
    return out


# -- the snapshot -------------------------------------------------------------------------


def _load(module: str, name: str) -> Any:
    return getattr(importlib.import_module(module), name)


def build() -> dict[str, Any]:
    """Derive the snapshot from the installed SDK (imports ``openai``: ~1 s)."""
    import openai

    batch_params = _load("openai.types.batch_create_params", "BatchCreateParams")
    batch_hints = _hints(batch_params)
    endpoints_desc = describe(_unwrap(batch_hints["endpoint"])[0], 0)
    windows_desc = describe(_unwrap(batch_hints["completion_window"])[0], 0)

    bodies: dict[str, Any] = {}
    models: dict[str, list[str]] = {}
    for endpoint, (module, name) in ENDPOINT_PARAMS.items():
        # Top-level parameters: kinds and literal values only; the nested structures the
        # validator walks are described separately, below.
        params = _load(module, name)
        bodies[endpoint] = shape(params, 0)
        model_hint = _hints(params).get("model")
        if model_hint is not None:
            models[endpoint] = literal_strings(_unwrap(model_hint)[0])

    chat = _load(*ENDPOINT_PARAMS["/v1/chat/completions"])
    messages = describe(_unwrap(_hints(chat)["messages"])[0], 5)
    responses = _load(*ENDPOINT_PARAMS["/v1/responses"])
    responses_input = describe(_unwrap(_hints(responses)["input"])[0], 2)
    # Items other than messages are only told apart by their ``type``; their insides are
    # not checked, so keep their tags and drop their (large) shapes.
    input_items = responses_input["items"]
    item_types = sorted(input_items["variants"].get("type", {}))
    message = _load("openai.types.responses.easy_input_message_param", "EasyInputMessageParam")
    output_message = _load(
        "openai.types.responses.response_output_message_param", "ResponseOutputMessageParam"
    )
    moderation = _load(*ENDPOINT_PARAMS["/v1/moderations"])
    moderation_input = describe(_unwrap(_hints(moderation)["input"])[0], 4)

    return {
        "format": FORMAT_VERSION,
        "openai_version": openai.__version__,
        "batch_endpoints": endpoints_desc["enum"],
        # The same, in the SDK's own order (what an error message lists).
        "batch_endpoints_in_order": literal_strings_in_order(_unwrap(batch_hints["endpoint"])[0]),
        "completion_windows": windows_desc["enum"],
        "bodies": bodies,
        "models": models,
        "chat_messages": messages["items"],
        "responses_input_item_types": item_types,
        "responses_message": shape(message, 4),
        # Earlier assistant turns may be replayed with output parts (``output_text``).
        "responses_output_message": shape(output_message, 3),
        "moderation_input": moderation_input,
    }


# Keys that record where a snapshot came from rather than what the API looks like.
_PROVENANCE = ("openai_version",)


@dataclass(frozen=True, slots=True)
class Drift:
    """One difference between two snapshots' shapes."""

    where: str  # e.g. "bodies /v1/chat/completions: parameter 'foo'"
    what: str  # "added", "removed", or "changed: <old> -> <new>"
    additive: bool  # True when the new SDK only accepts more than the old one

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _label(path: tuple[str, ...]) -> str:
    """A readable place for a snapshot path: ``bodies /v1/responses: parameter 'x'``."""
    parts: list[str] = []
    i = 0
    while i < len(path):
        key = path[i]
        if key == "keys" and i + 1 < len(path):
            parts.append(f"parameter {path[i + 1]!r}")
            i += 2
            continue
        if key == "variants" and i + 2 < len(path):
            parts.append(f"{path[i + 1]}={path[i + 2]!r}")
            i += 3
            continue
        parts.append(key)
        i += 1
    head, *rest = parts or ["snapshot"]
    return head + (": " + " ".join(rest) if rest else "")


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Drift]:
    """Every shape difference from ``old`` to ``new`` (provenance keys ignored)."""
    out: list[Drift] = []
    _diff(
        {k: v for k, v in old.items() if k not in _PROVENANCE},
        {k: v for k, v in new.items() if k not in _PROVENANCE},
        (),
        out,
    )
    return out


def _diff(old: Any, new: Any, path: tuple[str, ...], out: list[Drift]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            sub = (*path, str(key))
            if key not in new:
                out.append(Drift(_label(sub), "removed", additive=False))
            elif key not in old:
                # A new parameter or variant; a new *required* one shows up in "required".
                out.append(Drift(_label(sub), "added", additive=True))
            else:
                _diff(old[key], new[key], sub, out)
        return
    scalars = (str, int, float, bool)
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and old != new
        and all(isinstance(v, scalars) for v in (*old, *new))
    ):
        gone = [v for v in old if v not in new]
        came = [v for v in new if v not in old]
        # More enum values, kinds or endpoints accept more; for "required" it is the other
        # way round: a newly required parameter rejects what passed before.
        additive = not came if path[-1:] == ("required",) else not gone
        what = ", ".join([f"added {v!r}" for v in came] + [f"removed {v!r}" for v in gone])
        out.append(Drift(_label(path), what, additive=additive))
        return
    if old != new:
        out.append(Drift(_label(path), f"changed: {old!r} -> {new!r}", additive=False))


def dumps(snapshot: dict[str, Any]) -> str:
    return json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@functools.lru_cache(maxsize=1)
def load() -> dict[str, Any]:
    """The shipped snapshot (no SDK import)."""
    import orjson

    return orjson.loads(SNAPSHOT_PATH.read_bytes())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m batchtui.validation.sdk_snapshot",
        description="Derive the validator's SDK snapshot from the installed openai package.",
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help=f"write {SNAPSHOT_PATH.name}")
    group.add_argument(
        "--check", action="store_true", help="exit 1 if the shipped snapshot is out of date"
    )
    args = parser.parse_args(argv)
    text = dumps(build())
    if args.write:
        tmp = SNAPSHOT_PATH.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(SNAPSHOT_PATH)
        print(f"wrote {SNAPSHOT_PATH}")
        return 0
    if args.check:
        drift = diff(load(), json.loads(text))
        for change in drift:
            print(f"{SNAPSHOT_PATH.name}: {change}", file=sys.stderr)
        if drift:
            print(f"{SNAPSHOT_PATH} is out of date; run with --write", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
