"""Plausible response bodies for each batch endpoint, in the shapes the SDK's models parse
(``ChatCompletion``, ``CreateEmbeddingResponse``, ``Completion``, ``ModerationCreateResponse``,
``responses.Response``, ``ImagesResponse``, ``Video``)."""

from __future__ import annotations

import base64
import random
import struct
from dataclasses import dataclass
from typing import Any

from batchtui.emulator.ids import IdMaker
from batchtui.emulator.tokens import collect_text, count_embedding_inputs, estimate_tokens
from batchtui.emulator.validate import FAILURE_KINDS

_ENGLISH = (
    "Here is a concise answer to your question.",
    "The short version: it depends on the size of the input and the latency you can accept.",
    "First, split the work into independent steps; then run them in parallel.",
    "In summary, the batch approach halves the cost and trades latency for throughput.",
    "Let me know if you want a longer explanation or a worked example.",
    "The result is stable across runs, which makes it easy to compare versions.",
    "A common pitfall is forgetting to check the error file as well as the output file.",
    "This sentence is here so that longer answers read naturally.",
)
_JAPANESE = (
    "ご質問ありがとうございます。",
    "結論から言うと、バッチ処理はコストを半分にできます。",
    "まず入力を確認し、次に結果を custom_id で突き合わせてください。",
    "詳しい例が必要でしたら、お知らせください。",
)
_CHINESE = (
    "这是一个简短的回答。",
    "批处理可以降低成本，但需要等待更长的时间。",
    "请同时检查输出文件和错误文件。",
)
_KOREAN = (
    "요청하신 내용을 요약하면 다음과 같습니다.",
    "배치 처리는 비용을 절반으로 줄여 줍니다.",
    "더 자세한 예가 필요하면 알려 주세요.",
)
_EMOJI = ("🙂", "🚀", "✅", "📦", "🎉", "💡")
_DEFAULT_DIMENSIONS = {
    "text-embedding-3-large": 3072,
    "text-embedding-3-small": 1536,
    "text-embedding-ada-002": 1536,
}
_MODERATION_CATEGORIES = (
    ("harassment", ("text",)),
    ("harassment/threatening", ("text",)),
    ("hate", ("text",)),
    ("hate/threatening", ("text",)),
    ("illicit", ("text",)),
    ("illicit/violent", ("text",)),
    ("self-harm", ("text", "image")),
    ("self-harm/instructions", ("text", "image")),
    ("self-harm/intent", ("text", "image")),
    ("sexual", ("text", "image")),
    ("sexual/minors", ("text",)),
    ("violence", ("text", "image")),
    ("violence/graphic", ("text", "image")),
)
# A 1x1 transparent PNG: image batches get a real, tiny image.
_PNG_1X1 = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
    )
).decode()


@dataclass
class RequestFacts:
    """What the plan decided about one request."""

    model: str | None
    created: int
    in_tokens: int
    out_tokens: int
    cached_tokens: int
    reasoning_tokens: int
    capped: bool


def _language(texts: list[str]) -> tuple[str, ...]:
    """Answer in the prompt's script: kana -> Japanese, hangul -> Korean, han -> Chinese."""
    han = False
    for text in texts:
        for ch in text[:400]:
            if "\u3040" <= ch <= "\u30ff":
                return _JAPANESE
            if "\uac00" <= ch <= "\ud7af":
                return _KOREAN
            if "\u4e00" <= ch <= "\u9fff":
                han = True
    return _CHINESE if han else _ENGLISH


def reply_text(rng: random.Random, tokens: int, pool: tuple[str, ...] = _ENGLISH) -> str:
    """Roughly ``tokens`` tokens of prose drawn from ``pool``."""
    parts: list[str] = []
    used = 0
    target = max(tokens, 1)
    while used < target:
        sentence = rng.choice(pool)
        parts.append(sentence)
        used += estimate_tokens(sentence)
    if rng.random() < 0.25:
        parts.append(rng.choice(_EMOJI))
    return ("" if pool is not _ENGLISH else " ").join(parts)


