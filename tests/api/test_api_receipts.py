"""``batches show`` prints what a finished batch cost: its usage at batch prices beside the
standard price, the same figures genai-prices computes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from api_helpers import write_chat
from genai_prices import Usage, calc_price

from batchtui.cli import main
from batchtui.cost.estimate import usd
from batchtui.emulator.threaded import EmulatorThread


def genai(model: str, usage: dict[str, int], batch: bool) -> Decimal:
    u = Usage(
        input_tokens=usage["input_tokens"],
        cache_read_tokens=usage["cached_tokens"],
        output_tokens=usage["output_tokens"],
    )
    context = {"processing": "batch"} if batch else None
    return calc_price(u, model, provider_id="openai", price_context=context).total_price


def test_show_prints_the_receipt_in_text_and_json(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 30)
    assert main(["batches", "submit", str(path)]) == 0
    batch_id = capsys.readouterr().out.split()[1]

    # Still validating: nothing done, nothing billed so far.
    assert main(["batches", "show", batch_id]) == 0
    assert "cost so far  nothing billed" in capsys.readouterr().out

    threaded.call(threaded.server.advance(100_000))
    assert main(["batches", "show", batch_id, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    usage, receipt = data["usage"], data["receipt"]
    assert usage["input_tokens"] > 0 and usage["output_tokens"] > 0
    model = data["model"]
    batch_usd, standard_usd = genai(model, usage, True), genai(model, usage, False)
    assert receipt["batch_usd"] == float(batch_usd)
    assert receipt["standard_usd"] == float(standard_usd)
    assert receipt["saving_usd"] == float(standard_usd - batch_usd) > 0
    assert receipt["model"] == model and receipt["price_source"].startswith("genai-prices")

    assert main(["batches", "show", batch_id]) == 0
    out = capsys.readouterr().out
    lines = {line.split("  ", 1)[0]: line.split("  ", 1)[1].strip() for line in out.splitlines()}
    assert lines["cost"] == (
        f"{usd(batch_usd)} at batch price, {usd(standard_usd)} standard: "
        f"saved {usd(standard_usd - batch_usd)}"
    )
    assert lines["prices"].startswith("genai-prices")
