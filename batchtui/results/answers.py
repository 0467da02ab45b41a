"""Every kind of thing an answer can hold, made readable: text, refusals, tool and function
calls, reasoning, audio, and the built-in tools' items of a Responses answer.

Shapes (openai SDK types, read from the installed wheel; BATCH_API.md §5):

* Chat completions ``choices[].message``: ``content`` (a string or parts), ``refusal``,
  ``tool_calls[]`` (``{"type": "function", "function": {"name", "arguments"}}`` or
  ``{"type": "custom", "custom": {"name", "input"}}``), the legacy ``function_call``,
  ``audio`` (``{"id", "data", "transcript", "expires_at"}``), ``annotations`` (url citations),
  and ``reasoning_content`` (vLLM, DeepSeek) or ``reasoning`` (OpenRouter and others).
* Responses ``output[]`` (``ResponseOutputItem``): ``message`` (``output_text`` with
  annotations, ``refusal``), ``reasoning`` (``summary[]``, ``content[]``, or only
  ``encrypted_content``), ``function_call``, ``custom_tool_call``, ``web_search_call``,
  ``file_search_call``, ``computer_call``, ``image_generation_call``,
  ``code_interpreter_call``, ``local_shell_call``, ``shell_call``, ``apply_patch_call``,
  ``mcp_call``, ``mcp_list_tools``, ``mcp_approval_request``, and kinds added later (shown by
  their type and fields, never dropped).
* Completions ``choices[].text``.

No Textual or Rich here: the UI styles :class:`Part` by its ``kind``; exports and scripts can
use the same reading. Everything is bounded: a part's text is cut at ``TEXT_CAP``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

# Characters of one part's text kept (arguments of a big call, a long reasoning summary).
TEXT_CAP = 16_000
# Characters of a call's arguments in a one-line preview.
ARGS_PREVIEW = 80

# Kinds, for the UI to style: "text", "refusal", "reasoning", "call" (the model asks for a
# tool), "tool" (a built-in tool the service ran, with its result), "audio", "note".


@dataclass(frozen=True, slots=True)
class Part:
    kind: str
    label: str  # "assistant", "refusal", "reasoning", "get_weather", "web_search_call", …
    text: str = ""  # the readable content; JSON arguments pretty-printed
    status: str | None = None  # "completed", "failed", … (Responses items)
    detail: str | None = None  # a short fact: call id, query, result size
    args: Any = None  # a call's arguments as sent (for the one-line form)


def _s(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _cap(text: str, cap: int = TEXT_CAP) -> str:
    return text if len(text) <= cap else text[:cap] + f"… ({len(text) - cap:,} more characters)"


def pretty_arguments(arguments: Any) -> str:
    """A call's arguments as indented JSON (they arrive as a JSON string), else as given."""
    value = arguments
    if isinstance(arguments, str):
        try:
            value = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            return _cap(arguments) + ("\n(not valid JSON)" if arguments.strip() else "")
    if value is None or value == {}:
        return ""
    try:
        return _cap(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
    except TypeError:
        return _cap(str(value))


def compact_arguments(arguments: Any, cap: int = ARGS_PREVIEW) -> str:
    """Arguments on one line for a list row: ``city="Paris", days=3`` or the raw text."""
    value = arguments
    if isinstance(arguments, str):
        try:
            value = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            value = arguments
    if isinstance(value, dict):
        text = ", ".join(
            f"{k}={orjson.dumps(v).decode() if not isinstance(v, str) else _quote(v)}"
            for k, v in value.items()
        )
    elif isinstance(value, str):
        text = value
    else:
        text = orjson.dumps(value).decode() if value is not None else ""
    text = " ".join(text.split())
    return text if len(text) <= cap else text[: cap - 1] + "…"


def _quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def _content_text(content: Any) -> tuple[list[str], list[str], int]:
    """Texts, refusals and citation count of message content (a string or parts)."""
    if isinstance(content, str):
        return [content], [], 0
    texts: list[str] = []
    refusals: list[str] = []
    citations = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict):
                continue
            kind = part.get("type")
            if kind == "refusal" and isinstance(part.get("refusal"), str):
                refusals.append(part["refusal"])
            elif isinstance(part.get("text"), str):
                texts.append(part["text"])
            annotations = part.get("annotations")
            if isinstance(annotations, list):
                citations += len(annotations)
    return texts, refusals, citations


# -- chat completions and completions ------------------------------------------------------


