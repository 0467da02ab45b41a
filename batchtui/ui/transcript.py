"""Readable renderings of one JSONL line: a transcript of the request, and highlighted JSON.

Everything that comes from the file is put into ``rich.text.Text`` objects as plain text,
never parsed as markup, and passed through :func:`batchtui.core.text.safe` first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import orjson
from rich.console import Group, RenderableType
from rich.highlighter import JSONHighlighter
from rich.text import Text

import batchtui.jsonl.bodies.answers as answers
from batchtui.core.text import decode, safe
from batchtui.ui.cells import drawable

# Lines longer than this are not parsed or pretty-printed in the detail pane; the raw view
# shows the first DETAIL_RAW_CAP bytes and says how many more there are.
DETAIL_PARSE_CAP = 2 * 1024 * 1024
DETAIL_RAW_CAP = 64 * 1024
# Pretty JSON longer than this is cut: wrapping megabytes of text would stall the screen.
DETAIL_TEXT_CAP = 48 * 1024

ROLE_STYLES = {
    "system": "bold magenta",
    "developer": "bold magenta",
    "user": "bold cyan",
    "assistant": "bold green",
    "tool": "bold yellow",
    "function": "bold yellow",
}

_json_highlighter = JSONHighlighter()


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def _value(value: object) -> str:
    """A value from the line as one line of text: strings as they are, the rest as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return drawable(safe(text))


def _multiline(text: str, style: str = "") -> Text:
    """User text with its own newlines kept."""
    return Text(multiline(text), style=style)


def _content_parts(content: Any) -> list[Text]:
    """Text of a message's content: a string or a list of typed parts."""
    if content is None:
        return []
    if isinstance(content, str):
        return [_multiline(content)]
    if not isinstance(content, list):
        return [Text(_value(content), style="dim")]
    out: list[Text] = []
    for part in content:
        if not isinstance(part, dict):
            out.append(Text(_value(part), style="dim"))
            continue
        kind = part.get("type")
        if kind in ("text", "input_text", "output_text") and isinstance(part.get("text"), str):
            out.append(_multiline(part["text"]))
        elif kind in ("image_url", "input_image"):
            url = part.get("image_url")
            if isinstance(url, dict):
                url = url.get("url")
            url = url or part.get("file_id") or "?"
            if isinstance(url, str) and url.startswith("data:"):
                url = url[:40] + "…"
            out.append(Text(f"[image: {_value(url)}]", style="italic dim"))
        elif kind == "input_audio":
            out.append(Text("[audio]", style="italic dim"))
        elif kind in ("file", "input_file"):
            f = part.get("file", part)
            name = (
                (f.get("filename") or f.get("file_id") or "file") if isinstance(f, dict) else "file"
            )
            out.append(Text(f"[file: {_value(name)}]", style="italic dim"))
        else:
            out.append(Text(_value(part), style="dim"))
    return out


def _turn(role: str, parts: list[Text]) -> Text:
    label = Text(f"{safe(role)}: ", style=ROLE_STYLES.get(role, "bold"))
    body = Text("\n").join(parts) if parts else Text("(empty)", style="dim italic")
    return Text.assemble(label, body)


def _chat_turns(messages: Any) -> list[Text]:
    if not isinstance(messages, list):
        return []
    turns: list[Text] = []
    for msg in messages:
        if not isinstance(msg, dict):
            turns.append(Text(_value(msg), style="red"))
            continue
        role = msg.get("role")
        role = role if isinstance(role, str) else "?"
        if role == "assistant":
            # An assistant turn may hold calls, a refusal, reasoning or audio, not only text.
            calls = answers.chat_message_parts(msg)
            turns.extend(part_turns(calls) if calls else [_turn(role, [])])
            continue
        content = _content_parts(msg.get("content"))
        if role == "tool" and isinstance(msg.get("tool_call_id"), str):
            role = f"tool {msg['tool_call_id']}"
        turns.append(_turn(role, content))
    return turns


# How each kind of answer part looks (see batchtui/jsonl/bodies/parts.py).
PART_STYLES = {
    "text": "bold green",
    "refusal": "bold red",
    "reasoning": "bold magenta",
    "call": "bold yellow",
    "tool": "bold cyan",
    "audio": "bold green",
    "note": "dim",
}


