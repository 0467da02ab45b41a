"""Generators of plausible batch input lines (for the demo, tests and benchmarks).

Prompts mix English, Japanese, Chinese, Korean and emoji, because real files do and the TUI
must show them right.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

PROMPTS = (
    "Summarise the following support ticket in one sentence.",
    "Translate to French: the batch finished overnight.",
    "Write a haiku about cold coffee ☕",
    "この文章を一文で要約してください：バッチ処理は夜間に完了しました。",
    "日本語で答えてください。東京の天気はどうですか？🌸",
    "请把下面这句话翻译成英文：今天的任务已经完成。",
    "用三个要点解释什么是批处理。",
    "다음 문장을 영어로 번역해 주세요: 작업이 완료되었습니다.",
    "Classify the sentiment of: 'The update broke everything 😡'",
    "List three risks of running 50,000 requests at once 🚀",
    "Extract the product name from: 'I bought the Zephyr X200 and love it'.",
    "Explain recursion to a five-year-old 👶",
)
SYSTEM_PROMPTS = (
    "You are a helpful assistant.",
    "You are a terse assistant. Answer in at most two sentences.",
    "あなたは丁寧なアシスタントです。",
)
EMBEDDING_TEXTS = (
    "The quick brown fox jumps over the lazy dog.",
    "バッチ API はコストを半分にします。",
    "向量检索需要高质量的嵌入。",
    "Customer reported a login loop on iOS 17 🔁",
    "Invoice #4821 is overdue by 12 days.",
)


def _id(prefix: str, i: int) -> str:
    return f"{prefix}-{i:05d}"


def chat_requests(
    n: int,
    *,
    model: str = "gpt-4o-mini",
    seed: int = 0,
    prefix: str = "chat",
    max_tokens: int | None = 256,
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        messages: list[dict[str, Any]] = []
        if rng.random() < 0.6:
            messages.append({"role": "system", "content": rng.choice(SYSTEM_PROMPTS)})
        messages.append({"role": "user", "content": rng.choice(PROMPTS)})
        body: dict[str, Any] = {"model": model, "messages": messages}
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if rng.random() < 0.3:
            body["temperature"] = round(rng.uniform(0, 1.2), 2)
        yield {
            "custom_id": _id(prefix, i),
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": body,
        }


def embedding_requests(
    n: int,
    *,
    model: str = "text-embedding-3-small",
    dimensions: int | None = None,
    inputs_per_request: int = 1,
    seed: int = 0,
    prefix: str = "emb",
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        texts = [rng.choice(EMBEDDING_TEXTS) for _ in range(inputs_per_request)]
        body: dict[str, Any] = {
            "model": model,
            "input": texts[0] if inputs_per_request == 1 else texts,
        }
        if dimensions is not None:
            body["dimensions"] = dimensions
        yield {"custom_id": _id(prefix, i), "method": "POST", "url": "/v1/embeddings", "body": body}


def responses_requests(
    n: int, *, model: str = "gpt-4.1-mini", seed: int = 0, prefix: str = "resp"
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        body: dict[str, Any] = {"model": model, "input": rng.choice(PROMPTS)}
        if rng.random() < 0.5:
            body["instructions"] = rng.choice(SYSTEM_PROMPTS)
        if rng.random() < 0.3:
            body["max_output_tokens"] = 64
        yield {"custom_id": _id(prefix, i), "method": "POST", "url": "/v1/responses", "body": body}


def moderation_requests(
    n: int, *, model: str = "omni-moderation-latest", seed: int = 0, prefix: str = "mod"
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        yield {
            "custom_id": _id(prefix, i),
            "method": "POST",
            "url": "/v1/moderations",
            "body": {"model": model, "input": rng.choice(PROMPTS)},
        }


def to_jsonl(requests: Iterable[Any]) -> bytes:
    """Lines as real generators write them: compact JSON, UTF-8, a newline after each."""
    return b"".join(orjson.dumps(r) + b"\n" for r in requests)


def write_jsonl(path: Path, requests: Iterable[Any]) -> Path:
    with open(path, "wb") as f:
        for r in requests:
            f.write(orjson.dumps(r) + b"\n")
    return path