def success_body(
    endpoint: str, body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker
) -> dict[str, Any]:
    model = facts.model or "omni-moderation-latest"
    if endpoint == "/v1/chat/completions":
        return _chat(body, facts, rng, ids, model)
    if endpoint == "/v1/responses":
        return _response(body, facts, rng, ids, model)
    if endpoint == "/v1/embeddings":
        return _embeddings(body, facts, rng, model)
    if endpoint == "/v1/completions":
        return _completion(body, facts, rng, ids, model)
    if endpoint == "/v1/moderations":
        return _moderation(body, facts, rng, ids, model)
    if endpoint in ("/v1/images/generations", "/v1/images/edits"):
        return _image(body, facts, rng)
    if endpoint == "/v1/videos":
        return _video(body, facts, rng, ids, model)
    raise ValueError(f"no body generator for {endpoint}")


def error_body(kind: int, model: str | None, in_tokens: int, endpoint: str) -> dict[str, Any]:
    """``response.body`` of an HTTP-style failure: ``{"error": {message, type, param, code}}``."""
    _status, type_, code, param, template = FAILURE_KINDS[kind]
    if param == "messages" and endpoint != "/v1/chat/completions":
        param = "input"
    message = template.format(model=model or "the model", tokens=max(in_tokens, 128_001))
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def failure_status(kind: int) -> int:
    return FAILURE_KINDS[kind][0]