def chat_message_parts(msg: dict[str, Any]) -> list[Part]:
    """The parts of one chat message (an answer's or a request's assistant turn)."""
    out: list[Part] = []
    role = _s(msg.get("role")) or "assistant"
    for key in ("reasoning_content", "reasoning"):
        reasoning = msg.get(key)
        if isinstance(reasoning, str) and reasoning.strip():
            out.append(Part("reasoning", "reasoning", _cap(reasoning)))
            break
    texts, refusals, citations = _content_text(msg.get("content"))
    text = "".join(texts)
    if text:
        annotations = msg.get("annotations")
        citations += len(annotations) if isinstance(annotations, list) else 0
        detail = f"{citations} citation(s)" if citations else None
        out.append(Part("text", role, _cap(text), detail=detail))
    refusal = _s(msg.get("refusal"))
    for r in ([refusal] if refusal else []) + refusals:
        out.append(Part("refusal", "refusal", _cap(r)))
    calls = msg.get("tool_calls")
    for call in calls if isinstance(calls, list) else ():
        if isinstance(call, dict):
            out.append(_chat_tool_call(call))
    legacy = msg.get("function_call")
    if isinstance(legacy, dict):
        args = legacy.get("arguments")
        out.append(Part("call", _s(legacy.get("name")) or "?", pretty_arguments(args), args=args))
    audio = msg.get("audio")
    if isinstance(audio, dict):
        transcript = _s(audio.get("transcript")) or ""
        data = _s(audio.get("data"))
        size = f"{len(data) * 3 // 4:,} bytes of audio" if data else None
        out.append(Part("audio", "audio", _cap(transcript), detail=size))
    return out


def _chat_tool_call(call: dict[str, Any]) -> Part:
    kind = _s(call.get("type")) or "function"
    call_id = _s(call.get("id"))
    inner = call.get(kind) if isinstance(call.get(kind), dict) else call.get("function")
    if isinstance(inner, dict):
        name = _s(inner.get("name")) or "?"
        args = inner.get("arguments", inner.get("input"))
        return Part("call", name, pretty_arguments(args), detail=call_id, args=args)
    return Part("call", kind, pretty_arguments(call), detail=call_id)


def _choices_parts(choices: list[Any]) -> list[Part]:
    out: list[Part] = []
    many = len(choices) > 1
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        if many:
            out.append(Part("note", f"choice {i}"))
        msg = choice.get("message")
        if isinstance(msg, dict):
            out.extend(chat_message_parts(msg))
        elif isinstance(choice.get("text"), str) and choice["text"]:  # completions
            out.append(Part("text", "text", _cap(choice["text"])))
    return out


# -- responses -------------------------------------------------------------------------------

_SKIP_KEYS = frozenset({"type", "id", "status", "call_id"})


def output_item_parts(item: dict[str, Any]) -> list[Part]:
    """The parts of one Responses output (or input) item."""
    kind = _s(item.get("type")) or ("message" if "role" in item else "?")
    status = _s(item.get("status"))
    call_id = _s(item.get("call_id"))
    if kind == "message":
        role = _s(item.get("role")) or "assistant"
        texts, refusals, citations = _content_text(item.get("content"))
        out = []
        if texts:
            detail = f"{citations} citation(s)" if citations else None
            out.append(Part("text", role, _cap("".join(texts)), detail=detail))
        out.extend(Part("refusal", "refusal", _cap(r)) for r in refusals)
        if not out:
            out.append(Part("text", role, "", status))
        return out
    if kind == "reasoning":
        return [_reasoning(item, status)]
    if kind == "function_call":
        name, args = _s(item.get("name")) or "?", item.get("arguments")
        return [Part("call", name, pretty_arguments(args), status, call_id, args)]
    if kind == "custom_tool_call":
        name, args = _s(item.get("name")) or "?", _s(item.get("input")) or ""
        return [Part("call", name, _cap(args), status, call_id, args)]
    if kind in ("function_call_output", "custom_tool_call_output"):
        output = item.get("output")
        text = output if isinstance(output, str) else pretty_arguments(output)
        return [Part("tool", f"{kind} {call_id or ''}".strip(), _cap(text), status)]
    if kind == "web_search_call":
        return [_web_search(item, status)]
    if kind == "file_search_call":
        queries = item.get("queries")
        results = item.get("results")
        text = (
            "\n".join(f"query: {q}" for q in queries if isinstance(q, str))
            if isinstance(queries, list)
            else ""
        )
        detail = f"{len(results)} result(s)" if isinstance(results, list) else None
        return [Part("tool", kind, text, status, detail)]
    if kind == "computer_call":
        action = _d(item.get("action"))
        args = {k: v for k, v in action.items() if k != "type"}
        label = f"{kind} {_s(action.get('type')) or ''}".strip()
        return [Part("call", label, pretty_arguments(args), status, call_id, args)]
    if kind == "image_generation_call":
        result = _s(item.get("result"))
        facts = [
            f"{k} {item[k]}"
            for k in ("action", "size", "quality", "output_format")
            if isinstance(item.get(k), str)
        ]
        if result:
            facts.append(f"{len(result) * 3 // 4:,} bytes of image")
        prompt = _s(item.get("revised_prompt")) or ""
        return [Part("tool", kind, _cap(prompt), status, ", ".join(facts) or None)]
    if kind == "code_interpreter_call":
        lines = [_s(item.get("code")) or ""]
        outputs = item.get("outputs")
        for o in outputs if isinstance(outputs, list) else ():
            if isinstance(o, dict) and isinstance(o.get("logs"), str):
                lines.append(f"→ {o['logs']}")
            elif isinstance(o, dict) and isinstance(o.get("url"), str):
                lines.append(f"→ image {o['url']}")
        return [Part("tool", kind, _cap("\n".join(x for x in lines if x)), status)]
    if kind in ("local_shell_call", "shell_call"):
        action = _d(item.get("action"))
        commands = action.get("commands", action.get("command"))
        if isinstance(commands, list):
            text = "\n".join(" ".join(c) if isinstance(c, list) else str(c) for c in commands)
        else:
            text = pretty_arguments(action)
        return [Part("call", kind, _cap(text), status, call_id, text)]
    if kind in ("mcp_call", "mcp_approval_request"):
        server = _s(item.get("server_label"))
        name, args = _s(item.get("name")) or "?", item.get("arguments")
        text = pretty_arguments(args)
        if isinstance(item.get("output"), str) and item["output"]:
            text += ("\n" if text else "") + "→ " + item["output"]
        if item.get("error"):
            error = item["error"]
            text += (
                ("\n" if text else "")
                + "error: "
                + (error if isinstance(error, str) else pretty_arguments(error))
            )
        label = f"{server}.{name}" if server else name
        detail = kind if kind != "mcp_call" else None
        return [Part("call", label, _cap(text), status, detail, args)]
    if kind == "mcp_list_tools":
        tools = item.get("tools")
        names = (
            [t.get("name") for t in tools if isinstance(t, dict)] if isinstance(tools, list) else []
        )
        text = ", ".join(n for n in names if isinstance(n, str))
        return [Part("tool", f"{kind} {_s(item.get('server_label')) or ''}".strip(), text, status)]
    # A kind this reading does not know (yet): its type and fields, never nothing.
    rest = {k: v for k, v in item.items() if k not in _SKIP_KEYS}
    return [Part("tool", kind, pretty_arguments(rest), status, call_id)]


