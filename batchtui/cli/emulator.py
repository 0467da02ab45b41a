"""``batchtui emulator``: run the local OpenAI-compatible batch server in the foreground."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from batchtui.cli.args import Subparsers
from batchtui.core.errors import UserError


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "emulator",
        help="run a local OpenAI-compatible Files + Batches server",
        description=(
            "Run a local emulator of the OpenAI Files and Batches APIs on 127.0.0.1. Point "
            "batchtui (or any OpenAI client) at it with OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 "
            "and any OPENAI_API_KEY. Per-batch faults are set through metadata keys "
            "(emulator.fail_validation, emulator.fail_fraction, emulator.expire, "
            "emulator.processing_seconds, emulator.rate_limit, emulator.server_error, "
            "emulator.slow, emulator.drop_download)."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any free)")
    p.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help="emulated seconds per real second (default 1; 60 = a minute per second)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for ids and outcomes")
    p.add_argument("--demo", action="store_true", help="start with batches in every state")
    p.add_argument(
        "--failure-rate",
        type=float,
        default=0.0,
        metavar="F",
        help="share of requests that fail with an HTTP-style error (0..1)",
    )
    p.add_argument(
        "--latency", type=float, default=0.0, metavar="S", help="seconds added to every answer"
    )
    p.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accept only this key (repeatable; default: any key)",
    )
    p.add_argument(
        "--queue-limit",
        action="append",
        default=[],
        metavar="MODEL=TOKENS",
        help="fail a batch of MODEL with token_limit_exceeded when its input tokens and those "
        "of the MODEL batches in progress exceed TOKENS (repeatable; MODEL '*' is every other "
        "model; tokens counted as `batchtui estimate` counts them)",
    )
    p.add_argument(
        "--admin-key",
        action="append",
        dest="admin_keys",
        metavar="KEY",
        help="serve the Admin API's project list and project rate limits (the queue limits as "
        "batch_1_day_max_input_tokens) to this key (repeatable)",
    )
    p.add_argument("--no-range", action="store_true", help="ignore Range headers on downloads")
    p.add_argument(
        "--data-dir",
        default=None,
        help="keep files, batches and the clock here, across restarts (default: a temporary "
        "directory removed at exit)",
    )
    p.set_defaults(handler=_run)


_LOOPBACK = ("127.", "::1", "localhost")


def exposure_warning(host: str, api_keys: list[str] | None) -> str | None:
    """The warning for a server that others can reach and that takes any key."""
    if api_keys or host.startswith(_LOOPBACK):
        return None
    where = "every interface" if host in ("0.0.0.0", "::", "") else host
    return (
        f"warning: listening on {where} without --api-key: anyone who reaches this port can "
        "upload files and create batches with any key. Pass --api-key KEY, or --host "
        "127.0.0.1."
    )


def _run(args: argparse.Namespace) -> int:
    import asyncio

    if args.speed < 0:
        raise UserError("--speed must be 0 or more")
    if not 0.0 <= args.failure_rate <= 1.0:
        raise UserError("--failure-rate must be between 0 and 1")
    data_dir: Path | None = None
    if args.data_dir is not None:
        data_dir = Path(args.data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot use {data_dir} as data directory: {exc.strerror}") from None
    queue_limits, any_model = parse_queue_limits(args.queue_limit)
    args.queue_limits, args.any_model_limit = queue_limits, any_model
    warning = exposure_warning(args.host, args.api_keys)
    if warning is not None:
        print(f"batchtui: {warning}", file=sys.stderr, flush=True)
    try:
        asyncio.run(_serve(args, data_dir))
    except OSError as exc:
        raise UserError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    return 0


def parse_queue_limits(
    options: list[str], option: str = "--queue-limit"
) -> tuple[dict[str, int], int | None]:
    """``["gpt-4o-mini=2000000", "*=90000"]`` -> ({model: tokens}, limit for every other)."""
    limits: dict[str, int] = {}
    any_model: int | None = None
    for text in options:
        model, sep, value = text.partition("=")
        model = model.strip()
        try:
            tokens = int(value.replace(",", "").replace("_", "").strip())
        except ValueError:
            tokens = -1
        if not sep or not model or tokens < 0:
            raise UserError(f"{option} {text!r}: expected MODEL=TOKENS, e.g. gpt-4o-mini=2000000")
        if model == "*":
            any_model = tokens
        else:
            limits[model] = tokens
    return limits, any_model


async def _serve(args: argparse.Namespace, data_dir: Path | None) -> None:
    import asyncio

    from batchtui.emulator.demo import seed_demo
    from batchtui.emulator.options import EmulatorOptions
    from batchtui.emulator.server import EmulatorServer

    options = EmulatorOptions(
        host=args.host,
        port=args.port,
        speed=args.speed,
        seed=args.seed,
        failure_rate=args.failure_rate,
        latency=args.latency,
        api_keys=tuple(args.api_keys) if args.api_keys else None,
        queue_limits=args.queue_limits,
        enqueued_token_limit=args.any_model_limit,
        admin_keys=tuple(args.admin_keys) if args.admin_keys else None,
        supports_range=not args.no_range,
        data_dir=data_dir,
        keep_state=data_dir is not None,
    )
    async with EmulatorServer(options) as emu:
        if args.demo and emu.state.batches:
            print("not seeding the demo: the data directory already has batches", file=sys.stderr)
        elif args.demo:
            summary = await seed_demo(emu, seed=args.seed or 7)
            print(f"seeded {len(summary.batches)} demo batches", file=sys.stderr)
        print(f"batchtui emulator listening on {emu.base_url} (speed x{args.speed:g})")
        print(f"  export OPENAI_BASE_URL={emu.base_url}")
        print(
            "  export OPENAI_API_KEY=sk-emulator   # any key works"
            if not args.api_keys
            else "  export OPENAI_API_KEY=<one of the --api-key values>"
        )
        if args.admin_keys:
            print(
                "  export OPENAI_ADMIN_KEY=<one of the --admin-key values> "
                f"OPENAI_PROJECT_ID={options.project_id}   # queue limits from the Admin API"
            )
        for model, tokens in sorted(args.queue_limits.items()):
            print(f"  queue limit: {model} {tokens:,} enqueued tokens")
        if args.any_model_limit is not None:
            print(f"  queue limit: every other model {args.any_model_limit:,} enqueued tokens")
        print("Press Ctrl-C to stop.", flush=True)
        await asyncio.Event().wait()
