"""Prices from genai-prices (checked against its own calculator), overrides, and arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price

from batchtui.cost.prices import (
    Cost,
    ModelPrice,
    PriceBook,
    Rate,
    check_overrides,
    cost_of_requests,
    cost_of_totals,
)

BATCH = {"processing": "batch"}


def genai(model: str, input_tokens: int, output_tokens: int, batch: bool) -> Decimal:
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    context = BATCH if batch else None
    return calc_price(usage, model, provider_id="openai", price_context=context).total_price


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return PriceBook()


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4o-mini-2024-07-18", "gpt-4.1", "o3"])
def test_batch_and_standard_prices_match_genai_prices(book: PriceBook, model: str) -> None:
    price = book.price(model)
    assert price.known and price.batch_rate == "listed"
    assert price.source.startswith("genai-prices ")
    cost = cost_of_totals(price, 1_234_567, 89_012)
    assert cost.batch_max == genai(model, 1_234_567, 89_012, batch=True)
    assert cost.standard_max == genai(model, 1_234_567, 89_012, batch=False)
    assert cost.batch_max < cost.standard_max  # the point of the Batch API
    assert cost.saving_max == cost.standard_max - cost.batch_max


def test_tiers_apply_per_request_as_genai_prices_does(book: PriceBook) -> None:
    price = book.price("gpt-5.4")
    assert price.tiered
    requests = [(100_000, 2_000), (300_000, 2_000), (272_000, 0), (272_001, 10)]
    cost = cost_of_requests(price, requests)
    assert cost.batch_max == sum(genai("gpt-5.4", i, o, batch=True) for i, o in requests)
    assert cost.standard_max == sum(genai("gpt-5.4", i, o, batch=False) for i, o in requests)


def test_a_model_without_a_listed_batch_rate_is_assumed_half(book: PriceBook) -> None:
    price = book.price("text-embedding-3-small")
    assert price.known and price.batch_rate == "assumed"
    assert price.batch_input.base * 2 == price.standard_input.base
    cost = cost_of_totals(price, 1_000_000, 0)
    assert cost.standard_max == genai("text-embedding-3-small", 1_000_000, 0, batch=False)


def test_free_and_unknown_models(book: PriceBook) -> None:
    free = book.price("omni-moderation-latest")
    assert free.known and free.note and "free" in free.note
    assert cost_of_totals(free, 10**6, 0).standard_max == 0
    unknown = book.price("my-azure-deployment")
    assert not unknown.known and "no price" in (unknown.note or "")


def test_overrides_replace_and_add(book: PriceBook) -> None:
    custom = PriceBook(
        {
            "gpt-4o-mini": {"input": 1, "output": 2, "batch_input": 0.25, "batch_output": 0.5},
            "my-deployment": {"input": 0.4, "output": 1.6},
            "prod-mini": {"same_as": "gpt-4o-mini"},
            "prod-4o": {"same_as": "gpt-4o"},
        }
    )
    price = custom.price("gpt-4o-mini")
    assert (price.source, price.batch_rate) == ("override", "override")
    cost = cost_of_totals(price, 2_000_000, 1_000_000)
    assert (cost.standard_max, cost.batch_max) == (Decimal(4), Decimal(1))
    mine = custom.price("my-deployment")
    assert mine.batch_rate == "assumed" and mine.batch_output.base == Decimal("0.8")
    assert custom.price("prod-mini").standard_input.base == Decimal(1)  # the override
    prod = custom.price("prod-4o")
    assert prod.standard_input == book.price("gpt-4o").standard_input
    assert "same as gpt-4o" in prod.source and "genai-prices" in prod.source
    loop = PriceBook({"a": {"same_as": "b"}, "b": {"same_as": "a"}}).price("a")
    assert not loop.known


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"m": {"inptu": 1}}, "unknown key 'inptu'"),
        ({"m": {"output": 1}}, "needs at least an input price"),
        ({"m": {"input": -1}}, ">= 0"),
        ({"m": {"input": "cheap"}}, "number"),
        ({"m": {"input": True}}, "number"),
        ({"m": {"same_as": "x", "input": 1}}, "alone"),
        ({"m": 3}, "table"),
    ],
)
def test_bad_overrides_name_the_model_and_key(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_overrides(overrides)


def test_rate_tiers_and_request_costs() -> None:
    rate = Rate(Decimal(1), ((1000, Decimal(2)), (5000, Decimal(3))))
    assert [rate.at(n) for n in (0, 1000, 1001, 5000, 5001)] == [1, 1, 2, 2, 3]
    price = ModelPrice("m", True, rate, Rate(Decimal(10)), rate, Rate(Decimal(5)))
    cost = cost_of_requests(price, [(1000, 100), (2000, -1), (6000, 0)])
    assert cost.standard_input == Decimal(1000 * 1 + 2000 * 2 + 6000 * 3) / 10**6
    assert cost.standard_output == Decimal(100 * 10) / 10**6  # -1: no ceiling, no output
    flat = ModelPrice("m", True, Rate(Decimal(1)), Rate(Decimal(2)), Rate(Decimal(1)))
    assert cost_of_requests(flat, [(10, 5), (20, -1)]) == cost_of_totals(flat, 30, 5)


def test_cost_addition() -> None:
    total = Cost()
    total.add(Cost(Decimal(1), Decimal(2), Decimal(3), Decimal(4)))
    total.add(Cost(Decimal(1), Decimal(1), Decimal(1), Decimal(1)))
    assert (total.batch_max, total.standard_max, total.saving_max) == (5, 9, 4)
