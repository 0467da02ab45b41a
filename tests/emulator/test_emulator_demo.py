"""seed_demo: batches in every state, deterministic, and alive afterwards."""

from __future__ import annotations

from pathlib import Path

from emulator_helpers import API_KEY, make_options
from openai import AsyncOpenAI

from batchtui.emulator.demo import seed_demo
from batchtui.emulator.server import EmulatorServer
from batchtui.emulator.threaded import EmulatorThread

EXPECTED = {
    "validating": "validating",
    "failed": "failed",
    "in_progress": "in_progress",
    "finalizing": "finalizing",
    "completed": "completed",
    "completed with failures": "completed",
    "completed, all failed": "completed",
    "expired": "expired",
    "cancelling": "cancelling",
    "cancelled": "cancelled",
}


async def test_demo_has_every_state_and_carries_on(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    summary = await seed_demo(emu)
    by_id = {b.id: b async for b in client.batches.list(limit=5)}
    assert len(by_id) == len(summary.batches) == 13
    for demo in summary.batches:
        batch = by_id[demo.id]
        assert batch.status == EXPECTED[demo.intended], demo
        assert batch.metadata and batch.metadata["description"] == demo.description

    broken, queue_full = summary.ids("failed")
    assert by_id[queue_full].errors.data[0].code == "token_limit_exceeded"
    line_errors = by_id[broken].errors.data
    assert {e.code for e in line_errors} >= {
        "invalid_json_line",
        "missing_required_parameter",
        "invalid_url",
        "streaming_unsupported",
        "duplicate_custom_id",
        "model_mismatch",
    }
    assert all(e.line is not None and e.line >= 1 for e in line_errors)
    progress = sorted(
        by_id[i].request_counts.completed / by_id[i].request_counts.total
        for i in summary.ids("in_progress")
    )
    assert progress[0] < 0.2 and 0.4 < progress[1] < 0.7 and progress[2] > 0.8
    (some_failed,) = summary.ids("completed with failures")
    assert 0 < by_id[some_failed].request_counts.failed < by_id[some_failed].request_counts.total
    (all_failed,) = summary.ids("completed, all failed")
    assert by_id[all_failed].output_file_id is None

    await emu.advance(3 * 3600)
    after = {b.id: b.status async for b in client.batches.list(limit=100)}
    assert after[summary.ids("validating")[0]] != "validating"
    assert after[summary.ids("finalizing")[0]] == "completed"
    assert after[summary.ids("cancelling")[0]] == "cancelled"


async def test_demo_is_deterministic(tmp_path: Path) -> None:
    seen = []
    for run in range(2):
        async with EmulatorServer(make_options(tmp_path / str(run), seed=9)) as emu:
            summary = await seed_demo(emu, seed=4)
            client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
            page = await client.batches.list(limit=100)
            seen.append([(b.id, b.status, b.request_counts, b.output_file_id) for b in page.data])
            assert [b.id for b in summary.batches]
            await client.close()
    assert seen[0] == seen[1]


def test_emulator_thread_serves_synchronous_callers(tmp_path: Path) -> None:
    import httpx2

    with EmulatorThread(make_options(tmp_path)) as emu:
        summary = emu.call(seed_demo(emu.server))
        r = httpx2.get(
            f"{emu.base_url}/batches?limit=100", headers={"Authorization": f"Bearer {API_KEY}"}
        )
        assert r.status_code == 200 and len(r.json()["data"]) == len(summary.batches)
        emu.call(emu.server.advance(60))
