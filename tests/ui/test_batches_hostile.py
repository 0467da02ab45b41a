"""The dashboard against a server that sends hostile data: it shows what it can, marks the
rest, never crashes, and never writes outside its directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.api.config import ClientSettings
from batchtui.api.records import state_dir
from batchtui.api.service import BatchService
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from batchtui.ui.widgets.batch_table import BatchTable
from tests.api.hostile import HOSTILE_BATCHES, NOW, hostile_server
from tests.ui.conftest import screen_text, settle, wait_for


def rows(screen: BatchesScreen) -> list[str]:
    table = screen.query_one(BatchTable)
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


@pytest.mark.parametrize("size", [(80, 24), (160, 40)])
async def test_hostile_batches_are_all_shown_and_marked(tmp_path: Path, size) -> None:  # type: ignore[no-untyped-def]
    async with hostile_server() as url:
        service = BatchService(ClientSettings(api_key="sk-test", base_url=url, max_retries=0))
        app = BatchTUI(None, initial_mode="batches", service=service, clock=lambda: NOW)
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BatchesScreen)
            shown = rows(screen)
            assert len(shown) == len(HOSTILE_BATCHES), "every batch has its row"
            neg = next(r for r in shown if "batch_neg" in r)
            assert "?" in neg  # impossible counts are marked, not drawn
            # Walk every row: each detail pane draws without an exception.
            for _ in HOSTILE_BATCHES:
                await pilot.press("j")
                screen.flush_pending()
                await pilot.pause()
            text = screen_text(app)
            assert "\x1b" not in text
        await service.close()
    assert app.return_value in (None, 0)


async def test_detail_marks_impossible_times(tmp_path: Path) -> None:
    async with hostile_server() as url:
        service = BatchService(ClientSettings(api_key="sk-test", base_url=url, max_retries=0))
        app = BatchTUI(None, initial_mode="batches", service=service, clock=lambda: NOW)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            table = screen.query_one(BatchTable)
            table.cursor = next(i for i, r in enumerate(rows(screen)) if "batch_1e20" in r)
            await pilot.pause()
            screen.flush_pending()
            await pilot.pause()
            text = screen_text(app)
            assert "created     ? (1e+20)" in text and "completed   ? (1e+20)" in text
        await service.close()


async def test_hostile_ids_do_not_escape_the_state_directory(tmp_path: Path) -> None:
    # Absolute paths as ids (".." segments are refused before any request): joined to a
    # directory unreduced, they would write where the server says.
    outside = tmp_path / "outside"
    hostile = [
        {
            "id": f"{outside}/batch",
            "status": "completed",
            "created_at": NOW,
            "input_file_id": f"{outside}/input",
            "output_file_id": f"{outside}/out",
            "error_file_id": f"{outside}/err",
        }
    ]
    async with hostile_server(hostile) as url:
        service = BatchService(ClientSettings(api_key="sk-test", base_url=url, max_retries=0))
        app = BatchTUI(
            None,
            initial_mode="batches",
            service=service,
            clock=lambda: NOW,
            download_dir=str(tmp_path / "downloads"),
        )
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            await pilot.press("o")  # download the result files and the input, then open
            await wait_for(pilot, lambda: app.current_mode == "results", "the results view")
            await settle(pilot)
            await pilot.press("2", "d")
            await settle(pilot)
        await service.close()
    state = state_dir()
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert written, "the files were downloaded"
    for path in written:
        assert path.is_relative_to(state) or path.is_relative_to(tmp_path / "downloads"), path
        assert ".." not in path.name
    # One folder for the batch (its input beside its results), inside the state directory.
    cached = [p for p in written if p.is_relative_to(state / "batches")]
    assert len(cached) == 3 and len({p.parent for p in cached}) == 1
    assert cached[0].parent.parent == state / "batches"
    downloads = [p for p in written if p.is_relative_to(tmp_path / "downloads")]
    assert len(downloads) == 2 and all(p.parent == tmp_path / "downloads" for p in downloads)
    assert not outside.exists()
