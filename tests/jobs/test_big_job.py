"""A job of 200,000 requests in four parts completes, and its merged results answer every
custom_id exactly once (the emulator at a manual clock, tiny bodies)."""

from __future__ import annotations

from pathlib import Path

from jobs_helpers import make_runner, new_job, quick_options, write_tiny

from batchtui.jobs import store as st
from batchtui.jobs.merge import merge_results
from batchtui.results import join

N = 200_000


async def test_a_job_of_200000_requests_in_four_parts_completes_and_merges(
    emu, service, tmp_path: Path
) -> None:
    inp = write_tiny(tmp_path / "big.jsonl", N, same=True)
    options = quick_options(max_requests=50_000, poll_seconds=600.0, poll_fast=60.0)
    store = new_job(inp, "big", options=options)
    assert [p.requests for p in store.parts()] == [50_000] * 4
    job = await make_runner(store, service, emu).run()
    assert job.state == st.COMPLETED
    assert all(p.state == st.DONE for p in store.parts())
    assert len(emu.state.batches) == 4
    merged = merge_results(store)
    with join(merged.input, merged.output, merged.errors) as result:
        counts = result.counts()
    assert counts["total"] == N
    assert counts["succeeded"] == N
    assert counts["missing"] == counts["duplicates"] == counts["unexpected"] == 0
