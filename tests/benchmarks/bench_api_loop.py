"""Why the TUI's API calls run on a loop of their own (``batchtui/ui/api_loop.py``): how long
the UI's event loop stalls while the dashboard refreshes a big account.

Run by hand from the repository root (not by pytest)::

    .venv/bin/python tests/benchmarks/bench_api_loop.py [--rounds 6] [--batches 500]

The account: ``bench_dashboard``'s emulator helper (its own process, 500 batches of which 50
are active, spread over the pages). This process plays the UI: its event loop runs a 5 ms
heartbeat and records how late each beat is (a key press waits at least that long), while
a ``BatchPoller.refresh`` (pages listed, active batches retrieved, parsed into SDK models and
views) runs either

* A, on ``ApiLoop`` (a thread with its own loop and client, what the TUI does), or
* B, on the UI loop itself (one client there, no thread),

each a full load (a new poller: every page listed and parsed, the dashboard's first load and
the heaviest refresh), or with ``--steady`` the later, incremental refreshes,

interleaved A B A B for ``--rounds`` pairs, so both see the same machine. Reported per mode:
the worst and median heartbeat lateness during refreshes, and the refresh time. The UI loop
here does nothing else; in the TUI it also draws, so these are lower bounds on key delay.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_dashboard import Helper

BEAT = 0.005


async def heartbeat(lates: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(BEAT)
        lates.append(time.perf_counter() - t - BEAT)


async def measure(refresh, rounds: int) -> tuple[list[float], list[float], list[float]]:  # type: ignore[no-untyped-def]
    worst, medians, took = [], [], []
    for _ in range(rounds):
        lates: list[float] = []
        stop = asyncio.Event()
        beat = asyncio.create_task(heartbeat(lates, stop))
        await asyncio.sleep(0.05)
        lates.clear()
        t = time.perf_counter()
        await refresh()
        took.append(time.perf_counter() - t)
        stop.set()
        await beat
        worst.append(max(lates))
        medians.append(statistics.median(lates))
    return worst, medians, took


async def main_async(base_url: str, rounds: int, full: bool) -> None:
    from batchtui.api.config import ClientSettings
    from batchtui.api.poller import BatchPoller
    from batchtui.api.records import RecordStore
    from batchtui.api.service import BatchService
    from batchtui.ui.api_loop import ApiLoop

    settings = ClientSettings(api_key="sk-bench", base_url=base_url, max_retries=0, timeout=120)
    records = RecordStore(Path("/nonexistent-bench/records.json"))
    here = BatchService(settings, records=records)
    api = ApiLoop(here)
    poll_a = BatchPoller(api.service)
    poll_b = BatchPoller(here)

    # A poller remembers what it saw and asks only for what may have changed; a new one
    # (the dashboard's first load) reads and parses every page.
    async def on_api_loop() -> None:
        poller = BatchPoller(api.service) if full else poll_a
        await api.run(poller.refresh())

    async def on_ui_loop() -> None:
        poller = BatchPoller(here) if full else poll_b
        await poller.refresh()

    await on_api_loop()  # warm both: imports, connections, first parse
    await on_ui_loop()
    results: dict[str, tuple[list[float], list[float], list[float]]] = {
        "A api loop": ([], [], []),
        "B ui loop": ([], [], []),
    }
    for _ in range(rounds):
        for name, fn in (("A api loop", on_api_loop), ("B ui loop", on_ui_loop)):
            w, m, t = await measure(fn, 1)
            for into, got in zip(results[name], (w, m, t), strict=True):
                into.extend(got)
    kind = "full loads (a new poller each time)" if full else "steady refreshes"
    print(f"{rounds} pairs of {kind}, interleaved; heartbeat {BEAT * 1000:.0f} ms")
    for name, (w, m, t) in results.items():
        print(
            f"  {name}: worst stall during a refresh {max(w) * 1000:.0f} ms "
            f"(median of the per-refresh worst {statistics.median(w) * 1000:.0f} ms), "
            f"median lateness {statistics.median(m) * 1000:.1f} ms, "
            f"refresh {statistics.median(t):.2f} s"
        )
    await api.close()
    await here.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batches", type=int, default=500)
    parser.add_argument("--active", type=int, default=50)
    parser.add_argument(
        "--steady", action="store_true", help="reuse each poller (later polls, not first loads)"
    )
    args = parser.parse_args()
    helper = Helper("spread", args.batches, args.active, 1)
    try:
        asyncio.run(main_async(helper.info["base_url"], args.rounds, not args.steady))
    finally:
        helper.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
