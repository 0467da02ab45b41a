"""The poller: one list call per refresh, backoff and Retry-After on failures, a stale but
intact picture while failing, and recovery without help."""

from __future__ import annotations

from pathlib import Path

from api_helpers import write_chat

from batchtui.api.poller import BatchPoller, PollResult
from batchtui.api.schedule import PollPolicy, PollSchedule
from batchtui.api.service import BatchService
from batchtui.emulator.demo import seed_demo
from batchtui.emulator.server import EmulatorServer

POLICY = PollPolicy(fast=5, active=30, idle=300, error_base=5, max_backoff=600, jitter=0)


class FakeWall:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_poller(service: BatchService, **kw) -> tuple[BatchPoller, FakeWall]:
    wall = FakeWall()
    poller = BatchPoller(service, PollSchedule(POLICY), wall_clock=wall, **kw)
    return poller, wall


async def test_interval_follows_states_with_one_call_per_refresh(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    poller, _ = make_poller(service)
    first = await poller.refresh()
    assert first.ok and first.batches == [] and first.next_delay == 300 and first.calls == 1

    batch_id = (await service.submit(write_chat(tmp_path / "in.jsonl", 10))).batch.id
    r = await poller.refresh()
    assert r.next_delay == 5, "validating: poll soon"
    assert [(c.old, c.new.id) for c in r.changes] == [(None, batch_id)]
    await emu.advance(20)
    r = await poller.refresh()
    assert r.next_delay == 30 and r.batches[0].status == "in_progress"
    await emu.advance(10_000)
    r = await poller.refresh()
    assert r.next_delay == 300 and r.batches[0].status == "completed"
    assert [c.finished for c in r.changes] == [True]
    r = await poller.refresh()
    assert r.changes == []


async def test_big_account_costs_one_list_call_per_refresh(
    emu: EmulatorServer, service: BatchService
) -> None:
    await seed_demo(emu)
    poller, _ = make_poller(service, page_size=4, full_every=10)
    first = await poller.refresh()
    assert first.calls == 4 and len(first.batches) == 13, "first refresh reads every page"
    emu.requests.clear()
    second = await poller.refresh()
    # The newest page holds active batches; the next one has only known finished ones.
    assert second.calls <= 3 and emu.count_requests("GET", "/v1/batches") == second.calls
    assert [b.id for b in second.batches] == [b.id for b in first.batches]
    assert emu.count_requests(path=None) == second.calls, "no per-batch retrieves"


async def test_429_storm_backs_off_honours_retry_after_and_recovers(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    poller, wall = make_poller(service)
    await service.submit(write_chat(tmp_path / "in.jsonl", 5))
    good = await poller.refresh()
    assert good.ok and good.batches[0].status == "validating"

    emu.faults.rate_limit(4, retry_after=45)
    delays = []
    for _ in range(4):
        wall.now += 10
        r = await poller.refresh()
        assert not r.ok and r.error is not None and r.error.kind == "rate_limited"
        assert r.error.retry_after == 45
        assert [b.status for b in r.batches] == ["validating"], "the picture is kept, not failed"
        assert r.stale_since == 1010 and r.updated_at == 1000
        assert r.calls == 0
        delays.append(r.next_delay)
    assert delays == [45, 45, 45, 45]
    assert emu.count_requests("GET", "/v1/batches") == 5, "SDK retries are off: one call each"

    wall.now += 50
    r = await poller.refresh()
    assert r.ok and r.stale_since is None and r.updated_at == 1090 and r.next_delay == 5


async def test_500s_during_polling_back_off_exponentially(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    poller, _ = make_poller(service)
    await service.submit(write_chat(tmp_path / "in.jsonl", 5))
    await emu.advance(20)
    assert (await poller.refresh()).next_delay == 30
    emu.faults.server_error(5)
    results = [await poller.refresh() for _ in range(5)]
    assert [r.next_delay for r in results] == [30, 60, 120, 240, 480]
    assert all(r.error is not None and r.error.kind == "server" for r in results)
    assert all(r.batches[0].status == "in_progress" for r in results)
    recovered = await poller.refresh()
    assert recovered.ok and recovered.next_delay == 30 and poller.schedule.failures == 0


async def test_polls_paced_by_the_schedule_watch_a_batch_to_the_end(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    """The dashboard's loop: refresh, wait ``next_delay`` (time passes on the emulator)."""
    poller, _ = make_poller(service)
    batch_id = (await service.submit(write_chat(tmp_path / "in.jsonl", 20))).batch.id
    emu.faults.server_error(2)  # a bumpy start
    seen: list[PollResult] = []
    delays: list[float] = []
    for _ in range(100):  # bounded
        result = await poller.refresh()
        seen.append(result)
        if any(c.finished and c.new.id == batch_id for c in result.changes):
            break
        delays.append(result.next_delay)
        await emu.advance(result.next_delay)
    assert seen[-1].batches[0].status == "completed"
    assert [r.ok for r in seen[:3]] == [False, False, True]
    assert delays[:3] == [5, 10, 5], "backoff, then the validating cadence"
    assert 30 in delays, "the in-progress cadence"
    assert emu.count_requests("GET", "/v1/batches") == len(seen)
