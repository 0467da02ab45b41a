"""After a crash: what the journal left open is settled with the account before anything is
submitted. A create that happened is adopted (not made again), one that did not is made once,
an upload that may have left a file has it deleted, and a second batch of a part is cancelled."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobs_helpers import (
    batches_per_part,
    custom_ids,
    job_batches,
    make_runner,
    merged_ids,
    new_job,
    quick_options,
    write_chat,
)

from batchtui.jobs import store as st
from batchtui.jobs.options import TAG_INTENT, TAG_JOB, TAG_JOB_ID, TAG_PART


class Killed(BaseException):
    """The process dies here (nothing after the call is recorded)."""


def die_after(service, name: str) -> None:
    """Make ``service.<name>`` do its call, then kill the runner before it records it."""
    real = getattr(service, name)

    async def call_then_die(*args, **kwargs):
        await real(*args, **kwargs)
        setattr(service, name, real)
        raise Killed

    setattr(service, name, call_then_die)


def assert_exactly_once(store: st.JobStore, inp: Path) -> None:
    out, err = merged_ids(store)
    assert sorted(out + err) == sorted(custom_ids(inp))


async def test_a_batch_created_just_before_a_kill_is_adopted(emu, service, tmp_path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 60)
    store = new_job(inp, options=quick_options(max_requests=30))
    die_after(service, "create_batch")
    with pytest.raises(Killed):
        await make_runner(store, service, emu).run()
    open_creates = store.intents(state=st.OPEN, action="create")
    assert len(open_creates) == 1 and store.part(open_creates[0].part_id).state == st.CREATING
    assert len(job_batches(emu, store.job().job_id)) == 1  # it was made; the job does not know
    events = []
    job = await make_runner(store, service, emu, events).run()
    assert job.state == st.COMPLETED
    assert [e.kind for e in events].count("adopted") == 1
    assert {k: len(v) for k, v in batches_per_part(emu, store.job().job_id).items()} == {
        "1": 1,
        "2": 1,
    }
    assert not store.intents(state=st.OPEN)
    assert_exactly_once(store, inp)


async def test_a_create_that_never_left_is_made_once(emu, service, tmp_path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 30)
    store = new_job(inp, options=quick_options(max_requests=30))

    async def die_before(*args, **kwargs):
        raise Killed

    real = service.create_batch
    service.create_batch = die_before
    with pytest.raises(Killed):
        await make_runner(store, service, emu).run()
    service.create_batch = real
    assert store.intents(state=st.OPEN, action="create")
    assert not job_batches(emu, store.job().job_id)
    job = await make_runner(store, service, emu).run()
    assert job.state == st.COMPLETED
    assert len(job_batches(emu, store.job().job_id)) == 1
    # The forgotten intent says why; the upload was reused, not made again.
    failed = store.intents(state=st.INTENT_FAILED, action="create")
    assert len(failed) == 1 and "no batch" in (failed[0].error or "")
    assert store.count_intents("upload") == 1
    assert_exactly_once(store, inp)


async def test_an_upload_cut_off_by_a_kill_is_deleted_and_made_again(
    emu, service, tmp_path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 30)
    store = new_job(inp, options=quick_options(max_requests=30))
    die_after(service, "upload_stream")
    with pytest.raises(Killed):
        await make_runner(store, service, emu).run()
    (intent,) = store.intents(state=st.OPEN, action="upload")
    orphan = [f.id for f in emu.state.files.values() if f.filename == intent.target]
    assert len(orphan) == 1
    events = []
    job = await make_runner(store, service, emu, events).run()
    assert job.state == st.COMPLETED
    assert orphan[0] not in emu.state.files  # never verified against the part's hash: gone
    assert any(e.kind == "reconciled" and "deleted 1" in e.message for e in events)
    assert store.part(intent.part_id).file_id != orphan[0]
    assert_exactly_once(store, inp)


async def test_a_second_batch_of_a_part_is_cancelled(emu, service, tmp_path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 30)
    store = new_job(inp, options=quick_options(max_requests=30))
    job = store.job()
    job_done = await make_runner(store, service, emu).run()
    assert job_done.state == st.COMPLETED
    # Someone (another copy of the job's database, restored from a backup, say) submits part
    # 1 again with the job's tags while the job runs again from an earlier state.
    part = store.part(1)
    batch = await service.create_batch(
        part.file_id,
        endpoint=job.endpoint,
        completion_window="24h",
        metadata={TAG_JOB: job.name, TAG_JOB_ID: job.job_id, TAG_PART: "1", TAG_INTENT: "999"},
    )
    with store.transaction():
        store.update_job(state=st.RUNNING)
        store.update_part(part.id, state=st.ACTIVE, status="in_progress")
    events = []
    await make_runner(store, service, emu, events).run()
    assert [e.kind for e in events].count("duplicate") == 1
    assert emu.state.batches[batch.id].status in ("cancelling", "cancelled")
    assert store.batch(batch.id).stray
    assert_exactly_once(store, inp)  # the duplicate's answers are never merged
