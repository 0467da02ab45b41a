"""Snapshots of the Batches screen at 80x24 and 160x50, on a seeded emulator with a fixed clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchtui.api.config import ClientSettings
from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.emulator.demo import seed_demo
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.threaded import EmulatorThread
from batchtui.ui.app import BatchTUI
from tests.ui.conftest import settle

START = 1_760_000_000.0


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo_emulator(tmp_path: Path) -> Iterator[EmulatorThread]:
    options = EmulatorOptions(speed=0.0, seed=11, start_time=START, data_dir=tmp_path / "emu")
    with EmulatorThread(options) as emu:
        emu.call(seed_demo(emu.server, seed=7))
        yield emu


def demo_app(emu: EmulatorThread, tmp_path: Path) -> BatchTUI:
    service = BatchService(
        ClientSettings(api_key="sk-test", base_url=emu.base_url, max_retries=0),
        records=RecordStore(tmp_path / "records.json"),
    )
    return BatchTUI(
        None,
        initial_mode="batches",
        service=service,
        clock=emu.server.state.now,
        wall_clock=lambda: START,
    )


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_dashboard(snap_compare, demo_emulator, tmp_path, utc, size) -> None:  # type: ignore[no-untyped-def]
    app = demo_app(demo_emulator, tmp_path)
    assert snap_compare(app, terminal_size=size, run_before=_settle)


def test_dashboard_failed_batch_errors(snap_compare, demo_emulator, tmp_path, utc) -> None:  # type: ignore[no-untyped-def]
    app = demo_app(demo_emulator, tmp_path)

    async def to_failed(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("slash", *"failed", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=to_failed)
