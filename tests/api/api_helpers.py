"""Helpers for the API tests: emulator options, sample files, driving a batch to its end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from batchtui.api.config import ClientSettings
from batchtui.api.service import BatchService
from batchtui.emulator import samples
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from tests.emulated import client_settings, emulator_options

API_KEY = "sk-test-api-layer-0123456789abcdef"


def make_options(tmp_path: Path, **overrides: Any) -> EmulatorOptions:
    return emulator_options(tmp_path, **{"seed": 2, **overrides})


def settings_for(emu: EmulatorServer, **overrides: Any) -> ClientSettings:
    return client_settings(emu, **{"api_key": API_KEY, **overrides})


def write_chat(path: Path, n: int, **kwargs: Any) -> Path:
    return samples.write_jsonl(path, samples.chat_requests(n, **kwargs))


def custom_ids_of(path: Path) -> list[str]:
    return [orjson.loads(line)["custom_id"] for line in path.read_bytes().splitlines() if line]


async def run_to_end(emu: EmulatorServer, service: BatchService, batch_id: str, step: float = 600):
    for _ in range(100):
        view = await service.retrieve(batch_id)
        if view.is_terminal:
            return view
        await emu.advance(step)
    raise AssertionError(f"{batch_id} never finished")


def run_cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """``batchtui ARGV...`` in this process: its exit status, stdout and stderr."""
    from batchtui.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
