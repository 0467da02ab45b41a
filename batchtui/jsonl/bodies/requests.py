"""What an OpenAI request body asks: its turns, and its settings, for every batch endpoint.

* ``/v1/chat/completions`` (and fine-tuning chat examples): ``messages[]``, each a role and
  content; assistant turns may hold ``tool_calls``, a ``refusal``, ``audio``; ``tool`` turns
  answer a ``tool_call_id``.
* ``/v1/responses``: ``instructions`` (a developer turn), ``input`` (a string, or items:
  messages, earlier ``function_call`` / ``function_call_output`` items, reasoning, ...).
* ``/v1/completions`` ``prompt``, ``/v1/embeddings`` and ``/v1/moderations`` ``input``: a
  string, strings, token ids (``[int]``) or arrays of token ids (moderations also take
  text and image parts).
* ``/v1/images/generations``, ``/v1/images/edits``, ``/v1/videos``: a ``prompt``, and the
  images an edit starts from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from batchtui.jsonl.bodies.answers import chat_message_parts, output_item_parts
from batchtui.jsonl.bodies.parts import Part, Turn, as_json, content_parts, first_text, s

# Turns shown of a prompt or input list (an embeddings request can carry 2,048 inputs).
PROMPT_TURNS = 20

# Endpoint -> the format name used below (Azure's and proxies' spellings normalised).
_FORMATS = {
    "chat/completions": "chat",
    "responses": "responses",
    "completions": "completions",
    "embeddings": "embeddings",
    "moderations": "moderations",
    "images/generations": "images",
    "images/edits": "images",
    "videos": "videos",
}
# Body keys that hold what is said, not how: left out of the settings.
_TEXT_KEYS = frozenset({"messages", "input", "instructions", "prompt", "suffix", "model"})
# Max-token keys, in the order a service reads them.
MAX_TOKEN_KEYS = {
    "chat": ("max_completion_tokens", "max_tokens"),
    "responses": ("max_output_tokens",),
    "completions": ("max_tokens",),
    "finetune": (),
}
_ANY_MAX_TOKENS = ("max_completion_tokens", "max_output_tokens", "max_tokens")


@dataclass(slots=True)
class Settings:
    """How a request asks: its model, output ceiling, temperature, the tools it offers, and
    every other scalar setting as written (for a "max_tokens=300  temperature=0.2" line)."""

    model: str | None = None
    max_tokens: int | None = None
    max_tokens_key: str | None = None
    temperature: float | None = None
    tools: tuple[str, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()


def endpoint_format(url: Any, body: Any = None) -> str:
    """The format of a request: "chat", "responses", "completions", "embeddings",
    "moderations", "images", "videos" or "other", from its URL (``/v1/chat/completions``,
    Azure's ``/chat/completions``, Zhipu's ``/v4/...``), else guessed from the body's keys."""
    if isinstance(url, str) and url:
        known = _URL_FORMATS.get(url)
        if known is None:
            known = _url_format(url)
            if len(_URL_FORMATS) < 1024:  # a file has a handful of URLs: remember them
                _URL_FORMATS[url] = known
        if known != "other":
            return known
    if not isinstance(body, dict):
        return "other"
    if "messages" in body:
        return "chat"
    if "instructions" in body or (
        isinstance(body.get("input"), list)
        and any(isinstance(i, dict) and ("role" in i or "type" in i) for i in body["input"])
    ):
        return "responses"
    if "input" in body:
        return "responses" if isinstance(body.get("input"), str) else "embeddings"
    if "prompt" in body:
        return "completions"
    return "other"


_URL_FORMATS: dict[str, str] = {}


def _url_format(url: str) -> str:
    path = url.split("?", 1)[0].strip().strip("/")
    for suffix, fmt in _FORMATS.items():
        if path == suffix or path.endswith("/" + suffix):
            return fmt
    return "other"


# -- turns -------------------------------------------------------------------------------


def chat_turns(messages: Any) -> Iterator[Turn]:
    """The turns of a chat ``messages`` list (also a fine-tuning example's)."""
    if not isinstance(messages, list):
        return
    for msg in messages:
        if not isinstance(msg, dict):
            yield Turn("", (Part("other", "message", as_json(msg)),))
            continue
        role = s(msg.get("role")) or "?"
        if role == "assistant":
            # An assistant turn may hold calls, a refusal, reasoning or audio, not only text.
            yield Turn(role, tuple(chat_message_parts(msg)))
            continue
        label = role
        if role == "tool" and isinstance(msg.get("tool_call_id"), str):
            label = f"tool {msg['tool_call_id']}"
        elif role == "function" and isinstance(msg.get("name"), str):
            label = f"function {msg['name']}"
        yield Turn(label, tuple(content_parts(msg.get("content"), label)))


