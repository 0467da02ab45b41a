"""jobs/control.py: the detached runner's command and environment, and a second runner
refused while one holds the job's lock (the Jobs view and `job resume --detach` share it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jobs_helpers import new_job, write_tiny

from batchtui.jobs import control
from batchtui.jobs.lock import JobLock, JobLocked


def test_runner_command_carries_the_connection_options_but_never_a_key() -> None:
    command = control.runner_command("nightly", {"organization": "org-1", "base_url": None})
    assert command[:6] == [sys.executable, "-m", "batchtui", "job", "resume", "nightly"]
    assert "--organization" in command and "org-1" in command
    assert "--base-url" not in command


def test_spawn_runner_puts_the_key_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    class FakePopen:
        pid = 99

        def __init__(self, command: list[str], **kwargs: Any) -> None:
            seen["command"] = command
            seen.update(kwargs)

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    detached = control.spawn_runner("j", tmp_path, env={"OPENAI_API_KEY": "sk-secret"})
    assert detached.pid == 99 and detached.log_path == tmp_path / "runner.log"
    assert seen["env"]["OPENAI_API_KEY"] == "sk-secret"
    assert "sk-secret" not in " ".join(seen["command"])
    assert seen["start_new_session"] is True  # outlives the TUI that started it


def test_a_runner_that_ends_is_reaped_not_left_a_zombie(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI that starts runners lives on; an ended runner must not stay <defunct>."""
    import time

    if not Path("/proc/self/stat").exists():
        pytest.skip("reads /proc")

    monkeypatch.setattr(control, "runner_command", lambda *a: [sys.executable, "-c", "pass"])
    pid = control.spawn_runner("j", tmp_path).pid
    stat = Path(f"/proc/{pid}/stat")
    deadline = time.monotonic() + 20
    while stat.exists() and time.monotonic() < deadline:
        time.sleep(0.01)  # polling for the process to be gone, with a bound
    assert not stat.exists(), f"runner {pid} left as {stat.read_text()[:60]!r}"


def test_resume_detached_is_refused_while_a_runner_holds_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = new_job(write_tiny(tmp_path / "in.jsonl", 5), "locked")
    started: list[str] = []
    monkeypatch.setattr(control, "spawn_runner", lambda name, *a, **k: started.append(name) or None)
    with JobLock(store.directory, "locked"), pytest.raises(JobLocked, match="pid"):
        control.resume_detached("locked")
    assert started == []
    control.resume_detached("locked")
    assert started == ["locked"]


def test_request_cancel_of_an_ended_job_says_so(tmp_path: Path) -> None:
    store = new_job(write_tiny(tmp_path / "in.jsonl", 5), "ended")
    store.update_job(state="completed")
    outcome = control.request_cancel("ended")
    assert outcome is not None and outcome.already == "completed"
    store.update_job(state="running")
    assert control.request_cancel("ended") is None  # no runner: the caller cancels
    assert store.job().state == "cancelled" and store.job().cancel_requested
