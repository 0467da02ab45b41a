"""An estimate: a file's token counts priced per model, as JSON and as text.

The maximum cost is the input tokens plus every line's output ceiling, at batch and at standard
prices; lines without a ceiling add only their input (the report says how many). Models without
a known price are left out of the totals and named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from batchtui.core.text import safe
from batchtui.cost.count import APPROX_TEXT, IMAGE_REASONS, NOT_COUNTED_TEXT, Approx
from batchtui.cost.prices import Cost, ModelPrice, PriceBook, cost_of_requests, cost_of_totals
from batchtui.cost.scan import FileTokens, ModelTotals


@dataclass
class ModelEstimate:
    totals: ModelTotals
    price: ModelPrice
    cost: Cost | None  # None: no known price


@dataclass
class Estimate:
    """What one file will cost, at most."""

    tokens: FileTokens  # file-level figures (scaled when approximate)
    models: list[ModelEstimate]
    cost: Cost  # priced models only
    price_source: str
    sampled_lines: int = 0  # when approximate: how many lines the figures come from
    unpriced: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when the maximum covers every counted request and input."""
        t = self.tokens
        not_counted = sum(sum(m.totals.not_counted.values()) for m in self.models)
        return not self.unpriced and t.without_ceiling == 0 and not_counted == 0 and t.complete


def _model_requests(tokens: FileTokens, model: str) -> list[tuple[int, int]]:
    index = tokens.model_names.index(model)
    return [
        (tokens.line_input[i], tokens.line_output[i])
        for i, m in enumerate(tokens.line_model)
        if m == index
    ]


def estimate(tokens: FileTokens, book: PriceBook | None = None) -> Estimate:
    """Price ``tokens`` (exact or sampled) with ``book`` (genai-prices, no overrides)."""
    book = book or PriceBook()
    figures = tokens.estimated()
    models: list[ModelEstimate] = []
    total = Cost()
    unpriced: list[str] = []
    for name, totals in sorted(figures.models.items(), key=lambda kv: -kv[1].requests):
        price = book.price(name)
        cost: Cost | None = None
        if price.known:
            if price.tiered:
                cost = cost_of_requests(price, _model_requests(tokens, name))
                if tokens.approximate:
                    factor = Decimal(str(tokens.scale))
                    cost = Cost(*(v * factor for v in _parts(cost)))
            else:
                cost = cost_of_totals(price, totals.input_tokens, totals.output_max)
            total.add(cost)
        else:
            unpriced.append(name)
        models.append(ModelEstimate(totals, price, cost))
    return Estimate(
        figures,
        models,
        total,
        book.source,
        sampled_lines=tokens.lines if tokens.approximate else 0,
        unpriced=unpriced,
    )


def _parts(cost: Cost) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return cost.batch_input, cost.batch_output, cost.standard_input, cost.standard_output


# -- JSON --------------------------------------------------------------------------------


