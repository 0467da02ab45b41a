"""The queue against the emulator: limits from the Admin API (admin key) or the config, what
the account has queued (exact from submission records, counted from downloaded inputs), and
submit's check before uploading, which agrees with the emulator's enforcement."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import API_KEY, make_options, settings_for, write_chat

from batchtui.api.errors import ApiError
from batchtui.api.queue import (
    CountCache,
    QueueSettings,
    count_input_file,
    load_limits,
    queue_state,
    read_admin_limits,
)
from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.api.submit import SubmitRefused, check_queue, submit_file
from batchtui.cli import main
from batchtui.cost.queue import short_tokens
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from batchtui.emulator.threaded import EmulatorThread

ADMIN_KEY = "sk-admin-queue-test-0123456789"
MODEL = "gpt-4o-mini"


def input_tokens(path: Path) -> int:
    return count_input_file(path)[MODEL]


def uploaded(emu: EmulatorServer) -> int:
    return sum(1 for f in emu.state.files.values() if f.purpose == "batch")


async def foreign_batch(emu: EmulatorServer, path: Path) -> str:
    """A batch created by someone else: through the API, with no local record."""
    async with BatchService(settings_for(emu), records=RecordStore(path.with_suffix(".x"))) as s:
        file = await s.upload(path, path.name)
        batch = await s.create_batch(
            file.id, endpoint="/v1/chat/completions", completion_window="24h", metadata=None
        )
    return batch.id


# ------------------------------------------------------------------------ limits


@pytest.fixture
def emulator_options(tmp_path: Path) -> EmulatorOptions:
    return make_options(
        tmp_path,
        queue_limits={MODEL: 1_000_000, "o3": 250_000},
        admin_keys=(ADMIN_KEY,),
        processing_seconds=3600,
    )


async def test_admin_api_limits_of_the_only_project(service: BatchService) -> None:
    limits = await read_admin_limits(service, ADMIN_KEY)
    assert limits.source == "Admin API, project proj_emulator"
    assert dict(limits.limits) == {MODEL: 1_000_000, "o3": 250_000}
    assert limits.for_model("gpt-4o-mini-2024-07-18") == 1_000_000

    with pytest.raises(ApiError) as info:
        await read_admin_limits(service, ADMIN_KEY, "proj_other")
    assert info.value.kind == "not_found"


async def test_config_fills_in_and_takes_over_when_the_admin_api_cannot_be_read(
    service: BatchService,
) -> None:
    both = await load_limits(
        service, QueueSettings(admin_key=ADMIN_KEY, config_limits={"gpt-4.1": 5, MODEL: 7})
    )
    # The Admin API wins for the models it lists; the config adds the others.
    assert dict(both.limits) == {MODEL: 1_000_000, "o3": 250_000, "gpt-4.1": 5}
    assert both.source == "Admin API, project proj_emulator, config file"

    refused = await load_limits(
        service, QueueSettings(admin_key="sk-not-an-admin-key", config_limits={MODEL: 7})
    )
    assert dict(refused.limits) == {MODEL: 7} and refused.source == "config file"
    (problem,) = refused.problems
    assert "Admin API could not be read" in problem and "api.management.read" in problem
    assert "sk-not-an-admin-key" not in problem  # never a key in a message

    nothing = await load_limits(service, QueueSettings())
    assert (dict(nothing.limits), nothing.source, nothing.problems) == ({}, "", ())


# ------------------------------------------------------------------------ queued


async def test_queued_tokens_exact_from_records_estimated_from_downloads(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    mine = write_chat(tmp_path / "mine.jsonl", 6, seed=1)
    theirs = write_chat(tmp_path / "theirs.jsonl", 9, seed=2)
    submitted = await submit_file(service, mine)
    assert submitted.record.input_tokens == {MODEL: input_tokens(mine)}
    other = await foreign_batch(emu, theirs)
    await emu.advance(emu.options.validation_seconds)

    settings = QueueSettings(admin_key=ADMIN_KEY)
    state = await queue_state(service, settings)
    queue = state.queues[MODEL]
    assert queue.tokens == input_tokens(mine) + input_tokens(theirs)
    assert queue.estimated  # the foreign batch was counted from its downloaded input
    by_id = {b.id: b for b in state.batches}
    assert by_id[submitted.batch.id].exact and not by_id[other].exact
    # The emulator, counting the same way, agrees to the token.
    assert emu.state.lifecycle.enqueued(MODEL) == queue.tokens

    # A file id is counted once (kept in the state directory): the next look downloads
    # nothing. The input is where the results of that batch will look for it.
    assert CountCache().get((await service.retrieve(other)).input_file_id or "") == {
        MODEL: input_tokens(theirs)
    }

    def downloads() -> int:
        return sum(1 for r in emu.requests if r.path.endswith("/content"))

    before = downloads()
    again = await queue_state(service, settings)
    assert downloads() == before == 1 and again.queues[MODEL].tokens == queue.tokens
    from batchtui.api.batch_files import batch_folder, file_path

    cached = file_path(batch_folder(other), other, "input")
    assert cached.read_bytes() == theirs.read_bytes()


async def test_a_foreign_batch_is_not_counted_when_told_not_to_download(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    other = await foreign_batch(emu, write_chat(tmp_path / "theirs.jsonl", 4))
    settings = QueueSettings(admin_key=ADMIN_KEY, count_others=False)
    # Still validating: the batch names no model yet, so it may hold room in any queue.
    (fit,) = (await check_queue(service, {MODEL: 10}, settings)).fits
    assert fit.fits and fit.unknown == (other,) and fit.enqueued == 0
    assert fit.message().endswith("fits (1 queued batch not counted)")
    await emu.advance(emu.options.validation_seconds)
    state = await queue_state(service, settings)
    assert state.queues[MODEL].unknown == [other] and state.queues[MODEL].tokens == 0
    (fit,) = (await check_queue(service, {MODEL: 10}, QueueSettings(admin_key=ADMIN_KEY))).fits
    assert fit.fits and not fit.unknown and fit.enqueued > 0  # counted (downloads allowed)


# ------------------------------------------------------------------------ submit


async def test_submit_refuses_a_file_the_queue_has_no_room_for_before_uploading(
    emu: EmulatorServer, tmp_path: Path
) -> None:
    first = write_chat(tmp_path / "first.jsonl", 8, seed=1)
    second = write_chat(tmp_path / "second.jsonl", 5, seed=2)
    t1, t2 = input_tokens(first), input_tokens(second)
    emu.options.queue_limits = {MODEL: t1 + t2 - 1}  # the two do not fit together
    records = RecordStore(tmp_path / "records.json")
    settings = QueueSettings(admin_key=ADMIN_KEY)
    async with BatchService(settings_for(emu), records=records) as service:
        a = await submit_file(service, first, queue=settings)
        assert a.queue is not None and a.queue.ok and a.queue.known
        assert a.queue.lines() == [
            f"{MODEL}: needs {short_tokens(t1)} tokens, {short_tokens(t1 + t2 - 1)} free: fits",
            "limits: Admin API, project proj_emulator",
        ]
        await emu.advance(emu.options.validation_seconds)
        assert (await service.retrieve(a.batch.id)).status == "in_progress"

        before = uploaded(emu)
        with pytest.raises(SubmitRefused) as info:
            await submit_file(service, second, queue=settings)
        message = info.value.message
        need, free = short_tokens(t2), short_tokens(t2 - 1)
        assert f"{MODEL}: needs {need} tokens, {free} free: wait for {a.batch.id} or split" in (
            message
        )
        assert "token_limit_exceeded" in message and "Nothing was uploaded" in message
        assert uploaded(emu) == before

        # Forced, it goes in with a warning, and the emulator fails it as OpenAI would.
        forced = await submit_file(service, second, queue=settings, force=True)
        assert any("a full queue" in w for w in forced.warnings)
        await emu.advance(emu.options.validation_seconds)
        failed = await service.retrieve(forced.batch.id)
        assert failed.status == "failed" and failed.errors[0].code == "token_limit_exceeded"

        # One token less and it fits, for both.
        emu.options.queue_limits = {MODEL: t1 + t2}
        fits = await submit_file(service, second, queue=settings)
        assert fits.queue is not None and fits.queue.ok
        await emu.advance(emu.options.validation_seconds)
        assert (await service.retrieve(fits.batch.id)).status == "in_progress"


async def test_a_file_bigger_than_the_whole_queue_is_told_to_split(
    service: BatchService, tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "big.jsonl", 3)
    settings = QueueSettings(config_limits={MODEL: 10})
    with pytest.raises(SubmitRefused, match=r"more than the whole queue \(10\): split the file"):
        await submit_file(service, path, queue=settings)


async def test_unknown_limit_is_said_and_does_not_block(
    service: BatchService, tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 3)
    result = await submit_file(service, path)  # no admin key, no config
    assert result.queue is not None and result.queue.ok and not result.queue.known
    (line,) = result.queue.lines()
    assert line.startswith(f"{MODEL}: {input_tokens(path):,} input tokens; the queue limit is")
    assert result.record.input_tokens == {MODEL: input_tokens(path)}


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def threaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorThread]:
    options = make_options(tmp_path, queue_limits={MODEL: 1_000}, admin_keys=(ADMIN_KEY,))
    with EmulatorThread(options) as emu:
        monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        yield emu


def test_cli_submit_prints_the_queue_and_refuses_a_full_one(
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small = write_chat(tmp_path / "small.jsonl", 2)
    code = main(["batches", "submit", str(small), "--queue-limit", f"{MODEL}=100000"])
    out, err = capsys.readouterr()
    assert code == 0, err
    n = input_tokens(small)
    assert f"queue: {MODEL}: needs {short_tokens(n)} tokens, 100K free: fits" in out
    assert "queue: limits: config file" in out

    monkeypatch.setenv("OPENAI_ADMIN_KEY", ADMIN_KEY)  # the Admin API says 1,000 for the model
    big = write_chat(tmp_path / "big.jsonl", 40)
    code = main(["batches", "submit", str(big)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert f"needs {short_tokens(input_tokens(big))} tokens" in err
    assert "more than the whole queue (1,000): split the file" in err

    code = main(["batches", "submit", str(small), "--queue-limit", "nonsense"])
    assert (
        code == 2 and "--queue-limit 'nonsense': expected MODEL=TOKENS" in capsys.readouterr().err
    )


def test_cli_queue_shows_the_meter_per_model(
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    threaded.server.options.queue_limits = {MODEL: 100_000}
    monkeypatch.setenv("OPENAI_ADMIN_KEY", ADMIN_KEY)
    mine = write_chat(tmp_path / "mine.jsonl", 6, seed=1)
    assert main(["batches", "submit", str(mine)]) == 0
    theirs = write_chat(tmp_path / "theirs.jsonl", 9, seed=2)
    threaded.call(foreign_batch(threaded.server, theirs))
    capsys.readouterr()

    assert main(["batches", "queue", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (model,) = data["models"]
    enqueued = input_tokens(mine) + input_tokens(theirs)
    assert model == {
        "model": MODEL,
        "enqueued": enqueued,
        "limit": 100_000,
        "free": 100_000 - enqueued,
        "fraction": enqueued / 100_000,
        "batches": 2,
        "estimated": True,
        "not_counted": 0,
    }
    assert data["limits_source"] == "Admin API, project proj_emulator"
    assert sorted(b["exact"] for b in data["batches"]) == [False, True]

    assert main(["batches", "queue"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["MODEL", "ENQUEUED", "LIMIT", "FREE", "USED", "BATCHES"]
    assert out[1].split() == [
        MODEL,
        "≈" + short_tokens(enqueued),
        "100K",
        short_tokens(100_000 - enqueued),
        f"{100 * enqueued / 100_000:.0f}%",
        "2",
    ]
    assert out[2] == "limits: Admin API, project proj_emulator"


async def test_listing_for_the_queue_stops_at_old_batches(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    from batchtui.api.queue import RECENT_SECONDS, recent_batches

    path = write_chat(tmp_path / "in.jsonl", 2)
    old = [await foreign_batch(emu, path) for _ in range(3)]
    await emu.advance(RECENT_SECONDS + 3600)
    new = [await foreign_batch(emu, path) for _ in range(2)]
    before = emu.count_requests("GET", "/v1/batches")
    found = await recent_batches(service, now=emu.state.now(), page_size=2)
    # Page 1: the two new ones; page 2: two old ones, all old: no third page.
    assert [b.id for b in found] == [*reversed(new), *list(reversed(old))[:2]]
    assert emu.count_requests("GET", "/v1/batches") - before == 2


def test_the_config_files_queue_and_prices_are_used(
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    config = tmp_path / "config.toml"
    config.write_text(
        '[queue]\n"gpt-4o-mini" = 10\n\n[prices."gpt-4o-mini"]\ninput = 1.0\noutput = 2.0\n'
    )
    monkeypatch.setenv("BATCHTUI_CONFIG", str(config))
    path = write_chat(tmp_path / "in.jsonl", 3)
    assert main(["batches", "submit", str(path)]) == 1
    assert "more than the whole queue (10): split the file" in capsys.readouterr().err
    assert main(["batches", "queue"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "limits: config file"

    # --queue-limit wins over the file for its model.
    assert main(["batches", "submit", str(path), "--queue-limit", f"{MODEL}=100000"]) == 0
    batch_id = capsys.readouterr().out.split()[1]
    threaded.call(threaded.server.advance(100_000))
    assert main(["batches", "show", batch_id, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    u = data["usage"]
    # The file's price for the model, batch rates half of it: $0.50 and $1.00 a million.
    expected = (u["input_tokens"] * 0.5 + u["output_tokens"] * 1.0) / 1_000_000
    assert data["receipt"]["batch_usd"] == pytest.approx(expected)
    assert data["receipt"]["price_source"] == "override"
