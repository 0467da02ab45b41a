"""An unexpected exception in any worker is shown, and the screen recovers from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.api.poller import BatchPoller
from batchtui.api.service import BatchService
from batchtui.emulator import samples
from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.widgets.batch_table import BatchTable
from tests.ui.conftest import settle, wait_for


def toasts(app: BatchTUI) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def calm(pilot) -> None:  # type: ignore[no-untyped-def]
    """Like ``settle``, for workers expected to fail (``wait_for_complete`` re-raises)."""
    await wait_for(pilot, lambda: not any(w.is_running for w in pilot.app.workers), "workers")
    await pilot.pause()
    flush = getattr(pilot.app.screen, "flush_pending", None)
    if flush is not None:
        flush()
    await pilot.pause()


async def test_a_failing_validation_is_shown_and_a_submit_does_not_wait(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    service,
    emu,  # type: ignore[no-untyped-def]
) -> None:
    from batchtui.validation import engine

    def boom(self, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom in the validator")

    monkeypatch.setattr(engine.Validator, "run", boom)
    path = tmp_path / "in.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(5, seed=1))))
    app = BatchTUI(LineIndex(path), service=service, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await calm(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        assert "Validation failed: RuntimeError: boom in the validator" in toasts(app)
        assert screen.validation_running is False
        await pilot.press("u")
        await wait_for(
            pilot,
            lambda: any(t.startswith("Not submitted:") for t in toasts(app)),
            "the submit to give up at once (it waited 600 s)",
        )
        await calm(pilot)
    assert await service.list_batches() == []


async def test_a_failing_poll_is_shown_marked_stale_and_polling_goes_on(
    service,
    emu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(5, seed=1))))
    await service.submit(path)
    real = BatchPoller.refresh
    failures = {"left": 1}

    async def flaky(self):  # type: ignore[no-untyped-def]
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("poll exploded")
        return await real(self)

    app = BatchTUI(None, initial_mode="batches", service=service, clock=emu.state.now)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        assert screen.query_one(BatchTable).row_count == 1
        monkeypatch.setattr(BatchPoller, "refresh", flaky)
        screen.poll_now()
        await calm(pilot)
        assert "Refreshing the batches failed: RuntimeError: poll exploded" in toasts(app)
        status = str(screen.query_one("#poll-status").render())
        assert "stale since" in status and "poll exploded" in status
        assert screen.query_one(BatchTable).row_count == 1, "the last picture is kept"
        timer = screen.polls.timer
        assert timer is not None and screen.polls.next_at is not None, "polling goes on"
        timer._callback()  # the next scheduled poll (not waited for: tests never sleep)
        await calm(pilot)
        assert "stale" not in str(screen.query_one("#poll-status").render())
        assert screen.polls.timer is not None


async def test_a_failing_download_is_shown(
    service,
    emu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(5, seed=1))))
    await service.submit(path)
    await emu.advance(100_000)

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(5, "Input/output error")

    # On the class: the app's API loop downloads with a service of its own (ui/api_loop.py).
    monkeypatch.setattr(BatchService, "download_file", broken)
    app = BatchTUI(
        None,
        initial_mode="batches",
        service=service,
        clock=emu.state.now,
        download_dir=str(tmp_path / "dl"),
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await calm(pilot)
        assert "Download failed: OSError: [Errno 5] Input/output error" in toasts(app)
        assert not app.screen.query_one("#download-progress").display


async def test_a_full_disk_on_download_is_one_line(
    service,
    emu,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    from tests.diskfull import disk_full_after

    path = tmp_path / "in.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(50, seed=1))))
    await service.submit(path)
    await emu.advance(100_000)
    app = BatchTUI(
        None,
        initial_mode="batches",
        service=service,
        clock=emu.state.now,
        download_dir=str(tmp_path / "dl"),
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        disk_full_after(monkeypatch, 100)
        await pilot.press("d")
        await settle(pilot)
        assert any("no space left on device" in t for t in toasts(app)), toasts(app)
    assert list((tmp_path / "dl").iterdir()) == []
