"""The dashboard as a user meets it: the line-error list, toasts, submit, downloads."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from batchtui.api.models import BatchErrorView, BatchView, RequestCounts
from batchtui.api.poller import PollResult
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from tests.ui.conftest import screen_text, settle

T0 = 1_800_000_000
LONG = (
    "The provided model 'gpt-4o-mini-2024-07-18-batch' is not supported by the Batch API; "
    "use one of the models listed on the batch page. See line {n} (the end of this message)."
)


def failed_batch(n_errors: int = 3) -> BatchView:
    return BatchView(
        id="batch_failed_with_lines",
        status="failed",
        raw_status="failed",
        endpoint="/v1/chat/completions",
        created_at=T0 - 3600,
        failed_at=T0 - 3500,
        request_counts=RequestCounts(0, 0, 0),
        errors=tuple(
            BatchErrorView("model_not_found", LONG.format(n=i + 1), "body.model", i + 1)
            for i in range(n_errors)
        ),
    )


def fixed_app(service, now: list[float]) -> BatchTUI:  # type: ignore[no-untyped-def]
    return BatchTUI(
        None,
        initial_mode="batches",
        service=service,
        clock=lambda: now[0],
        wall_clock=lambda: now[0],
    )


def stop_polling(screen: BatchesScreen) -> None:
    if screen.polls.timer is not None:
        screen.polls.timer.stop()  # the emulator's own (empty) account stays out of the test


async def test_line_error_cursor_survives_refreshes_and_shows_whole_message(service) -> None:  # type: ignore[no-untyped-def]
    now = [T0 + 1.0]
    app = fixed_app(service, now)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        stop_polling(screen)
        screen.apply_result(PollResult([failed_batch()], None, 60.0, now[0], None))
        await settle(pilot)
        await pilot.press("enter")
        await pilot.pause()
        errors = screen.query_one("#batch-errors", OptionList)
        assert app.focused is errors and errors.highlighted == 0
        await pilot.press("j", "j", "k")  # j/k move like everywhere else
        assert errors.highlighted == 1
        for _ in range(3):  # polls a minute apart: the detail is redrawn each time
            now[0] += 61
            screen.apply_result(PollResult([failed_batch()], None, 60.0, now[0], None))
            await settle(pilot)
        assert app.focused is errors and errors.highlighted == 1
        # The selected error's whole message is on screen, even at 80x24.
        text = " ".join(screen_text(app).split())
        assert "See line 2 (the end of this message)." in text
        await pilot.press("question_mark")  # the keys of this list, under its own name
        assert "Line errors" in screen_text(app) and "KeyList" not in screen_text(app)
        await pilot.press("escape")
        opened: list[int | None] = []
        screen.open_input = lambda batch, line: opened.append(line)  # type: ignore[method-assign]
        await pilot.press("enter")
        await pilot.pause()
        assert opened == [2]


def _batch(batch_id: str, status: str, done: int = 100, failed: int = 0) -> BatchView:
    return BatchView(
        id=batch_id,
        status=status,
        raw_status=status,
        endpoint="/v1/chat/completions",
        created_at=T0 - 3600,
        expires_at=T0 + 80000,
        request_counts=RequestCounts(done + failed, done, failed),
    )


def finish_toasts(app: BatchTUI) -> list[str]:
    return [n.message for n in app._notifications if n.title.startswith("Batch")]


async def test_finished_batches_share_one_toast(service) -> None:  # type: ignore[no-untyped-def]
    from batchtui.api.poller import Change

    now = [T0 + 1.0]
    app = fixed_app(service, now)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        stop_polling(screen)
        running = [_batch(f"batch_{i}", "in_progress", 10) for i in range(4)]
        screen.apply_result(PollResult(running, None, 60.0, now[0], None))
        await settle(pilot)
        done = [
            _batch("batch_0", "completed"),
            _batch("batch_1", "completed", 90, 10),
            _batch("batch_2", "expired", 50, 50),
        ]
        changes = [Change(old, new) for old, new in zip(running, done, strict=False)]
        screen.apply_result(PollResult([*done, running[3]], None, 60.0, now[0], None, changes))
        await settle(pilot)
        toasts = finish_toasts(app)
        assert len(toasts) == 1, toasts
        assert "3 batches finished" in toasts[0]
        assert "2 completed" in toasts[0] and "1 expired" in toasts[0]
        # One more finishes while that toast is up: still one toast, counting all four.
        last = _batch("batch_3", "failed", 0, 0)
        screen.apply_result(
            PollResult([*done, last], None, 60.0, now[0], None, [Change(running[3], last)])
        )
        await settle(pilot)
        toasts = finish_toasts(app)
        assert len(toasts) == 1 and "4 batches finished" in toasts[0], toasts


async def test_after_a_submit_the_new_batch_is_selected(service, emu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from batchtui.emulator import samples
    from batchtui.jsonl import LineIndex
    from batchtui.ui.screens.dialogs import SubmitDialog
    from batchtui.ui.widgets.batch_table import BatchTable
    from tests.ui.conftest import wait_for

    for name in ("older-a", "older-b", "older-c"):
        path = tmp_path / f"{name}.jsonl"
        path.write_bytes(samples.to_jsonl(list(samples.chat_requests(5, seed=1, prefix=name))))
        await service.submit(path, metadata={"description": name})
    path = tmp_path / "fresh.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(8, seed=2, prefix="fresh"))))
    app = BatchTUI(LineIndex(path), service=service, clock=emu.state.now, validate=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("G")  # the cursor on the oldest batch
        await pilot.press("1")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BatchesScreen), "the dashboard")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        assert screen.query_one(BatchTable).row_count == 4
        newest = (await service.list_batches())[0]
        selected = screen.selected_batch()
        assert selected is not None and selected.id == newest.id