def input_item_kind(item: Any) -> str:
    """What one Responses ``input`` item is: "message", "call" (``function_call``,
    ``custom_tool_call``), "output" (their ``*_output`` answers), "text" (a bare string,
    taken as a user message) or "other" (reasoning, references, built-in tool items)."""
    if item.__class__ is str:
        return "text"
    if item.__class__ is not dict:
        return "invalid"
    kind = item.get("type")
    if "role" in item and kind in (None, "message"):
        return "message"
    if kind in ("function_call", "custom_tool_call"):
        return "call"
    if kind in ("function_call_output", "custom_tool_call_output"):
        return "output"
    return "other"


def responses_turns(body: dict[str, Any]) -> Iterator[Turn]:
    instructions = body.get("instructions")
    if isinstance(instructions, str):
        yield Turn("developer", (Part("text", "developer", instructions),))
    items = body.get("input")
    if isinstance(items, str):
        yield Turn("user", (Part("text", "user", items),))
        return
    if not isinstance(items, list):
        return
    for item in items:
        kind = input_item_kind(item)
        if kind == "message":
            role = item["role"] if isinstance(item["role"], str) else "?"
            if role == "assistant":
                yield Turn(role, tuple(output_item_parts(item)))
            else:
                yield Turn(role, tuple(content_parts(item.get("content"), role)))
        elif kind == "text":
            yield Turn("user", (Part("text", "user", item),))
        elif kind == "invalid":
            yield Turn("", (Part("other", "item", as_json(item)),))
        else:
            # Earlier turns of a conversation: calls, their outputs, reasoning, …
            yield Turn("tool" if kind == "output" else "assistant", tuple(output_item_parts(item)))


def prompt_items(value: Any) -> list[Any]:
    """A ``prompt`` or ``input`` that may be a string, strings, token ids or arrays of token
    ids, as a list of prompts: each a string, a list of token ids, or whatever else stood
    there (``[1, 2, 3]`` is one prompt of three tokens; ``[[1, 2], [3]]`` two)."""
    if value is None:
        return []
    if not isinstance(value, list):
        return [value]
    if value and all(type(v) is int for v in value):
        return [value]
    return value


def _prompt_turns(label: str, value: Any, limit: int | None) -> Iterator[Turn]:
    items = prompt_items(value)
    many = len(items) > 1
    for i, item in enumerate(items[:limit]):
        role = f"{label}[{i}]" if many else label
        if isinstance(item, str):
            yield Turn(role, (Part("text", role, item),))
        elif isinstance(item, dict):  # moderations: text and image parts
            yield Turn(role, tuple(content_parts([item], role)))
        else:  # token ids
            yield Turn(role, (Part("other", "token ids", as_json(item)),))
    if limit is not None and len(items) > limit:
        yield Turn("", (Part("note", f"… {len(items) - limit:,} more inputs"),))


def _image_turns(body: dict[str, Any]) -> Iterator[Turn]:
    prompt = body.get("prompt")
    parts: list[Part] = []
    if isinstance(prompt, str):
        parts.append(Part("text", "prompt", prompt))
    for key in ("image", "images", "mask", "input_reference"):
        value = body.get(key)
        for ref in value if isinstance(value, list) else [value] if value is not None else []:
            if isinstance(ref, dict):
                ref = ref.get("image_url") or ref.get("file_id") or as_json(ref)
            parts.append(
                Part("media", "image" if key != "mask" else "mask", s(ref) or as_json(ref))
            )
    if parts:
        yield Turn("prompt", tuple(parts))


def request_turns(fmt: str, body: Any, limit: int | None = PROMPT_TURNS) -> Iterator[Turn]:
    """The turns of an OpenAI request body of format ``fmt`` (see :func:`endpoint_format`);
    of a list of prompts or inputs, the first ``limit`` and a note of how many more."""
    if not isinstance(body, dict):
        return
    if fmt in ("chat", "finetune"):
        yield from chat_turns(body.get("messages"))
    elif fmt == "responses":
        yield from responses_turns(body)
    elif fmt == "completions":
        yield from _prompt_turns("prompt", body.get("prompt"), limit)
        if isinstance(body.get("suffix"), str):
            yield Turn("suffix", (Part("text", "suffix", body["suffix"]),))
    elif fmt in ("embeddings", "moderations"):
        yield from _prompt_turns("input", body.get("input"), limit)
    elif fmt in ("images", "videos"):
        yield from _image_turns(body)
    elif "messages" in body:
        yield from chat_turns(body["messages"])
    elif "input" in body or "prompt" in body:
        key = "input" if "input" in body else "prompt"
        yield from _prompt_turns(key, body[key], limit)


