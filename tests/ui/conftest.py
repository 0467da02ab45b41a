"""Fixtures for UI tests: an app factory and helpers that wait for workers, never sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from batchtui.api.config import ClientSettings
from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user config, state or API credentials leak into UI tests."""
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_ADMIN_KEY", raising=False)
    monkeypatch.delenv("OPENAI_PROJECT_ID", raising=False)


@pytest.fixture(autouse=True)
def _no_wait_after_the_first_frame(monkeypatch: pytest.MonkeyPatch) -> None:
    """The File screen starts its background work right after its first frame, so that
    ``settle`` finds it running (an app in a terminal waits a moment first)."""
    import batchtui.ui.screens.file as file_screen

    monkeypatch.setattr(file_screen, "AFTER_FIRST_FRAME", 0)


@pytest.fixture
def make_app() -> Callable[..., BatchTUI]:
    def factory(path: str | Path | None, **kwargs: object) -> BatchTUI:
        index = LineIndex(path) if path is not None else None
        kwargs.setdefault("validate", False)
        return BatchTUI(index, **kwargs)  # type: ignore[arg-type]

    return factory


def screen_text(app: BatchTUI) -> str:
    """Everything the screen shows, as plain text."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Pilot[object]) -> None:
    """Wait until background workers are done and their messages are handled."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        flush = getattr(pilot.app.screen, "flush_pending", None)
        if flush is not None:
            flush()  # postponed redraws (detail panes wait for the cursor to rest)
            await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            return
    raise AssertionError("workers did not settle")


async def wait_for(pilot: Pilot[object], predicate: Callable[[], bool], what: str) -> None:
    """Poll ``predicate`` with a bound (in seconds, not in polls: a poll's length is
    Pilot's, and a loaded machine is slow); a failing wait names what it waited for."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause()
        await asyncio.sleep(0)
    if predicate():
        return
    raise AssertionError(f"timed out waiting for {what}")


# Bounds of the waits above: far beyond what any wait takes, so only a hang trips them.
SETTLE_SECONDS = 30.0
WAIT_SECONDS = 20.0

EMULATOR_START = 1_760_000_000.0  # a fixed emulated "now", so times on screen are stable


@pytest.fixture
async def emu(tmp_path: Path) -> AsyncIterator[EmulatorServer]:
    """The emulator on an ephemeral 127.0.0.1 port, with a clock that moves only when told."""
    options = EmulatorOptions(
        speed=0.0, seed=3, start_time=EMULATOR_START, data_dir=tmp_path / "emu"
    )
    async with EmulatorServer(options) as server:
        yield server


@pytest.fixture
async def service(emu: EmulatorServer, tmp_path: Path) -> AsyncIterator[BatchService]:
    """The real service (AsyncOpenAI over HTTP) pointed at the emulator."""
    svc = BatchService(
        ClientSettings(api_key="sk-test", base_url=emu.base_url, max_retries=0),
        records=RecordStore(tmp_path / "records.json"),
    )
    yield svc
    await svc.close()