def _reasoning(item: dict[str, Any], status: str | None) -> Part:
    texts = []
    for key in ("summary", "content"):
        parts = item.get(key)
        for p in parts if isinstance(parts, list) else ():
            if isinstance(p, dict) and isinstance(p.get("text"), str):
                texts.append(p["text"])
            elif isinstance(p, str):
                texts.append(p)
        if texts:
            break
    detail = None
    if not texts:
        detail = "encrypted" if item.get("encrypted_content") else "no summary"
    return Part("reasoning", "reasoning", _cap("\n\n".join(texts)), status, detail)


def _web_search(item: dict[str, Any], status: str | None) -> Part:
    action = _d(item.get("action"))
    what = _s(action.get("type")) or "search"
    lines = []
    queries = action.get("queries")
    if isinstance(action.get("query"), str):
        lines.append(f"query: {action['query']}")
    elif isinstance(queries, list):
        lines.extend(f"query: {q}" for q in queries if isinstance(q, str))
    for key in ("url", "pattern"):
        if isinstance(action.get(key), str):
            lines.append(f"{key}: {action[key]}")
    sources = action.get("sources")
    detail = f"{len(sources)} source(s)" if isinstance(sources, list) else None
    return Part("tool", f"web_search_call {what}", "\n".join(lines), status, detail)


def _responses_parts(body: dict[str, Any]) -> list[Part]:
    out: list[Part] = []
    output = body.get("output")
    for item in output if isinstance(output, list) else ():
        if isinstance(item, dict):
            out.extend(output_item_parts(item))
    if not any(p.kind == "text" and p.text for p in out) and isinstance(
        body.get("output_text"), str
    ):
        out.append(Part("text", "assistant", _cap(body["output_text"])))  # flattened proxies
    return out


# -- entry points ----------------------------------------------------------------------------


def answer_parts(body: Any) -> list[Part]:
    """Everything a 2xx response body holds, in order; [] for bodies without an answer list
    (embeddings, moderations and unknown endpoints are summarised elsewhere)."""
    if not isinstance(body, dict):
        return []
    choices = body.get("choices")
    if isinstance(choices, list):
        return _choices_parts(choices)
    if body.get("object") == "response" or isinstance(body.get("output"), list):
        return _responses_parts(body)
    return []


def preview(parts: list[Part]) -> str:
    """One line for a list row: the text, then what else the answer did
    (``→ get_weather(city="Paris")``, ``refusal: …``, ``web_search_call search``)."""
    pieces: list[str] = []
    for p in parts:
        if p.kind == "text" and p.text:
            pieces.append(p.text)
        elif p.kind == "refusal":
            pieces.append(f"refusal: {p.text}")
        elif p.kind == "call":
            pieces.append(f"→ {p.label}({compact_arguments(p.args)})")
        elif p.kind == "tool":
            failed = p.status not in (None, "completed")
            pieces.append(f"[{p.label}" + (f" {p.status}" if failed else "") + "]")
        elif p.kind == "audio":
            pieces.append(f"[audio] {p.text}")
    if not pieces:
        reasoning = next((p for p in parts if p.kind == "reasoning"), None)
        if reasoning is not None:
            pieces.append(f"reasoning: {reasoning.text or reasoning.detail or ''}")
    return " ".join(" ".join(piece.split()) for piece in pieces if piece)
