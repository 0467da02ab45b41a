"""``batchtui demo``: the dashboard against a local emulator seeded with every batch state."""

from __future__ import annotations

import argparse

from batchtui.cli.args import Subparsers


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "demo",
        help="see the dashboard work without an API key (local emulator)",
        description=(
            "Start the bundled OpenAI-compatible emulator on 127.0.0.1, fill it with batches in "
            "every state (validating, failed with line errors, in progress, finalizing, "
            "completed with failures, expired, cancelled) and open the dashboard on it. Nothing "
            "leaves this machine."
        ),
    )
    p.add_argument(
        "--speed",
        type=float,
        default=60.0,
        metavar="X",
        help="emulated seconds per real second (default 60: batches visibly progress)",
    )
    p.add_argument("--seed", type=int, default=7, help="seed for the demo batches")
    p.add_argument(
        "--download-dir",
        metavar="DIR",
        help="where `d` saves result files (default: here; they outlive the demo)",
    )
    p.add_argument("file", nargs="?", help="also open this file (to try submitting it)")
    p.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(
        run_demo(args.file, speed=args.speed, seed=args.seed, download_dir=args.download_dir)
    )


async def run_demo(
    file: str | None, *, speed: float, seed: int, download_dir: str | None = None
) -> int:
    import os
    import tempfile
    from pathlib import Path

    from batchtui.core.errors import UserError
    from batchtui.jsonl.spool import note_to_stderr, open_input

    # Fail fast on a bad path; `-` and gzip files are read into a private spool.
    index = open_input(file, note=note_to_stderr).index() if file else None
    if file == "-":
        from batchtui.cli.browse import reattach_terminal

        reattach_terminal()  # standard input was the data: keys come from the terminal
    # Downloads go where the user can find them after the demo: the temporary directory
    # below (the emulator's records) is deleted at exit.
    downloads = os.path.abspath(download_dir or os.getcwd())
    try:
        os.makedirs(downloads, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot use {downloads} for downloads: {exc.strerror or exc}") from exc
    from batchtui.api.config import ClientSettings
    from batchtui.api.records import RecordStore
    from batchtui.api.service import BatchService
    from batchtui.emulator.demo import seed_demo
    from batchtui.emulator.server import EmulatorServer
    from batchtui.ui.app import BatchTUI

    with tempfile.TemporaryDirectory(prefix="batchtui-demo-") as tmp:
        async with EmulatorServer(speed=speed, seed=seed) as emulator:
            await seed_demo(emulator, seed=seed)
            service = BatchService(
                ClientSettings(api_key="demo", base_url=emulator.base_url),
                records=RecordStore(Path(tmp) / "submissions.json"),
            )
            app = BatchTUI(
                index,
                initial_mode="batches",
                service=service,
                download_dir=downloads,
                clock=emulator.state.now,  # the demo runs on the emulator's faster clock
            )
            app.title = "batchtui demo"
            await app.run_async()
            await service.close()
            return app.return_code or 0
