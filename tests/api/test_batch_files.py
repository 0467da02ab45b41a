"""The one download-and-cache path (api/batch_files.py), against the emulator over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import run_to_end, write_chat

from batchtui.api.batch_files import RESULTS, batch_folder, fetch_batch_files
from batchtui.api.errors import ApiError
from batchtui.api.records import state_dir
from batchtui.api.service import BatchService
from batchtui.emulator.server import EmulatorServer


def contents(emu: EmulatorServer, since: int) -> list[str]:
    return [r.path for r in list(emu.requests)[since:] if r.path.endswith("/content")]


async def test_a_batch_lives_in_one_folder_and_only_what_is_missing_is_fetched(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    source = write_chat(tmp_path / "in.jsonl", 30)
    batch_id = (await service.submit(source, metadata={"emulator.fail_fraction": "0.3"})).batch.id
    done = await run_to_end(emu, service, batch_id, step=3600)

    before = len(emu.requests)
    only_input = await fetch_batch_files(service, done, kinds=("input",))
    assert only_input.folder == batch_folder(done.id) == state_dir() / "batches" / done.id
    assert only_input.input is not None and only_input.input.read_bytes() == source.read_bytes()
    assert only_input.output is None and len(contents(emu, before)) == 1

    before = len(emu.requests)
    every = await fetch_batch_files(service, done.id)
    assert set(every.paths) == {"input", "output", "error"}
    assert set(every.downloaded) == {"output", "error"}  # the input was there already
    assert len(contents(emu, before)) == 2

    # A cached copy that is not the file (cut short by hand) is fetched again.
    assert every.output is not None
    every.output.write_bytes(every.output.read_bytes()[:10])
    before = len(emu.requests)
    again = await fetch_batch_files(service, done)
    assert set(again.downloaded) == {"output"} and len(contents(emu, before)) == 1
    assert again.output == every.output and again.output.stat().st_size > 10


async def test_results_of_a_batch_without_them_are_refused_but_its_input_is_not(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    source = write_chat(tmp_path / "in.jsonl", 3)
    batch_id = (await service.submit(source)).batch.id  # still validating
    with pytest.raises(ApiError, match=r"has no output or error file yet") as info:
        await fetch_batch_files(service, batch_id, tmp_path / "dl", kinds=RESULTS)
    assert info.value.kind == "not_found"
    assert not (tmp_path / "dl").exists()
    files = await fetch_batch_files(service, batch_id, tmp_path / "dl", kinds=("input",))
    assert files.input == tmp_path / "dl" / f"{batch_id}_input.jsonl"
