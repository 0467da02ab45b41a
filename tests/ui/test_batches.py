"""Pilot tests of the Batches screen against the emulator, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import OptionList, Static

from batchtui.api.config import ClientSettings
from batchtui.api.models import BatchView, RequestCounts
from batchtui.api.poller import PollResult
from batchtui.api.service import BatchService
from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from batchtui.ui.screens.dialogs import ConfirmDialog
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.widgets.batch_table import BatchTable
from batchtui.ui.widgets.line_list import LineList
from tests.ui.conftest import screen_text, settle


def dashboard(service: BatchService, emu: EmulatorServer, tmp_path: Path, **kw: object) -> BatchTUI:
    return BatchTUI(
        None,
        initial_mode="batches",
        service=service,
        clock=emu.state.now,
        download_dir=str(tmp_path / "downloads"),
        **kw,  # type: ignore[arg-type]
    )


async def submit_sample(
    service: BatchService, tmp_path: Path, name: str, n: int = 20, **meta: str
) -> str:
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(n, seed=len(name), prefix=name))))
    sub = await service.submit(path, metadata={"description": name, **meta})
    return sub.batch.id


def table_text(screen: BatchesScreen) -> str:
    table = screen.query_one(BatchTable)
    return "\n".join(" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count))


def poll_status(screen: BatchesScreen) -> str:
    return str(screen.query_one("#poll-status", Static).render())


async def refresh(pilot, screen: BatchesScreen) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("r")
    await settle(pilot)


async def test_batches_appear_and_progress_moves(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = await submit_sample(service, tmp_path, "first", meta_unused="x")
    second = await submit_sample(
        service, tmp_path, "second", n=100, **{"emulator.processing_seconds": "3600"}
    )
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        assert screen.query_one(BatchTable).row_count == 2
        text = table_text(screen)
        assert "validating" in text and second[-12:] in text and first[-12:] in text
        await emu.advance(120)  # validation done, in progress
        await refresh(pilot, screen)
        await emu.advance(1200)
        await refresh(pilot, screen)
        row = [str(c) for c in screen.query_one(BatchTable).get_row(second)]
        assert any("in_progress" in c for c in row)
        pct = next(c for c in row if c.endswith("%"))
        assert 0 < int(pct.split()[-1].rstrip("%")) < 100
        eta = row[screen.rows.columns.index("eta")]
        assert eta not in ("—", "measuring")  # two samples of movement give an ETA


async def test_failed_poll_shows_stale_banner_then_recovers(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    await submit_sample(service, tmp_path, "one")
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        rule = emu.faults.server_error(count=None, path="/v1/batches*")
        await refresh(pilot, screen)
        assert "stale since" in poll_status(screen)
        assert "validating" in table_text(screen)  # the last good picture stays; never "failed"
        emu.faults.rules.remove(rule)
        await refresh(pilot, screen)
        assert "stale" not in poll_status(screen)


async def test_terminal_state_notifies_and_runs_command(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "notified.txt"
    await submit_sample(service, tmp_path, "done-soon")
    app = dashboard(
        service,
        emu,
        tmp_path,
        notify_cmd=f'echo "$BATCHTUI_BATCH_ID $BATCHTUI_BATCH_STATUS" > {marker}',
    )
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        await emu.advance(48 * 3600)
        await refresh(pilot, screen)
        assert any((n.title or "") == "Batch finished" for n in app._notifications)
        await settle(pilot)
        for _ in range(200):
            if marker.exists() and marker.read_text().strip():
                break
            await pilot.pause(0.01)
        assert "completed" in marker.read_text() or "expired" in marker.read_text()


async def test_cancel_with_confirmation(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    batch_id = await submit_sample(
        service, tmp_path, "to-cancel", **{"emulator.processing_seconds": "7200"}
    )
    await emu.advance(300)
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert (await service.retrieve(batch_id)).status in ("cancelling", "cancelled")
        assert "cancel" in table_text(app.screen)


async def test_download_and_filters(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    done = await submit_sample(service, tmp_path, "finished", **{"emulator.fail_fraction": "0.3"})
    await emu.advance(48 * 3600)
    running = await submit_sample(
        service, tmp_path, "running", **{"emulator.processing_seconds": "9000"}
    )
    await emu.advance(120)
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        await pilot.press("a")  # active only
        assert running[-12:] in table_text(screen) and done[-12:] not in table_text(screen)
        await pilot.press("a")  # finished only
        assert done[-12:] in table_text(screen) and running[-12:] not in table_text(screen)
        await pilot.press("a", "slash", *"finished", "enter")
        assert screen.query_one(BatchTable).row_count == 1
        await pilot.press("d")
        await settle(pilot)
        downloads = sorted(p.name for p in (tmp_path / "downloads").iterdir())
        assert downloads == [f"{done}_error.jsonl", f"{done}_output.jsonl"]
        saved = [n.message for n in app._notifications if n.title == "Downloaded"]
        assert saved and str((tmp_path / "downloads").resolve()) in saved[-1]  # says where


async def test_enter_on_line_error_opens_input_at_that_line(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.jsonl"
    rows = list(samples.chat_requests(10, seed=1, prefix="bad"))
    rows[6]["body"]["stream"] = True
    path.write_bytes(samples.to_jsonl(rows))
    sub = await service.submit(path, force=True)  # the batch is to fail validation
    await emu.advance(600)
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        assert "failed" in table_text(screen)
        await pilot.press("enter")  # a failed batch with line errors: focus the list
        await pilot.pause()
        assert isinstance(app.focused, OptionList)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FileScreen)
        assert app.screen.index.path == str(path)
        assert app.screen.query_one(LineList).cursor == 6  # line 7, 1-based
        assert sub.batch.id


async def test_no_api_key_explains_what_to_set(tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = BatchService(ClientSettings(api_key=None, base_url="http://127.0.0.1:9/v1"))
    app = BatchTUI(None, initial_mode="batches", service=svc)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "OPENAI_API_KEY" in poll_status(app.screen)
        assert "batchtui demo" in str(app.screen.query_one("#batch-detail-text", Static).render())


async def test_open_results_of_a_finished_batch(service, emu, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from batchtui.ui.screens.results import ResultsScreen

    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "state"))
    done = await submit_sample(
        service, tmp_path, "with-failures", n=40, **{"emulator.fail_fraction": "0.25"}
    )
    await emu.advance(48 * 3600)
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        await settle(pilot)
        assert screen.result is not None
        counts = screen.result.counts()
        batch = await service.retrieve(done)
        assert counts["succeeded"] == batch.request_counts.completed
        assert counts["failed"] + counts["expired"] == batch.request_counts.failed
        assert counts["missing"] == 0


async def test_unreachable_api_shows_the_reason_and_no_batch_is_failed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = BatchService(
        ClientSettings(api_key="sk-test", base_url="http://127.0.0.1:9/v1", max_retries=0)
    )
    app = BatchTUI(None, initial_mode="batches", service=svc)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        status = poll_status(app.screen)
        assert "stale since" in status and "127.0.0.1:9" in status


def _view(batch_id: str, status: str, done: int, created: int) -> BatchView:
    return BatchView(
        id=batch_id,
        status=status,
        raw_status=status,
        endpoint="/v1/chat/completions",
        model="gpt-4o-mini",
        created_at=created,
        expires_at=created + 86400,
        request_counts=RequestCounts(100, done, 0),
        metadata={"description": f"job {batch_id}"},
    )


async def test_a_poll_redraws_only_what_changed(service, emu, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    t0 = 1_800_000_000
    now = [t0 + 1.0]  # the clock-driven texts stay the same for the next 59 s
    app = BatchTUI(
        None,
        initial_mode="batches",
        service=service,
        clock=lambda: now[0],
        wall_clock=lambda: now[0],
    )
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        if screen.polls.timer is not None:
            screen.polls.timer.stop()  # the emulator's (empty) account stays out of this test

        def poll(*views: BatchView) -> None:
            screen.apply_result(PollResult(list(views), None, 60.0, now[0], None))

        a = _view("batch_active", "validating", 0, t0 - 3600)
        b = _view("batch_done", "completed", 100, t0 - 7200)
        poll(a, b)
        await settle(pilot)
        assert screen.selected_batch() == a
        updates: list[tuple[str, str]] = []  # (row, column) of each cell drawn again
        detail_draws: list[object] = []
        table = screen.query_one(BatchTable)
        real_update = table.update_row

        def update_row(key: str, cells: tuple[Text, ...]) -> None:
            old = table.get_row(key)
            for (col, _), was, new in zip(table.columns, old, cells, strict=True):
                if was.plain != new.plain or was.style != new.style or was.spans != new.spans:
                    updates.append((key, col))
            real_update(key, cells)

        monkeypatch.setattr(table, "update_row", update_row)
        monkeypatch.setattr(table, "set_rows", lambda *a, **kw: updates.append(("all", "all")))
        real_show = screen._show_detail
        monkeypatch.setattr(
            screen, "_show_detail", lambda v: (detail_draws.append(v), real_show(v))
        )

        # Same minute, equal batches (new objects): nothing is redrawn, not even the detail.
        now[0] += 5
        poll(
            _view("batch_active", "validating", 0, t0 - 3600),
            _view("batch_done", "completed", 100, t0 - 7200),
        )
        await settle(pilot)
        assert updates == [] and detail_draws == []

        # The active batch starts: only its own cells change, and its detail is redrawn.
        now[0] += 5
        moved = _view("batch_active", "in_progress", 40, t0 - 3600)
        poll(moved, b)
        await settle(pilot)
        assert {row for row, _ in updates} == {"batch_active"}
        assert {col for _, col in updates} == {"status", "progress", "eta"}
        assert "40%" in str(table.get_cell("batch_active", "progress"))
        assert detail_draws == [moved]

        # A minute later the clock-driven cells of every row tick, and nothing else.
        updates.clear()
        now[0] += 60
        poll(moved, b)
        await settle(pilot)
        assert {col for _, col in updates} <= {"created", "eta", "expires"}
        assert ("batch_done", "created") in updates and ("batch_active", "expires") in updates
        assert str(table.get_cell("batch_done", "created")) == "2h 01m ago"


async def test_detail_title_follows_the_cursor_before_the_body(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first = await submit_sample(service, tmp_path, "first")
    second = await submit_sample(service, tmp_path, "second")
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        side = screen.query_one("#batch-side")
        assert side.border_title == second  # newest first
        screen._detail.delay = 60.0  # the body waits for the cursor to rest; the title does not
        await pilot.press("j")
        await pilot.pause()
        assert side.border_title == first
        assert "meta description second" in screen_text(app)  # the body still shows the last
        screen.flush_pending()
        await pilot.pause()
        assert "meta description first" in screen_text(app)


async def test_results_batch_id_and_the_dashboard_keep_a_batch_in_one_folder(
    service, emu, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """`batchtui results BATCH_ID` and `o` share the batch's cache folder: what one
    downloaded, the other opens without downloading it again."""
    import asyncio

    from batchtui.api.records import state_dir
    from batchtui.cli import main
    from batchtui.ui.screens.results import ResultsScreen

    done = await submit_sample(
        service, tmp_path, "shared", n=30, **{"emulator.fail_fraction": "0.25"}
    )
    await emu.advance(48 * 3600)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    argv = ["results", done, "--base-url", emu.base_url, "--summary"]
    assert await asyncio.to_thread(main, argv) == 0
    folder = state_dir() / "batches" / done
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{done}_{kind}.jsonl" for kind in ("error", "input", "output")
    ]
    before = len(emu.requests)
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ResultsScreen)
        await settle(pilot)
        assert screen.result is not None and screen.result.counts()["total"] == 30
    downloads = [r.path for r in list(emu.requests)[before:] if r.path.endswith("/content")]
    assert downloads == []
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{done}_{kind}.jsonl" for kind in ("error", "input", "output")
    ]
