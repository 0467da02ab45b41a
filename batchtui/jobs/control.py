"""Starting a runner in the background, and cancelling a job: what ``batchtui job start
--detach``, ``job resume --detach``, ``job cancel`` and the TUI's Jobs view share.

A job may run for days: its runner is a process of its own (``batchtui job resume NAME`` in
a new session, its output in the job's ``runner.log``), so closing the terminal or the TUI
that started it does not stop it. The runner's lock (:mod:`.lock`) refuses a second one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchtui.jobs.lock import JobLocked, runner_pid
from batchtui.jobs.store import CANCELLED, RUNNING, JobStore

if TYPE_CHECKING:
    from batchtui.api.service import BatchService

# The connection options a detached runner is given (the server's URL is the job's own).
CONNECTION_OPTIONS = ("base_url", "organization", "project", "timeout")


@dataclass(frozen=True)
class Detached:
    pid: int
    log_path: Path


def runner_command(name: str, connection: Mapping[str, Any] | None = None) -> list[str]:
    """The command line of a background runner for job ``name``."""
    command = [sys.executable, "-m", "batchtui", "job", "resume", name, "--format", "json"]
    for option in CONNECTION_OPTIONS:
        value = (connection or {}).get(option)
        if value is not None:
            command += ["--" + option.replace("_", "-"), str(value)]
    return command


def spawn_runner(
    name: str,
    directory: Path,
    connection: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> Detached:
    """Run ``job resume NAME`` in a new session (it outlives this process), its output
    appended to the job's ``runner.log``. ``env``: variables added to the runner's
    environment (a key goes there, never on its command line, which ``ps`` shows)."""
    log_path = directory / "runner.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            runner_command(name, connection),
            env={**os.environ, **env} if env else None,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )
    # A TUI that started it lives on: reap the runner when it ends, or it stays a zombie
    # (and its pid looks alive) until the TUI exits.
    threading.Thread(target=process.wait, name="batchtui-reap", daemon=True).start()
    return Detached(process.pid, log_path)


def resume_detached(
    name: str,
    connection: Mapping[str, Any] | None = None,
    root: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Detached:
    """Start a background runner for an existing job; :class:`JobLocked` (naming the pid)
    when a runner is at it already, UserError when there is no such job."""
    with JobStore.open(name, root) as store:
        directory = store.directory
    pid = runner_pid(directory)
    if pid is not None:
        raise JobLocked(name, pid if pid > 0 else None)
    return spawn_runner(name, directory, connection, env)


@dataclass(frozen=True)
class CancelOutcome:
    """What :func:`cancel_job` did: ``already`` (the job had ended: its state), or the
    runner's pid it asked (``asked_runner``), or the active batches it cancelled itself."""

    name: str
    already: str | None = None
    asked_runner: int | None = None  # -1: a runner holds the lock, its pid unknown
    cancelled: int = 0


def request_cancel(name: str, root: Path | None = None) -> CancelOutcome | None:
    """Mark the job cancelled (nothing new is submitted) and wake its runner, which cancels
    the active parts. None when no runner is at it: then :func:`cancel_job` cancels them."""
    with JobStore.open(name, root) as store:
        job = store.job()
        if job.state != RUNNING:
            return CancelOutcome(job.name, already=job.state)
        store.update_job(cancel_requested=1, state=CANCELLED)
        pid = runner_pid(store.directory)
    if pid is None:
        return None
    wake = getattr(signal, "SIGUSR1", None)  # the runner looks now, not at its next poll
    if pid > 0 and wake is not None:
        try:
            os.kill(pid, wake)
        except OSError:
            pass
    return CancelOutcome(name, asked_runner=pid)


async def cancel_active(
    name: str, service: BatchService, root: Path | None = None, **runner: Any
) -> CancelOutcome:
    """Cancel the active batches of job ``name`` (marked cancelled by :func:`request_cancel`,
    no runner at it) through ``service``. ``runner``: keyword arguments for the Runner."""
    from batchtui.jobs.runner import Runner

    with JobStore.open(name, root) as store:
        cancelled = await Runner(store, service, **runner).cancel_now()
    return CancelOutcome(name, cancelled=cancelled)


async def cancel_job(
    name: str, service: BatchService, root: Path | None = None, **runner: Any
) -> CancelOutcome:
    """Cancel job ``name``: its runner is asked to, or (none running) its active batches are
    cancelled here through ``service``."""
    asked = request_cancel(name, root)
    if asked is not None:
        return asked
    return await cancel_active(name, service, root, **runner)
