"""Downloads: streamed, atomic, resumed or restarted after a dropped connection."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from api_helpers import make_options, settings_for

from batchtui.api.errors import ApiError
from batchtui.api.service import BatchService
from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer


async def stored_file(emu: EmulatorServer, n: int = 3000) -> tuple[str, bytes]:
    content = samples.to_jsonl(samples.chat_requests(n, seed=1))
    stored = emu.state.add_file_bytes(content, "big.jsonl", "batch")
    return stored.id, content


def watch(dest: Path, calls: list[tuple[int, int | None]]):
    """A progress callback that also checks nothing partial sits under the final name."""

    def progress(done: int, total: int | None) -> None:
        assert not dest.exists(), "a partial download is visible under the final name"
        calls.append((done, total))

    return progress


async def test_plain_download_streams_with_progress(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu)
    dest = tmp_path / "out" / "file.jsonl"
    calls: list[tuple[int, int | None]] = []
    result = await service.download_file(file_id, dest, progress=watch(dest, calls))
    assert dest.read_bytes() == content
    assert (result.bytes, result.attempts, result.resumed) == (len(content), 1, False)
    assert calls[0] == (0, len(content)) and calls[-1] == (len(content), len(content))
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert list(dest.parent.iterdir()) == [dest]


async def test_dropped_download_resumes_with_range(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu)
    emu.faults.drop_download(2)  # the first two attempts die halfway through what they send
    dest = tmp_path / "dl" / "file.jsonl"
    calls: list[tuple[int, int | None]] = []
    result = await service.download_file(file_id, dest, progress=watch(dest, calls), retry_delay=0)
    assert hashlib.sha256(dest.read_bytes()).digest() == hashlib.sha256(content).digest()
    assert result.attempts == 3 and result.resumed
    statuses = [r.status for r in emu.requests if r.path.endswith("/content")]
    assert statuses == [200, 206, 206]
    assert list(dest.parent.iterdir()) == [dest]


async def test_dropped_download_restarts_without_range(tmp_path: Path) -> None:
    async with (
        EmulatorServer(make_options(tmp_path, supports_range=False)) as emu,
        BatchService(settings_for(emu)) as service,
    ):
        file_id, content = await stored_file(emu)
        emu.faults.drop_download(1, after_bytes=100_000)
        dest = tmp_path / "dl" / "file.jsonl"
        calls: list[tuple[int, int | None]] = []
        result = await service.download_file(
            file_id, dest, progress=watch(dest, calls), retry_delay=0
        )
    assert dest.read_bytes() == content
    assert result.attempts == 2 and not result.resumed
    assert (0, len(content)) in calls[1:], "the second attempt started over"


async def test_download_gives_up_cleanly_and_keeps_the_old_file(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, _ = await stored_file(emu)
    emu.faults.drop_download(None)  # every attempt dies
    dest = tmp_path / "dl" / "file.jsonl"
    dest.parent.mkdir()
    dest.write_bytes(b"previous complete download\n")
    with pytest.raises(ApiError) as info:
        await service.download_file(file_id, dest, max_attempts=3, retry_delay=0)
    assert info.value.kind == "download" and "3 attempts" in info.value.message
    assert dest.read_bytes() == b"previous complete download\n"
    assert list(dest.parent.iterdir()) == [dest], "no temp file left behind"
    emu.faults.clear()
    result = await service.download_file(file_id, dest, retry_delay=0)
    assert result.attempts == 1, "the service recovers on its own once the network does"


async def test_download_of_a_missing_file_and_bad_directory(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    from batchtui.errors import UserError

    with pytest.raises(ApiError) as info:
        await service.download_file("file-nope", tmp_path / "dl" / "x.jsonl")
    assert info.value.kind == "not_found" and "file file-nope not found" in info.value.message
    assert list((tmp_path / "dl").iterdir()) == []
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    file_id, _ = await stored_file(emu, 2)
    with pytest.raises(UserError, match="cannot write to"):
        await service.download_file(file_id, blocker / "x.jsonl")


async def test_server_errors_on_download_are_retried_by_the_sdk(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu, 10)
    emu.faults.server_error(2, status=500, retry_after=0.01, path="/v1/files/*/content")
    result = await service.download_file(file_id, tmp_path / "f.jsonl", retry_delay=0)
    assert (tmp_path / "f.jsonl").read_bytes() == content and result.attempts == 1
