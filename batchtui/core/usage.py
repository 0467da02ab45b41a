"""Token counts of some requests, as the Batch API counts them: one type for the receipts
(``cost``), the results' totals and every screen that shows usage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_FIELDS = ("input_tokens", "cached_tokens", "output_tokens", "reasoning_tokens")


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens as ``Batch.usage`` counts them (input includes cached, output reasoning)."""

    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def empty(self) -> bool:
        return not (self.input_tokens or self.output_tokens)

    @classmethod
    def of(cls, usage: Any) -> TokenUsage:
        """From anything with the four attributes (the api's ``UsageView``, another
        ``TokenUsage``) or a mapping with those keys; negative values count as 0."""

        def get(name: str) -> int:
            value = usage.get(name) if isinstance(usage, Mapping) else getattr(usage, name, 0)
            return value if isinstance(value, int) and not isinstance(value, bool) else 0

        return cls(*(max(0, get(n)) for n in _FIELDS))

    def as_dict(self) -> dict[str, int]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cached_tokens": self.cached_tokens,
            "reasoning_tokens": self.reasoning_tokens,
            "total_tokens": self.total_tokens,
        }
