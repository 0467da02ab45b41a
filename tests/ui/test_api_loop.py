"""Every API call of the TUI runs on one loop with one client (``ui/api_loop.py``)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from batchtui.api.service import BatchService
from batchtui.ui.screens.dialogs import ConfirmDialog
from tests.ui.conftest import settle
from tests.ui.test_batches import dashboard, submit_sample


async def test_polls_actions_and_downloads_share_one_client_off_the_ui_thread(
    service, emu, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    running = await submit_sample(
        service, tmp_path, "to-cancel", **{"emulator.processing_seconds": "10000000"}
    )
    done = await submit_sample(service, tmp_path, "done")
    await emu.advance(3_000)
    uses: list[tuple[int, int]] = []  # (service, thread) of every client the app reached
    real = BatchService.client

    def client(self: BatchService):  # type: ignore[no-untyped-def]
        uses.append((id(self), threading.get_ident()))
        return real.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(BatchService, "client", property(client))
    app = dashboard(service, emu, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert uses, "the first poll went through a client"
        screen.select_batch(running)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        screen.select_batch(done)
        await pilot.press("d")
        await settle(pilot)
        api = app._api
        assert api is not None
        assert {use[0] for use in uses} == {id(api.service)}, "one client for everything"
        assert threading.get_ident() not in {use[1] for use in uses}, "none on the UI thread"
        assert api.service is not service and api.service.records is service.records
        assert any(p.name.endswith(".jsonl") for p in (tmp_path / "downloads").iterdir())
    assert not api._thread.is_alive(), "the loop ends with the app"
