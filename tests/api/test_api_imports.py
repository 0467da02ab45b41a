"""Importing the API layer's light parts costs nothing: no openai, no aiohttp."""

from __future__ import annotations

import subprocess
import sys


def top_modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split(".")[0] for line in out.split()}


def test_light_api_modules_do_not_import_openai() -> None:
    loaded = top_modules_after(
        "import batchtui.api, batchtui.api.models, batchtui.api.schedule, "
        "batchtui.api.records, batchtui.api.poller, batchtui.api.config, batchtui.api.errors, "
        "batchtui.cli.batches, batchtui.emulator, batchtui.cli.emulator\n"
        "from batchtui.api import BatchView, PollSchedule, RecordStore, ClientSettings"
    )
    assert not loaded & {"openai", "httpx2", "aiohttp", "textual", "rich"}


def test_emulator_never_needs_openai() -> None:
    loaded = top_modules_after(
        "from batchtui.emulator import EmulatorServer, EmulatorThread, seed_demo"
    )
    assert "aiohttp" in loaded
    assert not loaded & {"openai", "textual", "rich"}
