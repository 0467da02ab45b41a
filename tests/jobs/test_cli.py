"""``batchtui job ...`` from the command line, against the emulator over HTTP: start runs a
job to its end, status/list/results read it, cancel stops it, and bad input is one line with
the usual exit codes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from jobs_helpers import API_KEY, custom_ids, make_options, new_job, quick_options, write_chat

from batchtui.cli.entry import main
from batchtui.emulator.options import EmulatorOptions
from batchtui.jobs import store as st


@pytest.fixture
def emulator_options(tmp_path: Path) -> EmulatorOptions:
    # A fast clock: the command-line runner waits in real time.
    return make_options(tmp_path, speed=2000.0)


@pytest.fixture
def env(emu, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)


async def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``batchtui job ...`` in a thread (it has its own event loop), the emulator here."""
    code = await asyncio.to_thread(main, ["job", *args])
    out, err = capsys.readouterr()
    return code, out, err


async def test_start_runs_the_job_and_status_list_results_read_it(
    emu, env, capsys, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "big.jsonl", 120)
    code, out, err = await cli(
        capsys,
        "start",
        str(inp),
        "--max-requests",
        "50",
        "--poll",
        "0.05",
        "--count-tokens",
        "none",
    )
    assert code == 0, err
    assert "job big: 120 requests in 3 part(s)" in out
    assert "job big completed" in out
    code, out, _ = await cli(capsys, "status", "big", "--format", "json")
    status = json.loads(out)
    assert status["state"] == "completed"
    assert [p["part"] for p in status["parts"]] == ["1", "2", "3"]
    assert all(
        p["batch_id"].startswith("batch_") and p["status"] == "completed" for p in status["parts"]
    )
    code, out, _ = await cli(capsys, "status", "big")
    assert code == 0 and "job big" in out and "completed" in out
    code, out, _ = await cli(capsys, "list", "--format", "json")
    assert [j["name"] for j in json.loads(out)] == ["big"]
    code, out, _ = await cli(capsys, "results", "big", "--summary", "--format", "json")
    assert code == 0
    summary = json.loads(out)
    assert summary["counts"]["succeeded"] + summary["counts"]["failed"] == 120
    assert summary["counts"]["missing"] == 0 and summary["counts"]["duplicates"] == 0
    export = tmp_path / "all.jsonl"
    code, _, err = await cli(capsys, "results", "big", "--export-results", str(export))
    assert code == 0, err
    assert sorted(custom_ids(export)) == sorted(custom_ids(inp))


async def test_json_progress_is_one_object_per_line(emu, env, capsys, tmp_path: Path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 20)
    code, out, _ = await cli(
        capsys, "start", str(inp), "--name", "j", "--format", "json", "--poll", "0.05"
    )
    assert code == 0
    events = [json.loads(line) for line in out.splitlines()]
    assert events[0]["event"] == "planned" and events[0]["parts"] == 1
    assert events[-1]["event"] == "finished" and events[-1]["state"] == "completed"
    assert {"uploading", "submitted", "downloaded", "settled"} <= {e["event"] for e in events}


async def test_cancel_without_a_runner_cancels_the_active_parts(
    emu, env, service, capsys, tmp_path: Path
) -> None:
    from jobs_helpers import make_runner

    emu.clock.speed = 0  # the batch stays in progress until cancelled
    inp = write_chat(tmp_path / "in.jsonl", 40)
    store = new_job(inp, "c", options=quick_options(max_requests=20, max_active=1))
    runner = make_runner(store, service, emu)
    runner._on_event = lambda e: runner.stop() if e.kind == "submitted" else None
    await runner.run()  # stopped with part 1 running, part 2 waiting
    store.close()
    code, out, _ = await cli(capsys, "cancel", "c")
    assert code == 0 and "1 active batch(es) cancelled" in out
    code, out, _ = await cli(capsys, "status", "c", "--format", "json")
    status = json.loads(out)
    assert status["state"] == "cancelled"
    assert status["parts"][1]["state"] == "cancelled" and status["parts"][1]["batch_id"] is None
    code, out, _ = await cli(capsys, "cancel", "c")
    assert code == 0 and "cancelled already" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["start", "nope.jsonl"], 2, "nope.jsonl: no such file"),
        (["start", "-"], 2, "not standard input"),
        (["start", "x.jsonl.gz"], 2, "decompress it first"),
        (["status", "missing"], 2, "no job named 'missing'"),
        (["resume", "missing"], 2, "no job named 'missing'"),
        (["results", "missing"], 2, "no job named 'missing'"),
        (["status", "../etc"], 2, "not a valid job name"),
    ],
)
async def test_bad_input_is_one_line(capsys, args, code, message) -> None:
    got, _out, err = await cli(capsys, *args)
    assert got == code
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


