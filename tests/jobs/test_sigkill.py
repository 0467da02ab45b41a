"""A runner killed with SIGKILL at random points, and resumed, never submits a part twice
and loses no answer (a subprocess runner against the emulator over HTTP).

A few seeded trials here; ``BATCHTUI_SIGKILL_TRIALS=50`` runs more, and
``tests/benchmarks/bench_jobs.py --sigkill 200`` many more."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jobs_helpers import API_KEY, make_options, write_chat
from sigkill import EMULATOR, REQUESTS, sigkill_trial, subprocess_env

from batchtui.emulator.options import EmulatorOptions

TRIALS = int(os.environ.get("BATCHTUI_SIGKILL_TRIALS", "1"))
MAX_KILLS = 2 if TRIALS == 1 else 4  # each resume starts a Python process (about a second)


@pytest.fixture
def emulator_options(tmp_path: Path) -> EmulatorOptions:
    return make_options(tmp_path, **EMULATOR)


@pytest.mark.parametrize("seed", range(TRIALS))
async def test_killed_at_random_points_and_resumed_never_twice(
    emu, tmp_path: Path, seed: int
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", REQUESTS)
    trial = await sigkill_trial(
        emu,
        inp,
        seed,
        max_kills=MAX_KILLS,
        env=subprocess_env(emu, API_KEY),
        log=tmp_path / "runner.log",
    )
    assert trial.kills >= 1, trial
