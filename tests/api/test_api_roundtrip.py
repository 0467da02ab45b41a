"""Full round trips: submit a generated file, advance the clock, download, and find every
custom_id exactly once across the output and error files."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from api_helpers import custom_ids_of, run_to_end

from batchtui.api.batch_files import RESULTS, fetch_batch_files
from batchtui.api.service import BatchService
from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer


def ids_in(path: Path | None) -> list[str]:
    if path is None:
        return []
    return [orjson.loads(line)["custom_id"] for line in path.read_bytes().splitlines()]


@pytest.mark.parametrize(
    ("metadata", "end_status"),
    [
        ({"emulator.fail_fraction": "0.2"}, "completed"),
        ({"emulator.fail_fraction": "0"}, "completed"),
        ({"emulator.fail_fraction": "1"}, "completed"),
        ({"emulator.expire": "0.4", "emulator.fail_fraction": "0.1"}, "expired"),
    ],
)
async def test_round_trip_every_custom_id_once(
    emu: EmulatorServer,
    service: BatchService,
    tmp_path: Path,
    metadata: dict[str, str],
    end_status: str,
) -> None:
    requests = list(samples.chat_requests(300, seed=11))
    source = samples.write_jsonl(tmp_path / "in.jsonl", requests)
    submitted = await service.submit(source, metadata=metadata)
    assert submitted.batch.status == "validating"

    done = await run_to_end(emu, service, submitted.batch.id, step=3600)
    assert done.status == end_status
    results = (
        await fetch_batch_files(service, done, tmp_path / "results", kinds=RESULTS)
    ).downloaded
    out = results.get("output")
    err = results.get("error")
    seen = ids_in(out.path if out else None) + ids_in(err.path if err else None)
    expected = custom_ids_of(source)
    assert sorted(seen) == sorted(expected) and len(set(seen)) == len(expected)
    counts = done.request_counts
    assert counts.completed == len(ids_in(out.path if out else None))
    assert counts.failed == len(ids_in(err.path if err else None))
    if metadata.get("emulator.fail_fraction") == "1":
        assert out is None and done.output_file_id is None
    if metadata.get("emulator.fail_fraction") == "0":
        assert err is None and done.error_file_id is None
    for result in results.values():
        assert result.attempts == 1 and result.path.name.startswith(done.id)
        assert result.bytes == result.path.stat().st_size
    leftovers = [p for p in (tmp_path / "results").iterdir() if p.suffix == ".part"]
    assert leftovers == []


async def test_round_trip_cancelled_with_the_mixed_endpoints(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    source = samples.write_jsonl(
        tmp_path / "emb.jsonl", samples.embedding_requests(80, dimensions=64, seed=2)
    )
    batch_id = (await service.submit(source)).batch.id
    await emu.advance(20 + 30)  # validated, then partway through
    assert (await service.cancel(batch_id)).status == "cancelling"
    done = await run_to_end(emu, service, batch_id)
    assert done.status == "cancelled"
    results = (await fetch_batch_files(service, batch_id, tmp_path, kinds=RESULTS)).downloaded
    seen = ids_in(results["output"].path) + ids_in(results["error"].path)
    assert sorted(seen) == sorted(custom_ids_of(source))
    first = orjson.loads(results["output"].path.read_bytes().splitlines()[0])
    assert len(first["response"]["body"]["data"][0]["embedding"]) == 64


async def test_download_before_results_exist_is_explained(
    emu: EmulatorServer, service: BatchService, tmp_path: Path
) -> None:
    from batchtui.api.errors import ApiError

    path = samples.write_jsonl(tmp_path / "in.jsonl", samples.chat_requests(3))
    batch_id = (await service.submit(path)).batch.id
    with pytest.raises(ApiError, match=r"has no output or error file yet \(status validating\)"):
        await fetch_batch_files(service, batch_id, tmp_path, kinds=RESULTS)
