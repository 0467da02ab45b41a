"""Readable renderings of one JSONL line: a transcript of the request, and highlighted JSON.

Everything that comes from the file is put into ``rich.text.Text`` objects as plain text,
never parsed as markup, and passed through :func:`batchtui.core.text.safe` first.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from typing import Any

import orjson
from rich.console import Group, RenderableType
from rich.highlighter import JSONHighlighter
from rich.text import Text

from batchtui.core.text import decode, safe
from batchtui.jsonl import bodies
from batchtui.jsonl.kinds import LineKind
from batchtui.ui.cells import drawable
from batchtui.ui.format import human_size

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
    "model": "bold green",
}

_json_highlighter = JSONHighlighter()


def _value(value: object) -> str:
    """A value from the line as one line of text: strings as they are, the rest as JSON."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return drawable(safe(text))


def _multiline(text: str, style: str = "") -> Text:
    """User text with its own newlines kept."""
    return Text(multiline(text), style=style)


def _attachment(p: bodies.Part) -> Text:
    """An image, audio or file of a request, named by its reference (data URLs cut)."""
    ref = p.text
    if ref.startswith("data:"):
        ref = ref[:40] + "…"
    facts = ", ".join(x for x in (ref and _value(ref), p.detail and _value(p.detail)) if x)
    return Text(f"[{_value(p.label)}: {facts}]" if facts else f"[{_value(p.label)}]", "italic dim")


def _content(p: bodies.Part) -> Text:
    """A word or attachment part under its turn's role."""
    if p.kind == "text":
        return _multiline(p.text)
    if p.kind == "media":
        return _attachment(p)
    return Text(_value(p.text), style="dim")  # a part of no known kind: its JSON


def _turn(role: str, parts: list[Text]) -> Text:
    label = Text(f"{safe(role)}: ", style=ROLE_STYLES.get(role, "bold"))
    body = Text("\n").join(parts) if parts else Text("(empty)", style="dim italic")
    return Text.assemble(label, body)


# Roles whose turns are answers: each part stands on its own line, labelled.
_ANSWERING = frozenset({"assistant", "model"})


def turn_texts(turn: bodies.Turn) -> list[Text]:
    """One turn: words and attachments under the role ("user: …"), an answering turn's
    parts each on its own (calls, reasoning, tool results)."""
    parts = turn.parts
    if not turn.role:  # not a message at all: shown as the value it is
        return [Text(_value(p.label if p.kind == "note" else p.text), style="dim") for p in parts]
    if turn.role in _ANSWERING or any(p.kind in bodies.ACTION_KINDS for p in parts):
        return part_turns(parts) if parts else [_turn(turn.role, [])]
    return [_turn(turn.role, [_content(p) for p in parts])]


# How each kind of part looks (see batchtui/jsonl/bodies/parts.py).
PART_STYLES = {
    "text": "bold green",
    "refusal": "bold red",
    "reasoning": "bold magenta",
    "call": "bold yellow",
    "tool": "bold cyan",
    "audio": "bold green",
    "data": "bold green",
    "note": "dim",
}


def part_turns(parts: Sequence[bodies.Part]) -> list[Text]:
    """Parts as transcript lines: text under its role, calls with their name, status and
    pretty-printed arguments, reasoning dimmed, tools with what they did, attachments."""
    out: list[Text] = []
    for p in parts:
        style = PART_STYLES.get(p.kind, "bold")
        if p.kind == "media":
            out.append(_attachment(p))
            continue
        if p.kind == "other":
            out.append(Text(f"{_value(p.label)}: {_value(p.text)}", style="dim"))
            continue
        if p.kind == "note":
            out.append(Text(_value(p.label), style=style))
            continue
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


def settings_line(settings: bodies.Settings) -> Text | None:
    """``max_tokens=300  temperature=0.2  tools: get_weather``: how the request asks."""
    params = [f"{_value(k)}={_value(v)}" for k, v in settings.params]
    if settings.tools:
        params.append("tools: " + ", ".join(_value(t) for t in settings.tools[:12]))
        if len(settings.tools) > 12:
            params[-1] += f" (+{len(settings.tools) - 12})"
    if not params:
        return None
    return Text("  ".join(params), style="dim")


def request_texts(request: bodies.Request) -> list[Text]:
    """A request of any format as a transcript: its turns, then its settings."""
    out: list[Text] = []
    for turn in request.turns():
        out.extend(turn_texts(turn))
    line = settings_line(request.settings())
    if line is not None:
        out.append(line)
    return out


# Finish reasons that need no word: the answer ended as it should.
_NORMAL_FINISH = frozenset(
    {None, "stop", "completed", "end_turn", "STOP", "stop_sequence", "tool_calls", "tool_use"}
)


