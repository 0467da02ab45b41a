"""``--data-dir``: files, batches and the clock survive a restart of the emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from emulator_helpers import API_KEY, chat_file, make_options, submit
from openai import AsyncOpenAI
from test_emulator_results import lines_of, run_to_end

from batchtui.emulator.server import EmulatorServer


async def test_files_batches_and_clock_survive_a_restart(tmp_path: Path) -> None:
    opts = make_options(tmp_path, keep_state=True, seed=5)
    async with EmulatorServer(opts) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        done = await run_to_end(emu, client, await submit(client, chat_file(5)))
        running = await submit(client, chat_file(40), metadata={"emulator.fail_fraction": "0"})
        await emu.advance(20 + 30)  # validated, part of the way through
        before = await client.batches.retrieve(running)
        assert before.status == "in_progress"
        clock = emu.state.now()
        files_before = sorted(f.id for f in (await client.files.list()).data)
        await client.close()

    async with EmulatorServer(opts) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        assert emu.state.now() >= clock, "the emulated clock carries on"
        again = await client.batches.retrieve(done.id)
        assert again.model_dump() == done.model_dump()
        assert sorted(f.id for f in (await client.files.list()).data) == files_before
        out = await lines_of(client, again.output_file_id)
        assert len(out) == 5
        resumed = await client.batches.retrieve(running)
        assert resumed.status == "in_progress"
        assert resumed.request_counts.completed >= before.request_counts.completed
        finished = await run_to_end(emu, client, running)
        assert finished.status == "completed" and finished.request_counts.completed == 40
        # New ids never repeat old ones (the id generator's state was kept too).
        fresh = await client.files.create(file=("n.jsonl", chat_file(1)), purpose="batch")
        assert fresh.id not in files_before
        await client.close()


async def test_without_keep_state_nothing_is_restored(tmp_path: Path) -> None:
    opts = make_options(tmp_path)
    async with EmulatorServer(opts) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        await submit(client, chat_file(2))
        await client.close()
    async with EmulatorServer(opts) as emu:
        assert emu.state.batches == {} and emu.state.files == {}


def test_cli_data_dir_keeps_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from batchtui.cli import emulator as cli
    from batchtui.cli import main

    seen = []

    async def fake_serve(args: object, data_dir: object) -> None:
        seen.append(data_dir)

    monkeypatch.setattr(cli, "_serve", fake_serve)
    assert main(["emulator", "--data-dir", str(tmp_path / "d"), "--port", "0"]) == 0
    assert seen == [tmp_path / "d"] and (tmp_path / "d").is_dir()
