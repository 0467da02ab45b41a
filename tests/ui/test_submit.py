"""Submitting the open file: validated first, confirmed, then it shows up and finishes."""

from __future__ import annotations

from pathlib import Path

from batchtui.api.service import BatchService
from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer
from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from batchtui.ui.screens.dialogs import ConfirmDialog, SubmitDialog
from tests.ui.conftest import settle, wait_for


def app_for(path: Path, service: BatchService, emu: EmulatorServer) -> BatchTUI:
    return BatchTUI(LineIndex(path), service=service, clock=emu.state.now, validate=True)


async def test_submit_good_file_appears_completes_and_notifies(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "good.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(30, seed=2, prefix="g"))))
    app = app_for(path, service, emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        await pilot.press(*"nightly run", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BatchesScreen), "the dashboard")
        await settle(pilot)
        batches = await service.list_batches()
        assert len(batches) == 1 and batches[0].description == "nightly run"
        record = service.records.find(batches[0].id)
        assert record is not None and record.input_path == str(path.resolve())
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        assert screen.query_one("BatchTable").row_count == 1
        await emu.advance(48 * 3600)
        await pilot.press("r")
        await settle(pilot)
        assert any(n.title == "Batch finished" for n in app._notifications)
        assert "completed" in str(screen.query_one("BatchTable").get_row_at(0)[1])


async def test_file_with_errors_is_refused_unless_forced(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.jsonl"
    rows = list(samples.chat_requests(5, seed=2, prefix="b"))
    rows[2]["body"]["stream"] = True
    path.write_bytes(samples.to_jsonl(rows))
    app = app_for(path, service, emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the refusal")
        await pilot.press("n")
        await settle(pilot)
        assert await service.list_batches() == []
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the refusal")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        await pilot.press("escape")
        await settle(pilot)
        assert await service.list_batches() == []  # Escape in the dialog submits nothing


async def test_retry_file_from_results_is_submitted_end_to_end(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from tests.ui.conftest import REPO

    examples = REPO / "batchtui" / "examples"
    files = {}
    for kind in ("input", "output", "errors"):
        files[kind] = tmp_path / f"results_{kind}.jsonl"
        shutil.copyfile(examples / f"results_{kind}.jsonl", files[kind])
    app = BatchTUI(None, initial_mode="results", service=service, clock=emu.state.now)
    app.results_args = {
        "input_path": str(files["input"]),
        "output_path": str(files["output"]),
        "error_path": str(files["errors"]),
    }
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await pilot.press("enter")  # accept the proposed retry file name
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        await pilot.press(*"retry", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BatchesScreen), "the dashboard")
        await settle(pilot)
        (batch,) = await service.list_batches()
        assert batch.description == "retry"
        record = service.records.find(batch.id)
        retry = Path(record.input_path)
        assert retry.name.endswith(".retry.jsonl")
        # failed (4) + expired (2) + missing (1) requests of the sample set
        assert len(retry.read_bytes().splitlines()) == 7


async def test_metadata_over_the_limits_is_refused_before_any_upload(
    service, emu, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "good.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(3, seed=2, prefix="m"))))
    app = app_for(path, service, emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        app.screen.query_one("Input").value = "d" * 600
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any("longer than 512 characters" in str(n.message) for n in app._notifications),
            "the refusal",
        )
        await settle(pilot)
    assert emu.state.files == {} and await service.list_batches() == []


async def test_the_screens_report_is_reused_when_its_digest_matches(
    service, emu, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from batchtui.api import submit as submit_module

    calls: list[object] = []
    monkeypatch.setattr(submit_module, "validate_spool", lambda *a, **k: calls.append(a))
    path = tmp_path / "good.jsonl"
    path.write_bytes(samples.to_jsonl(list(samples.chat_requests(3, seed=2, prefix="r"))))
    app = app_for(path, service, emu)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, BatchesScreen), "the dashboard")
        await settle(pilot)
    assert calls == [], "the bytes uploaded are the bytes the screen validated: no second pass"
    assert len(await service.list_batches()) == 1
