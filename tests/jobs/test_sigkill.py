"""A runner killed with SIGKILL at random points, and resumed, never submits a part twice
and loses no answer (a subprocess runner against the emulator over HTTP).

A few seeded trials here; ``BATCHTUI_SIGKILL_TRIALS=50`` runs more, and
``tests/benchmarks/bench_jobs.py --sigkill 200`` many more."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from jobs_helpers import API_KEY, custom_ids, make_options, new_job, quick_options, write_chat
from sigkill import check_exactly_once, run_until_done, subprocess_env

from batchtui.emulator.options import EmulatorOptions
from batchtui.jobs import store as st

TRIALS = int(os.environ.get("BATCHTUI_SIGKILL_TRIALS", "1"))
MAX_KILLS = 2 if TRIALS == 1 else 4  # each resume starts a Python process (about a second)


@pytest.fixture
def emulator_options(tmp_path: Path) -> EmulatorOptions:
    return make_options(tmp_path, speed=300.0, seed=11)


@pytest.mark.parametrize("seed", range(TRIALS))
async def test_killed_at_random_points_and_resumed_never_twice(
    emu, tmp_path: Path, seed: int
) -> None:
    rng = random.Random(1_000 + seed)
    inp = write_chat(tmp_path / "in.jsonl", 40)
    options = quick_options(
        max_requests=10,
        poll_seconds=0.05,
        poll_fast=0.02,
        retry_seconds=0.05,
        backoff_seconds=0.1,
        retry_failed=1,
        # A share of requests fails retryably, so retry parts are made and resumed too.
        metadata={"emulator.fail_fraction": "0.2"},
    )
    store = new_job(inp, f"k{seed}", options=options)
    trial = await run_until_done(
        emu,
        f"k{seed}",
        rng,
        max_kills=MAX_KILLS,
        env=subprocess_env(emu, API_KEY),
        log=tmp_path / "runner.log",
    )
    assert trial.kills >= 1, trial
    assert store.job().state == st.COMPLETED, (trial, (tmp_path / "runner.log").read_text())
    check_exactly_once(emu, store, custom_ids(inp))
