"""Receipts: a batch's usage at batch prices beside the standard price, checked against
genai-prices' own calculator."""

from __future__ import annotations

from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price

from batchtui.core.usage import TokenUsage
from batchtui.cost.prices import PriceBook
from batchtui.cost.receipt import receipt

BATCH = {"processing": "batch"}


def genai(model: str, u: TokenUsage, batch: bool) -> Decimal:
    usage = Usage(
        input_tokens=u.input_tokens,
        cache_read_tokens=u.cached_tokens,
        output_tokens=u.output_tokens,
    )
    context = BATCH if batch else None
    return calc_price(usage, model, provider_id="openai", price_context=context).total_price


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook()


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-5", "o3-mini"])
def test_receipt_matches_genai_prices_with_cached_tokens(book: PriceBook, model: str) -> None:
    usage = TokenUsage(1_234_567, 400_000, 89_012, 30_000)
    r = receipt(model, usage, book)
    assert r.known and not r.notes
    assert r.batch_usd == genai(model, usage, batch=True)
    assert r.standard_usd == genai(model, usage, batch=False)
    assert r.saving_usd == r.standard_usd - r.batch_usd > 0


def test_cached_tokens_cost_less_and_reasoning_is_output(book: PriceBook) -> None:
    plain = receipt("gpt-5", TokenUsage(1_000_000, 0, 100_000, 0), book)
    cached = receipt("gpt-5", TokenUsage(1_000_000, 500_000, 100_000, 0), book)
    assert cached.batch_usd is not None and plain.batch_usd is not None
    assert cached.batch_usd < plain.batch_usd
    # Reasoning tokens are part of output_tokens: they add nothing on top.
    reasoning = receipt("gpt-5", TokenUsage(1_000_000, 0, 100_000, 90_000), book)
    assert reasoning.batch_usd == plain.batch_usd
    # gpt-5 in batch: $0.625 input, $0.0625 cached, $5 output per million tokens.
    assert cached.batch_usd == Decimal("0.3125") + Decimal("0.03125") + Decimal("0.5")


def test_text_and_json(book: PriceBook) -> None:
    r = receipt("gpt-4o-mini", {"input_tokens": 2_000_000, "output_tokens": 1_000_000}, book)
    # $0.075 and $0.30 per million at batch price, $0.15 and $0.60 standard.
    assert r.cost_line() == "$0.45 at batch price, $0.90 standard: saved $0.45"
    assert r.tokens_line() == "2,000,000 in, 1,000,000 out"
    data = r.to_json()
    assert data["batch_usd"] == 0.45 and data["standard_usd"] == 0.9
    assert data["saving_usd"] == 0.45 and data["model"] == "gpt-4o-mini"
    assert data["price_source"].startswith("genai-prices")


def test_unknown_models_tiers_and_overrides(book: PriceBook) -> None:
    unknown = receipt("my-deployment", TokenUsage(10, 0, 5, 0), book)
    assert not unknown.known and unknown.to_json()["batch_usd"] is None
    assert "my-deployment" in unknown.cost_line()
    assert receipt(None, TokenUsage(), book).cost_line() == "nothing billed"
    tiered = receipt("gpt-5.4", TokenUsage(1_000, 0, 10, 0), book)
    assert tiered.known and "base rate" in tiered.notes[0]
    mine = PriceBook({"my-deployment": {"input": 1, "output": 2, "cached_input": 0.1}})
    r = receipt("my-deployment", TokenUsage(1_000_000, 1_000_000, 1_000_000, 0), mine)
    # Batch rates default to half: cached 0.05, output 1.
    assert (r.batch_usd, r.standard_usd) == (Decimal("1.05"), Decimal("2.1"))
    no_cache_price = receipt(
        "dep", TokenUsage(100, 50, 0, 0), PriceBook({"dep": {"input": 1, "output": 2}})
    )
    assert "cached input priced as input" in no_cache_price.notes[0]


def test_usage_is_read_from_views_and_mappings() -> None:
    class View:
        input_tokens = 7
        cached_tokens = 2
        output_tokens = 3
        reasoning_tokens = 1

    assert TokenUsage.of(View()) == TokenUsage(7, 2, 3, 1)
    assert TokenUsage.of({"input_tokens": -5, "output_tokens": True}) == TokenUsage()
