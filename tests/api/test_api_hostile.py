"""Whatever a server sends is data: odd numbers, dates, counts and ids never crash a view,
never hide a row, and never become a path outside the directory meant for them."""

from __future__ import annotations

from pathlib import Path

import pytest
from api_helpers import API_KEY
from hostile import HOSTILE_BATCHES, hostile_server, hostile_server_thread

from batchtui.api.batch_files import RESULTS, fetch_batch_files
from batchtui.api.config import ClientSettings
from batchtui.api.models import BatchView
from batchtui.api.service import BatchService
from batchtui.cli import main


async def test_every_hostile_batch_is_listed_and_marked() -> None:
    async with hostile_server() as url:
        settings = ClientSettings(api_key=API_KEY, base_url=url, max_retries=0)
        async with BatchService(settings) as service:
            listed = await service.list_batches()
            shown = await service.retrieve("batch_1e308")
    assert len(listed) == len(HOSTILE_BATCHES), "no batch hidden by another one's data"
    views = {v.id: v for v in listed}
    assert views["batch_1e20"].created_at is None and "created_at" in views["batch_1e20"].invalid
    assert views["batch_1e308"].expires_at is None and "expires_at" in views["batch_1e308"].invalid
    assert views["batch_inf"].created_at is None and "created_at" in views["batch_inf"].invalid
    assert views["batch_strdate"].created_at is not None  # an ISO date is a date
    assert "completed_at" in views["batch_strdate"].invalid  # "yesterday" is not
    neg = views["batch_neg"]
    assert neg.request_counts.completed is None and {"request_counts", "expires_at"} <= neg.invalid
    huge = views["batch_huge"]
    assert huge.request_counts.total is None and "request_counts" in huge.invalid
    assert (
        views["batch_nl\nFAKE ROW"].metadata == {}
        and "metadata" in views["batch_nl\nFAKE ROW"].invalid
    )
    assert views["batch_meta"].metadata == {"description": "42", "k": "{'nested': True}"}
    assert shown.id == "batch_1e308" and "created_at" in shown.invalid
    assert views["batch_ok"].invalid == frozenset()


@pytest.mark.parametrize(
    "value",
    [1e20, 1e308, float("inf"), float("nan"), -5, True, "2026-01-01", "garbage", None, [], {}],
)
def test_timestamps_out_of_range_are_marked_not_trusted(value: object) -> None:
    view = BatchView.from_raw({"id": "b", "created_at": value})
    if value == "2026-01-01":
        assert view.created_at is not None and not view.invalid
    elif value is None:
        assert view.created_at is None and not view.invalid  # absent is not invalid
    else:
        assert view.created_at is None and view.invalid == {"created_at"}


def test_cli_list_and_show_show_what_they_can(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    with hostile_server_thread() as url:
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        code, out, err = main(["batches", "list"]), *capsys.readouterr()
        assert (code, err) == (0, ""), err
        lines = out.splitlines()
        assert len(lines) == 1 + len(HOSTILE_BATCHES), "one line per batch, no fake rows"
        row = next(line for line in lines if line.startswith("batch_1e20"))
        assert row.split()[5] == "?"  # the created time is marked, not invented
        assert "\x1b" not in out and "\x00" not in out
        neg = next(line for line in lines if line.startswith("batch_neg"))
        assert "?" in neg.split()[2]  # progress of impossible counts is marked
        for batch_id in ("batch_1e308", "batch_1e20", "batch_neg", "batch_huge"):
            code, out, err = main(["batches", "show", batch_id]), *capsys.readouterr()
            assert (code, err) == (0, ""), err
            assert "?" in out
        code, out, err = main(["batches", "list", "--format", "json"]), *capsys.readouterr()
        assert code == 0 and '"invalid"' in out


async def test_downloads_named_by_hostile_ids_stay_in_their_directory(tmp_path: Path) -> None:
    async with hostile_server() as url:
        settings = ClientSettings(api_key=API_KEY, base_url=url, max_retries=0)
        async with BatchService(settings) as service:
            view = await service.retrieve("batch_ok")
            hostile = BatchView.from_raw(
                {
                    "id": "../../escape",
                    "status": "completed",
                    "output_file_id": "file-out",
                    "error_file_id": "file-err",
                }
            )
            target = tmp_path / "a" / "b"
            files = await fetch_batch_files(service, hostile, target, kinds=RESULTS)
            results = files.downloaded
    assert view.id == "batch_ok"
    for result in results.values():
        assert result.path.parent == target and result.path.exists()
        assert ".." not in result.path.name and "escape" in result.path.name
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        r.path.name for r in results.values()
    )
