"""Snapshots at 80x24 of a job in the dashboard (collapsed and expanded) and in the Jobs
view: a job of three parts, two submitted to the emulator (fixed seed and clock), the third
waiting for queue room."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.emulator.threaded import EmulatorThread
from batchtui.ui.app import BatchTUI
from tests.emulated import START
from tests.jobs.jobs_helpers import make_options, service_for, settings_for, write_tiny
from tests.ui.conftest import settle
from tests.ui.jobs_fixtures import started_job

# The input's path is on the screen: a fixed one (not pytest's numbered tmp_path).
FIXED = Path(tempfile.gettempdir()) / "batchtui-jobs-snapshot"


@pytest.fixture(autouse=True)
def steady_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """No jitter in the poll schedule: "next in 31s" stays 31s from run to run."""
    import batchtui.api.schedule as schedule

    monkeypatch.setattr(schedule.PollSchedule, "_jitter", lambda self, delay: delay)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def job_emulator(tmp_path: Path) -> Iterator[EmulatorThread]:
    shutil.rmtree(FIXED, ignore_errors=True)
    FIXED.mkdir(parents=True)
    path = write_tiny(FIXED / "in.jsonl", 30)
    with EmulatorThread(make_options(tmp_path)) as emu:

        async def setup() -> None:
            async with service_for(emu.server, tmp_path) as svc:
                # The job's own times are the emulated clock's (they are on the screen).
                with pytest.MonkeyPatch.context() as mp:
                    mp.setattr("batchtui.jobs.store.time.time", lambda: START)
                    store = await started_job(path, svc, emu.server, keep_url=False)
                store.close()
            await emu.server.advance(4.5)  # its two batches part-way through

        emu.call(setup())
        yield emu
    shutil.rmtree(FIXED, ignore_errors=True)


def app_of(emu: EmulatorThread, tmp_path: Path, mode: str) -> BatchTUI:
    service = BatchService(settings_for(emu.server), records=RecordStore(tmp_path / "records.json"))
    return BatchTUI(
        None,
        initial_mode=mode,
        service=service,
        clock=emu.server.state.now,
        wall_clock=lambda: START + 60,
    )


async def _settled(pilot: Any) -> None:
    await settle(pilot)
    await pilot.pause()
    await settle(pilot)


def test_dashboard_job_row_collapsed(snap_compare, job_emulator, tmp_path, utc) -> None:  # type: ignore[no-untyped-def]
    app = app_of(job_emulator, tmp_path, "batches")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled)


def test_dashboard_job_row_expanded(snap_compare, job_emulator, tmp_path, utc) -> None:  # type: ignore[no-untyped-def]
    async def expand(pilot: Any) -> None:
        await _settled(pilot)
        await pilot.press("space")
        await _settled(pilot)

    app = app_of(job_emulator, tmp_path, "batches")
    assert snap_compare(app, terminal_size=(80, 24), run_before=expand)


def test_jobs_view(snap_compare, job_emulator, tmp_path, utc) -> None:  # type: ignore[no-untyped-def]
    app = app_of(job_emulator, tmp_path, "jobs")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_settled)
