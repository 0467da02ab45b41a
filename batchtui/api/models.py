"""A tolerant view of a batch: what any OpenAI-shaped provider returns, normalised.

The SDK parses leniently (an upper-case status, a null count or an ISO date come through
unchanged, BATCH_API.md §8), so nothing here trusts the declared types: statuses are
normalised (the raw value is kept), ``""`` file ids become None, counts may be None, and
``model``/``usage`` may be missing. A value that is present but cannot be right (a time of
``1e20`` or ``-5``, a negative count, metadata that is not an object) becomes None and its
field is named in :attr:`BatchView.invalid`, so views mark it ("?") instead of crashing on it
or inventing a value. Plain dataclasses: importing this costs nothing.
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
# A batch's timestamps, in the order of its life (the expiry last).
TIMESTAMPS = (
    "created_at",
    "in_progress_at",
    "finalizing_at",
    "completed_at",
    "failed_at",
    "expired_at",
    "cancelling_at",
    "cancelled_at",
    "expires_at",
)
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


# Times outside this range cannot be shown as dates (and are no batch's): 1970 to 9999.
MAX_TIMESTAMP = 253_402_300_799
# More requests than any batch can hold (50,000; Azure 100,000) by far: a count beyond is wrong.
MAX_COUNT = 10**12


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str) and value.strip():
        try:
            number = float(value)
        except ValueError:
            return None
        return int(number) if math.isfinite(number) else None
    return None


def _bounded(value: object, low: int, high: int) -> int | None:
    number = _int(value)
    return number if number is not None and low <= number <= high else None


def _timestamp(value: object) -> int | None:
    """Unix seconds from an int, a float, a numeric string or an ISO-8601 date (Together);
    None when absent or not a plausible time."""
    if isinstance(value, str) and value.strip() and _int(value) is None:
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            value = parsed.timestamp()
        except (ValueError, OverflowError, OSError):
            return None
    return _bounded(value, 0, MAX_TIMESTAMP)


def _count(value: object) -> int | None:
    return _bounded(value, 0, MAX_COUNT)


class _Checked:
    """Reads fields and remembers which ones were present but unusable."""

    def __init__(self) -> None:
        self.invalid: set[str] = set()

    def read(self, name: str, value: object, parse: Any, report_as: str | None = None) -> Any:
        result = parse(value)
        if result is None and value is not None:
            self.invalid.add(report_as or name)
        return result


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
    # Fields the server sent values for that cannot be right ("created_at",
    # "request_counts", "metadata", ...): shown as "?", never trusted.
    invalid: frozenset[str] = frozenset()

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
        check = _Checked()
        counts = data.get("request_counts")
        if counts is not None and not isinstance(counts, Mapping):
            check.invalid.add("request_counts")
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
                line=_bounded(e.get("line"), 1, MAX_COUNT),
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
        if metadata_field is not None and not isinstance(metadata_field, Mapping):
            check.invalid.add("metadata")
        raw_status = data.get("status")
        raw_id = data.get("id")
        if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool) or raw_id == "":
            check.invalid.add("id")
        times = {name: check.read(name, data.get(name), _timestamp) for name in TIMESTAMPS}
        request_counts = RequestCounts(
            total=check.read("total", counts.get("total"), _count, "request_counts"),
            completed=check.read("completed", counts.get("completed"), _count, "request_counts"),
            failed=check.read("failed", counts.get("failed"), _count, "request_counts"),
        )
        return cls(
            id=str(raw_id) if isinstance(raw_id, (str, int)) and raw_id is not True else "",
            status=normalise_status(raw_status),
            raw_status=raw_status if isinstance(raw_status, str) else None,
            endpoint=_str(data.get("endpoint")),
            model=_str(data.get("model")),
            input_file_id=_str(data.get("input_file_id")),
            output_file_id=_str(data.get("output_file_id")),
            error_file_id=_str(data.get("error_file_id")),
            completion_window=_str(data.get("completion_window")),
            request_counts=request_counts,
            errors=errors,
            usage=_usage(data.get("usage")),
            metadata=metadata,
            raw=dict(data),
            invalid=frozenset(check.invalid),
            **times,
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
            "invalid": sorted(self.invalid),
        }


def _usage(value: object) -> UsageView | None:
    if not isinstance(value, Mapping):
        return None
    in_details = value.get("input_tokens_details")
    out_details = value.get("output_tokens_details")

    def tokens(raw: object) -> int:
        return _bounded(raw, 0, MAX_COUNT * 10**6) or 0

    input_tokens = tokens(value.get("input_tokens"))
    output_tokens = tokens(value.get("output_tokens"))
    return UsageView(
        input_tokens=input_tokens,
        cached_tokens=tokens(in_details.get("cached_tokens"))
        if isinstance(in_details, Mapping)
        else 0,
        output_tokens=output_tokens,
        reasoning_tokens=tokens(out_details.get("reasoning_tokens"))
        if isinstance(out_details, Mapping)
        else 0,
        total_tokens=tokens(value.get("total_tokens")) or input_tokens + output_tokens,
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
            bytes=_bounded(data.get("bytes"), 0, 2**62),
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
