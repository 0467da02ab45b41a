"""Jobs in the TUI (issue #14): the dashboard's job rows, the Jobs view (resume, cancel,
merged results) and starting a job from the File view, driven by keys against the emulator
over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from batchtui.api.service import BatchService
from batchtui.emulator.server import EmulatorServer
from batchtui.jobs import control
from batchtui.jobs.control import Detached
from batchtui.jobs.lock import JobLock
from batchtui.jobs.store import JobStore
from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI
from batchtui.ui.jobs.screen import JobsScreen, JobTable
from batchtui.ui.widgets.batch_table import BatchTable
from tests.emulated import START
from tests.jobs.jobs_helpers import API_KEY, make_options, service_for
from tests.ui.conftest import screen_text, settle, wait_for
from tests.ui.jobs_fixtures import ROOM, finished_job, job_file, started_job


@pytest.fixture
async def jemu(tmp_path: Path) -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(make_options(tmp_path)) as server:
        yield server


@pytest.fixture
async def jservice(jemu: EmulatorServer, tmp_path: Path) -> AsyncIterator[BatchService]:
    async with service_for(jemu, tmp_path) as svc:
        yield svc


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[dict[str, Any]]:
    """Runners the TUI starts, recorded instead of started (a real one is a process that
    outlives the test; ``batchtui job start --detach`` is tested in tests/jobs)."""
    calls: list[dict[str, Any]] = []

    def spawn(name: str, directory: Path, connection: Any = None, env: Any = None) -> Detached:
        calls.append({"name": name, "connection": connection, "env": env})
        return Detached(4242, directory / "runner.log")

    monkeypatch.setattr(control, "spawn_runner", spawn)
    return calls


def app_for(
    service: BatchService, emu: EmulatorServer, mode: str, path: Path | None = None
) -> BatchTUI:
    return BatchTUI(
        LineIndex(path) if path is not None else None,
        validate=False,
        initial_mode=mode,
        service=service,
        clock=emu.state.now,
        wall_clock=lambda: START,
    )


def notes(app: BatchTUI) -> list[str]:
    return [n.message for n in app._notifications]


async def jobs_shown(pilot: Any, *names: str) -> JobsScreen:
    screen = pilot.app.screen
    assert isinstance(screen, JobsScreen)
    await wait_for(
        pilot,
        lambda: (
            all(any(j["name"] == n for j in screen.jobs) for n in names)
            and screen.status is not None
        ),
        f"the jobs {names}",
    )
    await settle(pilot)
    return screen


# ------------------------------------------------------------------------ dashboard


async def test_dashboard_groups_a_jobs_batches_and_expands_them(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService
) -> None:
    store = await started_job(job_file(tmp_path), jservice, jemu)
    batch_ids = sorted(p.batch_id for p in store.parts() if p.batch_id)
    assert len(batch_ids) == 2
    app = app_for(jservice, jemu, "batches")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        table = screen.query_one(BatchTable)
        await wait_for(pilot, lambda: table.row_count > 0, "the first poll")
        # The local store says how many parts wait for room: read after the poll.
        await wait_for(pilot, lambda: "1 wait" in screen_text(app), "the job's local facts")
        await settle(pilot)
        text = screen_text(app)
        assert table.row_count == 1  # one row for the job, none for its two batches
        assert "▸ alpha" in text
        assert "0/3 parts · 1 wait" in text
        assert "job alpha" in text  # the detail pane sums the job up
        assert "1 part(s) wait for it" in text
        assert "Expand/collapse job" in text  # the key is offered (on job rows only)
        await pilot.press("space")
        await settle(pilot)
        assert table.row_count == 3
        assert sorted(table._keys[1:]) == batch_ids
        assert "▾ alpha" in screen_text(app)
        assert "#1" in screen_text(app) and "#2" in screen_text(app)
        # A part is a batch: the cursor on it shows the batch in the detail pane.
        await pilot.press("down")
        await settle(pilot)
        assert screen.selected_batch() is not None
        assert screen.selected_batch().id in batch_ids
        # Space on a part folds its job, the cursor back on the job's row.
        await pilot.press("space")
        await settle(pilot)
        assert table.row_count == 1
        assert table.cursor_key == screen.selected_job().key
        # Enter toggles too.
        await pilot.press("enter")
        await settle(pilot)
        assert table.row_count == 3


# ------------------------------------------------------------------------ Jobs view


async def test_jobs_view_lists_jobs_parts_and_a_broken_one(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService
) -> None:
    store = await started_job(job_file(tmp_path), jservice, jemu)
    broken = store.directory.parent / "broken"
    broken.mkdir()
    (broken / "job.sqlite").write_bytes(b"not a database at all" * 50)
    app = app_for(jservice, jemu, "file")
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("4")
        screen = await jobs_shown(pilot, "alpha", "broken")
        text = screen_text(app)
        assert "alpha" in text and "broken" in text
        assert "? broken" in text  # listed with its problem, not a crash
        for part in store.parts():
            if part.batch_id:
                assert part.batch_id[-12:] in text
        assert ROOM[:30] in text  # the part waiting for queue room
        assert "stopped" in text  # running, but no runner at it
        # The broken one says why when selected.
        table = screen.query_one(JobTable)
        table.cursor = table._keys.index("broken")
        await settle(pilot)
        assert "cannot be read" in screen_text(app)


async def test_resume_is_refused_while_another_runner_holds_the_lock(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService, spawned: list[dict[str, Any]]
) -> None:
    store = await started_job(job_file(tmp_path), jservice, jemu)
    app = app_for(jservice, jemu, "jobs")
    async with app.run_test(size=(80, 24)) as pilot:
        await jobs_shown(pilot, "alpha")
        with JobLock(store.directory, "alpha"):
            await pilot.press("r")
            await wait_for(
                pilot, lambda: any("another batchtui" in n for n in notes(app)), "a refusal"
            )
        assert spawned == []
        assert any("pid" in n for n in notes(app) if "another" in n)
        # Once free, r starts a runner in the background, with the TUI's key.
        await pilot.press("r")
        await wait_for(pilot, lambda: bool(spawned), "a runner")
        assert spawned[0]["name"] == "alpha"
        assert spawned[0]["env"] == {"OPENAI_API_KEY": API_KEY}
        assert any("runs in the background" in n for n in notes(app))


async def test_cancel_asks_then_cancels_the_active_parts(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService
) -> None:
    store = await started_job(job_file(tmp_path), jservice, jemu, waiting=False)
    ids = [p.batch_id for p in store.parts() if p.batch_id]
    app = app_for(jservice, jemu, "jobs")
    async with app.run_test(size=(80, 24)) as pilot:
        await jobs_shown(pilot, "alpha")
        await pilot.press("x")
        await pilot.pause()
        assert "Cancel job alpha?" in screen_text(app)
        await pilot.press("n")  # no: nothing happens
        await settle(pilot)
        assert store.job().state == "running"
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: any("cancelled (" in n for n in notes(app)), "the cancel")
        await settle(pilot)
    assert store.job().state == "cancelled"
    for batch_id in ids:
        assert jemu.state.batches[batch_id].status in ("cancelling", "cancelled")


async def test_merged_results_open_and_step_through_failures(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService, spawned: list[dict[str, Any]]
) -> None:
    from batchtui.ui.screens.results import ResultsScreen
    from batchtui.ui.widgets.results_list import ResultList

    store = await finished_job(
        job_file(tmp_path, 20), jservice, jemu, metadata={"emulator.fail_fraction": "0.3"}
    )
    assert store.job().state == "completed"
    app = app_for(jservice, jemu, "jobs")
    async with app.run_test(size=(80, 24)) as pilot:
        await jobs_shown(pilot, "done")
        await pilot.press("r")  # a finished job has nothing to resume
        await wait_for(pilot, lambda: any("nothing left" in n for n in notes(app)), "a no")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), "the results")
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        await wait_for(pilot, lambda: screen.result is not None, "the join")
        await settle(pilot)
        result = screen.result
        assert result is not None and result.row_count == 20
        failures = list(result.problem_rows(soft=False))
        assert failures, "the emulator failed some requests"
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert screen.query_one(ResultList).current_row == failures[0]
        # The retry file of the job's failures, from its input's lines.
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.retry_path is not None
        lines = Path(screen.retry_path).read_bytes().splitlines()
        assert len(lines) == len(failures)
    assert spawned == []


async def test_merged_results_open_from_the_dashboards_job_row(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService
) -> None:
    from batchtui.ui.screens.results import ResultsScreen

    await finished_job(job_file(tmp_path, 20), jservice, jemu)
    app = app_for(jservice, jemu, "batches")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "▸ done" in screen_text(app), "the job's row")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), "the results")
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        await wait_for(pilot, lambda: screen.result is not None, "the join")
        assert screen.result is not None and screen.result.row_count == 20


async def test_a_job_row_opens_its_results_before_the_stores_were_read(
    tmp_path: Path,
    jemu: EmulatorServer,
    jservice: BatchService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stores are read in a thread after each poll; `o` pressed before that read said
    "not started on this machine" about a job started here."""
    from batchtui.ui.dashboard.jobs import JobLocals
    from batchtui.ui.screens.results import ResultsScreen

    monkeypatch.setattr(JobLocals, "refresh", lambda self, batches: None)  # never read yet
    await finished_job(job_file(tmp_path, 20), jservice, jemu)
    app = app_for(jservice, jemu, "batches")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "▸ done" in screen_text(app), "the job's row")
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen), "the results")
        assert not any("not started on this machine" in n for n in notes(app))


