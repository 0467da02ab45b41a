"""Download benchmark: a ~200 MB batch output file from the emulator, through BatchService.

Run by hand (pytest ignores tests/benchmarks):

    .venv/bin/python tests/benchmarks/bench_download.py [--mb 200]

Method:
1. Start ``batchtui emulator`` in a separate process (so its memory is not counted), at a
   very high clock speed.
2. Submit an embeddings batch (1536 dimensions per answer) sized to give a ~200 MB output
   file, with ``emulator.drop_download=1`` so that the first download of that file is cut
   halfway; poll until it completes.
3. In this process, while a thread samples VmRSS every 5 ms, run and time, on the same file:
   a. ``BatchService.download_file`` through the dropped connection (resumes with Range);
   b. ``BatchService.download_file`` again, uninterrupted;
   c. reference: the same GET streamed to disk with plain ``httpx2`` (no SDK, no retries);
   d. reference: a plain read of the downloaded file (1 MiB chunks, page cache warm);
   e. reference: ``shutil.copyfile`` of it (read + write, same disk).
   RSS growth = peak VmRSS during the run minus VmRSS just before it.
4. Check every download is byte-identical (sha256) to the emulator's stored file.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

API_KEY = "sk-bench"
BYTES_PER_REQUEST = 32_300  # one 1536-float embedding answer, measured


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def machine() -> str:
    cpu = "unknown cpu"
    try:
        text = Path("/proc/cpuinfo").read_text()
        m = re.search(r"model name\s*:\s*(.+)", text)
        cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


async def measure(
    label: str, size: int, work: Callable[[], Awaitable[object]]
) -> tuple[str, float, int]:
    before = rss_bytes()
    with PeakRss() as peak:
        t0 = time.perf_counter()
        await work()
        elapsed = time.perf_counter() - t0
    growth = peak.peak - before
    return label, elapsed, growth


def start_emulator(data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "batchtui",
            "emulator",
            "--port",
            "0",
            "--speed",
            "1000000",
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return proc, m.group(1)
    raise RuntimeError("the emulator did not start")


async def main(target_mb: float) -> None:
    import httpx2

    from batchtui.api.config import ClientSettings
    from batchtui.api.service import BatchService
    from batchtui.emulator import samples

    work = Path(tempfile.mkdtemp(prefix="bench-download-"))
    proc, base_url = start_emulator(work / "emulator")
    try:
        n = max(1, int(target_mb * 1e6 / BYTES_PER_REQUEST))
        source = samples.write_jsonl(
            work / "input.jsonl", samples.embedding_requests(n, dimensions=1536, seed=1)
        )
        settings = ClientSettings(api_key=API_KEY, base_url=base_url, timeout=600)
        async with BatchService(settings) as service:
            t0 = time.perf_counter()
            batch = (
                await service.submit(
                    source,
                    metadata={"emulator.drop_download": "1", "emulator.fail_fraction": "0"},
                    record=False,
                )
            ).batch
            while not batch.is_terminal:
                await asyncio.sleep(0.2)
                batch = await service.retrieve(batch.id)
            generated = time.perf_counter() - t0
            assert batch.status == "completed" and batch.output_file_id, batch
            file_id = batch.output_file_id
            stored = work / "emulator" / "files" / file_id
            size = stored.stat().st_size
            expected = sha256(stored)
            print(f"machine: {machine()}")
            print(
                f"output file: {size / 1e6:,.1f} MB, {n:,} embedding answers "
                f"(generated by the emulator in {generated:.1f} s)"
            )
            print(f"RSS before the downloads: {rss_bytes() / 1e6:,.1f} MB")

            dest = work / "dl" / "output.jsonl"
            rows = []
            attempts: list[int] = []

            async def service_download() -> None:
                result = await service.download_file(file_id, dest, retry_delay=0)
                attempts.append(result.attempts)

            rows.append(
                await measure("service, dropped halfway + Range resume", size, service_download)
            )
            assert sha256(dest) == expected and attempts[-1] == 2, attempts
            dest.unlink()
            rows.append(await measure("service, uninterrupted", size, service_download))
            assert sha256(dest) == expected and attempts[-1] == 1, attempts

            raw_dest = work / "dl" / "raw.jsonl"

            async def raw_httpx() -> None:
                async with (
                    httpx2.AsyncClient(timeout=600) as http,
                    http.stream(
                        "GET",
                        f"{base_url}/files/{file_id}/content",
                        headers={"Authorization": f"Bearer {API_KEY}"},
                    ) as r,
                ):
                    r.raise_for_status()
                    with open(raw_dest, "wb") as f:
                        async for chunk in r.aiter_raw():
                            f.write(chunk)

            rows.append(await measure("reference: plain httpx2 stream to disk", size, raw_httpx))
            assert sha256(raw_dest) == expected

            async def plain_read() -> None:
                with open(dest, "rb") as f:
                    while f.read(1 << 20):
                        pass

            async def plain_copy() -> None:
                shutil.copyfile(dest, work / "dl" / "copy.jsonl")

            rows.append(await measure("reference: plain read of the file", size, plain_read))
            rows.append(await measure("reference: shutil.copyfile of the file", size, plain_copy))

        print()
        print(f"{'run':44}  {'time':>8}  {'MB/s':>8}  {'RSS growth':>10}")
        for label, elapsed, growth in rows:
            print(
                f"{label:44}  {elapsed:7.2f}s  {size / 1e6 / elapsed:8.0f}  {growth / 1e6:8.1f} MB"
            )
        plain = rows[3][1]
        print()
        print(
            f"service (uninterrupted) vs plain read: {rows[1][1] / plain:.1f}x the time; "
            f"vs plain httpx2: {rows[1][1] / rows[2][1]:.2f}x"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=200.0, help="output size to aim for (MB)")
    asyncio.run(main(parser.parse_args().mb))
