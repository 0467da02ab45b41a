"""The tolerant batch view: whatever an OpenAI-shaped provider sends, normalised."""

from __future__ import annotations

import pytest

from batchtui.api.models import (
    UNKNOWN,
    BatchView,
    FileView,
    RequestCounts,
    normalise_status,
    sort_newest_first,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("in_progress", "in_progress"),
        ("IN_PROGRESS", "in_progress"),
        ("Completed", "completed"),
        ("CANCELING", "cancelling"),
        ("canceled", "cancelled"),
        (" validating ", "validating"),
        ("in-progress", "in_progress"),
        ("queued_for_review", UNKNOWN),
        ("", UNKNOWN),
        (None, UNKNOWN),
        (3, UNKNOWN),
    ],
)
def test_normalise_status(raw: object, expected: str) -> None:
    assert normalise_status(raw) == expected


def test_unknown_status_keeps_the_raw_word_and_counts_as_active() -> None:
    view = BatchView.from_raw({"id": "b1", "status": "PAUSED"})
    assert view.status == UNKNOWN and view.raw_status == "PAUSED"
    assert view.display_status == "PAUSED"
    assert view.is_active and not view.is_terminal


def test_azure_style_nulls_and_empty_file_ids() -> None:
    view = BatchView.from_raw(
        {
            "id": "batch_1",
            "object": "batch",
            "endpoint": None,
            "status": "completed",
            "output_file_id": "file-out",
            "error_file_id": "",
            "request_counts": {"total": 10, "completed": None, "failed": None},
            "created_at": 1_700_000_000,
        }
    )
    assert view.endpoint is None and view.error_file_id is None
    assert view.result_file_ids == {"output": "file-out"}
    assert view.request_counts == RequestCounts(10, None, None)
    assert view.request_counts.done == 0 and view.request_counts.fraction == 0.0
    assert view.model is None and view.usage is None
    assert view.is_terminal and not view.is_active


def test_together_style_iso_times_and_error_string() -> None:
    view = BatchView.from_raw(
        {
            "id": "b-1",
            "status": "FAILED",
            "created_at": "2025-03-01T12:00:00Z",
            "completed_at": "garbage",
            "error": "input file has invalid lines",
            "job_deadline": "2025-03-02T12:00:00Z",
        }
    )
    assert view.status == "failed" and view.created_at == 1_740_830_400
    assert view.completed_at is None
    assert [e.message for e in view.errors] == ["input file has invalid lines"]
    assert view.raw["job_deadline"] == "2025-03-02T12:00:00Z"


def test_full_openai_batch() -> None:
    view = BatchView.from_raw(
        {
            "id": "batch_x",
            "status": "failed",
            "model": "gpt-5",
            "errors": {
                "object": "list",
                "data": [
                    {"code": "invalid_json_line", "line": 2, "message": "bad", "param": None},
                    {"code": "token_limit_exceeded", "line": None, "message": "full"},
                    "not an object",
                ],
            },
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "usage": {
                "input_tokens": 10,
                "input_tokens_details": {"cached_tokens": 4},
                "output_tokens": 5,
                "output_tokens_details": {"reasoning_tokens": 2},
                "total_tokens": 15,
            },
            "metadata": {"description": "nightly", "n": 3, "none": None},
            "created_at": 5.9,
        }
    )
    assert [(e.code, e.line) for e in view.errors] == [
        ("invalid_json_line", 2),
        ("token_limit_exceeded", None),
    ]
    assert view.usage is not None and view.usage.cached_tokens == 4
    assert view.usage.reasoning_tokens == 2 and view.usage.total_tokens == 15
    assert view.metadata == {"description": "nightly", "n": "3"}
    assert view.description == "nightly"
    assert view.created_at == 5
    assert view.request_counts.fraction is None, "no total yet"
    d = view.to_dict()
    assert d["status"] == "failed" and d["raw_status"] == "failed"
    assert d["errors"][0]["line"] == 2


def test_usage_without_details_or_total() -> None:
    view = BatchView.from_raw(
        {"id": "b", "status": "completed", "usage": {"input_tokens": 3, "output_tokens": 4}}
    )
    assert view.usage is not None and view.usage.total_tokens == 7 and view.usage.cached_tokens == 0


def test_from_sdk_keeps_what_the_lenient_sdk_let_through() -> None:
    from openai.types import Batch

    sdk = Batch.construct(  # what AsyncOpenAI builds from an odd provider answer
        id="batch_1",
        object="batch",
        status="VALIDATING",
        endpoint=None,
        request_counts={"total": None, "completed": 1, "failed": None},
        created_at=10,
    )
    view = BatchView.from_sdk(sdk)
    assert view.status == "validating" and view.raw_status == "VALIDATING"
    assert view.request_counts.completed == 1 and view.request_counts.total is None


def test_sort_newest_first_with_missing_times() -> None:
    views = [
        BatchView.from_raw({"id": "a", "status": "completed", "created_at": 5}),
        BatchView.from_raw({"id": "b", "status": "completed"}),
        BatchView.from_raw({"id": "c", "status": "completed", "created_at": 9}),
    ]
    assert [v.id for v in sort_newest_first(views)] == ["c", "a", "b"]


def test_file_view() -> None:
    f = FileView.from_raw({"id": "file-1", "bytes": "12", "filename": "x.jsonl", "created_at": 3})
    assert f.bytes == 12 and f.purpose is None