def request_prompt(fmt: str, body: Any) -> str | None:
    """What a list row shows of a request: the last user text (the question a chat ends
    on), the input or the prompt (with "(+N more)"); None when there is no text. Reads only
    what it shows: no turns are built for the messages before it."""
    if not isinstance(body, dict):
        return None
    messages = body.get("messages")
    if isinstance(messages, list):
        for msg in reversed(messages):
            if msg.__class__ is dict and msg.get("role") == "user":
                return first_text(msg.get("content"))
        return None
    for key in ("input", "prompt"):
        value = body.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value:
            last = value[-1]
            if key == "input" and isinstance(last, dict):
                return first_text(last.get("content")) or s(last.get("text"))
            first = value[0]
            if isinstance(first, dict):
                return first_text(first.get("content"))
            if isinstance(first, str):
                suffix = f" (+{len(value) - 1} more)" if len(value) > 1 else ""
                return first + suffix
    if fmt == "responses" and isinstance(body.get("instructions"), str):
        return body["instructions"]
    return None


# -- settings ------------------------------------------------------------------------------


def output_limit(fmt: str, body: dict[str, Any]) -> tuple[str | None, int | None]:
    """``(key, value)`` of the request's output ceiling as written (``max_completion_tokens``
    before ``max_tokens`` on chat), or ``(None, None)``; only non-negative integers count."""
    for key in MAX_TOKEN_KEYS.get(fmt, _ANY_MAX_TOKENS):
        value = body.get(key)
        if type(value) is int and value >= 0:
            return key, value
    return None, None


def tool_names(tools: Any) -> tuple[str, ...]:
    """Names of the tools a request offers: chat ``{"function": {"name"}}``, Responses
    ``{"type": "function", "name"}``, built-ins by their type (``web_search``), Anthropic
    ``{"name"}``, Gemini ``functionDeclarations`` and ``google_search``."""
    names: list[str] = []
    for tool in tools if isinstance(tools, list) else ():
        if not isinstance(tool, dict):
            continue
        inner = tool.get("function") or tool.get("custom")
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            names.append(inner["name"])
        elif isinstance(tool.get("name"), str):
            names.append(tool["name"])
        elif isinstance(tool.get("type"), str):
            names.append(tool["type"])
        else:
            decls = tool.get("functionDeclarations", tool.get("function_declarations"))
            if isinstance(decls, list):
                names.extend(d["name"] for d in decls if isinstance(d, dict) and s(d.get("name")))
            else:
                names.extend(k for k in tool if isinstance(k, str))  # {"google_search": {}}
    return tuple(names)


def scalar_params(
    values: dict[str, Any], skip: frozenset[str] = _TEXT_KEYS
) -> tuple[tuple[str, Any], ...]:
    """Every scalar setting of ``values`` as written, ``skip`` left out."""
    return tuple(
        (k, v)
        for k, v in values.items()
        if k not in skip and isinstance(v, (str, int, float, bool)) and v is not None
    )


def request_settings(fmt: str, body: Any) -> Settings:
    if not isinstance(body, dict):
        return Settings()
    key, limit = output_limit(fmt, body)
    temperature = body.get("temperature")
    return Settings(
        model=s(body.get("model")),
        max_tokens=limit,
        max_tokens_key=key,
        temperature=temperature if isinstance(temperature, (int, float)) else None,
        tools=tool_names(body.get("tools")) + tool_names(body.get("functions")),
        params=scalar_params(body),
    )


def request_texts(fmt: str, body: Any) -> list[str]:
    """Every text a request sends (messages, instructions, inputs, prompts, earlier calls'
    arguments and outputs), for rough token estimates."""
    out: list[str] = []
    for turn in request_turns(fmt, body, limit=None):
        for part in turn.parts:
            if part.kind in ("text", "refusal", "reasoning", "tool"):
                out.append(part.text)
            elif part.kind == "call":
                args = part.args
                out.append(args if isinstance(args, str) else part.text)
    return out
