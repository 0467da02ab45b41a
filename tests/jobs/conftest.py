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


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "OPENAI_ADMIN_KEY",
        "AZURE_OPENAI_API_KEY",
        "OPENAI_LOG",
    ):
        monkeypatch.delenv(name, raising=False)
    state = tmp_path / "state"
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(state))
    return state


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
