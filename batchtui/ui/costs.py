"""What the requests of a results view cost: the join's token usage priced by batchtui.cost.

The usage is the sum of the result lines' own ``usage`` (what the batch was billed for). Failed
requests are not billed, except for what an error line's usage says (some HTTP failures carry
one); a failure without usage costs nothing and the view says "not billed". The model comes
from the batch when the view was opened from the dashboard, else from the input's first
requests.

No Textual here: the Results screen computes this in a worker (genai-prices loads its price
table on first use) and the summary widget draws it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from batchtui.core.usage import TokenUsage
from batchtui.cost.estimate import usd
from batchtui.cost.receipt import Receipt, receipt

if TYPE_CHECKING:
    from batchtui.cost.prices import PriceBook
    from batchtui.results.result import JoinResult

_MODEL_LOOKAHEAD = 50  # input rows read to find body.model
_MODEL_LINE_CAP = 1 << 20


@dataclass(frozen=True)
class ResultCosts:
    """The receipt of every answered request, and of the failed ones."""

    total: Receipt
    failed: Receipt
    failed_count: int

    def line(self) -> str:
        """``cost $0.12 at batch price, $0.24 standard: saved $0.12 · failures: not billed``
        (failed, expired and cancelled requests alike)."""
        text = "cost " + self.total.cost_line()
        if self.failed_count:
            text += " · failures: " + self.failed_text()
        return text

    def short(self) -> str:
        """``$0.12 (saved $0.12)`` for a one-line summary."""
        cost = self.total.cost
        if self.total.usage.empty:
            return "nothing billed"
        if cost is None:
            return "no known price"
        return f"{usd(cost.batch_max)} (saved {usd(cost.saving_max)})"

    def failed_text(self) -> str:
        f = self.failed
        if f.usage.empty:
            return "not billed"
        if f.cost is None:
            return f"{f.usage.total_tokens:,} tokens billed (no known price)"
        return f"{usd(f.cost.batch_max)} ({f.usage.total_tokens:,} tokens in their usage)"


def model_of(result: JoinResult, batch: Any = None) -> str | None:
    """The model to price with: the batch's, else the first input request's ``body.model``."""
    model = getattr(batch, "model", None)
    if isinstance(model, str) and model:
        return model
    for row in range(min(result.row_count, _MODEL_LOOKAHEAD)):
        data = result.input_bytes(row, _MODEL_LINE_CAP)
        if not data:
            continue
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            continue
        body = obj.get("body") if isinstance(obj, dict) else None
        name = body.get("model") if isinstance(body, dict) else None
        if isinstance(name, str) and name:
            return name
    return None


def result_costs(
    result: JoinResult, model: str | None, book: PriceBook | None = None
) -> ResultCosts:
    from batchtui.cost.prices import PriceBook
    from batchtui.results.model import FAILED_CLASSES

    book = book or PriceBook()
    failed_rows = result.rows(FAILED_CLASSES)
    total = receipt(model, TokenUsage.of(result.usage()), book)
    failed = receipt(model, TokenUsage.of(result.usage(failed_rows)), book)
    return ResultCosts(total, failed, len(failed_rows))
