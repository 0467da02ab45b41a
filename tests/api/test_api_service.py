"""BatchService against the emulator, through the real AsyncOpenAI client over HTTP."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from api_helpers import API_KEY, make_options, run_to_end, settings_for, write_chat

from batchtui.api.config import ClientSettings
from batchtui.api.errors import ApiError
from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.core.errors import UserError
from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer


async def test_list_every_batch_newest_first(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 3)
    ids = []
    for i in range(7):
        ids.append((await service.submit(path, metadata={"n": str(i)})).batch.id)
        await emu.advance(2)
    emu.requests.clear()
    listed = await service.list_batches(page_size=3)
    assert [b.id for b in listed] == list(reversed(ids))
    assert emu.count_requests("GET", "/v1/batches") == 3, "auto-paginated, 3 per page"
    newest = await service.list_batches(page_size=3, max_items=2)
    assert [b.id for b in newest] == list(reversed(ids))[:2]


async def test_submit_uploads_creates_and_records(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "ＣＪＫ 入力.jsonl", 12)
    seen: list[tuple[int, int | None]] = []
    result = await service.submit(
        path, metadata={"description": "テスト 🚀"}, progress=lambda d, t: seen.append((d, t))
    )
    batch = result.batch
    assert batch.status == "validating" and batch.endpoint == "/v1/chat/completions"
    assert batch.metadata == {"description": "テスト 🚀"}
    assert result.file.filename == path.name and result.file.bytes == path.stat().st_size
    assert seen and seen[-1] == (path.stat().st_size, path.stat().st_size)
    assert emu.state.files[batch.input_file_id].path.read_bytes() == path.read_bytes()
    rec = service.records.find(batch.id)
    assert rec is not None and rec.input_path == str(path.resolve())
    assert rec.size == path.stat().st_size and rec.input_file_id == batch.input_file_id
    assert rec.endpoint == "/v1/chat/completions" and rec.base_url == emu.base_url
    assert result.warning is None


async def test_submit_sniffs_the_endpoint_and_accepts_an_override(
    service: BatchService, tmp_path: Path
) -> None:
    emb = samples.write_jsonl(tmp_path / "emb.jsonl", samples.embedding_requests(2))
    assert (await service.submit(emb)).batch.endpoint == "/v1/embeddings"
    odd = tmp_path / "odd.jsonl"
    odd.write_bytes(b"\n" + samples.to_jsonl(samples.responses_requests(1)))
    assert (await service.submit(odd, force=True)).batch.endpoint == "/v1/responses"
    with pytest.raises(UserError, match="go to /v1/embeddings, not /v1/chat/completions"):
        await service.submit(emb, endpoint="/v1/chat/completions")
    forced = await service.submit(emb, endpoint="/v1/chat/completions", force=True)
    assert forced.batch.endpoint == "/v1/chat/completions"
    assert forced.warning is not None and "submitted despite" in forced.warning


async def test_submit_refuses_local_problems_without_calling_the_api(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    emu.requests.clear()
    with pytest.raises(UserError, match="no such file"):
        await service.submit(tmp_path / "missing.jsonl")
    with pytest.raises(UserError, match="is a directory"):
        await service.submit(tmp_path)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="is empty"):
        await service.submit(empty)
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_bytes(b"not json\n")
    with pytest.raises(UserError, match="invalid_json_line"):
        await service.submit(garbage)
    with pytest.raises(UserError, match="--endpoint"):
        await service.submit(garbage, force=True)
    assert len(emu.requests) == 0


async def test_failed_create_deletes_the_upload(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 2)
    emu.faults.server_error(None, status=400, method="POST", path="/v1/batches")
    with pytest.raises(ApiError) as info:
        await service.submit(path)
    assert info.value.kind == "bad_request" and info.value.status == 400
    assert info.value.message.endswith("the uploaded file was deleted again") or (
        "was deleted again" in info.value.message
    )
    assert emu.state.files == {}, "the orphan upload was removed"
    assert service.records.load() == []


async def test_upload_rejection_is_explained(service: BatchService, tmp_path: Path) -> None:
    wrong = tmp_path / "in.json"
    write_chat(wrong, 1)
    with pytest.raises(ApiError) as info:
        await service.submit(wrong)
    assert info.value.message == (
        "uploading in.json: the API rejected the request (400): Invalid file format for Batch "
        "API. Must be .jsonl"
    )


async def test_record_write_failure_is_a_warning_not_an_error(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    records = RecordStore(blocker / "submissions.json")
    async with BatchService(settings_for(emu), records=records) as service:
        result = await service.submit(write_chat(tmp_path / "in.jsonl", 1))
    assert result.batch.id and result.warning and "could not be written" in result.warning


async def test_retrieve_cancel_and_their_errors(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    batch_id = (await service.submit(write_chat(tmp_path / "in.jsonl", 5))).batch.id
    assert (await service.cancel(batch_id)).status == "cancelling"
    with pytest.raises(ApiError) as info:
        await service.retrieve("batch_missing")
    assert info.value.kind == "not_found"
    assert info.value.message == (
        f"retrieving the batch: batch batch_missing not found (404) at {emu.base_url}"
    )
    done = await run_to_end(
        emu, service, (await service.submit(write_chat(tmp_path / "b.jsonl", 2))).batch.id
    )
    with pytest.raises(ApiError) as info:
        await service.cancel(done.id)
    assert info.value.kind == "conflict"
    assert "Cannot cancel a batch with status 'completed'." in info.value.message
    assert emu.count_requests("POST", f"/v1/batches/{done.id}/cancel") == 1, "409 is not retried"
    with pytest.raises(UserError, match="not a valid batch id"):
        await service.retrieve("../files")
    with pytest.raises(ApiError) as info:  # encoded ids are sent percent-encoded, not refused
        await service.retrieve("bGl0ZWxsbQ==/x+y")
    assert info.value.kind == "not_found"


async def test_no_key_is_explained_before_any_request() -> None:
    service = BatchService(ClientSettings(api_key=None, base_url="http://127.0.0.1:9/v1"))
    with pytest.raises(ApiError) as info:
        await service.list_batches()
    assert info.value.kind == "no_key"
    assert "OPENAI_API_KEY" in info.value.message and "batchtui demo" in info.value.message


async def test_bad_key_is_explained_without_echoing_it(tmp_path: Path) -> None:
    async with (
        EmulatorServer(make_options(tmp_path, api_keys=("sk-good-0000000000",))) as emu,
        BatchService(settings_for(emu, api_key=API_KEY)) as service,
    ):
        with pytest.raises(ApiError) as info:
            await service.list_batches()
    assert info.value.kind == "auth" and info.value.status == 401
    assert "OPENAI_API_KEY" in info.value.message
    assert API_KEY not in info.value.message and API_KEY[-4:] not in info.value.message


async def test_unreachable_base_url() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ClientSettings(
        api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=0
    )
    async with BatchService(settings) as service:
        with pytest.raises(ApiError) as info:
            await service.list_batches()
    assert info.value.kind == "unreachable" and info.value.retryable
    assert info.value.message == (
        f"listing batches: cannot reach http://127.0.0.1:{port}/v1 (connection refused); "
        "check OPENAI_BASE_URL and your network"
    )


async def test_rate_limit_storm_beyond_retries(emu: EmulatorServer) -> None:
    emu.faults.rate_limit(None, retry_after=0.01)
    async with BatchService(settings_for(emu, max_retries=2)) as service:
        with pytest.raises(ApiError) as info:
            await service.list_batches()
    assert info.value.kind == "rate_limited" and info.value.retry_after == 0.01
    assert emu.count_requests("GET", "/v1/batches") == 3, "the SDK tried 3 times"
    assert "rate limited by the API (429)" in info.value.message


async def test_quota_429_is_not_a_rate_limit(emu: EmulatorServer, service: BatchService) -> None:
    emu.faults.rate_limit(1, retry_after=None, code="insufficient_quota")
    with pytest.raises(ApiError) as info:
        await service.list_batches()
    assert info.value.kind == "quota" and "billing" in info.value.message
    assert emu.count_requests("GET", "/v1/batches") == 1, "x-should-retry: false is obeyed"


@pytest.mark.parametrize(
    "quirks",
    [
        frozenset({"uppercase_status", "null_counts", "empty_file_ids", "no_model", "no_usage"}),
    ],
)
async def test_provider_quirks_come_through_normalised(
    tmp_path: Path, quirks: frozenset[str]
) -> None:
    async with (
        EmulatorServer(make_options(tmp_path, quirks=quirks)) as emu,
        BatchService(settings_for(emu)) as service,
    ):
        path = write_chat(tmp_path / "in.jsonl", 4)
        batch = (await service.submit(path, metadata={"emulator.fail_fraction": "0"})).batch
        assert batch.raw_status == "VALIDATING" and batch.status == "validating"
        assert batch.request_counts.total is None and batch.model is None and batch.usage is None
        done = await run_to_end(emu, service, batch.id)
        assert done.status == "completed" and done.raw_status == "COMPLETED"
        assert done.error_file_id is None and done.output_file_id
        assert done.raw["error_file_id"] == ""
        listed = await service.list_batches()
        assert [b.status for b in listed] == ["completed"]


@contextlib.asynccontextmanager
async def list_server(pages: list[bytes]) -> AsyncIterator[tuple[str, list[dict[str, str]]]]:
    """A loopback server answering GET /v1/batches with ``pages`` in turn (a provider that is
    not the emulator); yields its base URL and the query strings it received."""
    queries: list[dict[str, str]] = []

    async def handle(request: web.Request) -> web.Response:
        queries.append(dict(request.query))
        body = pages[min(len(queries), len(pages)) - 1]
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_get("/v1/batches", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/v1", queries
    finally:
        await runner.cleanup()


def _page(ids: list[str], **extra: object) -> bytes:
    data = [{"id": i, "object": "batch", "status": "completed", "created_at": 1} for i in ids]
    return json.dumps({"object": "list", "data": data, **extra}).encode()


async def test_list_follows_the_cursor_without_has_more() -> None:
    # Some providers omit has_more: like the SDK, read on until a page comes back empty.
    pages = [_page(["b3", "b2"]), _page(["b1"]), _page([])]
    async with list_server(pages) as (url, queries):
        settings = ClientSettings(api_key=API_KEY, base_url=url, max_retries=0)
        async with BatchService(settings) as service:
            listed = await service.list_batches(page_size=2)
    assert {b.id for b in listed} == {"b3", "b2", "b1"}
    assert [q.get("after") for q in queries] == [None, "b2", "b1"]
    assert all(q["limit"] == "2" for q in queries)


@pytest.mark.parametrize(
    "body",
    [b"<html>502 Bad Gateway</html>", b'{"object": "list", "data": "none"}', b"[]"],
)
async def test_an_unreadable_list_page_is_a_server_error(body: bytes) -> None:
    async with list_server([body]) as (url, _):
        settings = ClientSettings(api_key=API_KEY, base_url=url, max_retries=0)
        async with BatchService(settings) as service:
            with pytest.raises(ApiError) as info:
                await service.list_batches()
    assert info.value.kind == "server" and info.value.retryable
    assert "not a list page" in info.value.message
