"""The runner against the emulator over HTTP, through the real AsyncOpenAI client: parts wait
for queue room, faults (429, 500, expiry, token_limit_exceeded, failed requests) are handled,
and every custom_id is answered exactly once in the merged results."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobs_helpers import (
    batches_per_part,
    custom_ids,
    job_batches,
    make_options,
    make_runner,
    merged_ids,
    new_job,
    quick_options,
    service_for,
    write_chat,
)

from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from batchtui.jobs import store as st
from batchtui.jobs.options import TAG_JOB, TAG_PART
from batchtui.jobs.status import job_status

HOLDING = ("in_progress", "finalizing")  # statuses whose tokens the emulator's queue counts


def assert_exactly_once(store: st.JobStore, inp: Path) -> None:
    out, err = merged_ids(store)
    answered = out + err
    assert len(answered) == len(set(answered)), "a custom_id is answered twice"
    assert sorted(answered) == sorted(custom_ids(inp)), "a custom_id is missing"


async def test_a_job_runs_every_part_once_and_merges(emu, service, tmp_path: Path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 250)
    store = new_job(inp, options=quick_options(max_requests=100))
    events = []
    job = await make_runner(store, service, emu, events).run()
    assert job.state == st.COMPLETED
    parts = store.parts()
    assert [p.label for p in parts] == ["1", "2", "3"]
    assert [p.requests for p in parts] == [100, 100, 50]
    assert all(p.state == st.DONE for p in parts)
    per_part = batches_per_part(emu, store.job().job_id)
    assert {k: len(v) for k, v in per_part.items()} == {"1": 1, "2": 1, "3": 1}
    for batch in job_batches(emu, store.job().job_id):
        assert batch.metadata[TAG_JOB] == "job1"
    assert_exactly_once(store, inp)
    kinds = [e.kind for e in events]
    assert kinds[0] == "started" and kinds[-1] == "finished"
    assert kinds.count("submitted") == 3
    # Every call that changes the account was journaled and closed.
    assert not store.intents(state=st.OPEN)
    assert store.count_intents("create") == 3


@pytest.fixture
def emulator_options(tmp_path: Path, request: pytest.FixtureRequest) -> EmulatorOptions:
    extra = getattr(request, "param", {})
    return make_options(tmp_path, **extra)


@pytest.mark.parametrize(
    "emulator_options", [{"queue_limits": {"gpt-4o-mini": 7_000}}], indirect=True
)
async def test_parts_wait_for_queue_room_and_go_in_as_it_frees(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    # ~2,900 input tokens a part: two fit the 7,000-token queue, a third must wait.
    inp = write_chat(tmp_path / "in.jsonl", 500)
    options = quick_options(max_requests=100, queue_limits={"gpt-4o-mini": 7_000})
    store = new_job(inp, options=options, tokens="exact")
    tokens = [p.tokens["gpt-4o-mini"] for p in store.parts()]
    assert len(tokens) == 5 and all(2_000 < t < 3_500 for t in tokens)
    events = []
    holding_most = 0

    runner = make_runner(store, service, emu, events)
    emulated = runner._sleep

    notes: set[str] = set()

    async def watch(seconds: float) -> None:  # the same wait, counting the queue as it goes
        nonlocal holding_most
        await emulated(seconds)
        holding = [b for b in job_batches(emu, store.job().job_id) if b.status in HOLDING]
        holding_most = max(holding_most, len(holding))
        notes.update(p["message"] or "" for p in job_status(store)["parts"])

    runner._sleep = watch
    job = await runner.run()
    assert job.state == st.COMPLETED
    waiting = [e for e in events if e.kind == "waiting"]
    assert waiting, "no part ever waited for room"
    assert waiting[0].data["limit"] == 7_000 and waiting[0].data["needed"] > waiting[0].data["free"]
    assert "needs" in waiting[0].message and "free of 7,000" in waiting[0].message
    assert any(n.startswith("waiting for queue room (gpt-4o-mini: needs") for n in notes)
    # Never more than fits, and OpenAI never had to refuse one.
    assert holding_most == 2
    assert not any(b.status == "failed" for b in job_batches(emu, store.job().job_id))
    assert {len(v) for v in batches_per_part(emu, store.job().job_id).values()} == {1}
    assert_exactly_once(store, inp)


@pytest.mark.parametrize(
    "emulator_options", [{"queue_limits": {"gpt-4o-mini": 7_000}}], indirect=True
)
async def test_token_limit_exceeded_is_resubmitted_when_room_frees(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    # The runner does not know the limit: the emulator refuses parts, the runner retries.
    inp = write_chat(tmp_path / "in.jsonl", 400)
    store = new_job(inp, options=quick_options(max_requests=100))
    events = []
    job = await make_runner(store, service, emu, events, step=2.0).run()
    assert job.state == st.COMPLETED
    refused = [e for e in events if e.kind == "queue_full"]
    assert refused, "the emulator never refused a part"
    per_part = batches_per_part(emu, store.job().job_id)
    for label, batches in per_part.items():
        finals = [b for b in batches if b.status != "failed"]
        assert len(finals) == 1, f"part {label} ran {len(finals)} times"
        assert all(
            b.errors[0]["code"] == "token_limit_exceeded" for b in batches if b.status == "failed"
        )
    # A refused part reuses its upload: one file per part.
    assert store.count_intents("upload") == 4
    assert_exactly_once(store, inp)


async def test_429s_and_500s_back_off_and_never_double_submit(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 200)
    store = new_job(inp, options=quick_options(max_requests=100))
    emu.faults.rate_limit(2, retry_after=0.0, method="POST", path="/v1/batches")
    emu.faults.server_error(2, method="POST", path="/v1/files")
    emu.faults.server_error(2, status=503, method="GET", path="/v1/batches")
    emu.faults.rate_limit(1, retry_after=0.0, method="GET", path="/v1/files/*/content")
    events = []
    job = await make_runner(store, service, emu, events).run()
    assert job.state == st.COMPLETED
    assert any(e.kind == "backoff" for e in events)
    assert {len(v) for v in batches_per_part(emu, store.job().job_id).values()} == {1}
    assert_exactly_once(store, inp)


async def test_a_create_whose_answer_is_lost_is_found_not_made_twice(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    # The emulator creates the batch but the answer never arrives (a 500 after the fact is
    # what a proxy timeout looks like): the runner must look before trying again.
    inp = write_chat(tmp_path / "in.jsonl", 100)
    store = new_job(inp, options=quick_options(max_requests=100))
    original = emu.state.create_batch

    def create_then_fail(**kwargs):
        original(**kwargs)
        emu.state.create_batch = original
        from batchtui.emulator.wire import EmulatorError

        raise EmulatorError(500, "The server had an error while processing your request.")

    emu.state.create_batch = create_then_fail
    events = []
    # The SDK's own retries on: a create must still not be sent twice.
    async with service_for(emu, tmp_path, max_retries=2) as retrying:
        job = await make_runner(store, retrying, emu, events).run()
    assert job.state == st.COMPLETED
    assert [e.kind for e in events if e.kind == "adopted"] == ["adopted"]
    assert len(job_batches(emu, store.job().job_id)) == 1
    assert_exactly_once(store, inp)


async def test_an_expired_part_has_its_unfinished_requests_resubmitted(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 200)
    store = new_job(inp, options=quick_options(max_requests=100, poll_seconds=3600))

    def faults(part):
        return {"emulator.expire": "0.4"} if part.label == "1" else {}

    events = []
    job = await make_runner(store, service, emu, events, factor=10, metadata_for=faults).run()
    assert job.state == st.COMPLETED
    parts = {p.label: p for p in store.parts()}
    assert set(parts) == {"1", "2", "1.1"}
    assert parts["1.1"].reason == "leftover" and parts["1.1"].requests == 60
    assert parts["1.1"].parent_id == parts["1"].id
    # The 60 expired requests ran again (once), the 40 done ones were not resubmitted.
    per_part = batches_per_part(emu, store.job().job_id)
    assert per_part["1"][0].status == "expired"
    assert per_part["1.1"][0].status == "completed"
    assert_exactly_once(store, inp)
    _out, err = merged_ids(store)
    assert not err  # the batch_expired lines were replaced by the leftover's answers


async def test_retry_failed_resubmits_retryable_failures_up_to_n_rounds(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 300)
    store = new_job(inp, options=quick_options(max_requests=300, retry_failed=2))

    def faults(part):  # every round fails a share again: the third never happens
        return {"emulator.fail_fraction": "0.5"}

    job = await make_runner(store, service, emu, metadata_for=faults).run()
    assert job.state == st.COMPLETED
    parts = store.parts()
    assert [p.label for p in parts] == ["1", "1.1", "1.1.1"]
    assert [p.round for p in parts] == [0, 1, 2]
    assert all(p.reason == "retry" for p in parts[1:])
    assert_exactly_once(store, inp)
    # What is left failed is either not retryable, or failed in the last round.
    from batchtui.jobs.merge import merge_results
    from batchtui.results import join

    merged = merge_results(store)
    with join(merged.input, merged.output, merged.errors) as result:
        counts = result.counts()
    assert counts["missing"] == 0 and counts["duplicates"] == 0
    assert counts["succeeded"] + counts["failed"] == 300


async def test_cancel_stops_every_active_part_and_keeps_partial_results(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 300)
    store = new_job(inp, options=quick_options(max_requests=100, max_active=2))
    events = []
    runner = make_runner(store, service, emu, events, step=2.0)

    def on_event(event):
        events.append(event)
        in_progress = event.kind == "status" and event.data.get("status") == "in_progress"
        if in_progress and not store.job().cancel_requested:
            store.update_job(cancel_requested=1, state=st.CANCELLED)  # as `job cancel` does
            runner.wake()

    runner._on_event = on_event
    job = await runner.run()
    assert job.state == st.CANCELLED
    parts = store.parts()
    assert {p.state for p in parts} <= {st.PART_CANCELLED, st.DONE}
    assert any(p.state == st.PART_CANCELLED and p.batch_id is None for p in parts)
    batches = job_batches(emu, store.job().job_id)
    assert len(batches) == 2 and all(b.status in ("cancelled", "completed") for b in batches)
    # Nothing is answered twice; the requests never run are missing, not resubmitted.
    out, err = merged_ids(store)
    assert len(out + err) == len(set(out + err))


async def test_a_second_runner_on_the_same_job_is_refused(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    from batchtui.jobs.lock import JobLock, JobLocked

    inp = write_chat(tmp_path / "in.jsonl", 10)
    store = new_job(inp)
    with JobLock(store.directory, "job1"), pytest.raises(JobLocked) as caught:
        await make_runner(store, service, emu).run()
    assert f"pid {__import__('os').getpid()}" in caught.value.message
    assert not job_batches(emu, store.job().job_id)  # refused before anything was sent


async def test_an_input_changed_under_the_job_is_never_submitted(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 200)
    store = new_job(inp, options=quick_options(max_requests=100))
    data = bytearray(inp.read_bytes())
    data[-30] = ord("X") if data[-30] != ord("X") else ord("Y")  # part 2 changes, same size
    inp.write_bytes(bytes(data))
    events = []
    job = await make_runner(store, service, emu, events).run()
    assert job.state == st.FAILED
    parts = {p.label: p for p in store.parts()}
    assert parts["1"].state == st.DONE
    assert parts["2"].state == st.PART_FAILED and "changed" in parts["2"].message
    per_part = batches_per_part(emu, store.job().job_id)
    assert set(per_part) == {"1"}
    # The upload of the changed bytes was deleted again.
    live = [f for f in emu.state.files.values() if f.purpose == "batch"]
    assert len(live) == 1
    assert [b.metadata[TAG_PART] for b in job_batches(emu, store.job().job_id)] == ["1"]


async def test_a_cancel_during_an_upload_makes_no_batch_and_leaves_no_file(
    emu: EmulatorServer, service, tmp_path: Path
) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 20)
    store = new_job(inp, options=quick_options(max_requests=20))
    events = []
    runner = make_runner(store, service, emu, events)

    def on_event(event):
        events.append(event)
        if event.kind == "uploading":
            store.update_job(cancel_requested=1, state=st.CANCELLED)  # as `job cancel` does

    runner._on_event = on_event
    job = await runner.run()
    assert job.state == st.CANCELLED
    assert store.part(1).state == st.PART_CANCELLED and store.part(1).batch_id is None
    assert not emu.state.batches
    assert not [f for f in emu.state.files.values() if f.purpose == "batch"]
    assert any(e.kind == "tidied" for e in events)


async def test_a_refused_key_stops_the_runner_and_fails_no_part(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    from batchtui.api.errors import ApiError

    inp = write_chat(tmp_path / "in.jsonl", 20)
    store = new_job(inp, options=quick_options(max_requests=10))
    emu.options.api_keys = ("sk-the-only-good-key-0000",)
    async with service_for(emu, tmp_path) as wrong:
        with pytest.raises(ApiError) as caught:
            await make_runner(store, wrong, emu).run()
    assert caught.value.kind == "auth"
    assert store.job().state == st.RUNNING  # to be resumed with the right key
    assert {p.state for p in store.parts()} == {st.PENDING}
    assert not store.intents(state=st.OPEN)


@pytest.mark.parametrize("route", ["/v1/files", "/v1/batches"])
async def test_a_key_refused_mid_job_stops_the_runner_without_failing_the_part(
    emu: EmulatorServer, service, tmp_path: Path, route: str
) -> None:
    from batchtui.api.errors import ApiError

    inp = write_chat(tmp_path / "in.jsonl", 10)
    store = new_job(inp, options=quick_options(max_requests=10))
    emu.faults.server_error(1, status=401, method="POST", path=route)  # the upload, the create
    with pytest.raises(ApiError) as caught:
        await make_runner(store, service, emu).run()
    assert caught.value.kind == "auth"
    assert store.part(1).state == st.PENDING and store.job().state == st.RUNNING
    assert not store.intents(state=st.OPEN)
    job = await make_runner(store, service, emu).run()  # the key works again: resumed
    assert job.state == st.COMPLETED
    assert len(job_batches(emu, store.job().job_id)) == 1
