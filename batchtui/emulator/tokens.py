"""A cheap token estimate: good enough for plausible usage figures, not a tokenizer.

What a request body says is read by the one walker over bodies
(:mod:`batchtui.jsonl.bodies`), as the browser and the cost estimate read it.
"""

from __future__ import annotations

from typing import Any

from batchtui.jsonl.bodies import endpoint_format, prompt_items, request_texts


def estimate_tokens(text: str) -> int:
    if not text:
        return 0
    ascii_chars = len(text.encode("ascii", "ignore"))
    # ~4 ASCII characters per token; CJK and emoji cost about one token per character.
    return max(1, ascii_chars // 4 + (len(text) - ascii_chars))


def collect_text(body: Any, out: list[str], url: str | None = None) -> None:
    """Gather the human text of a request body (messages, instructions, inputs, prompts,
    earlier calls and their outputs) into ``out``."""
    out.extend(request_texts(endpoint_format(url, body), body))


def count_embedding_inputs(value: Any) -> int:
    """How many embeddings an ``input`` asks for (str, [str], [int], [[int]])."""
    return len(prompt_items(value)) if isinstance(value, list) else 1