def result_texts(result: bodies.Result) -> list[Text]:
    """A result of any format: a header (status, model, usage, why it stopped when that
    was not the natural end), then the error whole or the answer."""
    out: list[Text] = []
    if result.request is not None:  # Vertex predictions echo the request
        out.extend(request_texts(result.request))
    out.append(result_header(result))
    error = result.error
    if error is not None:
        out.append(
            Text.assemble(
                ("error ", "bold red"),
                (_value(error.code), "bold red"),
                (": ", "red"),
                _multiline(error.message, "red"),
            )
        )
        etype = error.type if error.type != error.code else None  # (said already)
        facts = [f"{k}: {_value(v)}" for k, v in (("type", etype), ("param", error.param)) if v]
        if facts:
            out.append(Text("  ".join(facts), style="dim"))
    out.extend(part_turns(result.parts))
    return out


def result_header(result: bodies.Result) -> Text:
    """``HTTP 200 · gpt-4o-mini-2024-07-18 · 27 in · 13 out``: the answer's facts in a line."""
    code = result.status_code
    status = f"HTTP {code}" if result.format == "openai" and code else result.status
    head = Text(f"{'✔' if result.ok else '✘'} {_value(status)}")
    head.stylize("bold green" if result.ok else "bold red")
    if result.model:
        head.append(f" · {_value(result.model)}", style="dim")
    if result.usage is not None:
        head.append(" · " + usage_text(result.usage), style="dim")
    if result.finish_reason not in _NORMAL_FINISH:
        head.append(f" · finish {_value(result.finish_reason)}", style="yellow")
    return head


def usage_text(usage: tuple[int, int, int, int]) -> str:
    inp, output, cached, reasoning = usage
    text = f"{inp:,} in · {output:,} out"
    if cached:
        text += f" · {cached:,} cached"
    if reasoning:
        text += f" · {reasoning:,} reasoning"
    return text


def read_any(obj: Any) -> bodies.Request | bodies.Result | None:
    """The walker's reading of a line, and of fragments of one (a result's response alone,
    a request without its custom_id)."""
    line = bodies.read_line(obj)
    if line is None and isinstance(obj, dict):
        if "response" in obj or "error" in obj:
            line = bodies.read_result(obj, LineKind.OUTPUT)
        elif isinstance(obj.get("body"), dict):
            line = bodies.read_request(obj, LineKind.INPUT)
    return line


def line_texts(line: bodies.Request | bodies.Result | None) -> list[Text]:
    if isinstance(line, bodies.Request):
        return request_texts(line)
    if isinstance(line, bodies.Result):
        return result_texts(line)
    return []


def transcript(obj: Any) -> list[Text]:
    """A readable view of a line of any batch format (a request, or a result's answer or
    error); [] when the line is of no known shape."""
    return line_texts(read_any(obj))


def kind_note(kind: LineKind, source: str | None) -> Text | None:
    """What a line of another format is, and what to do with it (the detail pane's first
    line); None for OpenAI batch lines."""
    name = shlex.quote(source) if source else "FILE"
    convert = f"batchtui convert {name} --to chat --model MODEL"
    what = {
        LineKind.ANTHROPIC_REQUEST: (
            "Anthropic Message Batches request",
            f"{convert} makes the file an OpenAI batch input",
        ),
        LineKind.GEMINI_REQUEST: (
            "Gemini batch request",
            f"{convert} makes the file an OpenAI batch input",
        ),
        LineKind.FINETUNE_CHAT: (
            "OpenAI fine-tuning example (training data, not a batch request)",
            f"{convert} makes its prompts an OpenAI batch input",
        ),
        LineKind.ANTHROPIC_RESULT: (
            "Anthropic Message Batches result",
            "read here; batchtui results reads OpenAI output and error files",
        ),
        LineKind.GEMINI_RESULT: (
            "Gemini batch result",
            "read here; batchtui results reads OpenAI output and error files",
        ),
    }.get(kind)
    if what is None:
        return None
    return Text.assemble((what[0], "bold yellow"), (": " + safe(what[1]), "yellow"))


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
    data: bytes,
    full_length: int,
    pretty: bool,
    marks: Sequence[str] = (),
    source: str | None = None,
    note: bool = True,
) -> RenderableType:
    """The detail pane's content for one line (``data`` may be a prefix of the line):
    a line of another format starts with what it is (naming ``source``, the file, in the
    command that converts it), then its transcript, then the JSON."""
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
    line = read_any(obj)
    turns = line_texts(line)
    parts = []
    said = kind_note(line.kind, source) if line is not None and note else None
    if said is not None:
        parts.append(said)
    if turns:
        parts.append(Group(*turns))
        parts.append(Text(""))
    body = pretty_json(obj)
    for key in marks:
        # Mark the field a finding points at, so the eye lands on it.
        body.highlight_regex(rf'"{re.escape(key)}"(?=: )', "bold reverse red")
    parts.append(body)
    return Group(*parts)
