"""Generators of batch input, output and error lines with a known outcome per request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MODEL = "gpt-4o-mini"


def request(cid: str, text: str = "hello", **body: Any) -> dict[str, Any]:
    return {
        "custom_id": cid,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": MODEL, "messages": [{"role": "user", "content": text}], **body},
    }


def chat_body(
    content: str | None = "fine",
    finish: str = "stop",
    refusal: str | None = None,
    tool_calls: list[Any] | None = None,
    prompt: int = 10,
    completion: int = 5,
    cached: int = 0,
    reasoning: int = 0,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    }


def ok(cid: str, body: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    return {
        "id": f"batch_req_{cid}",
        "custom_id": cid,
        "response": {
            "status_code": status,
            "request_id": f"req_{cid}",
            "body": body or chat_body(),
        },
        "error": None,
    }


def http_error(cid: str, status: int, code: str | None, message: str, etype: str = "x") -> dict:
    return {
        "id": f"batch_req_{cid}",
        "custom_id": cid,
        "response": {
            "status_code": status,
            "request_id": f"req_{cid}",
            "body": {"error": {"message": message, "type": etype, "param": None, "code": code}},
        },
        "error": None,
    }


def plain_error(cid: str, code: str, message: str) -> dict[str, Any]:
    return {
        "id": f"batch_req_{cid}",
        "custom_id": cid,
        "response": None,
        "error": {"code": code, "message": message},
    }


EXPIRED_MESSAGE = "This request could not be executed before the completion window expired."


def expired(cid: str) -> dict[str, Any]:
    return plain_error(cid, "batch_expired", EXPIRED_MESSAGE)


def rate_limited(cid: str, used: int) -> dict[str, Any]:
    return http_error(
        cid,
        429,
        "rate_limit_exceeded",
        f"Rate limit reached for gpt-4o-mini in organization org-a1b2c3d4e5f6g7h8 on tokens "
        f"per min (TPM): Limit 200000, Used {used}, Requested 1{used % 1000}. "
        f"Please try again in {used % 7}.{used % 10}s.",
        "tokens",
    )


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def write_lines(path: Path, objs: list[Any], ending: bytes = b"\n") -> Path:
    path.write_bytes(b"".join((o if isinstance(o, bytes) else dumps(o)) + ending for o in objs))
    return path


# Every outcome kind a generated set can hold: kind -> (result file, expected class, flags).
KINDS: dict[str, tuple[str | None, str, set[str]]] = {
    "ok": ("output", "SUCCEEDED", set()),
    "truncated": ("output", "SUCCEEDED", {"truncated"}),
    "content_filter": ("output", "SUCCEEDED", {"content_filter"}),
    "refusal": ("output", "SUCCEEDED", {"refusal"}),
    "empty": ("output", "SUCCEEDED", {"empty"}),
    "tool_call": ("output", "SUCCEEDED", set()),
    "http400": ("errors", "FAILED_HTTP", set()),
    "http429": ("errors", "FAILED_HTTP", set()),
    "http500": ("errors", "FAILED_HTTP", set()),
    "http400_in_output": ("output", "FAILED_HTTP", set()),
    "expired": ("errors", "EXPIRED", set()),
    "cancelled": ("errors", "CANCELLED", set()),
    "other_error": ("errors", "FAILED", set()),
    "missing": (None, "MISSING", set()),
}


def result_for(kind: str, cid: str, n: int) -> dict[str, Any] | None:
    if kind == "ok":
        return ok(cid, chat_body(f"答案 {n}", prompt=10 + n, completion=5))
    if kind == "truncated":
        return ok(cid, chat_body("cut off", finish="length", completion=50))
    if kind == "content_filter":
        return ok(cid, chat_body(None, finish="content_filter"))
    if kind == "refusal":
        return ok(cid, chat_body(None, refusal="I can't help with that."))
    if kind == "empty":
        return ok(cid, chat_body(""))
    if kind == "tool_call":
        call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        return ok(cid, chat_body(None, finish="tool_calls", tool_calls=[call]))
    if kind in ("http400", "http400_in_output"):
        return http_error(
            cid,
            400,
            "context_length_exceeded",
            f"This model's maximum context length is 128000 tokens. However, your messages "
            f"resulted in {130000 + n} tokens. Please reduce the length of the messages.",
            "invalid_request_error",
        )
    if kind == "http429":
        return rate_limited(cid, 1000 + n)
    if kind == "http500":
        return http_error(
            cid, 500, None, "The server had an error processing your request.", "server_error"
        )
    if kind == "expired":
        return expired(cid)
    if kind == "cancelled":
        return plain_error(cid, "batch_cancelled", "The batch was cancelled.")
    if kind == "other_error":
        return plain_error(cid, "request_timeout", "The request timed out.")
    if kind == "missing":
        return None
    raise ValueError(kind)


def build_set(
    tmp: Path,
    kinds: list[str],
    *,
    shuffle_seed: int | None = None,
    ending: bytes = b"\n",
    prefix: str = "req",
) -> tuple[Path, Path, Path, dict[str, str]]:
    """Write input/output/error files for ``kinds`` (one request each); returns the paths
    and ``{custom_id: kind}``."""
    import random

    inputs, outputs, errors = [], [], []
    by_id: dict[str, str] = {}
    for n, kind in enumerate(kinds):
        cid = f"{prefix}-{n:05d}"
        by_id[cid] = kind
        inputs.append(request(cid, f"question {n} 日本語のテキスト"))
        res = result_for(kind, cid, n)
        if res is not None:
            (outputs if KINDS[kind][0] == "output" else errors).append(res)
    if shuffle_seed is not None:
        rng = random.Random(shuffle_seed)
        rng.shuffle(outputs)
        rng.shuffle(errors)
    inp = write_lines(tmp / "input.jsonl", inputs, ending)
    out = write_lines(tmp / "output.jsonl", outputs, ending)
    err = write_lines(tmp / "errors.jsonl", errors, ending)
    return inp, out, err, by_id
