"""A cheap token estimate: good enough for plausible usage figures, not a tokenizer."""

from __future__ import annotations

from typing import Any


def estimate_tokens(text: str) -> int:
    if not text:
        return 0
    ascii_chars = len(text.encode("ascii", "ignore"))
    # ~4 ASCII characters per token; CJK and emoji cost about one token per character.
    return max(1, ascii_chars // 4 + (len(text) - ascii_chars))


def collect_text(value: Any, out: list[str], depth: int = 0) -> None:
    """Gather the human text in a request body (message contents, inputs, prompts)."""
    if depth > 8:
        return
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for item in value:
            collect_text(item, out, depth + 1)
    elif isinstance(value, dict):
        for key in ("content", "text", "input", "prompt", "instructions", "messages"):
            if key in value:
                collect_text(value[key], out, depth + 1)


def count_embedding_inputs(value: Any) -> int:
    """How many embeddings an ``input`` asks for (str, [str], [int], [[int]])."""
    if isinstance(value, list):
        if value and all(isinstance(v, int) for v in value):
            return 1
        return len(value)
    return 1
