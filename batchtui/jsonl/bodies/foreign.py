"""Other providers' batch lines read as turns and answers, so a file of them reads as a
transcript (FORMATS.md §2.3-2.6, checked against the real files in /work/realfiles).

* Anthropic Message Batches request ``params``: ``system`` (a string or text blocks),
  ``messages[]`` of ``{role, content}`` where content is a string or blocks (``text``,
  ``image`` and ``document`` with a ``source``, ``tool_use``, ``tool_result``, ``thinking``,
  ``redacted_thinking``, server tools), ``model``, ``max_tokens``, ``temperature``, ``tools``.
* Anthropic results: ``result.type`` succeeded (a ``message`` with content blocks,
  ``stop_reason``, ``usage``), errored (the error nested twice, or flattened by scripts),
  canceled, expired.
* Gemini requests: ``contents[]`` of ``{role?, parts[]}`` (``text``, ``inlineData``,
  ``fileData``, ``functionCall``, ``functionResponse``, code execution; snake_case or
  camelCase, both are real), ``systemInstruction``, ``generationConfig``, ``tools``.
* Gemini results: ``candidates[].content.parts``, ``finishReason``, ``usageMetadata``,
  ``modelVersion``; failures as ``error`` (Gemini API) or a non-empty ``status`` (Vertex).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from batchtui.jsonl.bodies.parts import Part, Turn, as_json, cap, pretty_arguments, s
from batchtui.jsonl.bodies.requests import Settings, scalar_params, tool_names

# -- Anthropic ------------------------------------------------------------------------------

# What Anthropic says an unanswered result means (Message Batches docs, "Batch results").
ANTHROPIC_UNANSWERED = {
    "canceled": "The batch was canceled before this request was sent to the model.",
    "expired": "The batch reached its 24-hour expiry before this request was sent to the model.",
}


def _source(block: dict[str, Any]) -> tuple[str, str | None]:
    """``(reference, detail)`` of an image or document block's ``source``."""
    src = block.get("source")
    if not isinstance(src, dict):
        return "", None
    kind = s(src.get("type"))
    if kind == "url":
        return s(src.get("url")) or "", None
    if kind == "file":
        return s(src.get("file_id")) or "", None
    media = s(src.get("media_type"))
    data = src.get("data")
    size = f"{len(data) * 3 // 4:,} bytes" if isinstance(data, str) and kind == "base64" else None
    return "", ", ".join(x for x in (media, size) if x) or kind


def anthropic_blocks(content: Any, role: str) -> list[Part]:
    """Anthropic message content (a string or content blocks) as parts."""
    if isinstance(content, str):
        return [Part("text", role, content)]
    if not isinstance(content, list):
        return [] if content is None else [Part("other", "content", as_json(content))]
    out: list[Part] = []
    for block in content:
        if not isinstance(block, dict):
            out.append(Part("other", "block", as_json(block)))
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            out.append(Part("text", role, cap(block["text"])))
        elif kind in ("image", "document"):
            ref, detail = _source(block)
            label = "image" if kind == "image" else "file"
            out.append(Part("media", label, s(block.get("title")) or ref, detail=detail))
        elif kind in ("tool_use", "server_tool_use"):
            args = block.get("input")
            name = s(block.get("name")) or "?"
            out.append(Part("call", name, pretty_arguments(args), None, s(block.get("id")), args))
        elif kind == "tool_result":
            inner = block.get("content")
            text = (
                inner
                if isinstance(inner, str)
                else "\n".join(p.text for p in anthropic_blocks(inner, "tool") if p.text)
            )
            status = "error" if block.get("is_error") else None
            label = f"tool_result {s(block.get('tool_use_id')) or ''}".strip()
            out.append(Part("tool", label, cap(text), status))
        elif kind == "thinking":
            out.append(Part("reasoning", "thinking", cap(s(block.get("thinking")) or "")))
        elif kind == "redacted_thinking":
            out.append(Part("reasoning", "thinking", "", detail="redacted"))
        elif isinstance(kind, str) and kind.endswith("_tool_result"):
            results = block.get("content")
            detail = f"{len(results)} result(s)" if isinstance(results, list) else None
            out.append(Part("tool", kind, "", None, detail))
        else:
            out.append(Part("other", s(kind) or "block", as_json(block)))
    return out


def anthropic_turns(params: Any) -> Iterator[Turn]:
    if not isinstance(params, dict):
        return
    system = params.get("system")
    if system is not None:
        yield Turn("system", tuple(anthropic_blocks(system, "system")))
    messages = params.get("messages")
    for msg in messages if isinstance(messages, list) else ():
        if not isinstance(msg, dict):
            yield Turn("", (Part("other", "message", as_json(msg)),))
            continue
        role = s(msg.get("role")) or "?"
        yield Turn(role, tuple(anthropic_blocks(msg.get("content"), role)))


