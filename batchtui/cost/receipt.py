"""What a batch did cost: its token usage priced at batch rates, beside the standard price.

A finished batch reports ``usage`` (``Batch.usage`` in the SDK, for batches created after
2025-09-07; BATCH_API.md §2): ``input_tokens`` (of which ``input_tokens_details.cached_tokens``
came from the prompt cache), ``output_tokens`` (of which
``output_tokens_details.reasoning_tokens`` were reasoning). Cached input tokens are priced at
the model's cache-read rate when one is known, reasoning tokens are output tokens (OpenAI
bills them as such), so::

    cost = (input - cached) * input rate + cached * cached rate + output * output rate

at batch rates, and the same tokens at standard rates for the equivalent synchronous price.
genai-prices computes the same figure (``calc_price`` with ``cache_read_tokens``); the tests
check the two agree.

Usage is a total over the batch, so tiered prices (a higher rate per request past a
threshold of input tokens) cannot be applied per request: a tiered model is priced at its base
rate and the receipt says so.

Requests that fail are not billed: only their usage counts, when an error line carries one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from batchtui.core.usage import TokenUsage
from batchtui.cost.prices import MTOK, Cost, ModelPrice, PriceBook, Rate


@dataclass(frozen=True)
class Receipt:
    """What some tokens of one model cost, at batch and at standard prices."""

    model: str | None
    usage: TokenUsage
    price: ModelPrice | None
    cost: Cost | None  # None: no known price (or no model)
    notes: tuple[str, ...] = field(default=())

    @property
    def known(self) -> bool:
        return self.cost is not None

    @property
    def batch_usd(self) -> Decimal | None:
        return None if self.cost is None else self.cost.batch_max

    @property
    def standard_usd(self) -> Decimal | None:
        return None if self.cost is None else self.cost.standard_max

    @property
    def saving_usd(self) -> Decimal | None:
        return None if self.cost is None else self.cost.saving_max

    def to_json(self) -> dict[str, Any]:
        """The ``receipt`` object of ``batches show --format json``."""
        u = self.usage
        cost = self.cost
        return {
            "model": self.model,
            "input_tokens": u.input_tokens,
            "cached_tokens": u.cached_tokens,
            "output_tokens": u.output_tokens,
            "reasoning_tokens": u.reasoning_tokens,
            "batch_usd": None if cost is None else float(cost.batch_max),
            "standard_usd": None if cost is None else float(cost.standard_max),
            "saving_usd": None if cost is None else float(cost.saving_max),
            "price_source": self.price.source if self.price and self.price.known else None,
            "notes": list(self.notes),
        }

    def cost_line(self) -> str:
        """``$1.23 at batch price, $2.46 standard: saved $1.23`` (or why there is no price)."""
        from batchtui.cost.estimate import usd

        if self.usage.empty:
            return "nothing billed"
        if self.cost is None:
            return self.notes[0] if self.notes else "no known price"
        c = self.cost
        return (
            f"{usd(c.batch_max)} at batch price, {usd(c.standard_max)} standard: "
            f"saved {usd(c.saving_max)}"
        )

    def tokens_line(self) -> str:
        """``1,234 in (200 cached), 567 out (64 reasoning)``."""
        return tokens_text(self.usage)


class TokenCounts(Protocol):
    """The four counts of a usage (``TokenUsage``, the results' ``Usage``)."""

    @property
    def input_tokens(self) -> int: ...
    @property
    def cached_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...
    @property
    def reasoning_tokens(self) -> int: ...


def tokens_text(u: TokenCounts) -> str:
    """``1,234 in (200 cached), 567 out (64 reasoning)``: the one wording of a usage."""
    text = f"{u.input_tokens:,} in"
    if u.cached_tokens:
        text += f" ({u.cached_tokens:,} cached)"
    text += f", {u.output_tokens:,} out"
    if u.reasoning_tokens:
        text += f" ({u.reasoning_tokens:,} reasoning)"
    return text


def _at(rate: Rate, tokens: int) -> Decimal:
    return Decimal(tokens) * rate.base / MTOK


def price_usage(price: ModelPrice, usage: TokenUsage) -> Cost:
    """The cost of ``usage`` at ``price`` (base rates; see the module docstring)."""
    cached = min(usage.cached_tokens, usage.input_tokens)
    fresh = usage.input_tokens - cached
    s_cached = price.standard_cached or price.standard_input
    b_cached = price.batch_cached or price.batch_input
    return Cost(
        batch_input=_at(price.batch_input, fresh) + _at(b_cached, cached),
        batch_output=_at(price.batch_output, usage.output_tokens),
        standard_input=_at(price.standard_input, fresh) + _at(s_cached, cached),
        standard_output=_at(price.standard_output, usage.output_tokens),
    )


def receipt(model: str | None, usage: Any, book: PriceBook | None = None) -> Receipt:
    """Price ``usage`` (a :class:`TokenUsage` or anything :meth:`TokenUsage.of` reads) of
    ``model`` with ``book`` (default: genai-prices, no overrides)."""
    tokens = usage if isinstance(usage, TokenUsage) else TokenUsage.of(usage)
    if not model:
        note = "no model named: cannot price" if not tokens.empty else "nothing billed"
        return Receipt(model, tokens, None, None, (note,))
    price = (book or PriceBook()).price(model)
    if not price.known:
        return Receipt(model, tokens, price, None, (price.note or f"no known price for {model}",))
    notes: list[str] = []
    if price.tiered:
        notes.append("tiered prices: priced at the base rate (usage is a total, not per request)")
    if tokens.cached_tokens and (price.batch_cached is None or price.standard_cached is None):
        notes.append("no cache price known: cached input priced as input")
    if price.batch_rate == "assumed":
        notes.append("batch price assumed to be half the standard price (no batch rate listed)")
    return Receipt(model, tokens, price, price_usage(price, tokens), tuple(notes))
