"""Every kind of thing an OpenAI answer can hold, made readable (text, refusals, tool and
function calls, reasoning, audio, built-in tools' items, embeddings, moderation verdicts), and
the facts the results join keeps of it (finish reason, soft failures, usage, the error).

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
* Completions ``choices[].text``; embeddings ``data[].embedding`` (floats or base64);
  moderations ``results[]``; images ``data[]`` (``b64_json`` or ``url``).
* Errors (BATCH_API.md §8, FORMATS.md §3): ``response.body.error`` objects, a top-level
  ``error`` object or string (vLLM), Azure's ``error.message`` holding another error object.

Everything is bounded: a part's text is cut at ``TEXT_CAP``.
"""

from __future__ import annotations

from typing import Any

from batchtui.jsonl.bodies.parts import (
    ARGS_PREVIEW,
    TEXT_CAP,
    Part,
    as_json,
    compact_arguments,
    pretty_arguments,
)
from batchtui.jsonl.bodies.parts import cap as _cap
from batchtui.jsonl.bodies.parts import s as _s

__all__ = [
    "ARGS_PREVIEW",
    "TEXT_CAP",
    "Part",
    "answer_parts",
    "chat_message_parts",
    "compact_arguments",
    "output_item_parts",
    "pretty_arguments",
    "preview",
]


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


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


# -- answers that are not text: embeddings, moderation verdicts, images ------------------------


