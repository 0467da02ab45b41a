"""One request of another format turned into an OpenAI batch request, with what was lost.

Each ``*_request`` function takes one parsed line and returns a :class:`Converted`: the OpenAI
batch line (or None when the line cannot become a request at all) and the list of what could
not be mapped (``lost``), in words a user can act on. Nothing is dropped without an entry.

Mappings (FORMATS.md §2.3 and §2.5; the target fields are the openai SDK's request types):

* Anthropic Message Batches: ``params.system`` -> a system message (chat) or ``instructions``
  (responses); ``messages`` roles kept; text blocks; base64 and url image blocks -> ``image_url``
  data URLs (chat) / ``input_image`` (responses); ``tool_use``/``tool_result`` blocks and
  ``tools``/``tool_choice`` -> function tools; ``max_tokens`` -> ``max_completion_tokens`` /
  ``max_output_tokens``; ``temperature``, ``top_p``; ``stop_sequences`` -> ``stop`` (chat only).
* Gemini: ``key`` -> custom_id (or ``line-N`` when there is none); ``contents`` roles
  user/model -> user/assistant; ``system_instruction``/``systemInstruction``;
  ``generation_config``/``generationConfig`` in either casing -> max tokens, temperature,
  top_p, stop, n, seed, penalties, JSON output; ``inline_data`` images -> data URLs.
* OpenAI fine-tuning chat: ``messages`` kept, the final assistant message (the answer the
  model was to be trained on) left out.

Anything else (thinking blocks, documents, ``fileData`` URIs, Google Search and other server
tools, safety settings, top_k...) is listed in ``lost``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

CHAT = "chat"
RESPONSES = "responses"
URLS = {CHAT: "/v1/chat/completions", RESPONSES: "/v1/responses"}
RESPONSES_MIN_OUTPUT_TOKENS = 16  # SPEC CreateResponse.max_output_tokens minimum
CHAT_MAX_STOP = 4  # SPEC CreateChatCompletionRequest.stop maxItems
JSON_PROMPT = "Answer in JSON."


@dataclass(slots=True)
class Converted:
    request: dict[str, Any] | None  # None: the line could not be converted at all
    lost: list[str] = field(default_factory=list)  # what could not be mapped, one per item
    custom_id: str | None = None
    json_prompt: bool = False  # "Answer in JSON." was added for JSON mode


# -- a neutral conversation, rendered for either endpoint ------------------------------------


@dataclass(slots=True)
class _Call:
    id: str
    name: str
    arguments: str  # JSON text


@dataclass(slots=True)
class _Msg:
    role: str  # system, user, assistant, tool
    texts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # URLs (data: or https:)
    calls: list[_Call] = field(default_factory=list)
    call_id: str | None = None  # role tool: the call this answers
    order: list[tuple[str, int]] = field(default_factory=list)  # ("text"|"image", index)

    def text(self, s: str) -> None:
        self.order.append(("text", len(self.texts)))
        self.texts.append(s)

    def image(self, url: str) -> None:
        self.order.append(("image", len(self.images)))
        self.images.append(url)

    def empty(self) -> bool:
        return not (self.texts or self.images or self.calls)


@dataclass(slots=True)
class _Tool:
    name: str
    description: str | None
    parameters: dict[str, Any] | None


@dataclass(slots=True)
class _Request:
    custom_id: str
    messages: list[_Msg] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)  # already OpenAI-named
    max_tokens: int | None = None
    stop: list[str] | None = None
    tools: list[_Tool] = field(default_factory=list)
    tool_choice: Any = None  # "auto", "required", "none" or a function name (str, tagged)
    json_output: bool = False


def _chat_message(msg: _Msg) -> dict[str, Any]:
    if msg.role == "tool":
        return {"role": "tool", "tool_call_id": msg.call_id or "", "content": "".join(msg.texts)}
    if msg.role in ("system", "assistant") or not msg.images:
        out: dict[str, Any] = {"role": msg.role, "content": "\n\n".join(msg.texts)}
        if msg.role == "assistant" and msg.calls:
            if not msg.texts:
                out["content"] = None
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in msg.calls
            ]
        return out
    parts: list[dict[str, Any]] = []
    for what, i in msg.order:
        if what == "text":
            parts.append({"type": "text", "text": msg.texts[i]})
        else:
            parts.append({"type": "image_url", "image_url": {"url": msg.images[i]}})
    return {"role": msg.role, "content": parts}


def _responses_items(msg: _Msg) -> list[dict[str, Any]]:
    if msg.role == "tool":
        return [
            {
                "type": "function_call_output",
                "call_id": msg.call_id or "",
                "output": "".join(msg.texts),
            }
        ]
    items: list[dict[str, Any]] = []
    if msg.texts or msg.images:
        if msg.role != "user" or not msg.images:
            items.append({"role": msg.role, "content": "\n\n".join(msg.texts)})
        else:
            parts: list[dict[str, Any]] = []
            for what, i in msg.order:
                if what == "text":
                    parts.append({"type": "input_text", "text": msg.texts[i]})
                else:
                    parts.append(
                        {"type": "input_image", "image_url": msg.images[i], "detail": "auto"}
                    )
            items.append({"role": "user", "content": parts})
    for c in msg.calls:
        items.append(
            {"type": "function_call", "call_id": c.id, "name": c.name, "arguments": c.arguments}
        )
    return items


def _render(req: _Request, to: str, model: str, lost: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model}
    if to == CHAT:
        body["messages"] = [_chat_message(m) for m in req.messages]
        if req.max_tokens is not None:
            body["max_completion_tokens"] = req.max_tokens
        if req.stop:
            if len(req.stop) > CHAT_MAX_STOP:
                lost.append(
                    f"stop sequences beyond the first {CHAT_MAX_STOP} (Chat Completions takes "
                    f"at most {CHAT_MAX_STOP}): {json.dumps(req.stop[CHAT_MAX_STOP:])}"
                )
            body["stop"] = req.stop[:CHAT_MAX_STOP]
        if req.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        k: v
                        for k, v in (
                            ("name", t.name),
                            ("description", t.description),
                            ("parameters", t.parameters),
                        )
                        if v is not None
                    },
                }
                for t in req.tools
            ]
        if req.tool_choice is not None:
            choice = req.tool_choice
            if isinstance(choice, tuple):
                choice = {"type": "function", "function": {"name": choice[1]}}
            body["tool_choice"] = choice
        if req.json_output:
            body["response_format"] = {"type": "json_object"}
    else:
        rest = list(req.messages)
        head: list[str] = []
        while rest and rest[0].role == "system":  # the leading system prompt: instructions
            head.extend(rest.pop(0).texts)
        if head:
            body["instructions"] = "\n\n".join(head)
        items: list[dict[str, Any]] = []
        for m in rest:
            items.extend(_responses_items(m))
        body["input"] = items
        if req.max_tokens is not None:
            tokens = req.max_tokens
            if tokens < RESPONSES_MIN_OUTPUT_TOKENS:
                lost.append(
                    f"max tokens {tokens} raised to {RESPONSES_MIN_OUTPUT_TOKENS}, the Responses "
                    "API minimum for max_output_tokens"
                )
                tokens = RESPONSES_MIN_OUTPUT_TOKENS
            body["max_output_tokens"] = tokens
        if req.stop:
            lost.append(f"stop sequences (the Responses API has no stop): {json.dumps(req.stop)}")
        if req.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.parameters
                    if t.parameters is not None
                    else {"type": "object", "properties": {}},
                    "strict": False,
                }
                for t in req.tools
            ]
        if req.tool_choice is not None:
            choice = req.tool_choice
            if isinstance(choice, tuple):
                choice = {"type": "function", "name": choice[1]}
            body["tool_choice"] = choice
        if req.json_output:
            body["text"] = {"format": {"type": "json_object"}}
    for key, value in req.params.items():
        if to == RESPONSES and key in ("n", "seed", "presence_penalty", "frequency_penalty"):
            lost.append(f"{key} {json.dumps(value)} (the Responses API has no {key})")
            continue
        body[key] = value
    return {"custom_id": req.custom_id, "method": "POST", "url": URLS[to], "body": body}


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- Anthropic Message Batches ------------------------------------------------------------------

_ANTHROPIC_DROPPED_QUIETLY = frozenset({"model", "stream"})  # replaced (--model) / batch


def _anthropic_text_block(block: dict[str, Any], where: str, lost: list[str]) -> str | None:
    text = block.get("text")
    if not isinstance(text, str):
        lost.append(f"{where}: a text block without text")
        return None
    if block.get("cache_control") is not None:
        lost.append(f"{where}: cache_control (OpenAI caches prompt prefixes by itself)")
    if block.get("citations"):
        lost.append(f"{where}: citations of a text block")
    return text


def _anthropic_image(block: dict[str, Any], where: str, lost: list[str]) -> str | None:
    source = block.get("source")
    if not isinstance(source, dict):
        lost.append(f"{where}: an image block without a source")
        return None
    kind = source.get("type")
    if kind == "base64" and isinstance(source.get("data"), str):
        media = source.get("media_type") or "image/png"
        return f"data:{media};base64,{source['data']}"
    if kind == "url" and isinstance(source.get("url"), str):
        return str(source["url"])
    lost.append(f"{where}: an image of source type {_short(kind)} (only base64 and url map)")
    return None


def _tool_result_text(content: Any, where: str, lost: list[str]) -> str:
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for j, block in enumerate(content if isinstance(content, list) else []):
        if (
            isinstance(block, dict)
            and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        ):
            texts.append(block["text"])
        else:
            kind = block.get("type") if isinstance(block, dict) else None
            lost.append(f"{where}.content[{j}]: a {_short(kind)} block in a tool result")
    return "\n\n".join(texts)


def _anthropic_messages(messages: Any, lost: list[str]) -> list[_Msg]:
    out: list[_Msg] = []
    if not isinstance(messages, list):
        lost.append("params.messages is not a list")
        return out
    for i, m in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            lost.append(f"{where}: not an object")
            continue
        role = m.get("role")
        if role not in ("user", "assistant", "system"):
            lost.append(f"{where}: role {_short(role)}")
            continue
        msg = _Msg(role)
        content = m.get("content")
        if isinstance(content, str):
            msg.text(content)
            out.append(msg)
            continue
        if not isinstance(content, list):
            lost.append(f"{where}: content {_short(content)}")
            continue
        results: list[_Msg] = []  # tool results become messages of their own, first
        for j, block in enumerate(content):
            at = f"{where}.content[{j}]"
            kind = block.get("type") if isinstance(block, dict) else None
            if kind == "text":
                text = _anthropic_text_block(block, at, lost)
                if text is not None:
                    msg.text(text)
            elif kind == "image" and role == "user":
                url = _anthropic_image(block, at, lost)
                if url is not None:
                    msg.image(url)
            elif kind == "tool_use" and role == "assistant":
                msg.calls.append(
                    _Call(
                        str(block.get("id", "")),
                        str(block.get("name", "")),
                        json.dumps(block.get("input", {}), ensure_ascii=False),
                    )
                )
            elif kind == "tool_result" and role == "user":
                result = _Msg("tool", call_id=str(block.get("tool_use_id", "")))
                result.text(_tool_result_text(block.get("content", ""), at, lost))
                if block.get("is_error"):
                    lost.append(f"{at}: is_error of a tool result (OpenAI has no such flag)")
                results.append(result)
            elif kind in ("thinking", "redacted_thinking"):
                lost.append(f"{at}: a {kind} block (no OpenAI equivalent in a request)")
            else:
                lost.append(f"{at}: a {_short(kind)} block" + ("" if kind else " (no type)"))
        out.extend(results)
        if not msg.empty() or not results:
            out.append(msg)
    return out


def _anthropic_tools(params: dict[str, Any], req: _Request, lost: list[str]) -> None:
    tools = params.get("tools")
    if isinstance(tools, list):
        for i, t in enumerate(tools):
            if not isinstance(t, dict) or "name" not in t:
                lost.append(f"tools[{i}]: not a tool definition")
            elif t.get("type") not in (None, "custom") or "input_schema" not in t:
                lost.append(f"tools[{i}]: server tool {_short(t.get('type') or t.get('name'))}")
            else:
                req.tools.append(_Tool(str(t["name"]), t.get("description"), t.get("input_schema")))
    elif tools is not None:
        lost.append(f"tools {_short(tools)}")
    choice = params.get("tool_choice")
    if isinstance(choice, dict):
        kind = choice.get("type")
        if kind in ("auto", "none"):
            req.tool_choice = kind
        elif kind == "any":
            req.tool_choice = "required"
        elif kind == "tool" and isinstance(choice.get("name"), str):
            req.tool_choice = ("function", choice["name"])
        else:
            lost.append(f"tool_choice {_short(choice)}")
        if choice.get("disable_parallel_tool_use"):
            req.params["parallel_tool_calls"] = False
    elif choice is not None:
        lost.append(f"tool_choice {_short(choice)}")


def anthropic_request(obj: Any, to: str, model: str) -> Converted:
    """One ``{"custom_id", "params"}`` line of an Anthropic Message Batches request file."""
    lost: list[str] = []
    if not isinstance(obj, dict) or not isinstance(obj.get("params"), dict):
        return Converted(None, ["not an Anthropic batch request ({custom_id, params})"])
    custom_id = obj.get("custom_id")
    if not isinstance(custom_id, str):
        return Converted(None, [f"custom_id {_short(custom_id)} is not a string"])
    params = obj["params"]
    req = _Request(custom_id)
    system = params.get("system")
    if isinstance(system, str):
        req.messages.append(_Msg("system", texts=[system], order=[("text", 0)]))
    elif isinstance(system, list):
        msg = _Msg("system")
        for j, block in enumerate(system):
            if isinstance(block, dict) and block.get("type") == "text":
                text = _anthropic_text_block(block, f"system[{j}]", lost)
                if text is not None:
                    msg.text(text)
            else:
                lost.append(f"system[{j}]: a {_short(block)} block")
        if not msg.empty():
            req.messages.append(msg)
    elif system is not None:
        lost.append(f"system {_short(system)}")
    req.messages.extend(_anthropic_messages(params.get("messages"), lost))
    if req.messages and req.messages[-1].role == "assistant":
        lost.append(
            "the last message is an assistant prefill: Claude continues it, OpenAI answers "
            "after it as a finished turn"
        )
    _anthropic_tools(params, req, lost)
    for key, value in params.items():
        if (
            key in ("system", "messages", "tools", "tool_choice")
            or key in _ANTHROPIC_DROPPED_QUIETLY
        ):
            continue
        if key == "max_tokens" and type(value) is int:
            req.max_tokens = value
        elif key in ("temperature", "top_p") and isinstance(value, (int, float)):
            req.params[key] = value
        elif key == "stop_sequences" and isinstance(value, list):
            req.stop = [str(s) for s in value]
        elif key == "thinking" and isinstance(value, dict) and value.get("type") == "disabled":
            continue  # the default: nothing lost
        elif (
            key == "metadata" and isinstance(value, dict) and isinstance(value.get("user_id"), str)
        ):
            req.params["safety_identifier"] = value["user_id"]
            if len(value) > 1:
                lost.append(f"metadata keys other than user_id: {_short(value)}")
        else:
            lost.append(f"{key} {_short(value)}")
    request = _render(req, to, model, lost)
    return Converted(request, lost, custom_id)


# -- Gemini / Vertex ---------------------------------------------------------------------------


def _get(obj: dict[str, Any], camel: str, snake: str) -> Any:
    """A field written in either casing (both are real: FORMATS.md §2.5)."""
    value = obj.get(camel)
    return obj.get(snake) if value is None else value


def _gemini_parts(parts: Any, role: str, where: str, lost: list[str]) -> _Msg:
    msg = _Msg(role)
    if not isinstance(parts, list):
        parts = [parts] if isinstance(parts, dict) else []
        if not parts:
            lost.append(f"{where}.parts: missing")
    for j, part in enumerate(parts):
        at = f"{where}.parts[{j}]"
        if not isinstance(part, dict):
            lost.append(f"{at}: not an object")
            continue
        if part.get("thought"):
            lost.append(f"{at}: a thought part (no OpenAI equivalent in a request)")
            continue
        inline = _get(part, "inlineData", "inline_data")
        file_data = _get(part, "fileData", "file_data")
        if isinstance(part.get("text"), str):
            msg.text(part["text"])
        elif isinstance(inline, dict):
            mime = _get(inline, "mimeType", "mime_type") or ""
            data = inline.get("data")
            if (
                isinstance(data, str)
                and isinstance(mime, str)
                and mime.startswith("image/")
                and role == "user"
            ):
                msg.image(f"data:{mime};base64,{data}")
            else:
                lost.append(f"{at}: inline data of type {_short(mime)}")
        elif isinstance(file_data, dict):
            uri = _get(file_data, "fileUri", "file_uri")
            lost.append(
                f"{at}: file {_short(uri)} (a Google file URI; OpenAI cannot fetch it: inline "
                "the bytes as base64 instead)"
            )
        else:
            keys = ", ".join(sorted(part)) or "empty"
            lost.append(f"{at}: a part with {keys}")
        extra = set(part) - {
            "text",
            "inlineData",
            "inline_data",
            "fileData",
            "file_data",
            "thought",
        }
        if extra and isinstance(part.get("text"), str):
            lost.append(f"{at}: {', '.join(sorted(extra))} of a text part")
    return msg


_GEN_KEYS = {
    # camelCase, snake_case, OpenAI name
    ("maxOutputTokens", "max_output_tokens"): "max_tokens",
    ("temperature", "temperature"): "temperature",
    ("topP", "top_p"): "top_p",
    ("stopSequences", "stop_sequences"): "stop",
    ("candidateCount", "candidate_count"): "n",
    ("seed", "seed"): "seed",
    ("presencePenalty", "presence_penalty"): "presence_penalty",
    ("frequencyPenalty", "frequency_penalty"): "frequency_penalty",
    ("responseMimeType", "response_mime_type"): "json",
}
_GEN_ALIASES = {name: target for pair, target in _GEN_KEYS.items() for name in pair}


def _gemini_generation(config: Any, req: _Request, lost: list[str]) -> None:
    if config is None:
        return
    if not isinstance(config, dict):
        lost.append(f"generationConfig {_short(config)}")
        return
    for key, value in config.items():
        target = _GEN_ALIASES.get(key)
        if target == "max_tokens" and type(value) is int:
            req.max_tokens = value
        elif target == "stop" and isinstance(value, list):
            req.stop = [str(s) for s in value]
        elif target == "json":
            if value == "application/json":
                req.json_output = True
            elif value != "text/plain":
                lost.append(f"generationConfig.{key} {_short(value)}")
        elif target in (
            "temperature",
            "top_p",
            "presence_penalty",
            "frequency_penalty",
        ) and isinstance(value, (int, float)):
            req.params[target] = value
        elif target in ("n", "seed") and type(value) is int:
            if not (target == "n" and value == 1):
                req.params[target] = value
        else:
            note = ""
            if key in (
                "responseSchema",
                "response_schema",
                "responseJsonSchema",
                "response_json_schema",
            ):
                note = " (Gemini's schema dialect; the output asks for JSON without a schema)"
            lost.append(f"generationConfig.{key} {_short(value)}{note}")


def gemini_request(obj: Any, to: str, model: str, fallback_id: str) -> Converted:
    """One Gemini batch line: ``{"key", "request"}``, Vertex ``{"request"}``, or a bare
    GenerateContentRequest. ``fallback_id`` is the custom_id of a request without a key."""
    lost: list[str] = []
    if not isinstance(obj, dict):
        return Converted(None, ["not a JSON object"])
    request = obj.get("request", obj if "contents" in obj else None)
    if not isinstance(request, dict):
        return Converted(None, ["not a Gemini batch request ({key, request})"])
    key = obj.get("key")
    custom_id = key if isinstance(key, str) and key else fallback_id
    if "model" in request and "contents" in request and "config" in request:
        return Converted(
            None, ["an embedding request (convert makes chat or responses requests)"], custom_id
        )
    req = _Request(custom_id)
    system = _get(request, "systemInstruction", "system_instruction")
    if isinstance(system, dict):
        msg = _gemini_parts(system.get("parts"), "system", "systemInstruction", lost)
        if msg.images:
            lost.append("systemInstruction: an image in the system prompt")
            msg.images.clear()
            msg.order = [o for o in msg.order if o[0] == "text"]
        if not msg.empty():
            req.messages.append(msg)
    elif isinstance(system, str):
        req.messages.append(_Msg("system", texts=[system], order=[("text", 0)]))
    elif system is not None:
        lost.append(f"systemInstruction {_short(system)}")
    contents = request.get("contents")
    if isinstance(contents, dict):
        contents = [contents]
    if not isinstance(contents, list):
        return Converted(None, ["request.contents is missing"], custom_id)
    for i, content in enumerate(contents):
        where = f"contents[{i}]"
        if not isinstance(content, dict):
            lost.append(f"{where}: not an object")
            continue
        role = content.get("role") or "user"
        if role not in ("user", "model"):
            lost.append(f"{where}: role {_short(role)}")
            continue
        msg = _gemini_parts(
            content.get("parts"), "assistant" if role == "model" else "user", where, lost
        )
        if not msg.empty():
            req.messages.append(msg)
    _gemini_generation(_get(request, "generationConfig", "generation_config"), req, lost)
    handled = {
        "contents",
        "systemInstruction",
        "system_instruction",
        "generationConfig",
        "generation_config",
    }
    for k, value in request.items():
        if k in handled:
            continue
        if k == "tools":
            kinds = []
            for t in value if isinstance(value, list) else [value]:
                kinds.extend(sorted(t) if isinstance(t, dict) else [_short(t)])
            lost.append(f"tools: {', '.join(kinds)} (Gemini tools are not converted)")
        else:
            lost.append(f"{k} {_short(value)}")
    for k in obj:
        if k not in ("key", "request") and "request" in obj:
            lost.append(f"{k} (beside the request) {_short(obj[k])}")
    added = False
    if req.json_output and not any("json" in t.lower() for m in req.messages for t in m.texts):
        # OpenAI refuses JSON mode unless a message asks for JSON (400: "'messages' must
        # contain the word 'json'"): say so in the system prompt.
        added = True
        if req.messages and req.messages[0].role == "system":
            req.messages[0].text(JSON_PROMPT)
        else:
            req.messages.insert(0, _Msg("system", texts=[JSON_PROMPT], order=[("text", 0)]))
    return Converted(_render(req, to, model, lost), lost, custom_id, added)


# -- OpenAI fine-tuning chat ----------------------------------------------------------------


def finetune_request(obj: Any, to: str, model: str, fallback_id: str) -> Converted:
    """One ``{"messages": [...]}`` training example: its prompt as a request, with
    ``fallback_id`` as its custom_id (the final assistant message, the answer to learn, is
    left out; the caller says so once for the file)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list):
        return Converted(None, ["not a fine-tuning example ({messages})"])
    lost: list[str] = []
    custom_id = fallback_id
    req = _Request(custom_id)
    messages = obj["messages"]
    if messages and isinstance(messages[-1], dict) and messages[-1].get("role") == "assistant":
        messages = messages[:-1]
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in (
            "system",
            "user",
            "assistant",
            "developer",
        ):
            lost.append(f"messages[{i}]: {_short(m)}")
            continue
        content = m.get("content")
        msg = _Msg("system" if m["role"] == "developer" else m["role"])
        if isinstance(content, str):
            msg.text(content)
        else:
            lost.append(f"messages[{i}].content {_short(content)}")
        if m.get("weight") is not None:
            lost.append(f"messages[{i}].weight (a training setting)")
        if not msg.empty():
            req.messages.append(msg)
    for k, value in obj.items():
        if k != "messages":
            lost.append(f"{k} {_short(value)}")
    return Converted(_render(req, to, model, lost), lost, custom_id)
