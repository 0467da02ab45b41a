"""The enqueued-token limit: what is in the queue per model, and whether a file fits.

OpenAI limits the input tokens of an organisation's (or project's) batches that are waiting or
running, per model: a batch that would exceed it fails validation with
``token_limit_exceeded`` ("Enqueued token limit reached for gpt-4o-mini in organization ...").
These are pure functions over plain records, so the dashboard, submit and jobs can share them
and tests need no server. Reading the limits (Admin API or config) is someone else's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Batches whose input tokens count against the limit (issue #13: validating, in progress and
# finalizing).
ACTIVE_STATUSES = frozenset({"validating", "in_progress", "finalizing"})


@dataclass(frozen=True, slots=True)
class QueuedBatch:
    """A batch of the account with its estimated input tokens."""

    id: str
    model: str
    status: str
    input_tokens: int
    exact: bool = True  # False: estimated (e.g. counted from a downloaded input file)


@dataclass(slots=True)
class Enqueued:
    """The queue of one model."""

    model: str
    tokens: int = 0
    batches: list[str] = field(default_factory=list)
    estimated: bool = False  # some of the tokens are estimates


def enqueued_tokens(batches: Iterable[QueuedBatch]) -> dict[str, Enqueued]:
    """Input tokens per model of the batches that hold queue room."""
    out: dict[str, Enqueued] = {}
    for batch in batches:
        if batch.status.lower() not in ACTIVE_STATUSES:
            continue
        queue = out.setdefault(batch.model, Enqueued(batch.model))
        queue.tokens += max(0, batch.input_tokens)
        queue.batches.append(batch.id)
        queue.estimated |= not batch.exact
    return out


@dataclass(frozen=True, slots=True)
class QueueFit:
    """Whether ``needed`` tokens fit in a model's queue."""

    model: str
    needed: int
    limit: int | None  # None: unknown
    enqueued: int
    waiting_on: tuple[str, ...] = ()

    @property
    def free(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.enqueued)

    @property
    def fits(self) -> bool | None:
        free = self.free
        return None if free is None else self.needed <= free

    @property
    def short_by(self) -> int:
        free = self.free
        return 0 if free is None else max(0, self.needed - free)

    @property
    def fits_when_empty(self) -> bool | None:
        return None if self.limit is None else self.needed <= self.limit

    def message(self) -> str:
        """``needs 2.4M tokens, 0.6M free: wait for batch_… or split``."""
        need = short_tokens(self.needed)
        if self.limit is None:
            return f"{self.model}: needs {need} tokens; the queue limit is unknown"
        if self.fits:
            return f"{self.model}: needs {need} tokens, {short_tokens(self.free or 0)} free: fits"
        if not self.fits_when_empty:
            return (
                f"{self.model}: needs {need} tokens, more than the whole queue "
                f"({short_tokens(self.limit)}): split the file"
            )
        wait = ", ".join(self.waiting_on[:3]) + ("…" if len(self.waiting_on) > 3 else "")
        advice = f"wait for {wait} or split" if wait else "wait or split"
        return f"{self.model}: needs {need} tokens, {short_tokens(self.free or 0)} free: {advice}"


def queue_fit(
    needed: Mapping[str, int],
    limits: Mapping[str, int],
    queues: Mapping[str, Enqueued],
) -> list[QueueFit]:
    """One :class:`QueueFit` per model of ``needed`` (tokens the new file adds per model)."""
    out = []
    for model, tokens in needed.items():
        queue = queues.get(model)
        out.append(
            QueueFit(
                model,
                tokens,
                limits.get(model),
                queue.tokens if queue else 0,
                tuple(queue.batches) if queue else (),
            )
        )
    return out


def short_tokens(n: int) -> str:
    """``2.4M``, ``600K``, ``950``."""
    if n >= 1_000_000_000:
        return f"{n / 1_000_000_000:.1f}B".replace(".0B", "B")
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 10_000:
        return f"{n / 1000:.0f}K"
    return f"{n:,}"
