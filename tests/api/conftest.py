"""Fixtures: an emulator with a manual clock on 127.0.0.1, and a BatchService talking to it
through the real ``openai.AsyncOpenAI`` client. The environment is scrubbed so no test sees a
real key or writes to the real state directory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from api_helpers import API_KEY, make_options, settings_for

from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from batchtui.emulator.threaded import EmulatorThread
from tests.emulated import scrub_env


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return scrub_env(monkeypatch, tmp_path)


@pytest.fixture
def threaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorThread]:
    """The emulator in a thread of its own, and the environment pointed at it: for the
    command line, which runs its own event loop."""
    with EmulatorThread(make_options(tmp_path)) as emu:
        monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        yield emu


@pytest.fixture
def emulator_options(tmp_path: Path) -> EmulatorOptions:
    return make_options(tmp_path)


@pytest.fixture
async def emu(emulator_options: EmulatorOptions) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(emulator_options) as server:
        yield server


@pytest.fixture
async def service(emu: EmulatorServer, tmp_path: Path) -> AsyncIterator[BatchService]:
    records = RecordStore(tmp_path / "records" / "submissions.json")
    async with BatchService(settings_for(emu), records=records) as svc:
        yield svc
