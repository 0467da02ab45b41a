"""Plausible response bodies for each batch endpoint, in the shapes the SDK's models parse
(``ChatCompletion``, ``CreateEmbeddingResponse``, ``Completion``, ``ModerationCreateResponse``,
``responses.Response``, ``ImagesResponse``, ``Video``) and OpenAI's published schemas accept,
with the fields real 2025-2026 output files carry (FORMATS.md §4): the dated model name the
API answers with, ``service_tier``, ``system_fingerprint``, and for the Responses API
``billing``, ``store``, ``completed_at``, ``text.verbosity`` and reasoning items.
"""

from __future__ import annotations

import base64
import functools
import random
import re
import struct
from dataclasses import dataclass
from typing import Any

from batchtui.emulator.ids import IdMaker
from batchtui.emulator.tokens import collect_text, count_embedding_inputs, estimate_tokens
from batchtui.emulator.validate import FAILURE_KINDS
from batchtui.validation import facts as F

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


# The snapshot the API answered with for an alias, seen in real output files (FORMATS.md §4:
# requests for gpt-4o-mini came back as gpt-4o-mini-2024-07-18, and so on).
_SEEN_SNAPSHOTS = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",  # output/kmmlu-4omini-service-tier.jsonl
    "gpt-4o": "gpt-4o-2024-08-06",  # output/chat-gpt4o-ogzgbkn.jsonl
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",  # output/chat-gpt4turbo-some-length.jsonl
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",  # output/responses-gpt41nano.jsonl
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",  # output/chat-json-schema-gpt41mini.jsonl
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",  # output/ducky-gpt35.jsonl
    "gpt-5-nano": "gpt-5-nano-2025-08-07",  # output/responses-gpt5nano-reasoning-jsonschema
    "gpt-5.1": "gpt-5.1-2025-11-13",  # output/responses-gpt51-2026.jsonl
}
_TEXT = ("/v1/chat/completions", "/v1/responses", "/v1/completions")
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")


@functools.lru_cache(maxsize=256)
def dated_model(model: str, endpoint: str) -> str:
    """The model name an answer carries: the dated snapshot behind an alias (seen in real
    files, else the newest dated name the SDK lists for the alias), or the name as sent."""
    if model in _SEEN_SNAPSHOTS:
        return _SEEN_SNAPSHOTS[model]
    if _DATED.search(model) or endpoint not in _TEXT:
        return model  # embeddings, moderations, images and videos: the name as sent
    spec = F.facts().bodies.get(endpoint)
    names = spec.models if spec is not None else frozenset()
    snapshots = sorted(n for n in names if n.startswith(model + "-") and _DATED.search(n))
    dated = [n for n in snapshots if n[len(model) + 1 :].count("-") == 2]
    return dated[-1] if dated else model


def success_body(
    endpoint: str, body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker
) -> dict[str, Any]:
    model = dated_model(facts.model or "omni-moderation-latest", endpoint)
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


def _count(n: object) -> int:
    """``n`` of a request (how many answers): a positive int, else 1."""
    return n if isinstance(n, int) and n > 0 else 1


def _chat(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker, model: str
) -> dict[str, Any]:
    n = _count(body.get("n"))
    pool = _language(_texts(body))
    visible = max(facts.out_tokens - facts.reasoning_tokens, 1)
    choices: list[dict[str, Any]] = [
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
        "service_tier": _service_tier(body),
        "system_fingerprint": _fingerprint(ids),
    }


def _service_tier(body: dict[str, Any]) -> str:
    """What the API reports: "default" unless the request asked for flex or priority (both
    "priority" and "fast" come back as "fast": smoke test 2026-09-24, FORMATS.md §3)."""
    tier = body.get("service_tier")
    if tier in ("priority", "fast"):
        return "fast"
    return tier if tier in ("flex", "scale") else "default"


def _effort(body: dict[str, Any], model: str) -> str | None:
    """The reasoning effort a Responses body echoes (None for models that do not reason)."""
    if not F.is_reasoning_model(model):
        return None
    reasoning = body.get("reasoning")
    effort = reasoning.get("effort") if isinstance(reasoning, dict) else None
    if isinstance(effort, str):
        return effort
    default = F.default_effort(model)
    return "medium" if default in (F.ALWAYS_REASONS, F.UNKNOWN_EFFORT) else default


def _number(value: Any, default: float) -> float:
    return (
        float(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool)
        else (default)
    )


def _response(
    body: dict[str, Any], facts: RequestFacts, rng: random.Random, ids: IdMaker, model: str
) -> dict[str, Any]:
    """A Response as the API writes it in 2026 (real gpt-5.1 and gpt-5.4-nano bodies,
    FORMATS.md §4). ``user`` is left out: real bodies say null, which the spec's schema (a
    string) refuses, and both the SDK and the schema take it as optional."""
    pool = _language(_texts(body))
    visible = max(facts.out_tokens - facts.reasoning_tokens, 1)
    effort = _effort(body, model)
    output: list[dict[str, Any]] = []
    if facts.reasoning_tokens:
        output.append({"id": "rs_" + ids.hex(50), "type": "reasoning", "summary": []})
    output.append(
        {
            "id": "msg_" + ids.hex(50),
            "type": "message",
            "status": "incomplete" if facts.capped else "completed",
            "content": [
                {
                    "type": "output_text",
                    "annotations": [],
                    "logprobs": [],
                    "text": reply_text(rng, visible, pool),
                }
            ],
            "role": "assistant",
        }
    )
    text = body.get("text")
    text = text if isinstance(text, dict) else {}
    fmt = text.get("format")
    fmt = fmt if isinstance(fmt, dict) else {"type": "text"}
    verbosity = text.get("verbosity") if text.get("verbosity") in ("low", "high") else "medium"
    instructions = body.get("instructions")
    max_output = body.get("max_output_tokens")
    return {
        "id": "resp_" + ids.hex(50),
        "object": "response",
        "created_at": facts.created,
        "status": "incomplete" if facts.capped else "completed",
        "background": False,
        "billing": {"payer": "developer"},
        "completed_at": facts.created + rng.randint(1, 20),
        "error": None,
        "frequency_penalty": 0.0,
        "incomplete_details": {"reason": "max_output_tokens"} if facts.capped else None,
        "instructions": instructions if isinstance(instructions, str) else None,
        "max_output_tokens": max_output if isinstance(max_output, int) else None,
        "max_tool_calls": None,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "presence_penalty": 0.0,
        "previous_response_id": None,
        "prompt_cache_key": None,
        "prompt_cache_retention": None,
        "reasoning": {"effort": effort, "summary": None},
        "safety_identifier": None,
        "service_tier": _service_tier(body),
        "store": body.get("store") is not False,
        "temperature": _number(body.get("temperature"), 1.0),
        "text": {"format": fmt, "verbosity": verbosity},
        "tool_choice": "auto",
        "tools": [],
        "top_logprobs": 0,
        "top_p": _number(body.get("top_p"), 1.0),
        "truncation": "disabled",
        "usage": {
            "input_tokens": facts.in_tokens,
            "input_tokens_details": {"cached_tokens": facts.cached_tokens, "cache_write_tokens": 0},
            "output_tokens": facts.out_tokens,
            "output_tokens_details": {"reasoning_tokens": facts.reasoning_tokens},
            "total_tokens": facts.in_tokens + facts.out_tokens,
        },
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
    n = _count(body.get("n"))
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
