"""What the API, emulator and job tests share: the emulator's options on a manual clock, client
settings pointed at it, and an environment with no real key or state directory in it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from batchtui.api.config import ClientSettings
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer

START = 1_760_000_000.0  # the emulated "now" the tests start at

# What a developer's shell may hold that would reach a real account from a test.
API_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_ADMIN_KEY",
    "AZURE_OPENAI_API_KEY",
    "OPENAI_LOG",
)


def emulator_options(tmp_path: Path, **overrides: Any) -> EmulatorOptions:
    """A stopped clock at :data:`START` (tests move it), data under ``tmp_path``."""
    base: dict[str, Any] = {
        "speed": 0.0,
        "start_time": START,
        "data_dir": tmp_path / "emulator",
    }
    base.update(overrides)
    return EmulatorOptions(**base)


def client_settings(emu: EmulatorServer, **overrides: Any) -> ClientSettings:
    values: dict[str, Any] = {"base_url": emu.base_url, "timeout": 10.0}
    values.update(overrides)
    return ClientSettings(**values)


def scrub_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No real key or endpoint, and a private state directory (returned)."""
    for name in API_ENV:
        monkeypatch.delenv(name, raising=False)
    state = tmp_path / "state"
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(state))
    return state
