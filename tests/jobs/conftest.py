"""Fixtures: an emulator on 127.0.0.1 with a manual clock, a BatchService through the real
``openai.AsyncOpenAI`` client, and a scrubbed environment with a private state directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from jobs_helpers import make_options, service_for

from batchtui.api.service import BatchService
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from tests.emulated import scrub_env


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return scrub_env(monkeypatch, tmp_path)


@pytest.fixture
def emulator_options(tmp_path: Path) -> EmulatorOptions:
    return make_options(tmp_path)


@pytest.fixture
async def emu(emulator_options: EmulatorOptions) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(emulator_options) as server:
        yield server


@pytest.fixture
async def service(emu: EmulatorServer, tmp_path: Path) -> AsyncIterator[BatchService]:
    async with service_for(emu, tmp_path) as svc:
        yield svc
