"""``seed_demo``: fill an emulator with batches in every state, for ``batchtui demo``.

Batches are back-dated on the emulator's clock so that, at the moment of seeding, each sits
where the table below says; with a running clock they then carry on living (the validating one
starts, the in-progress ones advance, the finalizing one completes). Inputs and outcomes are
drawn from a seeded RNG, so the same seed gives the same demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer
from batchtui.emulator.state import EmulatorState

HOUR = 3600.0


@dataclass
class DemoBatch:
    id: str
    intended: str  # the state the seeding aimed for
    description: str


@dataclass
class DemoSummary:
    batches: list[DemoBatch] = field(default_factory=list)

    def ids(self, intended: str) -> list[str]:
        return [b.id for b in self.batches if b.intended == intended]


def _bad_lines(rng: random.Random) -> bytes:
    """A chat file with the mistakes users make, one per line (BATCH_API.md §4 codes)."""
    good = list(samples.chat_requests(12, seed=rng.randint(0, 10**6), prefix="fix"))
    good[2] = {k: v for k, v in good[2].items() if k != "custom_id"}  # missing custom_id
    good[4]["url"] = "/v1/responses"  # invalid_url
    good[6]["body"]["stream"] = True  # streaming_unsupported
    good[8]["custom_id"] = good[7]["custom_id"]  # duplicate_custom_id
    good[10]["body"]["model"] = "gpt-4o"  # model_mismatch
    data = samples.to_jsonl(good).split(b"\n")
    data[5] = b'{"custom_id": "fix-00005", "method": "POST", "url": "/v1/chat/completions",'
    return b"\n".join(data)


async def seed_demo(target: EmulatorServer | EmulatorState, *, seed: int = 7) -> DemoSummary:
    """Create the demo batches and wait until each has reached its intended state."""
    state = target.state if isinstance(target, EmulatorServer) else target
    rng = random.Random(seed)
    now = float(int(state.now()))
    summary = DemoSummary()

    def upload(content: bytes, name: str, created: float) -> str:
        return state.add_file_bytes(content, name, "batch", created_at=created).id

    def batch(
        intended: str,
        description: str,
        content: bytes,
        endpoint: str,
        ago: float,
        *,
        metadata: dict[str, str] | None = None,
        **timing: Any,
    ) -> str:
        created = now - ago
        file_id = upload(content, f"{intended.replace(' ', '_')}.jsonl", created - 30)
        record = state.create_batch(
            input_file_id=file_id,
            endpoint=endpoint,
            metadata={"description": description, **(metadata or {})},
            created_at=created,
            **timing,
        )
        summary.batches.append(DemoBatch(record.id, intended, description))
        return record.id

    def r() -> int:
        return rng.randint(0, 10**6)

    v = 20.0  # validation seconds used throughout

    def processing_for(ago: float, fraction: float) -> float:
        # How long in_progress must last so that `fraction` of it has passed now.
        return (ago - v) / fraction

    # Oldest first, so that "newest first" lists read naturally.
    batch(
        "expired",
        "weekend backfill (expired at 60 %)",
        samples.to_jsonl(samples.chat_requests(300, seed=r(), prefix="backfill")),
        "/v1/chat/completions",
        26 * HOUR,
        metadata={"emulator.expire": "0.6"},
        validation_seconds=v,
    )
    batch(
        "completed",
        "moderation sweep, all clean",
        samples.to_jsonl(samples.moderation_requests(120, seed=r())),
        "/v1/moderations",
        20 * HOUR,
        validation_seconds=v,
        processing_seconds=40 * 60,
    )
    batch(
        "completed with failures",
        "nightly eval — 日本語 + emoji prompts",
        samples.to_jsonl(samples.chat_requests(400, seed=r(), prefix="eval")),
        "/v1/chat/completions",
        9 * HOUR,
        metadata={"emulator.fail_fraction": "0.08"},
        validation_seconds=v,
        processing_seconds=2 * HOUR,
    )
    batch(
        "completed, all failed",
        "wrong model alias: every request failed",
        # A '-batch' alias passes validation and every request fails with a 403.
        samples.to_jsonl(samples.chat_requests(50, model="gpt-4o-mini-batch", seed=r())),
        "/v1/chat/completions",
        7 * HOUR,
        validation_seconds=v,
        processing_seconds=HOUR,
    )
    batch(
        "failed",
        "first try: broken lines",
        _bad_lines(rng),
        "/v1/chat/completions",
        6 * HOUR,
        validation_seconds=v,
    )
    batch(
        "failed",
        "queue full",
        samples.to_jsonl(samples.chat_requests(800, model="gpt-4o", seed=r())),
        "/v1/chat/completions",
        5 * HOUR,
        metadata={"emulator.fail_validation": "token_limit_exceeded"},
        validation_seconds=v,
    )
    cancelled = batch(
        "cancelled",
        "cancelled by hand after a bad prompt",
        samples.to_jsonl(samples.responses_requests(250, seed=r())),
        "/v1/responses",
        4 * HOUR,
        validation_seconds=v,
        processing_seconds=6 * HOUR,
    )
    await state.settle()
    await state.cancel_batch(cancelled, at=now - 3 * HOUR)
    batch(
        "in_progress",
        "product embeddings (10 %)",
        samples.to_jsonl(samples.embedding_requests(600, dimensions=256, seed=r())),
        "/v1/embeddings",
        15 * 60,
        validation_seconds=v,
        processing_seconds=processing_for(15 * 60, 0.1),
    )
    batch(
        "in_progress",
        "support ticket summaries (55 %)",
        samples.to_jsonl(samples.chat_requests(500, seed=r(), prefix="ticket")),
        "/v1/chat/completions",
        40 * 60,
        metadata={"emulator.fail_fraction": "0.03"},
        validation_seconds=v,
        processing_seconds=processing_for(40 * 60, 0.55),
    )
    batch(
        "in_progress",
        "responses API rewrite (90 %)",
        samples.to_jsonl(samples.responses_requests(300, seed=r())),
        "/v1/responses",
        HOUR,
        validation_seconds=v,
        processing_seconds=processing_for(HOUR, 0.9),
    )
    batch(
        "finalizing",
        "classification run, writing results",
        samples.to_jsonl(samples.chat_requests(200, seed=r(), prefix="cls")),
        "/v1/chat/completions",
        2 * HOUR,
        validation_seconds=v,
        processing_seconds=2 * HOUR - v - 120,
        finalizing_seconds=15 * 60,
    )
    cancelling = batch(
        "cancelling",
        "stopping a duplicate submission",
        samples.to_jsonl(samples.chat_requests(150, seed=r(), prefix="dup")),
        "/v1/chat/completions",
        30 * 60,
        validation_seconds=v,
        processing_seconds=2 * HOUR,
        cancelling_seconds=10 * 60,
    )
    await state.settle()
    await state.cancel_batch(cancelling, at=now - 60)
    batch(
        "validating",
        "just submitted: 中文 translation set",
        samples.to_jsonl(samples.chat_requests(250, seed=r(), prefix="zh")),
        "/v1/chat/completions",
        5,
        validation_seconds=120,
    )
    await state.settle()
    return summary
