"""The wire format: how the emulator's files, batches and errors look as JSON.

Shapes follow the SDK's models (``FileObject``, ``Batch``, ``FileDeleted``, cursor pages) and
OpenAI's published schemas (``OpenAIFile``, ``Batch``, ``ListBatchesResponse``,
``ErrorResponse``); tests check every answer against both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from batchtui.emulator.batches import BatchRecord, BatchUsage
    from batchtui.emulator.files import StoredFile


class EmulatorError(Exception):
    """An error answered in OpenAI's shape: ``{"error": {message, type, param, code}}``."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def missing_parameter(param: str) -> EmulatorError:
    """OpenAI's 400 for a required parameter left out."""
    return EmulatorError(
        400,
        f"Missing required parameter: '{param}'.",
        param=param,
        code="missing_required_parameter",
    )


def bad_parameter(param: str, message: str, code: str = "invalid_value") -> EmulatorError:
    """OpenAI's 400 for a parameter it cannot take (``message`` names it)."""
    return EmulatorError(400, message, param=param, code=code)


def file_to_api(stored: StoredFile) -> dict[str, Any]:
    return {
        "id": stored.id,
        "object": "file",
        "bytes": stored.bytes,
        "created_at": stored.created_at,
        "expires_at": stored.expires_at,
        "filename": stored.filename,
        "purpose": stored.purpose,
        "status": "processed",
        "status_details": None,
    }


def _ts(value: float | None) -> int | None:
    return None if value is None else int(value)


def batch_to_api(
    batch: BatchRecord,
    counts: tuple[int, int, int],
    usage: BatchUsage,
    quirks: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    total, completed, failed = counts
    in_tok, cached, out_tok, reasoning = usage
    errors = {"object": "list", "data": [dict(e) for e in batch.errors]} if batch.errors else None
    data: dict[str, Any] = {
        "id": batch.id,
        "object": "batch",
        "endpoint": batch.endpoint,
        "model": batch.model,
        "errors": errors,
        "input_file_id": batch.input_file_id,
        "completion_window": batch.completion_window,
        "status": batch.status,
        "output_file_id": batch.output_file_id,
        "error_file_id": batch.error_file_id,
        "created_at": int(batch.created_at),
        "in_progress_at": _ts(batch.in_progress_at),
        "expires_at": int(batch.expires_at),
        "finalizing_at": _ts(batch.finalizing_at),
        "completed_at": _ts(batch.completed_at),
        "failed_at": _ts(batch.failed_at),
        "expired_at": _ts(batch.expired_at),
        "cancelling_at": _ts(batch.cancelling_at),
        "cancelled_at": _ts(batch.cancelled_at),
        "request_counts": {"total": total, "completed": completed, "failed": failed},
        "usage": {
            "input_tokens": in_tok,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": out_tok,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": in_tok + out_tok,
        },
        "metadata": dict(batch.metadata) if batch.metadata is not None else None,
    }
    if quirks:
        apply_quirks(data, quirks)
    return data


def apply_quirks(data: dict[str, Any], quirks: frozenset[str]) -> None:
    """Make a batch object look like what other OpenAI-shaped providers send."""
    if "uppercase_status" in quirks:
        data["status"] = str(data["status"]).upper()
    if "null_counts" in quirks:
        data["request_counts"] = {"total": None, "completed": None, "failed": None}
    if "empty_file_ids" in quirks:
        for key in ("output_file_id", "error_file_id"):
            if data[key] is None:
                data[key] = ""
    if "no_model" in quirks:
        data.pop("model", None)
    if "no_usage" in quirks:
        data.pop("usage", None)


def list_body(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


def deleted_body(file_id: str) -> dict[str, Any]:
    return {"id": file_id, "object": "file", "deleted": True}