def embedding_shape(data: list[Any]) -> tuple[int | None, int]:
    """``(dimensions of the first vector, count)`` of an embeddings ``data`` list; the
    dimensions are None when the first item holds no vector."""
    dims: int | None = None
    if data and isinstance(data[0], dict):
        emb = data[0].get("embedding")
        if isinstance(emb, list):
            dims = len(emb)
        elif isinstance(emb, str):  # encoding_format=base64: float32 values
            pad = len(emb) - len(emb.rstrip("="))
            dims = (len(emb) * 3 // 4 - pad) // 4
    return dims, len(data)


def moderation_text(results: list[Any]) -> str:
    """``flagged: violence; not flagged`` for a moderation body's ``results``."""
    parts = []
    for r in results:
        if not isinstance(r, dict):
            continue
        cats = r.get("categories")
        hit = [k for k, v in cats.items() if v is True] if isinstance(cats, dict) else []
        parts.append("flagged: " + ", ".join(hit) if r.get("flagged") else "not flagged")
    return "; ".join(parts)


def _data_parts(body: dict[str, Any]) -> list[Part]:
    data = body.get("data")
    if isinstance(data, list):
        first = data[0] if data and isinstance(data[0], dict) else {}
        if "embedding" in first:
            dims, count = embedding_shape(data)
            size = f"{dims} dimensions" if dims is not None else "no vector"
            return [Part("data", "embeddings", detail=f"{count} embedding(s) of {size}")]
        if "b64_json" in first or "url" in first:
            prompt = _s(first.get("revised_prompt")) or ""
            return [Part("data", "images", _cap(prompt), detail=f"{len(data)} image(s)")]
        return []
    results = body.get("results")
    if isinstance(results, list):
        return [Part("data", "moderation", moderation_text(results))]
    return []


# -- entry points ----------------------------------------------------------------------------


def answer_parts(body: Any) -> list[Part]:
    """Everything a 2xx response body holds, in order: the answer of a chat, completions or
    Responses body, the shape of embeddings, moderation verdicts, generated images; [] for
    bodies of no known endpoint."""
    if not isinstance(body, dict):
        return []
    choices = body.get("choices")
    if isinstance(choices, list):
        return _choices_parts(choices)
    if body.get("object") == "response" or isinstance(body.get("output"), list):
        return _responses_parts(body)
    return _data_parts(body)


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
        elif p.kind == "data":
            pieces.append(p.text or p.detail or p.label)
    if not pieces:
        reasoning = next((p for p in parts if p.kind == "reasoning"), None)
        if reasoning is not None:
            pieces.append(f"reasoning: {reasoning.text or reasoning.detail or ''}")
    return " ".join(" ".join(piece.split()) for piece in pieces if piece)


# -- the facts the results join keeps: finish reason, soft failures, usage ---------------------
# The join reads every line of files of millions, so these use plain ints and ``__class__``
# checks: the walk above builds parts, these only look.

TRUNCATED = 1  # finish_reason "length" / Responses incomplete: max_output_tokens
CONTENT_FILTER = 2  # finish_reason "content_filter" / incomplete: content_filter
REFUSAL = 4  # message.refusal set / a "refusal" content part
EMPTY = 8  # no text, no tool call, no embedding
NO_USAGE = (0, 0, 0, 0)  # shared, so callers can test ``usage is NO_USAGE``


def _int(value: Any) -> int:
    return value if type(value) is int and value > 0 else 0


def usage_of(body: Any) -> tuple[int, int, int, int]:
    """(input, output, cached, reasoning) tokens from a chat, completions, embeddings or
    Responses body (and an Anthropic message: ``input_tokens``, ``cache_read_input_tokens``);
    zeros when absent or malformed."""
    if body.__class__ is not dict:
        return NO_USAGE
    u = body.get("usage")
    if u.__class__ is not dict:
        return NO_USAGE
    inp = u.get("prompt_tokens")
    if inp is None:
        inp = u.get("input_tokens")
    out = u.get("completion_tokens")
    if out is None:
        out = u.get("output_tokens")
    details = u.get("prompt_tokens_details") or u.get("input_tokens_details")
    if isinstance(details, dict):
        cached = details.get("cached_tokens")
    else:
        cached = u.get("cache_read_input_tokens", 0)  # Anthropic
    details = u.get("completion_tokens_details") or u.get("output_tokens_details")
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else 0
    return _int(inp), _int(out), _int(cached), _int(reasoning)


def _text_of(content: Any) -> str | None:
    """Chat message content: a string, or a list of parts some providers send."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [p.get("text") for p in content if isinstance(p, dict)]
        return "".join(t for t in texts if isinstance(t, str))
    return None


def _choices_facts(choices: list[Any]) -> tuple[int, str | None, str | None]:
    """Flags, first finish_reason and first text of chat/completions choices."""
    flags = 0
    finish: str | None = None
    text: str | None = None
    any_answer = False
    for i, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        fr = choice.get("finish_reason")
        if i == 0 and isinstance(fr, str):
            finish = fr
        if fr == "length":
            flags |= TRUNCATED
        elif fr == "content_filter":
            flags |= CONTENT_FILTER
        msg = choice.get("message")
        if msg.__class__ is dict:  # chat
            if msg.get("refusal"):
                flags |= REFUSAL
            t = _text_of(msg.get("content"))
            if t or msg.get("tool_calls") or msg.get("function_call") or msg.get("audio"):
                any_answer = True
        else:  # legacy completions
            t = choice.get("text") if isinstance(choice.get("text"), str) else None
            if t:
                any_answer = True
        if i == 0:
            text = t
    if not any_answer and not flags & (REFUSAL | CONTENT_FILTER):
        flags |= EMPTY  # (a filter or a refusal already explains a missing answer)
    return flags, finish, text


def _response_facts(body: dict[str, Any]) -> tuple[int, str | None, str | None]:
    """The same for a /v1/responses Response object."""
    flags = 0
    finish: str | None = None
    if body.get("status") == "incomplete":
        details = body.get("incomplete_details")
        reason = details.get("reason") if isinstance(details, dict) else None
        finish = reason if isinstance(reason, str) else "incomplete"
        if reason == "max_output_tokens":
            flags |= TRUNCATED
        elif reason == "content_filter":
            flags |= CONTENT_FILTER
    elif isinstance(body.get("status"), str):
        finish = body["status"]
    texts: list[str] = []
    other = False
    output = body.get("output")
    for item in output if output.__class__ is list else ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            content = item.get("content")
            for part in content if content.__class__ is list else ():
                if not isinstance(part, dict):
                    continue
                if part.get("type") == "output_text" and isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif part.get("type") == "refusal":
                    flags |= REFUSAL
        elif kind != "reasoning":
            other = True  # a tool call or another output item is an answer too
    text = "".join(texts)
    if not text and isinstance(body.get("output_text"), str):
        text = body["output_text"]  # some proxies flatten it
    if not text and not other and not flags & (REFUSAL | CONTENT_FILTER):
        flags |= EMPTY
    return flags, finish, text


def answer_facts(body: Any) -> tuple[int, str | None, str | None, int | None, int | None]:
    """``(flags, finish_reason, text, embedding dims, embedding count)`` of a 2xx body; the
    flags are :data:`TRUNCATED`, :data:`CONTENT_FILTER`, :data:`REFUSAL`, :data:`EMPTY`."""
    if body.__class__ is not dict:
        return EMPTY, None, None, None, None
    choices = body.get("choices")
    if choices.__class__ is list:
        flags, finish, text = _choices_facts(choices)
        return flags, finish, text, None, None
    if body.get("object") == "response" or isinstance(body.get("output"), list):
        flags, finish, text = _response_facts(body)
        return flags, finish, text, None, None
    data = body.get("data")
    if isinstance(data, list):
        dims, count = embedding_shape(data)
        return (0 if dims else EMPTY), None, None, dims, count
    results = body.get("results")
    if isinstance(results, list):
        return 0, None, moderation_text(results), None, None
    return 0, None, None, None, None  # an endpoint we do not know: no soft verdict


def failed_body(body: dict[str, Any]) -> bool:
    """A 2xx body that holds only an error: a failed Response object, some proxies."""
    if body.get("status") == "failed":
        return True
    return not any(key in body for key in ("choices", "output", "data", "results"))


def failure_in(status: int, body: Any, error: Any) -> Any:
    """The error of an OpenAI result line whose response is an object (``status`` its
    ``status_code``, 0 when absent), or None for an answered request: ``body.error`` for an
    HTTP failure (or the top-level ``error``, or ``"HTTP <status>"`` when neither says more),
    else the top-level ``error``, else the error of a body that holds nothing else."""
    if status and not 200 <= status < 300:
        source = body.get("error") if body.__class__ is dict and body.get("error") else error
        return source if source else f"HTTP {status}"
    if error:
        return error
    if body.__class__ is dict and body.get("error") and failed_body(body):
        return body["error"]
    return None


def failure_source(response: Any, error: Any) -> tuple[int, Any] | None:
    """Why an OpenAI result line failed: ``(status code or 0, the error as found)``; None
    for an answered request; ``(0, None)`` for a line with neither a response nor an error
    (``batch_expired``, vLLM's string and Azure's nested object are errors as found)."""
    if response.__class__ is dict:
        status = response.get("status_code")
        if status.__class__ is not int:
            status = 0
        found = failure_in(status, response.get("body"), error)
        return None if found is None else (status, found)
    return 0, (error or None)


# -- errors, whatever shape they come in -------------------------------------------------------

MESSAGE_CAP = 2000  # longest error message kept


def message_text(message: Any, depth: int = 0) -> str:
    """An error message as text; Azure nests objects where a string is expected."""
    if isinstance(message, str):
        return message
    if isinstance(message, dict) and depth < 4:
        for key in ("message", "error"):
            inner = message.get(key)
            if inner is not None:
                return message_text(inner, depth + 1)
    if message is None:
        return ""
    return as_json(message)


def _code_in(obj: Any, depth: int = 0) -> str | None:
    """The first string ``code`` (or ``type``) in a possibly nested error object."""
    if not isinstance(obj, dict) or depth > 4:
        return None
    for key in ("code", "type"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    for key in ("error", "message"):
        found = _code_in(obj.get(key), depth + 1)
        if found:
            return found
    return None


def error_fields(err: Any, status: int | None) -> tuple[str, str, str | None, str | None]:
    """``(code, message, type, param)`` of any error object or string in a result line: the
    code a string always (``http_<status>`` or ``unknown_error`` when none is given)."""
    if isinstance(err, dict) and isinstance(err.get("error"), dict):
        err = err["error"]  # vLLM ErrorResponse {"error": {...}}, and a doubly wrapped body
    if isinstance(err, dict):
        code = _code_in(err)
        raw_code = err.get("code")
        if code is None and type(raw_code) is int:
            code = f"http_{raw_code}"
        message = message_text(err.get("message"))
        etype = err.get("type") if isinstance(err.get("type"), str) else None
        param = err.get("param") if isinstance(err.get("param"), str) else None
    else:
        code, etype, param = None, None, None
        message = message_text(err)
    if not code:
        code = f"http_{status}" if status else "unknown_error"
    return code, message[:MESSAGE_CAP], etype, param
