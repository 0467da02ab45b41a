"""Downloads: streamed, atomic, resumed or restarted after a dropped connection."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from api_helpers import make_options, settings_for

from batchtui.api.errors import ApiError
from batchtui.api.service import BatchService, part_path
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


async def test_download_gives_up_keeps_the_old_file_and_the_next_one_resumes(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu)
    emu.faults.drop_download(None)  # every attempt dies
    dest = tmp_path / "dl" / "file.jsonl"
    dest.parent.mkdir()
    dest.write_bytes(b"previous complete download\n")
    with pytest.raises(ApiError) as info:
        await service.download_file(file_id, dest, max_attempts=3, retry_delay=0)
    assert info.value.kind == "download" and "3 attempts" in info.value.message
    assert "the next download resumes" in info.value.message
    assert dest.read_bytes() == b"previous complete download\n"
    part = part_path(dest, file_id)
    kept = part.stat().st_size
    assert 0 < kept < len(content) and content.startswith(part.read_bytes())
    emu.faults.clear()
    emu.requests.clear()
    result = await service.download_file(file_id, dest, retry_delay=0)
    assert dest.read_bytes() == content
    assert result.attempts == 1 and result.resumed, "the kept bytes were not fetched again"
    assert [r.status for r in emu.requests if r.path.endswith("/content")] == [206]
    assert list(dest.parent.iterdir()) == [dest]


async def test_download_of_a_missing_file_and_bad_directory(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    from batchtui.core.errors import UserError

    with pytest.raises(ApiError) as info:
        await service.download_file("file-nope", tmp_path / "dl" / "x.jsonl")
    assert info.value.kind == "not_found" and "file file-nope not found" in info.value.message
    assert list((tmp_path / "dl").iterdir()) == []
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    file_id, _ = await stored_file(emu, 2)
    with pytest.raises(UserError, match="cannot write"):
        await service.download_file(file_id, blocker / "x.jsonl")


async def test_server_errors_on_download_are_retried(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu, 10)
    emu.faults.server_error(2, status=500, retry_after=0.01, path="/v1/files/*/content")
    result = await service.download_file(file_id, tmp_path / "f.jsonl", retry_delay=0)
    assert (tmp_path / "f.jsonl").read_bytes() == content and result.attempts == 3


class ScriptedSleep:
    """Stands in for asyncio.sleep in the retry loop: runs the next scripted step instead of
    waiting, and advances a fake clock by the delay asked for."""

    def __init__(self, *steps) -> None:  # type: ignore[no-untyped-def]
        self.steps = list(steps)
        self.delays: list[float] = []
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        self.now += delay
        if self.steps:
            await self.steps.pop(0)()


async def test_download_survives_a_server_restart_and_resumes(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu)
    emu.faults.drop_download(1, after_bytes=100_000)  # the server dies mid-stream...

    async def nothing() -> None:
        pass

    # ... refuses connections for two retries (SDK retries included), then comes back.
    sleep = ScriptedSleep(emu.stop_listening, nothing, emu.start)
    async with BatchService(settings_for(emu), sleep=sleep, clock=sleep.clock) as service:
        dest = tmp_path / "dl" / "file.jsonl"
        result = await service.download_file(file_id, dest)
    assert dest.read_bytes() == content
    assert result.resumed and result.attempts == 4
    statuses = [r.status for r in emu.requests if r.path.endswith("/content")]
    assert statuses == [200, 206], "the second request asked only for the missing bytes"
    assert sleep.delays == [0.5, 1.0, 2.0]  # backoff
    assert list(dest.parent.iterdir()) == [dest]


async def test_download_retries_are_bounded_in_time(emu: EmulatorServer, tmp_path: Path) -> None:
    file_id, _ = await stored_file(emu, 10)
    await emu.stop_listening()
    sleep = ScriptedSleep()
    settings = settings_for(emu, retry_seconds=20.0)
    async with BatchService(settings, sleep=sleep, clock=sleep.clock) as service:
        with pytest.raises(ApiError) as info:
            await service.download_file(file_id, tmp_path / "dl" / "x.jsonl")
    assert info.value.kind == "download"
    assert "cannot reach" in info.value.message and "connection refused" in info.value.message
    assert "20 s without progress" in info.value.message and "\n" not in info.value.message
    assert sum(sleep.delays) == 20.0 and max(sleep.delays) <= 5.0
    assert list((tmp_path / "dl").iterdir()) == [], "nothing received, nothing kept"
    await emu.start()


async def test_a_part_left_by_a_killed_process_is_resumed(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu)
    dest = tmp_path / "dl" / "file.jsonl"
    dest.parent.mkdir()
    part_path(dest, file_id).write_bytes(content[:70_000])  # what kill -9 left behind
    stale_other = dest.parent / f".{dest.name}.0123456789abcdef.part"  # another file's part
    stale_other.write_bytes(b"x" * 10)
    result = await service.download_file(file_id, dest)
    assert dest.read_bytes() == content and result.resumed and result.attempts == 1
    assert [r.status for r in emu.requests if r.path.endswith("/content")] == [206]
    assert list(dest.parent.iterdir()) == [dest]


async def test_a_part_longer_than_the_file_is_discarded(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    file_id, content = await stored_file(emu, 20)
    dest = tmp_path / "dl" / "file.jsonl"
    dest.parent.mkdir()
    part_path(dest, file_id).write_bytes(b"y" * (len(content) + 100))
    result = await service.download_file(file_id, dest, retry_delay=0)
    assert dest.read_bytes() == content and not result.resumed
    assert [r.status for r in emu.requests if r.path.endswith("/content")] == [416, 200]
    assert list(dest.parent.iterdir()) == [dest]


async def test_a_download_in_progress_elsewhere_is_not_touched(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    import fcntl
    import os

    from batchtui.core.errors import UserError

    file_id, _ = await stored_file(emu, 20)
    dest = tmp_path / "file.jsonl"
    part = part_path(dest, file_id)
    part.write_bytes(b"abc")
    fd = os.open(part, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another batchtui is writing it
    try:
        with pytest.raises(UserError, match="being downloaded by another batchtui"):
            await service.download_file(file_id, dest)
        assert part.read_bytes() == b"abc"
    finally:
        os.close(fd)


async def test_download_follows_the_umask(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    import os

    file_id, _ = await stored_file(emu, 5)
    old = os.umask(0o022)
    try:
        result = await service.download_file(file_id, tmp_path / "f.jsonl")
    finally:
        os.umask(old)
    assert result.path.stat().st_mode & 0o777 == 0o644


async def test_a_full_disk_is_one_line_and_leaves_nothing(
    emu: EmulatorServer, service: BatchService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchtui.core.errors import UserError
    from tests.diskfull import disk_full_after

    file_id, _ = await stored_file(emu)  # 826 kB
    dest = tmp_path / "dl" / "file.jsonl"
    disk_full_after(monkeypatch, 300_000)
    with pytest.raises(UserError) as info:
        await service.download_file(file_id, dest)
    assert info.value.message == f"cannot write {dest}: no space left on device"
    assert list(dest.parent.iterdir()) == []
