"""A job's options (kept in its database, so a resume runs the job as it was started) and the
events a runner reports."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# Metadata keys on every batch of a job: how a resumed runner finds its batches in the account.
TAG_JOB = "batchtui_job"  # the job's name (for people reading the dashboard)
TAG_JOB_ID = "batchtui_job_id"  # the job's random id (what reconciliation matches on)
TAG_PART = "batchtui_part"  # the part's label: "3", or "3.1" for its leftovers
TAG_INTENT = "batchtui_intent"  # the create call's journal entry
TAGS = (TAG_JOB, TAG_JOB_ID, TAG_PART, TAG_INTENT)


@dataclass(frozen=True)
class JobOptions:
    """How a job runs. Times are seconds."""

    max_requests: int
    max_bytes: int
    max_embedding_inputs: int | None = None
    max_tokens: int | None = None  # input tokens per part (so a part fits an empty queue)
    tokens: str = "exact"  # how parts' tokens are counted: exact, sample, none
    retry_failed: int = 0  # rounds of resubmitting requests that failed retryably
    metadata: Mapping[str, str] = field(default_factory=dict)  # added to every batch
    completion_window: str = "24h"
    max_active: int | None = None  # batches of the job in flight at most (None: no cap)
    poll_seconds: float = 60.0  # longest wait between two looks at the batches
    poll_fast: float = 5.0  # while a batch is validating or finalizing
    backoff_seconds: float = 60.0  # first wait after token_limit_exceeded (doubles)
    backoff_max: float = 1800.0
    retry_seconds: float = 5.0  # first wait after a 429 / 5xx / lost connection (doubles)
    queue_limits: Mapping[str, int] = field(default_factory=dict)  # --queue-limit, config
    count_others: bool = True  # count other batches' inputs for the queue meter
    reconcile_grace: float = 10.0  # a create younger than this may not be listed yet
    max_generations: int = 5  # leftover parts of leftover parts, at most

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["metadata"] = dict(self.metadata)
        data["queue_limits"] = dict(self.queue_limits)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JobOptions:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class JobEvent:
    """Something a runner did or saw, for a progress display (text or JSON lines) or a UI.

    ``kind`` is one of: ``started``, ``reconciled``, ``adopted``, ``duplicate``, ``waiting``
    (a part waits for queue room), ``uploading``, ``uploaded``, ``creating``, ``submitted``,
    ``status`` (a batch's status changed), ``progress`` (only its request counts moved), ``queue_full`` (failed with
    token_limit_exceeded: resubmitted later), ``backoff`` (the API refused or failed: waiting),
    ``downloaded``, ``settled``, ``leftover`` / ``retry`` (a new part made of another's
    unanswered or failed requests), ``part_failed``, ``cancelling``, ``tidied`` (unused
    uploads deleted at the end), ``finished``,
    ``stopped``, ``error``.
    """

    kind: str
    job: str
    message: str
    part: str | None = None
    batch_id: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.time)

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.kind,
            "job": self.job,
            "part": self.part,
            "batch_id": self.batch_id,
            "message": self.message,
            "at": round(self.at, 3),
            **dict(self.data),
        }