# ------------------------------------------------------------------------ start from File


async def test_start_a_job_from_the_file_view_shows_the_split_then_creates_it(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService, spawned: list[dict[str, Any]]
) -> None:
    from textual.widgets import Button, Input

    from batchtui.ui.jobs.start import StartJobDialog

    path = job_file(tmp_path, 25)
    app = app_for(jservice, jemu, "file", path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await wait_for(pilot, lambda: isinstance(app.screen, StartJobDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, StartJobDialog)
        await wait_for(pilot, lambda: dialog.prepared is not None, "the plan")
        await wait_for(pilot, lambda: "queue" in screen_text(app), "the estimate")
        text = screen_text(app)
        assert "1 part of 25 requests" in text
        assert "50,000 requests" in text  # the limits used
        assert "tokens" in text and "cost" in text
        # Smaller parts: Enter in the field plans again.
        box = dialog.query_one("#job-max-requests", Input)
        box.value = "10"
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "3 parts of 25 requests" in screen_text(app), "the new plan")
        assert "5–10 requests" in screen_text(app) or "10 requests" in screen_text(app)
        await wait_for(
            pilot, lambda: not dialog.query_one("#start", Button).disabled, "the Start button"
        )
        name = dialog.query_one("#job-name", Input)
        assert name.value == "in"  # as the CLI names it
        name.value = "from-tui"
        name.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, JobsScreen), "the Jobs view")
        screen = await jobs_shown(pilot, "from-tui")
        assert screen.query_one(JobTable).cursor_key == "from-tui"
    assert [c["name"] for c in spawned] == ["from-tui"]
    with JobStore.open("from-tui") as store:
        assert len(store.parts()) == 3
        assert store.job().base_url == jemu.base_url


