"""The pieces every body is made of: :class:`Part` (one thing said or done), :class:`Turn`
(one speaker and what they said), and OpenAI message content read part by part.

Content parts (openai SDK types, read from the installed wheel):

* Chat ``messages[].content``: a string, or ``text``, ``image_url`` (``{"url", "detail"}``),
  ``input_audio`` (``{"data", "format"}``), ``file`` (``{"file_id", "filename",
  "file_data"}``) and, on assistant turns, ``refusal`` parts.
* Responses ``input[].content``: ``input_text``, ``input_image`` (``image_url`` a string,
  or ``file_id``; ``detail`` beside it), ``input_audio``, ``input_file``; ``output_text`` and
  ``refusal`` on earlier assistant turns.

No Textual or Rich here: the UI styles a :class:`Part` by its ``kind``. The records are
plain slotted dataclasses, read-only by convention: a frozen one costs five times as much
to build (1.9 µs against 0.4 µs here), and a list row builds several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

# Characters of one part's text kept (arguments of a big call, a long reasoning summary).
TEXT_CAP = 16_000
# Characters of a call's arguments in a one-line preview.
ARGS_PREVIEW = 80


@dataclass(slots=True)
class Part:
    """One thing a turn holds. ``kind`` says what, for the UI to style:

    * ``text``: words; ``label`` is the role that said them ("user", "assistant", "model").
    * ``refusal``: the model declined (``text`` says how).
    * ``reasoning``: a reasoning summary or thinking block (``detail``: "encrypted", ...).
    * ``call``: the model asks for a tool; ``label`` is its name, ``args`` the arguments as
      sent, ``text`` them pretty-printed, ``detail`` the call id.
    * ``tool``: a tool's result, or a built-in tool the service ran (web search, code).
    * ``audio``: an answer's audio; ``text`` is its transcript.
    * ``media``: an attachment of a request; ``label`` "image", "audio", "file" or "video",
      ``text`` its URL, file id or name (data URLs whole: a view cuts them), ``detail`` its
      detail level or MIME type.
    * ``data``: an answer that is not text (embeddings, moderation verdicts, images).
    * ``note``: a heading between parts ("choice 1", "… 12 more inputs").
    * ``other``: a part of a kind this reading does not know; ``text`` is its JSON.
    """

    kind: str
    label: str
    text: str = ""
    status: str | None = None  # "completed", "failed", … (Responses items)
    detail: str | None = None  # a short fact: call id, query, result size, detail level
    args: Any = None  # a call's arguments as sent (for the one-line form)


@dataclass(slots=True)
class Turn:
    """One speaker and what they said or did, in order. ``role`` is the format's own word
    ("system", "user", "assistant", "tool call_1", "model", "prompt"; "" for a value that is
    not a message at all)."""

    role: str
    parts: tuple[Part, ...]


# Kinds of a turn's parts that stand on their own (with their label) in a transcript, as
# opposed to words and attachments that sit under the turn's role.
ACTION_KINDS = frozenset({"refusal", "reasoning", "call", "tool", "audio", "data", "note"})


def s(value: Any) -> str | None:
    """``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


def cap(text: str, limit: int = TEXT_CAP) -> str:
    return (
        text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit:,} more characters)"
    )


def as_json(value: Any) -> str:
    """A value from a line as compact JSON text (non-ASCII kept), for parts of no known kind."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # integers beyond 64 bits and other values orjson refuses
        import json

        return json.dumps(value, ensure_ascii=False, default=str)


def pretty_arguments(arguments: Any) -> str:
    """A call's arguments as indented JSON (they arrive as a JSON string), else as given."""
    value = arguments
    if isinstance(arguments, str):
        try:
            value = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return cap(arguments) + ("\n(not valid JSON)" if arguments.strip() else "")
    if value is None or value == {}:
        return ""
    try:
        return cap(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
    except TypeError:
        return cap(str(value))


def compact_arguments(arguments: Any, limit: int = ARGS_PREVIEW) -> str:
    """Arguments on one line for a list row: ``city="Paris", days=3`` or the raw text."""
    value = arguments
    if isinstance(arguments, str):
        try:
            value = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            value = arguments
    if isinstance(value, dict):
        text = ", ".join(
            f"{k}={_quote(v) if isinstance(v, str) else as_json(v)}" for k, v in value.items()
        )
    elif isinstance(value, str):
        text = value
    else:
        text = as_json(value) if value is not None else ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


# -- OpenAI content parts --------------------------------------------------------------------

_MEDIA_TYPES = {
    "image_url": "image",
    "input_image": "image",
    "input_audio": "audio",
    "file": "file",
    "input_file": "file",
}


def part_type(part: Any) -> str:
    """What one OpenAI content part is: "text", "refusal", "image", "audio", "file" or
    "other" (a bare string is text). The token counter and the readers below agree through
    this one function."""
    if part.__class__ is str:
        return "text"
    if part.__class__ is not dict:
        return "other"
    kind = part.get("type")
    media = _MEDIA_TYPES.get(kind) if kind.__class__ is str else None
    if media is not None:
        return media
    if kind == "refusal":
        return "refusal"
    if part.get("text").__class__ is str:
        return "text"
    return "other"


def image_source(part: dict[str, Any]) -> tuple[Any, Any, Any]:
    """``(url, file_id, detail)`` of an image part: chat nests ``{"url", "detail"}`` under
    ``image_url``, Responses puts a string there (or a ``file_id``) and ``detail`` beside it.
    ``file_id`` is only given when there is no URL."""
    url = part.get("image_url")
    detail = part.get("detail")
    if isinstance(url, dict):
        detail = url.get("detail", detail)
        url = url.get("url")
    file_id = part.get("file_id") if url is None else None
    return url, file_id, detail


def media_part(kind: str, part: dict[str, Any]) -> Part:
    """An image, audio or file content part as a :class:`Part` of kind ``media``."""
    if kind == "image":
        url, file_id, detail = image_source(part)
        ref = s(url) or s(file_id) or ("?" if url is None and file_id is None else as_json(url))
        return Part("media", "image", ref, detail=s(detail))
    if kind == "audio":
        audio = part.get("input_audio")
        fmt = s(audio.get("format")) if isinstance(audio, dict) else None
        return Part("media", "audio", "", detail=fmt)
    inner = part.get("file")
    f = inner if isinstance(inner, dict) else part
    name = s(f.get("filename")) or s(f.get("file_id")) or s(f.get("file_url")) or ""
    return Part("media", "file", name)


def content_parts(content: Any, role: str) -> list[Part]:
    """Message content (a string, or a list of typed parts) as parts; text under ``role``."""
    if content is None:
        return []
    if content.__class__ is str:
        return [Part("text", role, content)]
    if content.__class__ is not list:
        return [Part("other", "content", as_json(content))]
    out: list[Part] = []
    for part in content:
        kind = part_type(part)
        if kind == "text":
            out.append(Part("text", role, part if part.__class__ is str else part["text"]))
        elif kind == "refusal":
            out.append(Part("refusal", "refusal", s(part.get("refusal")) or ""))
        elif kind == "other":
            label = s(part.get("type")) if isinstance(part, dict) else None
            out.append(Part("other", label or "part", as_json(part)))
        else:
            out.append(media_part(kind, part))
    return out


def first_text(content: Any) -> str | None:
    """The first text of message content, without building its parts (list rows)."""
    if content.__class__ is str:
        return content
    if content.__class__ is list:
        for part in content:
            if part.__class__ is str:
                return part
            if part.__class__ is dict:
                text = part.get("text")
                if text.__class__ is str:
                    return text
    return None
