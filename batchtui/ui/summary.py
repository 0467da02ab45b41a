"""One-line summaries of JSONL lines for the list: what a person scans for in a batch file."""

from __future__ import annotations

from typing import Any

import orjson

from batchtui.core.text import safe
from batchtui.jsonl.bodies.answers import answer_parts, preview

# Lines longer than this are shown raw in the list rather than parsed for a summary.
SUMMARY_PARSE_CAP = 256 * 1024


def _first_text(content: Any) -> str | None:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                return part["text"]
    return None


def _request_text(body: dict[str, Any]) -> str | None:
    messages = body.get("messages")
    if isinstance(messages, list):
        for msg in reversed(messages):
            if isinstance(msg, dict) and msg.get("role") == "user":
                return _first_text(msg.get("content"))
        return None
    for key in ("input", "prompt"):
        value = body.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, list) and value:
            first = value[-1] if key == "input" and isinstance(value[-1], dict) else value[0]
            if isinstance(first, dict):
                return _first_text(first.get("content"))
            if isinstance(first, str):
                suffix = f" (+{len(value) - 1} more)" if len(value) > 1 else ""
                return first + suffix
    return None


def _result_text(obj: dict[str, Any]) -> str | None:
    response = obj.get("response")
    error = obj.get("error")
    if isinstance(response, dict):
        status = response.get("status_code")
        body = response.get("body")
        if isinstance(body, dict):
            if isinstance(body.get("error"), dict):
                return f"{status} {body['error'].get('code') or ''}: {body['error'].get('message', '')}"
            said = preview(answer_parts(body))  # text, calls, refusals, tools, audio
            if said:
                return f"{status} {said}"
            if "data" in body:
                return f"{status} embeddings"
        return f"{status}"
    if isinstance(error, dict):
        return f"error {error.get('code', '')}: {error.get('message', '')}"
    return None


def summarize(data: bytes) -> tuple[str, str, str] | None:
    """``(custom_id, model or status, text)`` for a batch request or result line, else None."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or "custom_id" not in obj:
        return None
    cid = obj.get("custom_id")
    body = obj.get("body")
    if isinstance(body, dict):
        model = body.get("model")
        text = _request_text(body)
    else:
        model = None
        text = _result_text(obj)
    flat = " ".join((text or "")[:2000].split())  # a row shows a screen width at most
    return (
        safe(str(cid)),
        safe(str(model)) if model is not None else "",
        safe(flat),
    )
