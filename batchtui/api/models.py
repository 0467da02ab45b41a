"""A tolerant view of a batch: what any OpenAI-shaped provider returns, normalised.

The SDK parses leniently (an upper-case status, a null count or an ISO date come through
unchanged, BATCH_API.md §8), so nothing here trusts the declared types: statuses are
normalised (the raw value is kept), ``""`` file ids become None, counts may be None, and
``model``/``usage`` may be missing. Plain dataclasses: importing this costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATUSES = (
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
)
UNKNOWN = "unknown"
ACTIVE_STATUSES = frozenset({"validating", "in_progress", "finalizing", "cancelling"})
TERMINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})
_ALIASES = {
    "canceling": "cancelling",
    "canceled": "cancelled",
    "inprogress": "in_progress",
    "running": "in_progress",
    "succeeded": "completed",
    "success": "completed",
}


def normalise_status(raw: object) -> str:
    """One of :data:`STATUSES`, or ``"unknown"`` (``IN_PROGRESS`` and ``canceling`` map)."""
    if not isinstance(raw, str):
        return UNKNOWN
    key = raw.strip().lower().replace("-", "_").replace(" ", "_")
    key = _ALIASES.get(key, key)
    return key if key in STATUSES else UNKNOWN


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and value.strip():
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _timestamp(value: object) -> int | None:
    """Unix seconds from an int, a float, a numeric string or an ISO-8601 date (Together)."""
    number = _int(value)
    if number is not None:
        return number
    if isinstance(value, str) and value.strip():
        try:
            return int(datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None
    return None


def _str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class RequestCounts:
    total: int | None = None
    completed: int | None = None
    failed: int | None = None

    @property
    def done(self) -> int:
        return (self.completed or 0) + (self.failed or 0)

    @property
    def fraction(self) -> float | None:
        """Share of requests finished (0..1), or None when the total is unknown or zero."""
        if not self.total:
            return None
        return min(self.done / self.total, 1.0)


@dataclass(frozen=True)
class BatchErrorView:
    code: str | None
    message: str | None
    param: str | None
    line: int | None


@dataclass(frozen=True)
class UsageView:
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class BatchView:
    id: str
    status: str  # normalised, or "unknown"
    raw_status: str | None  # exactly what the provider sent
    endpoint: str | None = None
    model: str | None = None
    input_file_id: str | None = None
    output_file_id: str | None = None
    error_file_id: str | None = None
    completion_window: str | None = None
    created_at: int | None = None
    in_progress_at: int | None = None
    expires_at: int | None = None
    finalizing_at: int | None = None
    completed_at: int | None = None
    failed_at: int | None = None
    expired_at: int | None = None
    cancelling_at: int | None = None
    cancelled_at: int | None = None
    request_counts: RequestCounts = field(default_factory=RequestCounts)
    errors: tuple[BatchErrorView, ...] = ()
    usage: UsageView | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_active(self) -> bool:
        """Still changing. An unknown status counts as active: better to keep polling it."""
        return self.status in ACTIVE_STATUSES or self.status == UNKNOWN

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @property
    def display_status(self) -> str:
        """The normalised status, or the provider's own word when it is not one we know."""
        if self.status == UNKNOWN:
            return self.raw_status or UNKNOWN
        return self.status

    @property
    def description(self) -> str | None:
        return self.metadata.get("description")

    @property
    def result_file_ids(self) -> dict[str, str]:
        files = {}
        if self.output_file_id:
            files["output"] = self.output_file_id
        if self.error_file_id:
            files["error"] = self.error_file_id
        return files

    @classmethod
    def from_raw(cls, data: Mapping[str, Any]) -> BatchView:
        counts = data.get("request_counts")
        counts = counts if isinstance(counts, Mapping) else {}
        errors_field = data.get("errors")
        raw_errors: list[Any] = []
        if isinstance(errors_field, Mapping) and isinstance(errors_field.get("data"), list):
            raw_errors = errors_field["data"]
        elif isinstance(errors_field, list):
            raw_errors = errors_field
        errors = tuple(
            BatchErrorView(
                code=_str(e.get("code")),
                message=_str(e.get("message")),
                param=_str(e.get("param")),
                line=_int(e.get("line")),
            )
            for e in raw_errors
            if isinstance(e, Mapping)
        )
        if not errors and isinstance(data.get("error"), str) and data["error"].strip():
            # Together reports a failed job as one `error` string.
            errors = (BatchErrorView(None, data["error"].strip(), None, None),)
        metadata_field = data.get("metadata")
        metadata = (
            {str(k): str(v) for k, v in metadata_field.items() if v is not None}
            if isinstance(metadata_field, Mapping)
            else {}
        )
        raw_status = data.get("status")
        return cls(
            id=str(data.get("id") or ""),
            status=normalise_status(raw_status),
            raw_status=raw_status if isinstance(raw_status, str) else None,
            endpoint=_str(data.get("endpoint")),
            model=_str(data.get("model")),
            input_file_id=_str(data.get("input_file_id")),
            output_file_id=_str(data.get("output_file_id")),
            error_file_id=_str(data.get("error_file_id")),
            completion_window=_str(data.get("completion_window")),
            created_at=_timestamp(data.get("created_at")),
            in_progress_at=_timestamp(data.get("in_progress_at")),
            expires_at=_timestamp(data.get("expires_at")),
            finalizing_at=_timestamp(data.get("finalizing_at")),
            completed_at=_timestamp(data.get("completed_at")),
            failed_at=_timestamp(data.get("failed_at")),
            expired_at=_timestamp(data.get("expired_at")),
            cancelling_at=_timestamp(data.get("cancelling_at")),
            cancelled_at=_timestamp(data.get("cancelled_at")),
            request_counts=RequestCounts(
                total=_int(counts.get("total")),
                completed=_int(counts.get("completed")),
                failed=_int(counts.get("failed")),
            ),
            errors=errors,
            usage=_usage(data.get("usage")),
            metadata=metadata,
            raw=dict(data),
        )

    @classmethod
    def from_sdk(cls, batch: Any) -> BatchView:
        """From an ``openai.types.Batch`` (which may hold values its types do not allow)."""
        if isinstance(batch, Mapping):
            return cls.from_raw(batch)
        return cls.from_raw(batch.model_dump(mode="python", warnings=False))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``--format json``: the normalised fields plus the raw status."""
        return {
            "id": self.id,
            "status": self.status,
            "raw_status": self.raw_status,
            "endpoint": self.endpoint,
            "model": self.model,
            "input_file_id": self.input_file_id,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "completion_window": self.completion_window,
            "created_at": self.created_at,
            "in_progress_at": self.in_progress_at,
            "expires_at": self.expires_at,
            "finalizing_at": self.finalizing_at,
            "completed_at": self.completed_at,
            "failed_at": self.failed_at,
            "expired_at": self.expired_at,
            "cancelling_at": self.cancelling_at,
            "cancelled_at": self.cancelled_at,
            "request_counts": {
                "total": self.request_counts.total,
                "completed": self.request_counts.completed,
                "failed": self.request_counts.failed,
            },
            "errors": [
                {"code": e.code, "message": e.message, "param": e.param, "line": e.line}
                for e in self.errors
            ],
            "usage": None
            if self.usage is None
            else {
                "input_tokens": self.usage.input_tokens,
                "cached_tokens": self.usage.cached_tokens,
                "output_tokens": self.usage.output_tokens,
                "reasoning_tokens": self.usage.reasoning_tokens,
                "total_tokens": self.usage.total_tokens,
            },
            "metadata": dict(self.metadata),
        }


def _usage(value: object) -> UsageView | None:
    if not isinstance(value, Mapping):
        return None
    in_details = value.get("input_tokens_details")
    out_details = value.get("output_tokens_details")
    input_tokens = _int(value.get("input_tokens")) or 0
    output_tokens = _int(value.get("output_tokens")) or 0
    return UsageView(
        input_tokens=input_tokens,
        cached_tokens=(_int(in_details.get("cached_tokens")) or 0)
        if isinstance(in_details, Mapping)
        else 0,
        output_tokens=output_tokens,
        reasoning_tokens=(_int(out_details.get("reasoning_tokens")) or 0)
        if isinstance(out_details, Mapping)
        else 0,
        total_tokens=_int(value.get("total_tokens")) or input_tokens + output_tokens,
    )


@dataclass(frozen=True)
class FileView:
    id: str
    filename: str | None
    bytes: int | None
    purpose: str | None
    created_at: int | None
    expires_at: int | None = None

    @classmethod
    def from_raw(cls, data: Mapping[str, Any]) -> FileView:
        return cls(
            id=str(data.get("id") or ""),
            filename=_str(data.get("filename")),
            bytes=_int(data.get("bytes")),
            purpose=_str(data.get("purpose")),
            created_at=_timestamp(data.get("created_at")),
            expires_at=_timestamp(data.get("expires_at")),
        )

    @classmethod
    def from_sdk(cls, obj: Any) -> FileView:
        if isinstance(obj, Mapping):
            return cls.from_raw(obj)
        return cls.from_raw(obj.model_dump(mode="python", warnings=False))


def sort_newest_first(batches: list[BatchView]) -> list[BatchView]:
    """Providers do not promise an order; sort by creation time, unknown times last."""
    return sorted(
        batches, key=lambda b: (b.created_at is not None, b.created_at or 0, b.id), reverse=True
    )