def part_turns(parts: Sequence[answers.Part]) -> list[Text]:
    """Answer parts as transcript turns: text under its role, calls with their name,
    status and pretty-printed arguments, reasoning summaries dimmed, tools with what they did."""
    out: list[Text] = []
    for p in parts:
        style = PART_STYLES.get(p.kind, "bold")
        if p.kind == "text":
            head = Text(f"{_value(p.label)}: ", style=ROLE_STYLES.get(p.label, style))
        elif p.kind == "call":
            head = Text(f"→ {_value(p.label)}", style=style)
        elif p.kind == "tool":
            head = Text(f"⚙ {_value(p.label)}", style=style)
        else:
            head = Text(f"{_value(p.label)}: ", style=style)
        facts = [x for x in (p.status, p.detail) if x]
        if facts:
            head.append(("  " if p.kind in ("call", "tool") else "") + " · ".join(facts), "dim")
            if p.kind not in ("call", "tool"):
                head.append(" ")
        if p.kind in ("call", "tool"):
            if p.text:
                body = _multiline(p.text)
                if p.text.lstrip().startswith(("{", "[")):
                    body = _json_highlighter(body)
                head.append("\n")
                head.append_text(_indent(body))
        elif p.text:
            head.append_text(_multiline(p.text, "dim italic" if p.kind == "reasoning" else ""))
        elif p.kind == "text":
            head.append("(empty)", style="dim italic")
        out.append(head)
    return out


def _indent(text: Text, prefix: str = "  ") -> Text:
    lines = text.split("\n", allow_blank=True)
    return Text("\n").join(Text(prefix) + line for line in lines)


def _responses_turns(body: dict[str, Any]) -> list[Text]:
    turns: list[Text] = []
    if isinstance(body.get("instructions"), str):
        turns.append(_turn("developer", [_multiline(body["instructions"])]))
    items = body.get("input")
    if isinstance(items, str):
        turns.append(_turn("user", [_multiline(items)]))
    elif isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and "role" in item and item.get("type") in (None, "message"):
                role = item["role"] if isinstance(item["role"], str) else "?"
                if role == "assistant":
                    turns.extend(part_turns(answers.output_item_parts(item)))
                else:
                    turns.append(_turn(role, _content_parts(item.get("content"))))
            elif isinstance(item, dict):
                # Earlier turns of a conversation: calls, their outputs, reasoning, …
                turns.extend(part_turns(answers.output_item_parts(item)))
            else:
                turns.append(Text(_value(item), style="dim"))
    return turns


def _params_line(body: dict[str, Any], skip: set[str]) -> Text | None:
    params = [
        f"{k}={_value(v)}"
        for k, v in body.items()
        if k not in skip and isinstance(v, (str, int, float, bool)) and k != "model"
    ]
    if not params:
        return None
    return Text("  ".join(params), style="dim")


def transcript(obj: Any) -> list[Text]:
    """A readable view of a batch request, or of a result line's answer; [] if unknown."""
    if not isinstance(obj, dict):
        return []
    out: list[Text] = []
    body = obj.get("body")
    if isinstance(body, dict):
        url = obj.get("url")
        url = url if isinstance(url, str) else ""
        if "messages" in body:
            out.extend(_chat_turns(body["messages"]))
            line = _params_line(body, {"messages"})
        elif (
            url.endswith("/responses")
            or "instructions" in body
            or ("input" in body and "/embeddings" not in url and "/moderations" not in url)
        ):
            out.extend(_responses_turns(body))
            line = _params_line(body, {"input", "instructions"})
        elif "input" in body or "prompt" in body:
            value = body.get("input", body.get("prompt"))
            values = value if isinstance(value, list) else [value]
            label = "input" if "input" in body else "prompt"
            for i, v in enumerate(values[:20]):
                out.append(
                    _turn(f"{label}[{i}]" if len(values) > 1 else label, [_multiline(_value(v))])
                )
            if len(values) > 20:
                out.append(Text(f"… {len(values) - 20:,} more inputs", style="dim"))
            line = _params_line(body, {"input", "prompt"})
        else:
            line = None
        if line is not None:
            out.append(line)
    response = obj.get("response")
    if isinstance(response, dict):
        out.extend(_response_turns(response))
    error = obj.get("error")
    if error:
        out.append(Text.assemble(("error: ", "bold red"), (_value(error), "red")))
    return out


