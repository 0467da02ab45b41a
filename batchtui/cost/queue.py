"""The enqueued-token limit: what is in the queue per model, and whether a file fits.

OpenAI limits the input tokens of an organisation's (or project's) batches that are waiting or
running, per model: a batch that would exceed it fails validation with
``token_limit_exceeded`` ("Enqueued token limit reached for gpt-4o-mini in organization
org-…. Limit: 2,000,000 enqueued tokens. Please try again once some in_progress batches have
been completed.", openai/openai-python#2084). ``create`` itself succeeds: the batch fails
afterwards, and a failed batch cannot be taken out of the queue (#1643, #2084). So the check
belongs before the upload.

These are pure functions over plain records, so submit, the dashboard and jobs share them and
tests need no server. Reading the limits (Admin API or config) and the account's batches is
the api layer's job (:mod:`batchtui.api.queue`).

Models: the Batch object names a dated snapshot (``gpt-4o-mini-2024-07-18``) where the input
file and the Admin API say ``gpt-4o-mini``; both are the same queue here (:func:`queue_key`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Batches whose input tokens count against the limit (issue #13: validating, in progress and
# finalizing).
ACTIVE_STATUSES = frozenset({"validating", "in_progress", "finalizing"})
_DATE_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def queue_key(model: str) -> str:
    """The queue a model's batches share: ``gpt-4o-mini-2024-07-18`` -> ``gpt-4o-mini``."""
    return _DATE_SUFFIX.sub("", model.strip().lower())


ANY_MODEL = "*"  # a limit for every model without its own entry


def limit_for(model: str, limits: Mapping[str, int]) -> int | None:
    """The limit of ``model``'s queue: its own entry, else its undated name's, else the
    ``"*"`` entry's."""
    if model in limits:
        return limits[model]
    key = queue_key(model)
    for name, value in limits.items():
        if queue_key(name) == key:
            return value
    return limits.get(ANY_MODEL)


UNKNOWN_MODEL = ""  # a batch whose model is not known yet (validating) nor counted


@dataclass(frozen=True, slots=True)
class QueuedBatch:
    """A batch of the account with its input tokens (None: they could not be counted).
    ``model`` is :data:`UNKNOWN_MODEL` when neither the batch nor a count says it."""

    id: str
    model: str
    status: str
    input_tokens: int | None
    exact: bool = True  # False: estimated (e.g. counted from a downloaded input file)


@dataclass(slots=True)
class Enqueued:
    """The queue of one model."""

    model: str
    tokens: int = 0
    batches: list[str] = field(default_factory=list)
    estimated: bool = False  # some of the tokens are estimates
    unknown: list[str] = field(default_factory=list)  # batches whose tokens are not known


def enqueued_tokens(batches: Iterable[QueuedBatch]) -> dict[str, Enqueued]:
    """Input tokens per queue (:func:`queue_key`) of the batches that hold queue room; the
    batches of an unknown model are under :data:`UNKNOWN_MODEL`."""
    out: dict[str, Enqueued] = {}
    for batch in batches:
        if batch.status.lower() not in ACTIVE_STATUSES:
            continue
        key = queue_key(batch.model)
        queue = out.get(key)
        if queue is None:
            queue = out[key] = Enqueued(batch.model)
        queue.batches.append(batch.id)
        if batch.input_tokens is None:
            queue.unknown.append(batch.id)
            continue
        queue.tokens += max(0, batch.input_tokens)
        queue.estimated |= not batch.exact
    return out


def _queue_of(model: str, queues: Mapping[str, Enqueued]) -> Enqueued | None:
    return queues.get(queue_key(model)) or queues.get(model)


@dataclass(frozen=True, slots=True)
class QueueLimits:
    """Enqueued-token limits per model and where they come from."""

    limits: Mapping[str, int] = field(default_factory=dict)
    source: str = ""  # e.g. "Admin API, project proj_abc" or "config file"; "" none known
    problems: tuple[str, ...] = ()  # why a source could not be read (shown, never fatal)

    def for_model(self, model: str) -> int | None:
        return limit_for(model, self.limits)