def anthropic_prompt(params: Any) -> str | None:
    """The last user text of an Anthropic request (a list row)."""
    messages = params.get("messages") if isinstance(params, dict) else None
    if not isinstance(messages, list):
        return None
    for msg in reversed(messages):
        if isinstance(msg, dict) and msg.get("role") == "user":
            for part in anthropic_blocks(msg.get("content"), "user"):
                if part.kind == "text":
                    return part.text
            return None
    return None


def anthropic_settings(params: Any) -> Settings:
    if not isinstance(params, dict):
        return Settings()
    limit = params.get("max_tokens")
    temperature = params.get("temperature")
    extra: tuple[tuple[str, Any], ...] = ()
    thinking = params.get("thinking")
    if isinstance(thinking, dict) and isinstance(thinking.get("type"), str):
        budget = thinking.get("budget_tokens")
        extra = (("thinking", thinking["type"] + (f" {budget}" if budget else "")),)
    return Settings(
        model=s(params.get("model")),
        max_tokens=limit if type(limit) is int else None,
        max_tokens_key="max_tokens" if type(limit) is int else None,
        temperature=temperature if isinstance(temperature, (int, float)) else None,
        tools=tool_names(params.get("tools")),
        params=scalar_params(params, frozenset({"model", "system", "messages"})) + extra,
    )


def anthropic_usage(usage: Any) -> tuple[int, int, int, int] | None:
    if not isinstance(usage, dict):
        return None
    details = usage.get("output_tokens_details")
    thinking = details.get("thinking_tokens") if isinstance(details, dict) else 0
    return (
        _int(usage.get("input_tokens")),
        _int(usage.get("output_tokens")),
        _int(usage.get("cache_read_input_tokens")),
        _int(thinking),
    )


def anthropic_error(result: dict[str, Any]) -> tuple[str, str, str | None]:
    """``(code, message, type)`` of an Anthropic result that is not ``succeeded``. The
    error is nested twice in raw files (``error.error.type``); scripts flatten it."""
    kind = s(result.get("type")) or "?"
    if kind in ANTHROPIC_UNANSWERED:
        return kind, ANTHROPIC_UNANSWERED[kind], None
    err = result.get("error")
    if isinstance(err, dict) and isinstance(err.get("error"), dict):
        err = err["error"]
    if isinstance(err, dict):
        code = s(err.get("type")) or kind
        return code, s(err.get("message")) or as_json(err), code
    return kind, "" if err is None else (s(err) or as_json(err)), None


# -- Gemini ---------------------------------------------------------------------------------


def _get(obj: dict[str, Any], camel: str, snake: str) -> Any:
    """A field in either spelling: both are real (FORMATS.md §2.5)."""
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _media_label(mime: str | None) -> str:
    top = (mime or "").split("/", 1)[0]
    return top if top in ("image", "audio", "video") else "file"


def gemini_parts(parts: Any, role: str) -> list[Part]:
    out: list[Part] = []
    for part in parts if isinstance(parts, list) else ():
        if not isinstance(part, dict):
            out.append(Part("other", "part", as_json(part)))
            continue
        text = part.get("text")
        if isinstance(text, str):
            if part.get("thought") is True:
                out.append(Part("reasoning", "thought", cap(text)))
            else:
                out.append(Part("text", role, cap(text)))
            continue
        inline = _get(part, "inlineData", "inline_data")
        if isinstance(inline, dict):
            mime = s(_get(inline, "mimeType", "mime_type"))
            data = inline.get("data")
            size = f"{len(data) * 3 // 4:,} bytes" if isinstance(data, str) else None
            detail = ", ".join(x for x in (mime, size) if x) or None
            out.append(Part("media", _media_label(mime), "", detail=detail))
            continue
        file_data = _get(part, "fileData", "file_data")
        if isinstance(file_data, dict):
            mime = s(_get(file_data, "mimeType", "mime_type"))
            uri = s(_get(file_data, "fileUri", "file_uri")) or ""
            out.append(Part("media", _media_label(mime), uri, detail=mime))
            continue
        call = _get(part, "functionCall", "function_call")
        if isinstance(call, dict):
            args = call.get("args")
            name = s(call.get("name")) or "?"
            out.append(Part("call", name, pretty_arguments(args), None, s(call.get("id")), args))
            continue
        answer = _get(part, "functionResponse", "function_response")
        if isinstance(answer, dict):
            label = f"functionResponse {s(answer.get('name')) or ''}".strip()
            out.append(Part("tool", label, pretty_arguments(answer.get("response"))))
            continue
        code = _get(part, "executableCode", "executable_code")
        if isinstance(code, dict):
            out.append(Part("tool", "executableCode", cap(s(code.get("code")) or "")))
            continue
        ran = _get(part, "codeExecutionResult", "code_execution_result")
        if isinstance(ran, dict):
            status = s(ran.get("outcome"))
            out.append(Part("tool", "codeExecutionResult", cap(s(ran.get("output")) or ""), status))
            continue
        if part.get("thoughtSignature") is not None and len(part) == 1:
            continue  # a signature alone carries nothing to read
        out.append(Part("other", "part", as_json(part)))
    return out


