"""Helpers for the job tests: an emulator with a manual clock, a job planned and written, a
runner whose waits move the emulated clock (so nothing waits in real time)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson

from batchtui.api.config import ClientSettings
from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.emulator import samples
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from batchtui.jobs.options import TAG_JOB_ID, TAG_PART, JobEvent, JobOptions
from batchtui.jobs.plan import PartLimits
from batchtui.jobs.prepare import create_job, prepare
from batchtui.jobs.runner import Runner
from batchtui.jobs.store import JobStore
from tests.emulated import client_settings, emulator_options

API_KEY = "sk-test-jobs-0123456789abcdef"


def make_options(tmp_path: Path, **overrides: Any) -> EmulatorOptions:
    # A short lifecycle: a batch is done a few emulated seconds after it is made.
    lifecycle: dict[str, Any] = {
        "validation_seconds": 2.0,
        "processing_seconds": 4.0,
        "seconds_per_request": 0.01,
        "finalizing_seconds": 2.0,
        "cancelling_seconds": 2.0,
    }
    return emulator_options(tmp_path, **{"seed": 3, **lifecycle, **overrides})


def settings_for(emu: EmulatorServer, **overrides: Any) -> ClientSettings:
    return client_settings(emu, **{"api_key": API_KEY, **overrides})


def service_for(emu: EmulatorServer, tmp_path: Path, **overrides: Any) -> BatchService:
    """No SDK retries: a 429 or 500 reaches the runner, whose backoff is what is tested (and
    waits in emulated time, where the SDK's would wait in real time)."""
    records = RecordStore(tmp_path / "records" / "submissions.json")
    overrides.setdefault("max_retries", 0)
    return BatchService(settings_for(emu, **overrides), records=records)


def write_chat(path: Path, n: int, **kwargs: Any) -> Path:
    return samples.write_jsonl(path, samples.chat_requests(n, **kwargs))


def write_tiny(
    path: Path,
    n: int,
    model: str = "gpt-4o-mini",
    *,
    same: bool = False,
    completions: bool = False,
) -> Path:
    """``n`` small chat requests (ids ``r0000000``...), written fast; ``same``: one prompt
    for all (token counts are then cached); ``completions``: legacy /v1/completions requests
    instead, the cheapest kind for the emulator to judge and answer (for big jobs)."""
    prompt = b"hi" if same else b"hi %d"
    if completions:
        line = (
            b'{"custom_id":"r%07d","method":"POST","url":"/v1/completions","body":{"model":'
            b'"gpt-3.5-turbo-instruct","prompt":"' + prompt + b'","max_tokens":4}}\n'
        )
    else:
        head = b'{"custom_id":"r%07d","method":"POST","url":"/v1/chat/completions","body":'
        line = (
            head
            + b'{"model":"'
            + model.encode()
            + b'","messages":[{"role":"user","content":"'
            + prompt
            + b'"}],"max_tokens":4}}\n'
        )
    with open(path, "wb") as f:
        for start in range(0, n, 10_000):
            stop = min(n, start + 10_000)
            args = (lambda i: i) if same else (lambda i: (i, i))
            f.write(b"".join(line % args(i) for i in range(start, stop)))
    return path


def custom_ids(path: Path) -> list[str]:
    return [orjson.loads(line)["custom_id"] for line in path.read_bytes().splitlines() if line]


def quick_options(**overrides: Any) -> JobOptions:
    values: dict[str, Any] = {
        "max_requests": 100,
        "max_bytes": 10**8,
        "poll_seconds": 10.0,
        "poll_fast": 1.0,
        "backoff_seconds": 10.0,
        "retry_seconds": 1.0,
        "reconcile_grace": 0.0,
        "count_others": False,
    }
    values.update(overrides)
    return JobOptions(**values)


def new_job(
    path: Path,
    name: str = "job1",
    *,
    limits: PartLimits | None = None,
    options: JobOptions | None = None,
    base_url: str | None = None,
    **prepare_kwargs: Any,
) -> JobStore:
    options = options or quick_options()
    limits = limits or PartLimits(options.max_requests, options.max_bytes)
    prepare_kwargs.setdefault("tokens", "none")  # counting loads a tokenizer: only on demand
    prepared = prepare(path, limits, processes=1, **prepare_kwargs)
    return create_job(name, prepared, options, base_url=base_url)


def make_runner(
    store: JobStore,
    service: BatchService,
    emu: EmulatorServer,
    events: list[JobEvent] | None = None,
    factor: float = 1.0,
    step: float | None = None,
    **kwargs: Any,
) -> Runner:
    """A runner whose waits move the emulator's clock instead of waiting: by what it asked
    times ``factor``, or by ``step`` whatever it asked. While the runner has calls in flight
    the clock stands still (real work takes real time; the clock moves only when it idles)."""
    runner = Runner(
        store,
        service,
        on_event=events.append if events is not None else None,
        now=emu.state.now,
        **kwargs,
    )

    async def sleep(seconds: float) -> None:
        while runner._in_flight():
            await asyncio.sleep(0.002)
        moved = step if step is not None else max(seconds, 1.0) * factor
        # Once the clock moves it finishes moving, even if the runner is woken meanwhile.
        await asyncio.shield(emu.advance(moved))

    runner._sleep = sleep
    return runner


def job_batches(emu: EmulatorServer, job_id: str) -> list[Any]:
    """The emulator's batches tagged with ``job_id``."""
    return [b for b in emu.state.batches.values() if (b.metadata or {}).get(TAG_JOB_ID) == job_id]


def batches_per_part(emu: EmulatorServer, job_id: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for b in job_batches(emu, job_id):
        out.setdefault(b.metadata[TAG_PART], []).append(b)
    return out


def merged_ids(store: JobStore) -> tuple[list[str], list[str]]:
    """custom_ids of the merged output and error files (with repeats, if any)."""
    from batchtui.jobs.merge import merge_results

    merged = merge_results(store)
    out = custom_ids(Path(merged.output)) if merged.output else []
    err = custom_ids(Path(merged.errors)) if merged.errors else []
    return out, err
