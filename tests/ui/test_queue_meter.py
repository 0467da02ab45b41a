"""The dashboard's queue meters and receipt line, as drawn (plain text)."""

from __future__ import annotations

from batchtui.core.usage import TokenUsage
from batchtui.cost.queue import QueuedBatch, QueueLimits, enqueued_tokens, meters
from batchtui.cost.receipt import receipt
from batchtui.ui.widgets.queue_meter import meter_line, meters_text, receipt_text


def test_meters_draw_a_bar_per_model_and_say_the_source() -> None:
    queues = enqueued_tokens(
        [
            QueuedBatch("batch_a", "gpt-4o-mini", "in_progress", 1_500_000),
            QueuedBatch("batch_b", "gpt-4.1", "in_progress", 1),
            QueuedBatch("batch_c", "o3", "validating", None, exact=False),
        ]
    )
    limits = QueueLimits({"gpt-4o-mini": 2_000_000, "gpt-4.1": 900_000}, "config file")
    shown = meters(queues, limits)
    lines = meters_text(shown, limits.source, ["batch_x: its input could not be counted"])
    plain = lines.plain.splitlines()
    assert plain[0] == " gpt-4o-mini █████████░░░ 1.5M / 2M (75%), 1 batch"
    assert plain[1] == " gpt-4.1 █░░░░░░░░░░░ 1 / 900K (0%), 1 batch"  # anything queued shows
    assert plain[2] == " o3 ············ 0 (limit unknown), 1 batch, 1 not counted"
    assert plain[3] == " queue limits: config file"
    assert plain[4] == " batch_x: its input could not be counted"
    assert len(meter_line(shown[0], width=20).plain) == 20


def test_model_names_from_a_server_are_data() -> None:
    queues = enqueued_tokens([QueuedBatch("b", "[bold]x\x1b[2J", "in_progress", 5)])
    line = meter_line(meters(queues, {})[0])
    assert "\x1b" not in line.plain and "[bold]x" in line.plain  # shown, never markup


def test_receipt_line() -> None:
    bill = receipt("gpt-4o-mini", TokenUsage(2_000_000, 0, 1_000_000, 0))
    assert receipt_text(bill).plain == "$0.45 at batch price, $0.90 standard: saved $0.45"
    assert receipt_text(bill, running=True).plain.endswith(" so far")
    assert receipt_text(receipt("gpt-4o-mini", TokenUsage())).plain == "nothing billed"
