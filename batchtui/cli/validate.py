"""Subcommands of the validation layer: ``validate``, ``rules``, ``split``.

Only ``argparse`` at module level: ``batchtui --help`` must stay fast; the handlers import
the engine when they run.
"""

from __future__ import annotations

import argparse

from batchtui.cli.args import Subparsers, add_format, add_input_files, add_jobs, positive_int
from batchtui.cli.provider import PROVIDER_NAMES, add_provider, provider_from


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check Batch API files against every known rule",
        description=(
            "Check Batch API files (JSONL) against every known rule, like a compiler: one "
            "line per finding, then a summary that names the file's kind. Each file is "
            "judged as what it is: an input by every request rule, an output or error file "
            "as one (a well-formed one has no findings), another provider's file or a "
            "fine-tuning file with one finding that names it (batchtui convert turns "
            "Anthropic and Gemini request files into input). Exit status: 0 no errors "
            "(warnings fail only with --strict), 1 errors found, 2 usage or I/O error. "
            "See `batchtui rules` for the rules."
        ),
    )
    add_input_files(p)
    add_format(
        p,
        "text: FILE:LINE: severity[code]: message (default); json: one object per file "
        "(a list for several files), with its kind (input, output, errors, "
        "anthropic-requests, anthropic-results, gemini-requests, gemini-results, "
        "finetune-chat, unknown) and kind_detail; github: workflow annotations",
        choices=("text", "json", "github"),
    )
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument(
        "--max-findings",
        type=positive_int,
        default=None,
        metavar="N",
        help="show at most N findings per file (all are still counted)",
    )
    add_jobs(
        p,
        "processes for a large file (default: one per CPU, at most 4; files under 16 MB use one)",
    )
    add_provider(p, "limits and rules")
    p.set_defaults(handler=_validate)

    r = subparsers.add_parser(
        "rules",
        help="list the validation rules",
        description="The validation rules: code, severity, what each checks, why, and source.",
    )
    add_format(r, choices=("text", "markdown", "json"))
    r.add_argument(
        "--provider",
        choices=PROVIDER_NAMES,
        default=None,
        help="also list this provider's limits (requests, bytes, custom_id, urls...) with the "
        "source of each",
    )
    r.set_defaults(handler=_rules)

    s = subparsers.add_parser(
        "split",
        help="split a batch file into parts that fit the Batch API limits",
        description=(
            "Write FILE's lines into numbered parts (NAME.part001.jsonl, ...) that each hold at "
            "most --max-requests lines and --max-bytes bytes. Lines are never cut and the "
            "input is never modified; the parts appear together or not at all."
        ),
    )
    s.add_argument(
        "file", metavar="FILE", help="- reads standard input (parts go to the current directory)"
    )
    s.add_argument(
        "--max-requests",
        type=positive_int,
        default=None,
        metavar="N",
        help="requests (lines) per part (default: the provider's limit; 50000 on OpenAI)",
    )
    s.add_argument(
        "--max-bytes",
        type=_size,
        default=None,
        metavar="SIZE",
        help="bytes per part; K/M/G are powers of 1024 (default: the provider's limit; 200MB = "
        "209715200 bytes on OpenAI)",
    )
    add_provider(s, "limits")
    s.add_argument(
        "--out-dir", default=None, metavar="DIR", help="where to write (default: beside FILE)"
    )
    s.add_argument(
        "--force",
        action="store_true",
        help="replace the parts of an earlier run (its extra parts are removed)",
    )
    s.set_defaults(handler=_split)


def _size(text: str) -> int:
    from batchtui.validation.split import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _validate(args: argparse.Namespace) -> int:
    import sys

    from batchtui.core.console import echo
    from batchtui.core.errors import UserError
    from batchtui.jsonl.spool import note_to_stderr, open_input
    from batchtui.validation.output import GithubWriter, JsonWriter, TextWriter, Writer
    from batchtui.validation.parallel import validate_parallel

    provider = provider_from(args, announce=True)
    out = sys.stdout
    writer: Writer
    if args.format == "json":
        writer = JsonWriter(out, args.max_findings, several=len(args.files) > 1)
    elif args.format == "github":
        writer = GithubWriter(out, args.max_findings)
    else:
        writer = TextWriter(out, args.max_findings)
    writer.provider = provider.name
    status = 0
    try:
        for path in args.files:
            try:
                # A clear message for a missing file, before output; `-` and gzip files are
                # copied (decompressed) into a private spool first.
                inp = open_input(path, note=note_to_stderr)
                inp.index().close()
            except UserError as exc:
                if len(args.files) == 1:
                    raise
                echo(f"batchtui: {exc.message}", err=True)
                status = 2
                continue
            writer.begin(inp.name)
            validator = validate_parallel(
                inp.path,
                copy_of=inp.copy_of,
                digest=False,  # nothing is submitted here: no hashing to pay for
                provider=provider,
                processes=args.jobs,
                on_findings=lambda batch, _file_level: writer.findings(batch),
            )
            validator.index.close()
            snap = validator.report.snapshot()
            writer.end(snap)
            if snap.errors or (args.strict and snap.warnings):
                status = max(status, 1)
    finally:
        writer.close()
    return status


def _rules(args: argparse.Namespace) -> int:
    import sys

    from batchtui.validation.rules import reference

    provider = None
    if args.provider is not None:
        from batchtui.validation import providers

        provider = providers.get(args.provider)
    sys.stdout.write(reference(args.format, provider))
    return 0


def _split(args: argparse.Namespace) -> int:
    import os

    from batchtui.cli.progress import Meter, StatusLine
    from batchtui.core.console import echo
    from batchtui.jsonl.spool import note_to_stderr, open_input
    from batchtui.validation.split import split_file

    provider = provider_from(args)
    most_requests, most_bytes = provider.part_limits()  # undocumented: OpenAI's
    max_requests = args.max_requests or most_requests
    max_bytes = args.max_bytes or most_bytes
    inp = open_input(args.file, note=note_to_stderr)
    out_dir = args.out_dir
    if out_dir is None and inp.copy_of is not None:
        # Not beside the spool (deleted at exit): the current directory for standard input,
        # beside the compressed file otherwise.
        out_dir = "." if inp.is_stdin else os.path.dirname(args.file) or "."
    meter = Meter(f"splitting {args.file}", StatusLine())
    try:
        parts = split_file(
            inp.path,
            copy_of=inp.copy_of,
            max_requests=max_requests,
            max_bytes=max_bytes,
            out_dir=out_dir,
            overwrite=args.force,
            progress=meter,
        )
    finally:
        meter.finish()
    for part in parts:
        echo(
            f"wrote {part.path}: lines {part.first_line:,}-{part.last_line:,} "
            f"({part.requests:,} requests, {part.bytes:,} bytes)"
        )
    return 0
