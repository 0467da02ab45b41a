"""Prices per model: from the ``genai-prices`` package (offline), or the caller's overrides.

genai-prices ships a snapshot of every provider's prices; its OpenAI models carry batch rates
as a price variant selected with ``price_context={"processing": "batch"}``
(``ModelInfo.get_prices``). Only the bundled snapshot is read (``data_snapshot.get_snapshot``);
its ``UpdatePrices`` (which downloads) is never started. When genai-prices has a model but no
batch rate for it (embeddings, older models), the batch price is assumed to be half the
standard one, as OpenAI's Batch guide states ("50% cost discount compared to synchronous
APIs", https://developers.openai.com/api/docs/guides/batch), and is marked as assumed.

Overrides (a dict model -> prices, in US dollars per million tokens) replace or add models:
``{"my-deployment": {"input": 0.15, "output": 0.6, "batch_input": 0.075, "batch_output": 0.3}}``
(the batch rates default to half the standard ones; ``cached_input`` and
``batch_cached_input`` price cached input tokens, by default as input), or
``{"my-deployment": {"same_as": "gpt-4o-mini"}}`` to price a deployment name as a known model.

Cached input tokens (``cache_read_mtok`` in genai-prices) matter only for receipts: a batch's
``usage`` says how many of its input tokens were read from the prompt cache, and those cost
less. Estimates cannot know that in advance and price every input token at the input rate.

Tiered prices (some models charge more per token once a request's input passes a threshold)
are kept as tiers and applied per request, as genai-prices does: crossing a tier's start
prices all of that request's tokens at the tier's rate.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from batchtui.core.config_file import PRICE_KEYS

MTOK = Decimal(1_000_000)
ASSUMED_BATCH_DISCOUNT = Decimal("0.5")
BATCH_CONTEXT = {"processing": "batch"}
_OVERRIDE_KEYS = frozenset(PRICE_KEYS)  # the config file's [prices.MODEL] keys


@dataclass(frozen=True, slots=True)
class Rate:
    """US dollars per million tokens; ``tiers`` are ``(start, price)``: the price of every
    token of a request whose input tokens exceed ``start``."""

    base: Decimal
    tiers: tuple[tuple[int, Decimal], ...] = ()

    def at(self, request_input_tokens: int) -> Decimal:
        for start, price in reversed(self.tiers):
            if request_input_tokens > start:
                return price
        return self.base

    def scaled(self, factor: Decimal) -> Rate:
        return Rate(self.base * factor, tuple((s, p * factor) for s, p in self.tiers))


ZERO = Rate(Decimal(0))


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """What one model costs, standard and batch, and where that comes from."""

    model: str
    known: bool
    standard_input: Rate = ZERO
    standard_output: Rate = ZERO
    batch_input: Rate = ZERO
    batch_output: Rate = ZERO
    batch_rate: str = "listed"  # "listed" in the source, "assumed" (half), "override"
    source: str = ""
    matched: str | None = None  # the source's model id
    note: str | None = None
    # Cached input tokens; None: no cache price known (priced as input).
    standard_cached: Rate | None = None
    batch_cached: Rate | None = None

    @property
    def tiered(self) -> bool:
        return any(
            r.tiers
            for r in (
                self.standard_input,
                self.standard_output,
                self.batch_input,
                self.batch_output,
            )
        )


@dataclass(slots=True)
class Cost:
    """US dollars for some requests, at batch and at standard prices."""

    batch_input: Decimal = Decimal(0)
    batch_output: Decimal = Decimal(0)
    standard_input: Decimal = Decimal(0)
    standard_output: Decimal = Decimal(0)

    @property
    def batch_max(self) -> Decimal:
        return self.batch_input + self.batch_output

    @property
    def standard_max(self) -> Decimal:
        return self.standard_input + self.standard_output

    @property
    def saving_max(self) -> Decimal:
        return self.standard_max - self.batch_max

    def add(self, other: Cost) -> None:
        self.batch_input += other.batch_input
        self.batch_output += other.batch_output
        self.standard_input += other.standard_input
        self.standard_output += other.standard_output


def cost_of_totals(price: ModelPrice, input_tokens: int, output_tokens: int) -> Cost:
    """The cost of summed tokens (exact when the price has no tiers)."""
    i, o = Decimal(input_tokens), Decimal(output_tokens)
    return Cost(
        batch_input=i * price.batch_input.base / MTOK,
        batch_output=o * price.batch_output.base / MTOK,
        standard_input=i * price.standard_input.base / MTOK,
        standard_output=o * price.standard_output.base / MTOK,
    )


def cost_of_requests(price: ModelPrice, requests: Iterable[tuple[int, int]]) -> Cost:
    """The cost of ``(input tokens, output ceiling)`` per request, tiers applied per request
    (an output ceiling below 0 means none: only the input is priced)."""
    if not price.tiered:
        total_in = total_out = 0
        for i, o in requests:
            total_in += i
            total_out += max(o, 0)
        return cost_of_totals(price, total_in, total_out)
    cost = Cost()
    for i, o in requests:
        di, do = Decimal(i), Decimal(max(o, 0))
        cost.batch_input += di * price.batch_input.at(i) / MTOK
        cost.batch_output += do * price.batch_output.at(i) / MTOK
        cost.standard_input += di * price.standard_input.at(i) / MTOK
        cost.standard_output += do * price.standard_output.at(i) / MTOK
    return cost


def _decimal(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"{what} must be a number of US dollars per million tokens")
    try:
        result = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"{what} must be a number of US dollars per million tokens") from None
    if not result.is_finite() or result < 0:
        raise ValueError(f"{what} must be a number >= 0")
    return result


def check_overrides(overrides: Mapping[str, Mapping[str, Any]]) -> None:
    """Raise ValueError, naming the model and key, for a malformed override."""
    for model, spec in overrides.items():
        if not isinstance(spec, Mapping):
            raise ValueError(f"price for {model!r}: expected a table of prices")
        unknown = set(spec) - _OVERRIDE_KEYS
        if unknown:
            raise ValueError(
                f"price for {model!r}: unknown key {sorted(unknown)[0]!r} (known: "
                + ", ".join(sorted(_OVERRIDE_KEYS))
                + ")"
            )
        if "same_as" in spec:
            if set(spec) != {"same_as"} or not isinstance(spec["same_as"], str):
                raise ValueError(f"price for {model!r}: same_as takes a model name, alone")
            continue
        if "input" not in spec:
            raise ValueError(f"price for {model!r}: needs at least an input price")
        for key, value in spec.items():
            _decimal(value, f"price for {model!r}: {key}")


class PriceBook:
    """Prices for any model: overrides first, then genai-prices' OpenAI prices."""

    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        provider: str = "openai",
        at: datetime | None = None,
    ) -> None:
        self.overrides = dict(overrides or {})
        check_overrides(self.overrides)
        self.provider = provider
        self.at = at or datetime.now(tz=timezone.utc)
        self._cache: dict[str, ModelPrice] = {}
        self._lock = threading.Lock()

    @functools.cached_property
    def source(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"genai-prices {version('genai-prices')}"
        except PackageNotFoundError:  # pragma: no cover - it is a dependency
            return "genai-prices"

    def price(self, model: str) -> ModelPrice:
        with self._lock:
            cached = self._cache.get(model)
            if cached is None:
                cached = self._cache[model] = self._lookup(model, depth=0)
            return cached

    def _lookup(self, model: str, depth: int) -> ModelPrice:
        spec = self.overrides.get(model)
        if spec is not None:
            if "same_as" in spec:
                if depth > 8:
                    return ModelPrice(model, False, note="override: same_as goes round in circles")
                target = self._lookup(spec["same_as"], depth + 1)
                return _renamed(target, model, f"override: same as {spec['same_as']}")
            return _from_override(model, spec)
        return self._from_package(model)

    def _from_package(self, model: str) -> ModelPrice:
        try:
            from genai_prices import data_snapshot
        except ImportError:  # pragma: no cover - it is a dependency
            return ModelPrice(model, False, note="genai-prices is not installed")
        try:
            _provider, info = data_snapshot.get_snapshot().find_provider_model(
                model, None, self.provider, None
            )
        except LookupError:
            return ModelPrice(model, False, note=f"{self.source} has no price for {model!r}")
        standard = info.get_prices(self.at)
        batch_listed = any(
            variant.when.get("processing") == "batch" for variant in info.price_variants or ()
        )
        source = f"{self.source}: {self.provider} {info.id}"
        s_in = _rate(getattr(standard, "input_mtok", None))
        s_out = _rate(getattr(standard, "output_mtok", None))
        note = None
        if s_in is None and s_out is None:
            note = f"{self.source} lists no token price for {info.id} (free)"
        s_in, s_out = s_in or ZERO, s_out or ZERO
        s_cached = _rate(getattr(standard, "cache_read_mtok", None))
        if batch_listed:
            batch = info.get_prices(self.at, BATCH_CONTEXT)
            b_in = _rate(getattr(batch, "input_mtok", None)) or ZERO
            b_out = _rate(getattr(batch, "output_mtok", None)) or ZERO
            b_cached = _rate(getattr(batch, "cache_read_mtok", None))
            rate = "listed"
        else:
            b_in = s_in.scaled(ASSUMED_BATCH_DISCOUNT)
            b_out = s_out.scaled(ASSUMED_BATCH_DISCOUNT)
            b_cached = None if s_cached is None else s_cached.scaled(ASSUMED_BATCH_DISCOUNT)
            rate = "assumed"
        return ModelPrice(
            model,
            True,
            s_in,
            s_out,
            b_in,
            b_out,
            rate,
            source,
            info.id,
            note,
            standard_cached=s_cached,
            batch_cached=b_cached,
        )


def _rate(value: Any) -> Rate | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return Rate(value)
    tiers = getattr(value, "tiers", None)
    base = getattr(value, "base", None)
    if isinstance(base, Decimal) and tiers is not None:
        return Rate(base, tuple((int(t.start), Decimal(t.price)) for t in tiers))
    return None


def _from_override(model: str, spec: Mapping[str, Any]) -> ModelPrice:
    s_in = Rate(_decimal(spec["input"], "input"))
    s_out = Rate(_decimal(spec.get("output", 0), "output"))
    explicit = "batch_input" in spec or "batch_output" in spec
    b_in = (
        Rate(_decimal(spec["batch_input"], "batch_input"))
        if "batch_input" in spec
        else s_in.scaled(ASSUMED_BATCH_DISCOUNT)
    )
    b_out = (
        Rate(_decimal(spec["batch_output"], "batch_output"))
        if "batch_output" in spec
        else s_out.scaled(ASSUMED_BATCH_DISCOUNT)
    )
    s_cached = (
        Rate(_decimal(spec["cached_input"], "cached_input")) if "cached_input" in spec else None
    )
    if "batch_cached_input" in spec:
        b_cached: Rate | None = Rate(_decimal(spec["batch_cached_input"], "batch_cached_input"))
    else:
        b_cached = None if s_cached is None else s_cached.scaled(ASSUMED_BATCH_DISCOUNT)
    return ModelPrice(
        model,
        True,
        s_in,
        s_out,
        b_in,
        b_out,
        "override" if explicit else "assumed",
        "override",
        None,
        standard_cached=s_cached,
        batch_cached=b_cached,
    )


def _renamed(price: ModelPrice, model: str, source: str) -> ModelPrice:
    return ModelPrice(
        model,
        price.known,
        price.standard_input,
        price.standard_output,
        price.batch_input,
        price.batch_output,
        price.batch_rate,
        f"{source} ({price.source})" if price.source else source,
        price.matched,
        price.note,
        standard_cached=price.standard_cached,
        batch_cached=price.batch_cached,
    )
