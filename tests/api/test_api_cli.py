"""``batchtui batches ...`` end to end against an emulator on a background thread."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from api_helpers import API_KEY, custom_ids_of, make_options, write_chat
from api_helpers import run_cli as run

from batchtui.cli import main
from batchtui.emulator.demo import seed_demo
from batchtui.emulator.threaded import EmulatorThread


def test_list_text_and_json(threaded: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "batches", "list")
    assert (code, out.strip(), err) == (0, "no batches", "")
    summary = threaded.call(seed_demo(threaded.server))
    code, out, _ = run(capsys, "batches", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == [
        "ID",
        "STATUS",
        "PROGRESS",
        "ENDPOINT",
        "MODEL",
        "CREATED",
        "DESCRIPTION",
    ]
    assert len(lines) == 1 + len(summary.batches)
    assert "nightly eval — 日本語 + emoji prompts" in out
    code, out, _ = run(capsys, "batches", "list", "--format", "json", "--limit", "3")
    data = json.loads(out)
    assert code == 0 and len(data) == 3
    assert data[0]["created_at"] >= data[1]["created_at"] >= data[2]["created_at"]
    assert {"id", "status", "raw_status", "request_counts", "local_input"} <= set(data[0])


def test_submit_show_cancel(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 5)
    code, out, err = run(
        capsys,
        "batches",
        "submit",
        str(path),
        "--metadata",
        "team=ml",
        "--description",
        "cli test ✓",
        "--format",
        "json",
    )
    assert code == 0, err
    submitted = json.loads(out)
    assert submitted["status"] == "validating"
    assert submitted["metadata"] == {"team": "ml", "description": "cli test ✓"}
    assert submitted["local_input"] == str(path.resolve())
    batch_id = submitted["id"]

    code, out, _ = run(capsys, "batches", "list")
    assert f"cli test ✓ [{path.resolve()}]" in out, "the local file is linked back"
    code, out, _ = run(capsys, "batches", "show", batch_id)
    assert code == 0 and "local input" in out and str(path.resolve()) in out
    code, out, _ = run(capsys, "batches", "cancel", batch_id)
    assert (code, out.strip()) == (0, f"{batch_id}: cancelling")

    code, out, _ = run(capsys, "batches", "submit", str(path))
    assert code == 0 and out.startswith("submitted batch_") and "(validating)" in out


def test_download_writes_both_files(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 40)
    code, out, _ = run(
        capsys, "batches", "submit", str(path), "--metadata", "emulator.fail_fraction=0.25"
    )
    batch_id = out.split()[1]
    threaded.call(threaded.server.advance(100_000))
    target = tmp_path / "results"
    code, out, err = run(capsys, "batches", "download", batch_id, "--dir", str(target))
    assert code == 0, err
    output = target / f"{batch_id}_output.jsonl"
    errors = target / f"{batch_id}_error.jsonl"
    assert f"output: {output}" in out and f"error: {errors}" in out
    seen = [
        orjson.loads(x)["custom_id"] for f in (output, errors) for x in f.read_bytes().splitlines()
    ]
    assert sorted(seen) == sorted(custom_ids_of(path))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["batches", "show", "batch_nope"], "batch batch_nope not found (404)"),
        (["batches", "cancel", "batch_nope"], "batch batch_nope not found (404)"),
        (["batches", "download", "batch_nope"], "batch batch_nope not found (404)"),
        (["batches", "submit", "/nonexistent/x.jsonl"], "no such file"),
        (["batches", "submit", "x.jsonl", "--metadata", "novalue"], "--metadata expects KEY=VALUE"),
    ],
)
def test_user_errors_are_one_line(
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("batchtui: ") and err.count("\n") == 1 and message in err


def test_cancel_of_a_finished_batch_is_a_409_message(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _, out, _ = run(capsys, "batches", "submit", str(write_chat(tmp_path / "in.jsonl", 2)))
    batch_id = out.split()[1]
    threaded.call(threaded.server.advance(100_000))
    code, _, err = run(capsys, "batches", "cancel", batch_id)
    assert code == 2 and "Cannot cancel a batch with status 'completed'. (409)" in err


def test_no_key(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "batches", "list")
    assert code == 2 and out == ""
    assert err == (
        "batchtui: no API key: set OPENAI_API_KEY (and OPENAI_BASE_URL for another provider), "
        "or run `batchtui demo` to try batchtui against a local emulator\n"
    )


def test_401_does_not_print_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatorThread(make_options(tmp_path, api_keys=("sk-the-right-one-123",))) as emu:
        monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        code, out, err = run(capsys, "batches", "list")
    assert code == 2 and out == ""
    assert "rejected the API key (401 invalid_api_key)" in err and "OPENAI_API_KEY" in err
    assert API_KEY not in err and API_KEY[-4:] not in err


def test_unreachable_base_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    code, _, err = run(capsys, "batches", "list", "--base-url", f"http://127.0.0.1:{port}/v1")
    assert code == 2
    assert f"cannot reach http://127.0.0.1:{port}/v1 (connection refused)" in err


def test_429_storm(threaded: EmulatorThread, capsys: pytest.CaptureFixture[str]) -> None:
    # Retry-After beyond the SDK's 2-minute ceiling: it gives up at once and says why.
    threaded.server.faults.rate_limit(None, retry_after=600)
    code, _, err = run(capsys, "batches", "list")
    assert code == 2
    assert "rate limited by the API (429); the server asks to wait 600 s" in err


def test_real_entry_point_prints_no_traceback(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["BATCHTUI_STATE_DIR"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", "batches", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "OPENAI_API_KEY" in proc.stderr


@pytest.fixture
def silent_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server that accepts connections and never answers (the kernel completes the
    handshake for a listening socket; nobody reads)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        url = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        yield url


def test_a_server_that_never_answers_is_reported_within_the_timeout(
    silent_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    started = time.monotonic()
    code, out, err = run(capsys, "batches", "list", "--timeout", "0.5")
    elapsed = time.monotonic() - started
    assert (code, out) == (2, "")
    assert err == (
        f"batchtui: listing batches: no answer from {silent_server} within 0.5 s; the server "
        "may be down or overloaded (--timeout or BATCHTUI_TIMEOUT waits longer)\n"
    )
    # The SDK alone retries a timed-out request twice: 3 timeouts plus backoff.
    assert elapsed < 1.5


def test_waiting_is_shown_on_a_terminal(
    silent_server: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchtui.cli import progress

    monkeypatch.setattr(progress, "WAIT_NOTICE_AFTER", 0.0)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setenv("BATCHTUI_TIMEOUT", "0.6")
    code, _, err = run(capsys, "batches", "show", "batch_1")
    assert code == 2
    assert f"\rwaiting for {silent_server}… 0 s\x1b[K" in err
    assert "\r\x1b[Kbatchtui: retrieving the batch: no answer" in err, "the line is cleared first"


def test_bad_timeouts_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["batches", "list", "--timeout", "0"])
    assert info.value.code == 2
    assert "not a number of seconds above 0: '0'" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["batches download", "results"])
def test_a_full_disk_while_downloading_is_one_line_and_leaves_nothing(
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    from tests.diskfull import disk_full_after

    path = write_chat(tmp_path / "in.jsonl", 200)
    _, out, _ = run(capsys, "batches", "submit", str(path))
    batch_id = out.split()[1]
    threaded.call(threaded.server.advance(100_000))
    target = tmp_path / "target"
    target.mkdir()
    disk_full_after(monkeypatch, 5_000)
    if command == "results":
        argv = ["results", batch_id, "--summary", "--cache-dir", str(target)]
    else:
        argv = ["batches", "download", batch_id, "--dir", str(target)]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("batchtui: cannot write ") and err.endswith(": no space left on device\n")
    assert err.count("\n") == 1 and str(target) in err
    assert list(target.iterdir()) == [], "no partial download, no .part"
