"""Fault injection (server rules and per-batch metadata), Range downloads, and the clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import openai
import pytest
from emulator_helpers import API_KEY, chat_file, make_options, submit, upload
from openai import AsyncOpenAI

from batchtui.emulator.clock import EmulatorClock
from batchtui.emulator.server import EmulatorServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}


async def test_rate_limit_rule_sends_retry_after(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    rule = emu.faults.rate_limit(2, retry_after=7, path="/v1/batches")
    for _ in range(2):
        with pytest.raises(openai.RateLimitError) as info:
            await client.batches.list()
        assert info.value.response.headers["retry-after"] == "7"
        assert info.value.code == "rate_limit_exceeded"
    assert (await client.batches.list()).data == []
    assert rule.hits == 2 and rule.exhausted


async def test_sdk_retries_through_a_short_storm(emu: EmulatorServer) -> None:
    emu.faults.rate_limit(2, retry_after=0.01)
    emu.faults.server_error(1, status=503, retry_after=0.01)
    retrying = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=3)
    assert (await retrying.batches.list()).data == []
    assert [r.status for r in emu.requests] == [429, 429, 503, 200]
    await retrying.close()


async def test_server_errors_and_method_filters(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    emu.faults.server_error(None, status=502, method="POST")
    with pytest.raises(openai.InternalServerError) as info:
        await client.files.create(file=("a.jsonl", chat_file(1)), purpose="batch")
    assert info.value.status_code == 502
    assert (await client.files.list()).data == [], "GETs are not affected"
    emu.faults.clear()
    await upload(client, chat_file(1))


async def test_slow_answers_time_out_the_client(emu: EmulatorServer) -> None:
    emu.faults.slow(0.5, count=1)
    impatient = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0, timeout=0.1)
    with pytest.raises(openai.APITimeoutError):
        await impatient.batches.list()
    assert (await impatient.batches.list()).data == []
    await impatient.close()


async def test_per_batch_faults_from_metadata(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    batch_id = await submit(
        client,
        chat_file(4),
        metadata={"emulator.rate_limit": "2/3", "emulator.server_error": "1"},
    )
    with pytest.raises(openai.RateLimitError) as info:
        await client.batches.retrieve(batch_id)
    assert info.value.response.headers["retry-after"] == "3"
    with pytest.raises(openai.RateLimitError):
        await client.batches.retrieve(batch_id)
    with pytest.raises(openai.InternalServerError):
        await client.batches.retrieve(batch_id)
    assert (await client.batches.retrieve(batch_id)).id == batch_id
    assert len((await client.batches.list()).data) == 1, "other routes are unaffected"


async def test_per_batch_slow_answers(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    batch_id = await submit(client, chat_file(2), metadata={"emulator.slow": "0.3"})
    impatient = client.with_options(timeout=0.1)
    with pytest.raises(openai.APITimeoutError):
        await impatient.batches.retrieve(batch_id)
    assert len((await impatient.batches.list()).data) == 1, "other routes stay fast"


async def test_drop_download_halfway_and_range_resume(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    content = chat_file(200)
    file_id = await upload(client, content)
    emu.faults.drop_download(1)
    url = f"{emu.base_url}/files/{file_id}/content"
    async with httpx2.AsyncClient() as http:
        got = bytearray()
        with pytest.raises(httpx2.RemoteProtocolError):
            async with http.stream("GET", url, headers=AUTH) as r:
                assert r.headers["accept-ranges"] == "bytes"
                assert int(r.headers["content-length"]) == len(content)
                async for chunk in r.aiter_bytes():
                    got += chunk
        assert len(got) == len(content) // 2
        r = await http.get(url, headers={**AUTH, "Range": f"bytes={len(got)}-"})
        assert r.status_code == 206
        assert r.headers["content-range"] == f"bytes {len(got)}-{len(content) - 1}/{len(content)}"
        assert bytes(got) + r.content == content
        r = await http.get(url, headers={**AUTH, "Range": "bytes=-10"})
        assert r.status_code == 206 and r.content == content[-10:]
        r = await http.get(url, headers={**AUTH, "Range": f"bytes={len(content)}-"})
        assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{len(content)}"


async def test_drop_download_from_batch_metadata(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    batch_id = await submit(client, chat_file(30), metadata={"emulator.drop_download": "1"})
    await emu.advance(10_000)
    batch = await client.batches.retrieve(batch_id)
    assert batch.status == "completed"
    with pytest.raises(openai.APIConnectionError):  # the SDK reads non-streamed bodies itself
        await client.files.content(batch.output_file_id)
    assert (await client.files.content(batch.output_file_id)).content.count(b"\n") == 30


async def test_range_can_be_switched_off(tmp_path: Path) -> None:
    async with EmulatorServer(make_options(tmp_path, supports_range=False)) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        content = chat_file(5)
        file_id = await upload(client, content)
        async with httpx2.AsyncClient() as http:
            r = await http.get(
                f"{emu.base_url}/files/{file_id}/content", headers={**AUTH, "Range": "bytes=10-"}
            )
        assert r.status_code == 200 and r.content == content
        assert "accept-ranges" not in r.headers
        await client.close()


def test_clock_speed_and_advance(monkeypatch: pytest.MonkeyPatch) -> None:
    real = [500.0]
    monkeypatch.setattr("batchtui.emulator.clock.time.monotonic", lambda: real[0])
    clock = EmulatorClock(start=1000.0, speed=0.0)
    real[0] += 30
    assert clock.now() == 1000.0, "speed 0: only advance() moves it"
    clock.advance(60)
    assert clock.now() == 1060.0
    with pytest.raises(ValueError):
        clock.advance(-1)
    fast = EmulatorClock(start=0.0, speed=60.0)
    real[0] += 2
    assert fast.now() == 120.0
    fast.speed = 0.0  # re-anchored: no jump
    real[0] += 100
    assert fast.now() == 120.0
    fast.speed = 2.0
    real[0] += 1
    assert fast.now() == 122.0


async def test_running_clock_moves_batches_on_its_own(tmp_path: Path) -> None:
    opts = make_options(tmp_path, speed=2000.0, validation_seconds=20, processing_seconds=30)
    async with EmulatorServer(opts) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        batch_id = await submit(client, chat_file(3))
        status = "validating"
        for _ in range(200):  # bounded poll: ~0.1 s of real time is ~200 emulated seconds
            status = (await client.batches.retrieve(batch_id)).status
            if status == "completed":
                break
            await asyncio.sleep(0.01)
        assert status == "completed"
        await client.close()
