"""One trial of the crash test: a job run by `batchtui job resume` in a subprocess, killed with
SIGKILL at seeded-random moments and resumed until it ends. Used by test_sigkill.py (a few
trials) and tests/benchmarks/bench_jobs.py (many)."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from batchtui.emulator.server import EmulatorServer
from batchtui.jobs.options import TAG_JOB_ID, TAG_PART
from batchtui.jobs.store import JobStore

# Kill right after one of these events (the runner is then in the middle of that call), or
# after any event at all.
AIMS = ("creating", "uploading", "submitted", "downloaded", "any")


@dataclass
class Trial:
    name: str
    kills: int = 0
    runs: int = 0
    events: int = 0
    aims: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # events by kind, over every run


async def run_until_done(
    emu: EmulatorServer,
    name: str,
    rng: random.Random,
    *,
    max_kills: int,
    env: dict[str, str],
    log: Path,
    deadline: float = 120.0,
) -> Trial:
    """Resume the job in a subprocess, killing it at a random point, until it finishes
    (at most ``max_kills`` kills; the last run goes to the end)."""
    trial = Trial(name)
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        trial.runs += 1
        kill = trial.kills < max_kills
        aim = rng.choice(AIMS)
        nth = rng.randint(1, 4 if aim != "any" else 40)
        delay = rng.uniform(0.0, 0.03)
        with open(log, "ab") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "batchtui",
                "job",
                "resume",
                name,
                "--format",
                "json",
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
                env=env,
            )
        seen = 0
        killed = False
        assert proc.stdout is not None
        while True:
            remaining = deadline - (loop.time() - start)
            if remaining <= 0:
                proc.kill()
                await proc.wait()
                raise AssertionError(f"job {name} did not finish in {deadline} s")
            line = await asyncio.wait_for(proc.stdout.readline(), remaining)
            if not line:
                break
            trial.events += 1
            event = orjson.loads(line)
            kind = str(event.get("event"))
            trial.seen[kind] = trial.seen.get(kind, 0) + 1
            if kill and (aim == "any" or event.get("event") == aim):
                seen += 1
                if seen >= nth:
                    if delay:
                        await asyncio.sleep(delay)
                    if proc.returncode is None:
                        proc.send_signal(signal.SIGKILL)
                        killed = True
                    break
        code = await proc.wait()
        if killed and code == -signal.SIGKILL:
            trial.kills += 1
            trial.aims.append(f"{aim}#{nth}")
            continue
        if code in (0, 1):
            return trial
        raise AssertionError(f"runner exited with {code}; see {log}")


def check_exactly_once(emu: EmulatorServer, store: JobStore, input_ids: list[str]) -> None:
    """Never a part twice in the account; every custom_id answered exactly once."""
    from batchtui.jobs import store as st
    from batchtui.jobs.merge import merge_results

    job = store.job()
    per_part: dict[str, list[str]] = {}
    for batch in emu.state.batches.values():
        meta = batch.metadata or {}
        if meta.get(TAG_JOB_ID) == job.job_id:
            per_part.setdefault(meta[TAG_PART], []).append(batch.id)
    labels = {p.label for p in store.parts()}
    assert set(per_part) == labels, (sorted(per_part), sorted(labels))
    twice = {k: v for k, v in per_part.items() if len(v) != 1}
    assert not twice, f"parts submitted more than once: {twice}"
    assert not store.intents(state=st.OPEN), "an intent was left open"
    merged = merge_results(store)
    answered: list[str] = []
    for path in (merged.output, merged.errors):
        if path:
            answered += [orjson.loads(x)["custom_id"] for x in Path(path).read_bytes().splitlines()]
    assert len(answered) == len(set(answered)), "a custom_id is answered twice"
    assert sorted(answered) == sorted(input_ids), "a custom_id is missing"


def subprocess_env(emu: EmulatorServer, api_key: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"OPENAI_BASE_URL": emu.base_url, "OPENAI_API_KEY": api_key})
    env.pop("OPENAI_ADMIN_KEY", None)
    # The subprocess imports this checkout's batchtui.
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return env


# The emulator of a trial (fast, seeded) and the job it runs: 40 requests in parts of 10, a
# share failing retryably, so retry parts are made (and killed, and resumed) too.
EMULATOR = {"speed": 300.0, "seed": 11}
REQUESTS = 40


async def sigkill_trial(
    emu: EmulatorServer, inp: Path, n: int, *, max_kills: int, env: dict[str, str], log: Path
) -> Trial:
    """Trial ``n`` (its seed) on input ``inp``: run to its end through kills, then check that
    the job completed and every custom_id was answered once."""
    from jobs_helpers import custom_ids, new_job, quick_options

    from batchtui.jobs import store as st

    options = quick_options(
        max_requests=10,
        poll_seconds=0.05,
        poll_fast=0.02,
        retry_seconds=0.05,
        backoff_seconds=0.1,
        retry_failed=1,
        metadata={"emulator.fail_fraction": "0.2"},
    )
    store = new_job(inp, f"k{n}", options=options)
    try:
        trial = await run_until_done(
            emu, f"k{n}", random.Random(1_000 + n), max_kills=max_kills, env=env, log=log
        )
        assert store.job().state == st.COMPLETED, (trial, log.read_text())
        check_exactly_once(emu, store, custom_ids(inp))
    finally:
        store.close()
    return trial