async def test_a_file_with_errors_or_of_another_kind_is_refused(
    emu, env, capsys, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(write_chat(tmp_path / "ok.jsonl", 3).read_bytes() + b"{not json\n")
    code, _, err = await cli(capsys, "start", str(bad))
    assert code == 1 and "refusing to start a job" in err and "invalid_json_line" in err
    out_file = tmp_path / "out.jsonl"
    out_file.write_bytes(
        b'{"id":"r1","custom_id":"a","response":{"status_code":200,"body":{}},"error":null}\n'
    )
    code, _, err = await cli(capsys, "start", str(out_file))
    assert code == 1 and "not a batch input" in err
    assert not list((tmp_path / "state").glob("jobs/*/job.sqlite"))  # nothing written


async def test_names_and_metadata_are_checked(emu, env, capsys, tmp_path: Path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 5)
    new_job(inp, "taken").close()
    code, _, err = await cli(capsys, "start", str(inp), "--name", "taken")
    assert code == 2 and "exists already" in err and "job resume taken" in err
    code, _, err = await cli(capsys, "start", str(inp), "--name", "a/b")
    assert code == 2 and "not a valid job name" in err
    code, _, err = await cli(capsys, "start", str(inp), "--metadata", "batchtui_part=x")
    assert code == 2 and "the job's own tag" in err
    many = [arg for i in range(13) for arg in ("--metadata", f"k{i}=v")]
    code, _, err = await cli(capsys, "start", str(inp), *many)
    assert code == 2 and "at most 16 metadata pairs" in err


async def test_results_refuse_an_input_changed_since_the_start(
    emu, env, capsys, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 5)
    new_job(inp, "ch").close()
    inp.write_bytes(inp.read_bytes() + b"\n")
    code, _, err = await cli(capsys, "results", "ch", "--summary")
    assert code == 2 and "cannot be joined" in err


async def test_a_second_runner_is_refused_naming_the_first(
    emu, env, capsys, tmp_path: Path
) -> None:
    import os

    from batchtui.jobs.lock import JobLock

    inp = write_chat(tmp_path / "in.jsonl", 5)
    store = new_job(inp, "busy")
    with JobLock(store.directory, "busy"):
        code, _, err = await cli(capsys, "resume", "busy")
        assert code == 2 and f"(pid {os.getpid()})" in err and "being run" in err
        code, out, _ = await cli(capsys, "status", "busy", "--format", "json")
        assert json.loads(out)["runner"] == {"running": True, "pid": os.getpid()}
    assert store.job().state == st.RUNNING


async def test_detach_runs_the_job_in_the_background(emu, env, capsys, tmp_path: Path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 20)
    code, out, _ = await cli(
        capsys, "start", str(inp), "--name", "bg", "--detach", "--poll", "0.05"
    )
    assert code == 0 and "runs in the background (pid" in out
    for _ in range(600):  # the runner is a new process: up to a minute on a busy machine
        code, out, _ = await cli(capsys, "status", "bg", "--format", "json")
        if json.loads(out)["state"] != "running":
            break
        await asyncio.sleep(0.1)
    status = json.loads(out)
    assert status["state"] == "completed", status
    log = (tmp_path / "state" / "jobs" / "bg" / "runner.log").read_text()
    assert '"event": "finished"' in log