def _texts(body: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    collect_text(body, texts)
    return texts


def _fingerprint(ids: IdMaker) -> str:
    return "fp_" + ids.hex(10)


def _chat(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker, model: str
) -> dict[str, Any]:
    n = body.get("n") if isinstance(body.get("n"), int) and body["n"] > 0 else 1
    pool = _language(_texts(body))
    visible = max(facts.out_tokens - facts.reasoning_tokens, 1)
    choices = [
        {
            "index": i,
            "message": {
                "role": "assistant",
                "content": reply_text(rng, max(visible // n, 1), pool),
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "length" if facts.capped else "stop",
        }
        for i in range(n)
    ]
    return {
        "id": "chatcmpl-" + ids.alnum(29),
        "object": "chat.completion",
        "created": facts.created,
        "model": model,
        "choices": choices,
        "usage": {
            "prompt_tokens": facts.in_tokens,
            "completion_tokens": facts.out_tokens,
            "total_tokens": facts.in_tokens + facts.out_tokens,
            "prompt_tokens_details": {"cached_tokens": facts.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": facts.reasoning_tokens,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": "default",
        "system_fingerprint": _fingerprint(ids),
    }


def _response(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker, model: str
) -> dict[str, Any]:
    pool = _language(_texts(body))
    visible = max(facts.out_tokens - facts.reasoning_tokens, 1)
    output: list[dict[str, Any]] = []
    if facts.reasoning_tokens:
        output.append({"id": "rs_" + ids.hex(48), "type": "reasoning", "summary": []})
    output.append(
        {
            "id": "msg_" + ids.hex(48),
            "type": "message",
            "status": "incomplete" if facts.capped else "completed",
            "role": "assistant",
            "content": [
                {
                    "type": "output_text",
                    "text": reply_text(rng, visible, pool),
                    "annotations": [],
                    "logprobs": [],
                }
            ],
        }
    )
    return {
        "id": "resp_" + ids.hex(48),
        "object": "response",
        "created_at": facts.created,
        "status": "incomplete" if facts.capped else "completed",
        "completed_at": facts.created + rng.randint(1, 20),
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if facts.capped else None,
        "instructions": body.get("instructions")
        if isinstance(body.get("instructions"), str)
        else None,
        "max_output_tokens": body.get("max_output_tokens"),
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "medium" if facts.reasoning_tokens else None, "summary": None},
        "temperature": body.get("temperature", 1.0),
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": {
            "input_tokens": facts.in_tokens,
            # cache_write_tokens: required by openai-python 3.5x's ResponseUsage.
            "input_tokens_details": {"cached_tokens": facts.cached_tokens, "cache_write_tokens": 0},
            "output_tokens": facts.out_tokens,
            "output_tokens_details": {"reasoning_tokens": facts.reasoning_tokens},
            "total_tokens": facts.in_tokens + facts.out_tokens,
        },
        "user": None,
        "metadata": {},
    }


def _embeddings(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, model: str
) -> dict[str, Any]:
    dims = body.get("dimensions")
    if not isinstance(dims, int) or dims < 1:
        dims = _DEFAULT_DIMENSIONS.get(model, 1536)
    count = count_embedding_inputs(body.get("input"))
    b64 = body.get("encoding_format") == "base64"
    data = []
    rand = rng.random
    for i in range(count):
        # Unnormalised but small values: plausible, and cheap to make in bulk.
        vector = [rand() * 0.2 - 0.1 for _ in range(dims)]
        embedding: Any = (
            base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode() if b64 else vector
        )
        data.append({"object": "embedding", "index": i, "embedding": embedding})
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": facts.in_tokens, "total_tokens": facts.in_tokens},
    }


def _completion(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker, model: str
) -> dict[str, Any]:
    pool = _language(_texts(body))
    return {
        "id": "cmpl-" + ids.alnum(29),
        "object": "text_completion",
        "created": facts.created,
        "model": model,
        "choices": [
            {
                "index": 0,
                "text": reply_text(rng, facts.out_tokens, pool),
                "logprobs": None,
                "finish_reason": "length" if facts.capped else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": facts.in_tokens,
            "completion_tokens": facts.out_tokens,
            "total_tokens": facts.in_tokens + facts.out_tokens,
        },
    }


def _moderation(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker, model: str
) -> dict[str, Any]:
    raw = body.get("input")
    count = len(raw) if isinstance(raw, list) and raw and isinstance(raw[0], str) else 1
    results = []
    for _ in range(count):
        scores = {name: round(rng.random() ** 6, 6) for name, _types in _MODERATION_CATEGORIES}
        flags = {name: score > 0.5 for name, score in scores.items()}
        results.append(
            {
                "flagged": any(flags.values()),
                "categories": flags,
                "category_scores": scores,
                "category_applied_input_types": {
                    name: list(types[:1]) for name, types in _MODERATION_CATEGORIES
                },
            }
        )
    return {"id": "modr-" + ids.alnum(29), "model": model, "results": results}


def _image(body: dict[str, Any], facts: RequestFacts, rng: random.Random) -> dict[str, Any]:
    n = body.get("n") if isinstance(body.get("n"), int) and body["n"] > 0 else 1
    return {
        "created": facts.created,
        "data": [{"b64_json": _PNG_1X1} for _ in range(min(n, 4))],
        "output_format": "png",
        "size": body.get("size") if isinstance(body.get("size"), str) else "1024x1024",
        "usage": {
            "input_tokens": facts.in_tokens,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": facts.in_tokens},
            "output_tokens": 1056 * n,
            "total_tokens": facts.in_tokens + 1056 * n,
        },
    }


def _video(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker, model: str
) -> dict[str, Any]:
    return {
        "id": "video_" + ids.hex(32),
        "object": "video",
        "created_at": facts.created,
        "completed_at": facts.created + rng.randint(30, 300),
        "expires_at": facts.created + 86_400,
        "error": None,
        "model": model,
        "progress": 100,
        "prompt": body.get("prompt") if isinstance(body.get("prompt"), str) else None,
        "remixed_from_video_id": None,
        "seconds": str(body.get("seconds", "4")),
        "size": body.get("size") if isinstance(body.get("size"), str) else "720x1280",
        "status": "completed",
    }
