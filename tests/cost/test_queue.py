"""Enqueued tokens per model and whether a file fits the queue (pure functions)."""

from __future__ import annotations

from batchtui.cost.queue import (
    QueuedBatch,
    QueueLimits,
    enqueued_tokens,
    limit_for,
    meters,
    queue_fit,
    short_tokens,
)


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


def test_a_dated_snapshot_shares_the_queue_of_its_model() -> None:
    # The Batch object names gpt-4o-mini-2024-07-18 where the file and the Admin API say
    # gpt-4o-mini: one queue, one limit.
    queues = enqueued_tokens(
        [
            QueuedBatch("batch_a", "gpt-4o-mini-2024-07-18", "in_progress", 1_500_000),
            QueuedBatch("batch_b", "gpt-4o-mini", "validating", 300_000),
        ]
    )
    assert list(queues) == ["gpt-4o-mini"] and queues["gpt-4o-mini"].tokens == 1_800_000
    (fit,) = queue_fit({"gpt-4o-mini": 300_000}, {"gpt-4o-mini-2024-07-18": 2_000_000}, queues)
    assert (fit.limit, fit.enqueued, fit.free, fit.fits) == (2_000_000, 1_800_000, 200_000, False)
    assert limit_for("GPT-4o-mini-2024-07-18", {"gpt-4o-mini": 5}) == 5
    assert limit_for("gpt-4o", {"gpt-4o-mini": 5}) is None
    assert limit_for("gpt-4o", {"gpt-4o-mini": 5, "*": 7}) == 7


def test_batches_that_could_not_be_counted_are_named_not_guessed() -> None:
    queues = enqueued_tokens(
        [
            QueuedBatch("batch_a", "gpt-4o-mini", "in_progress", 1_000_000),
            QueuedBatch("batch_b", "gpt-4o-mini", "in_progress", None),
            QueuedBatch("batch_c", "gpt-4o-mini", "finalizing", 200_000, exact=False),
        ]
    )
    q = queues["gpt-4o-mini"]
    assert (q.tokens, q.unknown, q.estimated) == (1_200_000, ["batch_b"], True)
    (fit,) = queue_fit({"gpt-4o-mini": 100_000}, QueueLimits({"gpt-4o-mini": 2_000_000}), queues)
    assert fit.fits and fit.unknown == ("batch_b",)
    assert fit.message() == (
        "gpt-4o-mini: needs 100K tokens, ≈800K free: fits (1 queued batch not counted)"
    )


def test_meters_show_every_queue_and_every_known_limit_fullest_first() -> None:
    queues = enqueued_tokens(
        [
            QueuedBatch("batch_a", "gpt-4o-mini", "in_progress", 1_500_000),
            QueuedBatch("batch_b", "gpt-4.1", "in_progress", 10_000),
            QueuedBatch("batch_c", "gpt-4.1", "validating", None),
        ]
    )
    limits = QueueLimits({"gpt-4o-mini": 2_000_000, "o3": 1_000_000}, "config file")
    shown = meters(queues, limits)
    assert [m.model for m in shown] == ["gpt-4o-mini", "gpt-4.1", "o3"]
    mini, gpt41, o3 = shown
    assert mini.fraction == 0.75 and mini.text() == "gpt-4o-mini 1.5M / 2M (75%), 1 batch"
    assert gpt41.fraction is None
    assert gpt41.text() == "gpt-4.1 10K (limit unknown), 2 batches, 1 not counted"
    assert (o3.tokens, o3.fraction) == (0, 0.0)
