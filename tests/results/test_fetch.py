"""``batchtui results BATCH_ID``: download through the API (the emulator over real HTTP), join."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from openai import AsyncOpenAI

from batchtui.cli import main
from batchtui.emulator import samples
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.threaded import EmulatorThread

API_KEY = "sk-test-results-0123456789"
N = 40


def submit(base_url: str, content: bytes, metadata: dict[str, str]) -> str:
    async def go() -> str:
        async with AsyncOpenAI(base_url=base_url, api_key=API_KEY, max_retries=0) as client:
            f = await client.files.create(file=("in.jsonl", content), purpose="batch")
            batch = await client.batches.create(
                input_file_id=f.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata=metadata,
            )
            return batch.id

    return asyncio.run(go())


@pytest.fixture
def emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    options = EmulatorOptions(
        speed=0.0, seed=3, start_time=1_760_000_000.0, data_dir=tmp_path / "emu"
    )
    with EmulatorThread(options) as emu:
        yield emu


def test_batch_id_downloads_then_summarises(
    emulator: EmulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = samples.to_jsonl(samples.chat_requests(N))
    batch_id = submit(
        emulator.base_url,
        content,
        {"emulator.fail_fraction": "0.25", "emulator.expire": "0.5"},
    )
    emulator.call(emulator.server.advance(2 * 86_400))
    cache = tmp_path / "cache"
    args = ["results", batch_id, "--base-url", emulator.base_url, "--cache-dir", str(cache)]
    assert main([*args, "--summary", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    c = summary["counts"]
    assert c["total"] == N
    assert c["expired"] > 0 and c["succeeded"] > 0
    assert c["succeeded"] + c["failed"] + c["expired"] == N
    assert c["missing"] == c["unexpected"] == c["duplicates"] == 0
    assert (cache / f"{batch_id}_input.jsonl").read_bytes() == content

    # The files are cached: a second run downloads nothing.
    before = len(emulator.server.requests)
    assert main([*args, "--export-retry", str(tmp_path / "retry.jsonl")]) == 0
    gets = [r.path for r in list(emulator.server.requests)[before:] if r.method == "GET"]
    assert gets and not any(p.endswith("/content") for p in gets)
    retry = (tmp_path / "retry.jsonl").read_bytes().splitlines()
    assert len(retry) == c["failed"] + c["expired"]
    assert set(retry) <= set(content.splitlines())


def test_a_batch_without_results_is_a_clear_error(
    emulator: EmulatorThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    batch_id = submit(emulator.base_url, samples.to_jsonl(samples.chat_requests(3)), {})
    code = main(
        ["results", batch_id, "--base-url", emulator.base_url, "--cache-dir", str(tmp_path)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"batch {batch_id} has no output or error file yet" in err


def test_downloading_shows_the_one_progress_meter_on_a_terminal(
    emulator: EmulatorThread,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    batch_id = submit(emulator.base_url, samples.to_jsonl(samples.chat_requests(5)), {})
    emulator.call(emulator.server.advance(2 * 86_400))
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    args = ["results", batch_id, "--base-url", emulator.base_url, "--cache-dir", str(tmp_path)]
    assert main([*args, "--summary", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "\rdownloading input file: " in err and "\rdownloading output file: " in err
    assert err.endswith("\r\x1b[K"), "cleared before the summary"
    assert json.loads(out)["counts"]["total"] == 5