def _response_turns(response: dict[str, Any]) -> list[Text]:
    out: list[Text] = []
    status = response.get("status_code")
    body = response.get("body")
    style = "bold green" if status == 200 else "bold red"
    out.append(Text(f"status {_value(status)}", style=style))
    if not isinstance(body, dict):
        return out
    if isinstance(body.get("error"), dict):
        err = body["error"]
        out.append(Text.assemble(("error: ", "bold red"), (_value(err.get("message", err)), "red")))
    out.extend(part_turns(answers.answer_parts(body)))
    choices = body.get("choices")
    for choice in choices if isinstance(choices, list) else ():
        if isinstance(choice, dict) and choice.get("finish_reason") not in (None, "stop"):
            out.append(Text(f"finish_reason: {_value(choice['finish_reason'])}", style="yellow"))
            break
    if body.get("status") == "incomplete":
        details = body.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        out.append(Text(f"finish_reason: incomplete ({_value(reason or '?')})", style="yellow"))
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict) and "embedding" in data[0]:
        emb = data[0]["embedding"]
        size = len(emb) if isinstance(emb, list) else "base64"
        out.append(Text(f"{len(data)} embedding(s) of {size} dimensions", style="green"))
    usage = body.get("usage")
    if isinstance(usage, dict):
        out.append(
            Text(
                "usage: "
                + ", ".join(
                    f"{k}={_value(v)}" for k, v in usage.items() if not isinstance(v, dict)
                ),
                style="dim",
            )
        )
    return out


def pretty_json(obj: Any, cap: int = DETAIL_TEXT_CAP) -> Text:
    """Indented, highlighted JSON; non-ASCII kept readable, controls escaped, long output cut."""
    text = multiline(json.dumps(obj, indent=2, ensure_ascii=False))
    more = len(text) - cap
    if more > 0:
        text = text[:cap]
    result = _json_highlighter(Text(text))
    if more > 0:
        result.append(
            f"\n… {more:,} more characters (press r for the raw line)", style="dim italic"
        )
    return result


def multiline(text: str) -> str:
    """Data for a multi-line view: made safe with its newlines kept, drawn as ui/cells.py
    says."""
    return drawable(safe(text, keep_newlines=True))


def render_line_detail(
    data: bytes, full_length: int, pretty: bool, marks: Sequence[str] = ()
) -> RenderableType:
    """The detail pane's content for one line (``data`` may be a prefix of the line)."""
    more = full_length - len(data)
    if not pretty or more > 0:
        shown = data[:DETAIL_RAW_CAP]
        text, bad = decode(shown)
        text = drawable(safe(text))
        parts: list[RenderableType] = []
        if more > 0 and pretty:
            parts.append(
                Text(
                    f"Line is {human_size(full_length)}: too long to pretty-print.", style="yellow"
                )
            )
        if bad:
            parts.append(Text("Invalid UTF-8: bad bytes shown as \ufffd", style="yellow"))
        parts.append(Text(text))
        rest = full_length - len(shown)
        if rest > 0:
            parts.append(Text(f"… {rest:,} more bytes", style="dim italic"))
        return Group(*parts)
    if not data.strip():
        return Text("(blank line)", style="dim italic")
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        head = Text(f"Not valid JSON: {exc}", style="bold red")
        return Group(head, Text(drawable(safe(data[:DETAIL_RAW_CAP]))))
    turns = transcript(obj)
    parts = []
    if turns:
        parts.append(Group(*turns))
        parts.append(Text(""))
    body = pretty_json(obj)
    for key in marks:
        # Mark the field a finding points at, so the eye lands on it.
        body.highlight_regex(rf'"{re.escape(key)}"(?=: )', "bold reverse red")
    parts.append(body)
    return Group(*parts)
