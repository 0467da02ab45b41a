"""Enqueued tokens per model and whether a file fits the queue (pure functions)."""

from __future__ import annotations

from batchtui.cost.queue import QueuedBatch, enqueued_tokens, queue_fit, short_tokens


def test_only_active_batches_hold_queue_room() -> None:
    batches = [
        QueuedBatch("batch_a", "gpt-4o-mini", "in_progress", 1_000_000),
        QueuedBatch("batch_b", "gpt-4o-mini", "validating", 400_000, exact=False),
        QueuedBatch("batch_c", "gpt-4o-mini", "completed", 9_000_000),
        QueuedBatch("batch_d", "gpt-4o", "FINALIZING", 50_000),  # other servers shout
        QueuedBatch("batch_e", "gpt-4o", "failed", 70_000),
    ]
    queues = enqueued_tokens(batches)
    mini = queues["gpt-4o-mini"]
    assert (mini.tokens, mini.batches, mini.estimated) == (1_400_000, ["batch_a", "batch_b"], True)
    assert queues["gpt-4o"].tokens == 50_000 and not queues["gpt-4o"].estimated


def test_fit_messages() -> None:
    queues = enqueued_tokens([QueuedBatch("batch_abc", "gpt-4o-mini", "in_progress", 2_400_000)])
    limits = {"gpt-4o-mini": 3_000_000}

    def fit(model: str, needed: int, queue: dict = queues):  # type: ignore[type-arg]
        (result,) = queue_fit({model: needed}, limits, queue)
        return result

    wait = fit("gpt-4o-mini", 2_400_000)
    assert (wait.free, wait.fits, wait.short_by) == (600_000, False, 1_800_000)
    assert (
        wait.message() == "gpt-4o-mini: needs 2.4M tokens, 600K free: wait for batch_abc or split"
    )
    fits = fit("gpt-4o-mini", 500_000)
    assert fits.fits and fits.message() == "gpt-4o-mini: needs 500K tokens, 600K free: fits"
    too_big = fit("gpt-4o-mini", 3_500_000, {})
    assert too_big.fits_when_empty is False
    assert too_big.message() == (
        "gpt-4o-mini: needs 3.5M tokens, more than the whole queue (3M): split the file"
    )
    unknown = fit("gpt-4o", 10)
    assert unknown.fits is None and "unknown" in unknown.message()


def test_short_tokens() -> None:
    assert [short_tokens(n) for n in (950, 12_345, 600_000, 2_400_000, 2_000_000)] == [
        "950",
        "12K",
        "600K",
        "2.4M",
        "2M",
    ]