def _usd(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _rate_json(price: ModelPrice) -> dict[str, Any] | None:
    if not price.known:
        return None

    def rate(r: Any) -> Any:
        if not r.tiers:
            return float(r.base)
        return {
            "base": float(r.base),
            "tiers": [{"above_input_tokens": s, "price": float(p)} for s, p in r.tiers],
        }

    return {
        "standard": {
            "input_per_mtok": rate(price.standard_input),
            "output_per_mtok": rate(price.standard_output),
        },
        "batch": {
            "input_per_mtok": rate(price.batch_input),
            "output_per_mtok": rate(price.batch_output),
        },
        "batch_rate": price.batch_rate,
        "source": price.source,
        "matched": price.matched,
    }


def _cost_json(cost: Cost | None) -> dict[str, float | None] | None:
    if cost is None:
        return None
    return {
        "batch_max": _usd(cost.batch_max),
        "standard_max": _usd(cost.standard_max),
        "saving_max": _usd(cost.saving_max),
        "batch_input": _usd(cost.batch_input),
        "standard_input": _usd(cost.standard_input),
    }


def _approx_list(flags: Approx) -> list[str]:
    return [APPROX_TEXT[f] for f in APPROX_TEXT if flags & f]


def to_json(est: Estimate) -> dict[str, Any]:
    """The object ``batchtui estimate --format json`` prints for one file."""
    t = est.tokens
    not_counted: dict[str, int] = {}
    images = image_tokens = 0
    approx = Approx.NONE
    approx_lines = 0
    by_model: dict[str, Any] = {}
    for m in est.models:
        tot = m.totals
        for reason, n in tot.not_counted.items():
            not_counted[reason] = not_counted.get(reason, 0) + n
        images += tot.images
        image_tokens += tot.image_tokens
        approx |= tot.approx
        approx_lines += tot.approx_lines
        choice = t.encodings.get(tot.model)
        by_model[tot.model] = {
            "requests": tot.requests,
            "input_tokens": tot.input_tokens,
            "output_tokens_max": tot.output_max,
            "lines_without_ceiling": tot.without_ceiling,
            "images_counted": tot.images,
            "image_tokens": tot.image_tokens,
            "images_not_counted": sum(tot.not_counted.get(r, 0) for r in IMAGE_REASONS),
            "not_counted": dict(tot.not_counted),
            "encoding": choice.encoding if choice else None,
            "encoding_assumed": choice.assumed if choice else None,
            "price": _rate_json(m.price),
            "price_note": m.price.note,
            "cost_usd": _cost_json(m.cost),
        }
    cost = _cost_json(est.cost) or {}
    cost["complete"] = est.complete
    return {
        "file": t.path,
        "bytes": t.bytes,
        "approximate": t.approximate,
        "sampled_lines": est.sampled_lines if t.approximate else None,
        "lines": t.lines,
        "requests": t.requests,
        "models": [m.totals.model for m in est.models],
        "endpoints": sorted(t.endpoints),
        "input_tokens": t.input_tokens,
        "output_tokens_max": t.output_max,
        "lines_without_ceiling": t.without_ceiling,
        "images_counted": images,
        "image_tokens": image_tokens,
        "images_not_counted": sum(not_counted.get(r, 0) for r in IMAGE_REASONS),
        "not_counted": not_counted,
        "approximations": _approx_list(approx),
        "approximated_lines": approx_lines,
        "skipped_lines": t.skipped_lines,
        "skipped": dict(t.skipped),
        "skipped_examples": [{"line": n, "reason": r} for n, r in t.skip_examples],
        "cost_usd": cost,
        "price_source": est.price_source,
        "prices_unknown": est.unpriced,
        "by_model": by_model,
        "complete": t.complete,
    }


# -- text --------------------------------------------------------------------------------


def usd(value: Decimal) -> str:
    """``$4.12``; amounts under 10 cents keep two significant digits (``$0.014``)."""
    if value == 0:
        return "$0.00"
    if abs(value) >= Decimal("0.1"):
        return f"${value:,.2f}"
    digits = max(2, -value.adjusted() + 1)
    return f"${value:.{digits}f}"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def saving_line(cost: Cost) -> str:
    """``≈ $4.12 at batch price, $8.24 standard, you save $4.12``."""
    return (
        f"≈ {usd(cost.batch_max)} at batch price, {usd(cost.standard_max)} standard, "
        f"you save {usd(cost.saving_max)}"
    )


def to_text(est: Estimate) -> str:
    """A readable summary of one file's estimate (control characters escaped), made to fit
    80 columns: the totals, the saving line, a table per model when there are several, then
    what the figures leave out."""
    t = est.tokens
    e = safe
    lines: list[str] = []
    head = f"{e(t.path)}: {_plural(t.requests, 'request')}"
    if t.endpoints:
        head += " to " + ", ".join(e(x) for x in sorted(t.endpoints))
    if len(est.models) == 1:
        head += f", {e(est.models[0].totals.model)}"
    if t.approximate:
        head += f" (estimated from {_plural(est.sampled_lines, 'sampled line')})"
    if not t.complete:
        head += " [stopped before the end]"
    lines.append(head)
    if not est.models:
        lines.append("  nothing to estimate")
        lines.extend("  " + note for note in notes(est)[:-1])  # no prices line
        return "\n".join(lines) + "\n"
    about = "≈ " if t.approximate else ""
    images = sum(m.totals.images for m in est.models)
    image_tokens = sum(m.totals.image_tokens for m in est.models)
    input_line = f"  input:  {about}{t.input_tokens:,} tokens"
    if images:
        input_line += f", of which {_plural(images, 'image')}: {image_tokens:,}"
    lines.append(input_line)
    if t.output_max == 0 and t.without_ceiling == 0:
        lines.append("  output: none (embeddings and moderations)")
    else:
        out_line = f"  output: at most {about}{t.output_max:,} tokens"
        if t.without_ceiling:
            out_line += f", and {_plural(t.without_ceiling, 'request')} without an output limit"
        lines.append(out_line)
    priced = [m for m in est.models if m.cost is not None]
    if priced:
        line = "  " + saving_line(est.cost)
        if est.unpriced:
            line += " (priced models only)"
        lines.append(line)
    elif est.models:
        lines.append("  cost: no known price for " + ", ".join(e(m) for m in est.unpriced))
    if len(est.models) > 1:
        lines.extend("  " + row for row in _model_table(est))
    lines.extend("  " + note for note in notes(est))
    return "\n".join(lines) + "\n"


def _model_table(est: Estimate) -> list[str]:
    header = ("model", "requests", "input", "output ≤", "batch", "standard")
    rows = [header]
    for m in est.models:
        tot = m.totals
        batch = usd(m.cost.batch_max) if m.cost else "no price"
        standard = usd(m.cost.standard_max) if m.cost else ""
        rows.append(
            (
                safe(tot.model),
                f"{tot.requests:,}",
                f"{tot.input_tokens:,}",
                f"{tot.output_max:,}",
                batch,
                standard,
            )
        )
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    out = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        out.append("  ".join(cells).rstrip())
    return out


def notes(est: Estimate) -> list[str]:
    """What the figures leave out or approximate, one line each."""
    t = est.tokens
    e = safe
    out: list[str] = []
    not_counted: dict[str, int] = {}
    approx = Approx.NONE
    approx_lines = 0
    for m in est.models:
        for reason, n in m.totals.not_counted.items():
            not_counted[reason] = not_counted.get(reason, 0) + n
        approx |= m.totals.approx
        approx_lines += m.totals.approx_lines
    if not_counted:
        parts = [
            f"{n:,} {NOT_COUNTED_TEXT.get(r, (r, r))[0 if n == 1 else 1]}"
            for r, n in sorted(not_counted.items())
        ]
        out.append("not counted: " + ", ".join(parts))
    if approx:
        out.append(f"approximated on {_plural(approx_lines, 'request')}:")
        out.extend("  " + text for text in _approx_list(approx))
    if t.skipped:
        reasons = ", ".join(
            f"{e(reason)} ({n:,})" for reason, n in sorted(t.skipped.items(), key=lambda kv: -kv[1])
        )
        where = ""
        if t.skip_examples:
            where = "; first at line " + ", ".join(str(n) for n, _ in t.skip_examples[:5])
        out.append(f"skipped {_plural(t.skipped_lines, 'line')}: {reasons}{where}")
    for name in est.unpriced:
        price = next(m.price for m in est.models if m.totals.model == name)
        out.append(
            f"no known price for {e(name)}: not in the total "
            f"(--price {e(name)}=INPUT,OUTPUT in $ per million tokens)"
            + (f"; {e(price.note)}" if price.note else "")
        )
    assumed = [
        m.totals.model for m in est.models if m.price.known and m.price.batch_rate == "assumed"
    ]
    if assumed:
        out.append(
            "batch price assumed to be half the standard price for "
            + ", ".join(e(m) for m in assumed)
            + " (no batch rate listed)"
        )
    for m in est.models:
        if m.price.known and m.price.note:
            out.append(e(m.price.note))
    for model, choice in sorted(t.encodings.items()):
        if choice.assumed and choice.reason and model in t.models:
            out.append("tokenizer: " + e(choice.reason))
    out.append(f"prices: {est.price_source}")
    return out
