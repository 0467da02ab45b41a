"""Fixtures: an emulator on an ephemeral 127.0.0.1 port with a manual clock, and the real
``openai.AsyncOpenAI`` client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from emulator_helpers import API_KEY, make_options
from openai import AsyncOpenAI

from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer


@pytest.fixture
def emulator_options(tmp_path: Path) -> EmulatorOptions:
    """Override in a test module to change the emulator's options."""
    return make_options(tmp_path)


@pytest.fixture
async def emu(emulator_options: EmulatorOptions) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(emulator_options) as server:
        yield server


@pytest.fixture
async def client(emu: EmulatorServer) -> AsyncIterator[AsyncOpenAI]:
    # No SDK retries: tests see exactly what the emulator answered.
    c = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
    yield c
    await c.close()
