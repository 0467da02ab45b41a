"""Regenerate the pictures in screenshots/ from the real app (run from the repo root):

    .venv/bin/python screenshots/regenerate.py

Each picture is an SVG written by Textual's own screenshot support, driven by Pilot the way
the tests drive the app. Add a scene to SCENES when a screen is added.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from batchtui.jsonl import LineIndex  # noqa: E402
from batchtui.ui.app import BatchTUI  # noqa: E402

Scene = Callable[[], Awaitable[None]]


async def settle(pilot: Pilot[object]) -> None:
    for _ in range(50):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if not any(w.is_running for w in pilot.app.workers):
            return


async def shoot(app: BatchTUI, name: str, size: tuple[int, int], keys: list[str]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"wrote screenshots/{name}.svg")


def browser(path: str, **kwargs: object) -> BatchTUI:
    return BatchTUI(LineIndex(path), **kwargs)  # type: ignore[arg-type]


def results(**files: str) -> BatchTUI:
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = dict(files)
    return app


RESULTS_SAMPLE = {
    "input_path": "batchtui/examples/results_input.jsonl",
    "output_path": "batchtui/examples/results_output.jsonl",
    "error_path": "batchtui/examples/results_errors.jsonl",
}


async def batches(name: str, size: tuple[int, int], keys: list[str]) -> None:
    """The dashboard on the emulator seeded with every state (what `batchtui demo` shows)."""
    import tempfile

    from batchtui.api.config import ClientSettings
    from batchtui.api.records import RecordStore
    from batchtui.api.service import BatchService
    from batchtui.emulator.demo import seed_demo
    from batchtui.emulator.server import EmulatorServer

    with tempfile.TemporaryDirectory() as tmp:
        async with EmulatorServer(speed=0.0, seed=11) as emu:
            await seed_demo(emu, seed=7)
            await emu.advance(90)  # let the in-progress batches move between two polls
            service = BatchService(
                ClientSettings(api_key="demo", base_url=emu.base_url),
                records=RecordStore(Path(tmp) / "records.json"),
            )
            app = BatchTUI(None, initial_mode="batches", service=service, clock=emu.state.now)
            await shoot(app, name, size, keys)
            await service.close()


async def jobs(name: str, size: tuple[int, int], mode: str, keys: list[str]) -> None:
    """A job of 60 requests in parts of 20 on the emulator, its runner stopped once two
    parts are in (the third waits): the Jobs view, or its row in the dashboard."""
    import tempfile

    from batchtui.api.config import ClientSettings
    from batchtui.api.records import RecordStore
    from batchtui.api.service import BatchService
    from batchtui.emulator import samples
    from batchtui.emulator.server import EmulatorServer
    from batchtui.jobs.options import JobOptions
    from batchtui.jobs.plan import PartLimits
    from batchtui.jobs.prepare import create_job, prepare
    from batchtui.jobs.runner import Runner

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BATCHTUI_STATE_DIR"] = str(Path(tmp) / "state")
        path = samples.write_jsonl(Path(tmp) / "nightly.jsonl", samples.chat_requests(60))
        async with EmulatorServer(speed=0.0, seed=11) as emu:
            service = BatchService(
                ClientSettings(api_key="demo", base_url=emu.base_url),
                records=RecordStore(Path(tmp) / "records.json"),
            )
            options = JobOptions(max_requests=20, max_bytes=10**8, max_active=2)
            prepared = prepare(path, PartLimits(20, 10**8), tokens="none", processes=1)
            store = create_job("nightly", prepared, options, base_url=emu.base_url)
            submitted = []

            def on_event(event: object) -> None:
                if getattr(event, "kind", "") == "submitted":
                    submitted.append(event)
                    if len(submitted) == 2:
                        runner.stop()

            runner = Runner(store, service, on_event=on_event, now=emu.state.now)

            async def sleep(seconds: float) -> None:
                await emu.advance(max(seconds, 1.0))

            runner._sleep = sleep  # type: ignore[method-assign]
            await runner.run()
            store.close()
            await emu.advance(200)  # its batches part-way through
            app = BatchTUI(None, initial_mode=mode, service=service, clock=emu.state.now)
            await shoot(app, name, size, keys)
            await service.close()


SCENES: dict[str, Callable[[], Awaitable[None]]] = {
    "jobs": lambda: jobs("jobs", (120, 36), "jobs", []),
    "batches-job": lambda: jobs("batches-job", (120, 36), "batches", ["space"]),
    "batches": lambda: batches("batches", (160, 50), ["j", "j"]),
    "batches-80x24": lambda: batches("batches-80x24", (80, 24), []),
    "validation": lambda: shoot(
        browser("batchtui/examples/chat_mistakes.jsonl", validate=True),
        "validation",
        (120, 36),
        ["right_square_bracket", "right_square_bracket"],
    ),
    "validation-report-80x24": lambda: shoot(
        browser("batchtui/examples/chat_mistakes.jsonl", validate=True),
        "validation-report-80x24",
        (80, 24),
        ["v"],
    ),
    "browser": lambda: shoot(
        browser("batchtui/examples/chat.jsonl"), "browser", (120, 36), ["j", "j"]
    ),
    "browser-80x24": lambda: shoot(
        browser("batchtui/examples/chat.jsonl"),
        "browser-80x24",
        (80, 24),
        ["j", "j", "j", "j", "j"],
    ),
    # ] four times: past the truncated and filtered answers to the rate-limited ticket-007.
    "results": lambda: shoot(
        results(**RESULTS_SAMPLE), "results", (160, 50), ["right_square_bracket"] * 4
    ),
    "results-80x24": lambda: shoot(
        results(**RESULTS_SAMPLE), "results-80x24", (80, 24), ["right_square_bracket"] * 3
    ),
}


async def main(names: list[str]) -> None:
    os.chdir(REPO)
    for name in names or list(SCENES):
        await SCENES[name]()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
