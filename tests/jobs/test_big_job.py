"""A job of 200,000 requests in four parts completes, and its merged results answer every
custom_id exactly once (the emulator at a manual clock; tiny /v1/completions requests, the
cheapest for the emulator to judge and answer: its work is most of this test's time)."""

from __future__ import annotations

from pathlib import Path

from jobs_helpers import make_runner, new_job, quick_options, write_tiny

from batchtui.jobs import store as st
from batchtui.jobs.merge import merge_results

N = 200_000


async def test_a_job_of_200000_requests_in_four_parts_completes_and_merges(
    emu, service, tmp_path: Path
) -> None:
    inp = write_tiny(tmp_path / "big.jsonl", N, same=True, completions=True)
    options = quick_options(max_requests=50_000, poll_seconds=600.0, poll_fast=60.0)
    store = new_job(inp, "big", options=options)
    assert [p.requests for p in store.parts()] == [50_000] * 4
    job = await make_runner(store, service, emu).run()
    assert job.state == st.COMPLETED
    assert all(p.state == st.DONE for p in store.parts())
    assert len(emu.state.batches) == 4
    merged = merge_results(store)
    assert merged.errors is None and merged.output is not None
    # Every custom_id once (read with a byte search: a full join of 200,000 rows is the
    # results engine's own test, and `job results` is exercised on a small job).
    ids = []
    with open(merged.output, "rb") as f:
        for line in f:
            at = line.index(b'"custom_id":"') + 13
            ids.append(line[at : line.index(b'"', at)])
    assert len(ids) == N and len(set(ids)) == N
    assert set(ids) == {b"r%07d" % i for i in range(N)}