def gemini_request_body(obj: Any) -> Any:
    """The GenerateContentRequest of a Gemini line: ``request`` ({key, request}, Vertex's
    {request}), or the line itself (a bare request)."""
    if isinstance(obj, dict) and isinstance(obj.get("request"), dict):
        return obj["request"]
    return obj


def gemini_turns(request: Any) -> Iterator[Turn]:
    if not isinstance(request, dict):
        return
    system = _get(request, "systemInstruction", "system_instruction")
    if isinstance(system, dict):
        yield Turn("system", tuple(gemini_parts(system.get("parts"), "system")))
    elif isinstance(system, str):
        yield Turn("system", (Part("text", "system", system),))
    contents = request.get("contents")
    if isinstance(contents, dict):
        contents = [contents]
    for content in contents if isinstance(contents, list) else ():
        if isinstance(content, str):
            yield Turn("user", (Part("text", "user", content),))
        elif isinstance(content, dict):
            role = s(content.get("role")) or "user"
            yield Turn(role, tuple(gemini_parts(content.get("parts"), role)))
        else:
            yield Turn("", (Part("other", "content", as_json(content)),))


def gemini_prompt(request: Any) -> str | None:
    contents = request.get("contents") if isinstance(request, dict) else None
    if isinstance(contents, dict):
        contents = [contents]
    if not isinstance(contents, list):
        return None
    for content in reversed(contents):
        if isinstance(content, str):
            return content
        if isinstance(content, dict) and (content.get("role") or "user") == "user":
            parts = content.get("parts")
            for part in parts if isinstance(parts, list) else ():
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    return part["text"]
            return None
    return None


def gemini_settings(request: Any) -> Settings:
    if not isinstance(request, dict):
        return Settings()
    config = _get(request, "generationConfig", "generation_config")
    if not isinstance(config, dict):
        config = request.get("config") if isinstance(request.get("config"), dict) else {}
    limit = _get(config, "maxOutputTokens", "max_output_tokens")
    temperature = config.get("temperature")
    has_limit = type(limit) is int
    return Settings(
        model=s(request.get("model")),
        max_tokens=limit if has_limit else None,
        max_tokens_key=("maxOutputTokens" if "maxOutputTokens" in config else "max_output_tokens")
        if has_limit
        else None,
        temperature=temperature if isinstance(temperature, (int, float)) else None,
        tools=tool_names(request.get("tools")),
        params=scalar_params(config, frozenset()),
    )


def gemini_usage(meta: Any) -> tuple[int, int, int, int] | None:
    if not isinstance(meta, dict):
        return None
    return (
        _int(meta.get("promptTokenCount")),
        _int(meta.get("candidatesTokenCount")),
        _int(meta.get("cachedContentTokenCount")),
        _int(meta.get("thoughtsTokenCount")),
    )


def gemini_answer(response: dict[str, Any]) -> tuple[list[Part], str | None]:
    """The parts of a GenerateContentResponse's candidates, and the first finish reason."""
    parts: list[Part] = []
    finish: str | None = None
    candidates = response.get("candidates")
    if not isinstance(candidates, list):
        return parts, finish
    many = len(candidates) > 1
    for i, cand in enumerate(candidates):
        if not isinstance(cand, dict):
            continue
        if many:
            parts.append(Part("note", f"candidate {i}"))
        if i == 0:
            finish = s(cand.get("finishReason"))
        content = cand.get("content")
        if isinstance(content, dict):
            parts.extend(gemini_parts(content.get("parts"), s(content.get("role")) or "model"))
        grounding = cand.get("groundingMetadata")
        if isinstance(grounding, dict):
            chunks = grounding.get("groundingChunks")
            n = len(chunks) if isinstance(chunks, list) else 0
            queries = grounding.get("webSearchQueries")
            text = (
                "\n".join(f"query: {q}" for q in queries if isinstance(q, str))
                if isinstance(queries, list)
                else ""
            )
            parts.append(Part("tool", "google_search", text, None, f"{n} source(s)"))
    return parts, finish


def gemini_failure(obj: dict[str, Any], response: Any) -> tuple[str, str] | None:
    """``(code, message)`` of a failed Gemini result: an ``error`` object (Gemini API), a
    non-empty ``status`` (Vertex), or a prompt blocked before any candidate."""
    err = obj.get("error")
    if isinstance(err, dict):
        code = s(err.get("status")) or (str(err["code"]) if "code" in err else "error")
        return code, s(err.get("message")) or as_json(err)
    if isinstance(err, str) and err:
        return "error", err
    status = obj.get("status")
    if isinstance(status, str) and status:
        return "error", status
    if isinstance(response, dict) and not response.get("candidates"):
        feedback = response.get("promptFeedback")
        reason = feedback.get("blockReason") if isinstance(feedback, dict) else None
        if isinstance(reason, str):
            return "blocked", f"The prompt was blocked: {reason}"
    return None


def _int(value: Any) -> int:
    return value if type(value) is int and value > 0 else 0
