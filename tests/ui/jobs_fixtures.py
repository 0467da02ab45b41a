"""Jobs for the TUI tests: written with the real planner and run by the real runner against
the emulator (its clock moved by the runner's waits: nothing waits in real time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batchtui.api.service import BatchService
from batchtui.emulator.server import EmulatorServer
from batchtui.jobs.options import JobEvent
from batchtui.jobs.store import JobStore
from tests.jobs.jobs_helpers import make_runner, new_job, quick_options, write_tiny

ROOM = "waiting for queue room (gpt-4o-mini: needs 120, 40 free of 200)"


def job_file(tmp_path: Path, n: int = 30) -> Path:
    return write_tiny(tmp_path / "in.jsonl", n)


async def started_job(
    path: Path,
    service: BatchService,
    emu: EmulatorServer,
    name: str = "alpha",
    *,
    submitted: int = 2,
    per_part: int = 10,
    waiting: bool = True,
    keep_url: bool = True,
    **options: Any,
) -> JobStore:
    """A job of ``path`` in parts of ``per_part``, its runner stopped once ``submitted``
    parts are in (their batches are in the emulator, tagged); with ``waiting`` its last
    pending part says it waits for queue room, as the runner's meter words it."""
    store = new_job(
        path,
        name,
        options=quick_options(max_requests=per_part, max_active=submitted, **options),
        base_url=emu.base_url if keep_url else None,
    )
    runner: Any = None
    seen = 0

    def on_event(event: JobEvent) -> None:
        nonlocal seen
        if event.kind == "submitted":
            seen += 1
            if seen >= submitted:
                runner.stop()

    runner = make_runner(store, service, emu)
    runner._on_event = on_event
    await runner.run()
    if waiting:
        pending = [p for p in store.parts() if p.state == "pending"]
        store.update_part(pending[-1].id, message=ROOM)
    return store


async def finished_job(
    path: Path, service: BatchService, emu: EmulatorServer, name: str = "done", **options: Any
) -> JobStore:
    """A job run to its end."""
    store = new_job(
        path, name, options=quick_options(max_requests=10, **options), base_url=emu.base_url
    )
    await make_runner(store, service, emu).run()
    return store
