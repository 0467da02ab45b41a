"""The dashboard's job rows as a model (ui/dashboard/jobs.py): where a job's row goes, what
it counts, and what a filter keeps."""

from __future__ import annotations

from typing import Any

from batchtui.api.models import BatchView
from batchtui.jobs.options import TAG_JOB, TAG_JOB_ID, TAG_PART
from batchtui.ui.dashboard.jobs import JobGroup, JobLocal, JobPart, group_entries


def batch(
    bid: str, status: str, created: int, job: str | None = None, part: str = "1", **kw: Any
) -> BatchView:
    meta = {TAG_JOB: job, TAG_JOB_ID: f"id-{job}", TAG_PART: part} if job else {}
    return BatchView.from_raw(
        {
            "id": bid,
            "status": status,
            "created_at": created,
            "input_file_id": "f",
            "endpoint": "/v1/chat/completions",
            "metadata": meta,
            "request_counts": kw.get("counts", {"total": 10, "completed": 0, "failed": 0}),
        }
    )


def entries(
    batches: list[BatchView], needle: str = "", expanded: set[str] | None = None, **kw: Any
) -> list[Any]:
    return group_entries(
        batches,
        lambda b: not needle or needle in b.id,
        needle,
        expanded or set(),
        kw.get("locals_", {}),
        lambda parts: None,
    )


def test_a_jobs_batches_are_one_row_where_its_newest_was() -> None:
    listed = [
        batch("b_plain1", "in_progress", 30),
        batch("b_j2", "in_progress", 20, "night", "2"),
        batch("b_plain2", "completed", 15),
        batch("b_j1", "completed", 10, "night", "1"),
    ]
    rows = entries(listed)
    assert [type(r).__name__ for r in rows] == ["BatchView", "JobGroup", "BatchView"]
    group = rows[1]
    assert group.name == "night" and len(group.parts) == 2
    # Expanded: its parts follow it, in part order.
    rows = entries(listed, expanded={"id-night"})
    assert [r.batch.id for r in rows if isinstance(r, JobPart)] == ["b_j1", "b_j2"]
    assert rows[3].last and not rows[2].last


def test_a_part_counts_by_its_newest_batch() -> None:
    # Part 1 was turned away (queue full) and went again; part 2 is still running.
    listed = [
        batch("b_retry", "completed", 30, "night", "1"),
        batch("b_2", "in_progress", 20, "night", "2"),
        batch("b_first", "failed", 10, "night", "1"),
    ]
    group = entries(listed)[0]
    assert isinstance(group, JobGroup)
    assert group.parts_done == 1 and group.part_count == 3  # (batches seen, no store)
    local = JobLocal("night", 30, 3, 1, 1, 1, None)
    group = entries(listed, locals_={"id-night": local})[0]
    assert group.part_count == 3 and group.total == 30 and group.parts_done == 1


def test_a_job_whose_turned_away_part_went_again_is_not_failed() -> None:
    # Part 1's first batch failed (token_limit_exceeded); its second completed, as did part 2.
    listed = [
        batch("b_retry", "completed", 30, "night", "1"),
        batch("b_2", "completed", 20, "night", "2"),
        batch("b_first", "failed", 10, "night", "1"),
    ]
    group = entries(listed)[0]
    assert isinstance(group, JobGroup)
    assert group.status() == "completed" and group.parts_done == 2
    listed[0] = batch("b_retry", "expired", 30, "night", "1")
    group = entries(listed)[0]
    assert isinstance(group, JobGroup) and group.status() == "expired"


def test_a_filter_keeps_a_job_by_its_parts_or_its_name() -> None:
    listed = [
        batch("b_j1", "completed", 10, "night", "1"),
        batch("b_j2", "failed", 9, "night", "2"),
    ]
    assert entries(listed, needle="zzz") == []
    rows = entries(listed, needle="night", expanded={"id-night"})
    assert isinstance(rows[0], JobGroup)
    rows = entries(listed, needle="b_j2", expanded={"id-night"})
    assert [r.batch.id for r in rows if isinstance(r, JobPart)] == ["b_j2"]


def test_a_jobs_progress_counts_a_retried_request_once() -> None:
    from batchtui.ui.jobs.view import part_note, progress_of, waiting_parts

    def part(
        label: str, parent: str | None, counts: dict[str, int] | None, **kw: Any
    ) -> dict[str, Any]:
        return {
            "part": label,
            "parent": parent,
            "reason": "split" if parent is None else "retry",
            "state": kw.get("state", "done"),
            "batch_id": kw.get("batch_id", f"batch_{label}"),
            "counts": counts,
            "queue_full": kw.get("queue_full", 0),
            "attempts": kw.get("attempts", 1),
            "message": kw.get("message"),
            "waiting_seconds": None,
            "requests": 10,
            "status": "completed",
        }

    status = {
        "requests": 30,
        "parts": [
            # Part 1 failed 4; its retry part 1.1 answered 3 of them, 1 failed again.
            part("1", None, {"completed": 6, "failed": 4, "total": 10}),
            part("1.1", "1", {"completed": 3, "failed": 1, "total": 4}),
            part("2", None, {"completed": 10, "failed": 0, "total": 10}),
            part(
                "3",
                None,
                None,
                state="pending",
                batch_id=None,
                message="waiting for queue room (x)",
            ),
        ],
    }
    p = progress_of(status)
    assert (p.completed, p.failed, p.total) == (19, 1, 30)
    assert waiting_parts(status) == 1
    note = part_note(status["parts"][3]).plain
    assert note.startswith("waiting for queue room") and note.count("waiting") == 1
