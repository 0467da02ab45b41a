"""Every emulator answer validates strictly against the SDK's own models, in every state."""

from __future__ import annotations

from emulator_helpers import chat_file, strict, submit, upload
from openai import AsyncOpenAI
from openai.pagination import AsyncCursorPage
from openai.types import Batch, FileDeleted, FileObject

from batchtui.emulator.demo import seed_demo
from batchtui.emulator.server import EmulatorServer

LIST_EXTRA = frozenset({"object", "first_id", "last_id"})
ALL_STATES = {
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
}


async def raw_json(response_coro) -> object:
    response = await response_coro
    assert response.http_response.headers["content-type"].startswith("application/json")
    assert response.http_response.headers["x-request-id"].startswith("req_")
    return response.http_response.json()


async def test_every_state_and_endpoint_validates_strictly(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    summary = await seed_demo(emu, seed=3)
    raw = client.with_raw_response

    page = await raw_json(raw.batches.list(limit=100))
    listed = strict(AsyncCursorPage[Batch], page, allowed_extra=LIST_EXTRA)
    assert page["object"] == "list"
    assert page["first_id"] == listed.data[0].id and page["last_id"] == listed.data[-1].id
    assert {b.status for b in listed.data} == ALL_STATES
    assert len(listed.data) == len(summary.batches)

    file_ids: set[str] = set()
    for b in listed.data:
        one = strict(Batch, await raw_json(raw.batches.retrieve(b.id)))
        assert one.status == b.status
        assert one.request_counts is not None and one.usage is not None
        file_ids.update(f for f in (one.input_file_id, one.output_file_id, one.error_file_id) if f)
    for file_id in file_ids:
        strict(FileObject, await raw_json(raw.files.retrieve(file_id)))

    files_page = await raw_json(raw.files.list())
    strict(AsyncCursorPage[FileObject], files_page, allowed_extra=LIST_EXTRA)
    assert {f["id"] for f in files_page["data"]} == file_ids
    purposes = {f["purpose"] for f in files_page["data"]}
    assert purposes == {"batch", "batch_output"}

    # cancel answers (cancelling and already-cancelled) are Batch objects too
    running = next(b for b in listed.data if b.status == "in_progress")
    cancelled = strict(Batch, await raw_json(raw.batches.cancel(running.id)))
    assert cancelled.status == "cancelling" and cancelled.cancelling_at is not None
    again = strict(Batch, await raw_json(raw.batches.cancel(running.id)))
    assert again.status == "cancelling"

    # upload and delete
    fresh = strict(
        FileObject,
        await raw_json(raw.files.create(file=("x.jsonl", chat_file(2)), purpose="batch")),
    )
    assert fresh.purpose == "batch" and fresh.status == "processed"
    assert fresh.expires_at == fresh.created_at + 30 * 86400
    deleted = strict(FileDeleted, await raw_json(raw.files.delete(fresh.id)))
    assert deleted.deleted is True and deleted.id == fresh.id


async def test_batch_fields_follow_the_lifecycle(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    batch_id = await submit(client, chat_file(40), metadata={"description": "lifecycle"})
    b = await client.batches.retrieve(batch_id)
    strict(Batch, b.model_dump(mode="json"))
    assert b.status == "validating" and b.model is None
    assert b.request_counts is not None and b.request_counts.total == 0
    assert b.expires_at == b.created_at + 86400
    assert b.metadata == {"description": "lifecycle"}

    await emu.advance(emu.options.validation_seconds)
    b = await client.batches.retrieve(batch_id)
    assert b.status == "in_progress" and b.in_progress_at == b.created_at + 20
    assert b.model == "gpt-4o-mini" and b.request_counts.total == 40

    seen = []
    for _ in range(20):
        await emu.advance(5)
        b = await client.batches.retrieve(batch_id)
        seen.append(b.request_counts.completed + b.request_counts.failed)
        if b.status != "in_progress":
            break
    assert seen == sorted(seen) and len(set(seen)) > 3, "counts advance progressively"
    assert b.status == "finalizing" and b.finalizing_at is not None
    assert b.request_counts.completed + b.request_counts.failed == 40
    assert b.output_file_id is None, "results are not downloadable while finalizing"

    await emu.advance(emu.options.finalizing_seconds)
    b = strict(Batch, await raw_json(client.with_raw_response.batches.retrieve(batch_id)))
    assert b.status == "completed"
    assert b.created_at < b.in_progress_at < b.finalizing_at < b.completed_at
    assert b.failed_at is None and b.cancelled_at is None and b.expired_at is None
    assert b.output_file_id and b.error_file_id is None
    assert b.usage is not None and b.usage.input_tokens > 0 and b.usage.output_tokens > 0
    assert b.usage.total_tokens == b.usage.input_tokens + b.usage.output_tokens
    out = await client.files.retrieve(b.output_file_id)
    assert out.purpose == "batch_output" and out.filename == f"{batch_id}_output.jsonl"
    assert out.created_at == b.completed_at


async def test_list_pagination_cursor_and_order(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    file_id = await upload(client, chat_file(3))
    ids = []
    for _ in range(7):
        b = await client.batches.create(
            input_file_id=file_id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        ids.append(b.id)
        await emu.advance(1)
    newest_first = list(reversed(ids))

    first = await client.batches.list(limit=3)
    assert [b.id for b in first.data] == newest_first[:3] and first.has_more is True
    raw = await client.batches.with_raw_response.list(limit=3, after=newest_first[2])
    body = raw.http_response.json()
    assert [b["id"] for b in body["data"]] == newest_first[3:6]
    assert body["first_id"] == newest_first[3] and body["last_id"] == newest_first[5]
    assert body["has_more"] is True

    # The SDK's auto-pagination walks every page by `after`.
    emu.requests.clear()
    assert [b.id async for b in client.batches.list(limit=3)] == newest_first
    assert emu.count_requests("GET", "/v1/batches") == 3

    default = await client.batches.list()
    assert len(default.data) == 7 and default.has_more is False
