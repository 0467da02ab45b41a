"""The dashboard's queue meter per model (against the emulator's limits, read through the
Admin API) and the receipt in its detail pane."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from textual.widgets import Static

from batchtui.api.config import ClientSettings
from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.cost.queue import short_tokens
from batchtui.cost.receipt import receipt
from batchtui.cost.scan import count_file
from batchtui.emulator import samples
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from batchtui.ui.widgets.queue_meter import QueueMeterView
from tests.ui.conftest import EMULATOR_START, settle

ADMIN = "sk-admin-dashboard"
LIMIT = 50_000


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[EmulatorServer]:
    options = EmulatorOptions(
        speed=0.0,
        seed=3,
        start_time=EMULATOR_START,
        data_dir=tmp_path / "emu",
        queue_limits={"gpt-4o-mini": LIMIT},
        admin_keys=(ADMIN,),
        processing_seconds=3600,
    )
    async with EmulatorServer(options) as server:
        yield server


def plain(renderable: Any) -> str:
    console = Console(width=120, record=True, color_system=None, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


async def submit(service: BatchService, tmp_path: Path, name: str, n: int) -> tuple[str, int]:
    path = samples.write_jsonl(tmp_path / f"{name}.jsonl", samples.chat_requests(n, prefix=name))
    sub = await service.submit(path)
    return sub.batch.id, count_file(path).input_tokens


def app_for(emu: EmulatorServer, tmp_path: Path) -> BatchTUI:
    service = BatchService(
        ClientSettings(api_key="sk-test", base_url=emu.base_url, max_retries=0),
        records=RecordStore(tmp_path / "records.json"),
    )
    return BatchTUI(None, initial_mode="batches", service=service, clock=emu.state.now)


async def test_queue_meter_and_receipt(
    limited: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_ADMIN_KEY", ADMIN)
    app = app_for(limited, tmp_path)
    service = app.context.service
    assert service is not None
    done, _ = await submit(service, tmp_path, "done", 10)
    await limited.advance(8 * 3600)  # finished
    running, tokens = await submit(service, tmp_path, "running", 30)
    await limited.advance(limited.options.validation_seconds)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        meter = screen.query_one(QueueMeterView)
        assert meter.display
        lines = plain(meter.content).splitlines()
        used = f"{short_tokens(tokens)} / {short_tokens(LIMIT)} ({100 * tokens / LIMIT:.0f}%)"
        assert lines[0].startswith(" gpt-4o-mini █") and lines[0].endswith(f"{used}, 1 batch")
        assert lines[1] == " queue limits: Admin API, project proj_emulator"

        screen.select_batch(done)
        screen.flush_pending()
        await settle(pilot)
        view = await service.retrieve(done)
        assert view.usage is not None and view.usage.total_tokens
        bill = receipt(view.model, view.usage)
        detail = plain(screen.query_one("#batch-detail-text", Static).content)
        assert f"cost        {bill.cost_line()}" in detail, detail
        # Half way through, the running batch has cost something so far.
        await limited.advance(1800)
        await pilot.press("r")
        await settle(pilot)
        screen.select_batch(running)
        screen.flush_pending()
        await settle(pilot)
        view = await service.retrieve(running)
        assert view.usage is not None and view.usage.total_tokens
        detail = plain(screen.query_one("#batch-detail-text", Static).content)
        assert f"cost        {receipt(view.model, view.usage).cost_line()} so far" in detail
    await service.close()


async def test_no_meter_without_a_known_limit(
    service: BatchService, emu: EmulatorServer, tmp_path: Path
) -> None:
    path = samples.write_jsonl(tmp_path / "a.jsonl", samples.chat_requests(5))
    await service.submit(path)
    app = BatchTUI(None, initial_mode="batches", service=service, clock=emu.state.now)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(QueueMeterView).display