@dataclass(frozen=True, slots=True)
class QueueFit:
    """Whether ``needed`` tokens fit in a model's queue."""

    model: str
    needed: int
    limit: int | None  # None: unknown
    enqueued: int
    waiting_on: tuple[str, ...] = ()
    estimated: bool = False  # the enqueued figure includes estimates
    unknown: tuple[str, ...] = ()  # queued batches whose tokens could not be counted

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

    def _caveat(self) -> str:
        if not self.unknown:
            return ""
        n = len(self.unknown)
        return f" ({n} queued batch{'es' if n != 1 else ''} not counted)"

    def message(self) -> str:
        """``needs 2.4M tokens, 0.6M free: wait for batch_… or split``."""
        need = short_tokens(self.needed)
        if self.limit is None:
            return f"{self.model}: needs {need} tokens; the queue limit is unknown"
        about = "≈" if self.estimated else ""
        free = f"{about}{short_tokens(self.free or 0)} free"
        if self.fits:
            return f"{self.model}: needs {need} tokens, {free}: fits{self._caveat()}"
        if not self.fits_when_empty:
            return (
                f"{self.model}: needs {need} tokens, more than the whole queue "
                f"({short_tokens(self.limit)}): split the file"
            )
        wait = ", ".join(self.waiting_on[:3]) + ("…" if len(self.waiting_on) > 3 else "")
        advice = f"wait for {wait} or split" if wait else "wait or split"
        return f"{self.model}: needs {need} tokens, {free}: {advice}{self._caveat()}"


def queue_fit(
    needed: Mapping[str, int],
    limits: Mapping[str, int] | QueueLimits,
    queues: Mapping[str, Enqueued],
) -> list[QueueFit]:
    """One :class:`QueueFit` per model of ``needed`` (tokens the new file adds per model)."""
    table = limits.limits if isinstance(limits, QueueLimits) else limits
    # Batches of an unknown model may hold room in any queue: each fit names them.
    anywhere = queues.get(UNKNOWN_MODEL)
    maybe = tuple(anywhere.unknown) if anywhere else ()
    out = []
    for model, tokens in needed.items():
        queue = _queue_of(model, queues)
        out.append(
            QueueFit(
                model,
                tokens,
                limit_for(model, table),
                queue.tokens if queue else 0,
                tuple(queue.batches) if queue else (),
                queue.estimated if queue else False,
                (tuple(queue.unknown) if queue else ()) + maybe,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class QueueMeter:
    """One model's queue as the dashboard draws it."""

    model: str
    tokens: int
    limit: int | None
    batches: int
    estimated: bool = False
    unknown: int = 0

    @property
    def fraction(self) -> float | None:
        """Share of the limit in use (may exceed 1), None when the limit is unknown."""
        if not self.limit:
            return None
        return self.tokens / self.limit

    def text(self) -> str:
        """``gpt-4o-mini 1.2M / 2M (60%), 3 batches``."""
        about = "≈" if self.estimated else ""
        used = f"{about}{short_tokens(self.tokens)}"
        if self.limit:
            head = f"{self.model} {used} / {short_tokens(self.limit)}"
            head += f" ({100 * self.tokens / self.limit:.0f}%)"
        else:
            head = f"{self.model} {used} (limit unknown)"
        head += f", {self.batches} batch{'es' if self.batches != 1 else ''}"
        if self.unknown:
            head += f", {self.unknown} not counted"
        return head


def meters(
    queues: Mapping[str, Enqueued], limits: Mapping[str, int] | QueueLimits
) -> list[QueueMeter]:
    """A meter per model with queued batches, plus one per model with a known limit (an
    empty queue is worth seeing too), fullest first."""
    table = limits.limits if isinstance(limits, QueueLimits) else limits
    out: dict[str, QueueMeter] = {}
    for key, queue in queues.items():
        out[key] = QueueMeter(
            queue.model or "model not known yet",
            queue.tokens,
            limit_for(queue.model, table),
            len(queue.batches),
            queue.estimated,
            len(queue.unknown),
        )
    for model, limit in table.items():
        if model != ANY_MODEL:
            out.setdefault(queue_key(model), QueueMeter(model, 0, limit, 0))
    return sorted(out.values(), key=lambda m: (-(m.fraction or 0.0), -m.tokens, m.model))


def short_tokens(n: int) -> str:
    """``2.4M``, ``600K``, ``950``."""
    if n >= 1_000_000_000:
        return f"{n / 1_000_000_000:.1f}B".replace(".0B", "B")
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 10_000:
        return f"{n / 1000:.0f}K"
    return f"{n:,}"