async def test_starting_a_job_on_a_file_with_errors_needs_a_yes(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService, spawned: list[dict[str, Any]]
) -> None:
    from batchtui.ui.jobs.start import StartJobDialog

    path = job_file(tmp_path, 5)
    with open(path, "ab") as f:
        f.write(b'{"custom_id":"bad","method":"POST","url":"/v1/chat/completions"}\n')
    app = app_for(jservice, jemu, "file", path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("J")
        await wait_for(pilot, lambda: "This file has errors" in screen_text(app), "the question")
        assert "validation error" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, StartJobDialog), "no dialog")
        await settle(pilot)
        # Insisting plans it anyway.
        await pilot.press("J")
        await wait_for(pilot, lambda: "This file has errors" in screen_text(app), "the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: "1 part of 6 requests" in screen_text(app), "the plan")
        await pilot.press("escape")
        await settle(pilot)
    assert spawned == []
    assert not JobStore.path_for("in").exists()


# ------------------------------------------------------------------------ hostile tags


async def test_hostile_job_tags_are_data_and_open_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchtui.api.config import ClientSettings
    from batchtui.jobs.options import TAG_JOB, TAG_JOB_ID, TAG_PART
    from batchtui.ui.dashboard import jobs as dashboard_jobs
    from tests.api.hostile import NOW, hostile_server

    opened: list[str] = []
    real = dashboard_jobs.read_local
    monkeypatch.setattr(
        dashboard_jobs, "read_local", lambda job_id, name: opened.append(name) or real(job_id, name)
    )
    name = "[bold red]pwn[/]\x1b]0;title\x07../../x"
    batches = [
        {
            "id": f"batch_h{i}",
            "status": "in_progress",
            "created_at": NOW,
            "input_file_id": "file_x",
            "request_counts": {"total": 10, "completed": 2, "failed": 0},
            "metadata": {TAG_JOB: name, TAG_JOB_ID: "job_h", TAG_PART: f"[/]{i}\x1b[2J"},
        }
        for i in range(2)
    ]
    async with hostile_server(batches) as url:
        service = BatchService(ClientSettings(api_key="sk-test", base_url=url, max_retries=0))
        app = BatchTUI(None, initial_mode="batches", service=service, clock=lambda: NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            table = app.screen.query_one(BatchTable)
            assert table.row_count == 1
            await pilot.press("space")
            await settle(pilot)
            assert table.row_count == 3
            text = screen_text(app)
            assert "[bold red]pwn[/]" in text  # shown as it is, not as markup
            assert "\x1b" not in text
            # Keys on a job this machine has no store of say so.
            await pilot.press("home", "o")
            await settle(pilot)
            assert any("not started on this machine" in n for n in notes(app))
        await service.close()
    # Looked up (after the poll, and again for the key), refused as a job name each time.
    assert opened and set(opened) == {name}
    assert not (tmp_path / "x").exists()


async def test_resume_without_an_api_key_says_so_and_starts_nothing(
    tmp_path: Path, jemu: EmulatorServer, jservice: BatchService, spawned: list[dict[str, Any]]
) -> None:
    await started_job(job_file(tmp_path), jservice, jemu)
    app = BatchTUI(None, validate=False, initial_mode="jobs")  # no service, no key
    async with app.run_test(size=(80, 24)) as pilot:
        await jobs_shown(pilot, "alpha")
        await pilot.press("r")
        await wait_for(pilot, lambda: any("No API key" in n for n in notes(app)), "the reason")
    assert spawned == []
