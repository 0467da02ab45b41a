"""The ``estimate`` subcommand: what a batch file will cost, offline.

Only ``argparse`` at module level: ``batchtui --help`` must stay fast; the handler imports
tiktoken and genai-prices when it runs.
"""

from __future__ import annotations

import argparse

from batchtui.cli.args import Subparsers, add_format, add_input_files, add_jobs


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "estimate",
        help="count a batch file's tokens and price it (batch vs standard), offline",
        description=(
            "Count the input tokens of every request with OpenAI's tokenizer (tiktoken, "
            "installed locally: no network), read each line's output ceiling, and price both at "
            "batch and at standard rates (genai-prices). The maximum is the input plus every "
            "output ceiling. Exit status: 0 done, 2 usage or I/O error."
        ),
    )
    add_input_files(p)
    add_format(
        p,
        "text: a readable summary (default); json: one object per file (a list for several files)",
    )
    p.add_argument(
        "--sample",
        action="store_true",
        help="a quick estimate from evenly spaced lines instead of counting every line",
    )
    p.add_argument(
        "--price",
        action="append",
        default=[],
        metavar="MODEL=IN,OUT[,BATCH_IN,BATCH_OUT]",
        help="price MODEL at these US dollars per million tokens (batch defaults to half), or "
        "MODEL=OTHER to price it as OTHER (e.g. an Azure deployment name); repeatable",
    )
    add_jobs(p, "threads for counting (default: one per CPU, at most 4)")
    p.set_defaults(handler=_estimate)


def parse_price_options(options: list[str]) -> dict[str, dict[str, object]]:
    """``["m=0.15,0.6", "dep=gpt-4o"]`` -> price overrides (see batchtui.cost.prices)."""
    from batchtui.core.errors import UserError

    out: dict[str, dict[str, object]] = {}
    for option in options:
        model, sep, value = option.partition("=")
        model, value = model.strip(), value.strip()
        if not sep or not model or not value:
            raise UserError(f"--price {option!r}: expected MODEL=IN,OUT or MODEL=OTHER_MODEL")
        parts = [v.strip() for v in value.split(",")]
        try:
            numbers = [float(v) for v in parts]
        except ValueError:
            if len(parts) != 1:
                raise UserError(
                    f"--price {option!r}: prices are numbers (US dollars per million tokens)"
                ) from None
            out[model] = {"same_as": value}
            continue
        if len(numbers) not in (2, 4):
            raise UserError(
                f"--price {option!r}: give IN,OUT or IN,OUT,BATCH_IN,BATCH_OUT "
                "(US dollars per million tokens)"
            )
        keys = ("input", "output", "batch_input", "batch_output")
        out[model] = dict(zip(keys, numbers, strict=False))
    return out


def _estimate(args: argparse.Namespace) -> int:
    import sys

    from batchtui.cli.progress import Meter, StatusLine
    from batchtui.core.console import echo
    from batchtui.core.errors import UserError
    from batchtui.core.settings import load_settings
    from batchtui.core.text import safe_json
    from batchtui.cost.encodings import OfflineError
    from batchtui.cost.estimate import estimate, to_json, to_text
    from batchtui.cost.prices import PriceBook
    from batchtui.cost.scan import count_file, sample_file
    from batchtui.jsonl.spool import note_to_stderr, open_input

    # The config file's [prices], then --price on top (per model: the flag wins).
    overrides = {**load_settings().price_overrides(), **parse_price_options(args.price)}
    try:
        book = PriceBook(overrides)
    except ValueError as exc:
        raise UserError(f"--price: {exc}") from None
    out = sys.stdout
    several = len(args.files) > 1
    status = 0
    results: list[dict[str, object]] = []
    line = StatusLine()
    for arg in args.files:
        try:
            # `-` and gzip files are read from a decompressed spool, named as the user wrote.
            inp = open_input(arg, note=note_to_stderr)
            path = inp.path
            if args.sample:
                tokens = sample_file(path, threads=args.jobs)
            else:
                meter = Meter(f"counting tokens in {inp.name}", line)
                try:
                    tokens = count_file(path, threads=args.jobs, progress=meter)
                finally:
                    meter.finish()
        except OfflineError as exc:  # the tokenizer data is missing: no file can be counted
            raise UserError(str(exc)) from None
        except UserError as exc:
            if not several:
                raise
            echo(f"batchtui: {exc.message}", err=True)
            status = 2
            continue
        tokens.path = inp.name
        est = estimate(tokens, book)
        if args.format == "json":
            results.append(to_json(est))
        else:
            out.write(to_text(est))
            out.flush()
    if args.format == "json":
        payload: object = results if several else (results[0] if results else None)
        if payload is not None:
            out.write(safe_json(payload) + "\n")
    return status
