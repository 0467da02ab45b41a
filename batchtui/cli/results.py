"""``batchtui results``: join a batch's input with its output and error files.

Only the standard library and ``batchtui.core`` (the one way to print data) are imported here; the engine (orjson), the API layer (openai) and
the UI (textual) are imported inside the handler, when they are needed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from batchtui.cli.args import Subparsers, add_format
from batchtui.core.console import echo, echo_json
from batchtui.core.errors import UserError

DESCRIPTION = """\
Join a batch's input file with its output and error files by custom_id: what succeeded,
what failed and why, what expired or went missing. Opens the results view, or with
--summary / --export-* works without a terminal UI."""

EPILOG = """\
examples:
  batchtui results --input in.jsonl --output out.jsonl --errors err.jsonl
  batchtui results --input in.jsonl --output out.jsonl --summary --format json
  batchtui results --input in.jsonl --errors err.jsonl --export-retry retry.jsonl
  batchtui results --input in.jsonl --output vllm_out.jsonl --export-results results.csv
  batchtui results --output out.jsonl          (no input: counts, failures, usage, answers)
  batchtui results batch_abc123 --summary

--summary json keys: counts (succeeded, failed, expired, missing, unexpected, duplicates,
truncated, and finer ones), failures_by_code, histogram, usage, problems. "failed" counts
HTTP errors, other errors and cancelled requests; "expired" is batch_expired.
The retry file holds the input lines of failed, expired, cancelled and missing requests,
byte for byte."""


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "results",
        help="join input, output and error files by custom_id; summary, retry file, exports",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "batch_id",
        nargs="?",
        metavar="BATCH_ID",
        help="download this batch's input, output and error files through the API first",
    )
    parser.add_argument(
        "--input",
        "-i",
        metavar="IN",
        help="the batch input file (optional: without it, the results alone are summarised); "
        "- reads standard input and gzip files are decompressed, for each of the three files",
    )
    parser.add_argument(
        "--output", "-o", metavar="OUT", help="the output file (or a vLLM file with both)"
    )
    parser.add_argument("--errors", "-e", metavar="ERR", help="the error file")
    add_output_options(parser)
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="with BATCH_ID: where downloaded files go (default: the batch's folder in the "
        "state directory, shared with the dashboard)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="with BATCH_ID: API base URL (default: OPENAI_BASE_URL, else OpenAI)",
    )
    parser.set_defaults(handler=run)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """What to do with joined results instead of opening the view (``batchtui results`` and
    ``batchtui job results``)."""
    parser.add_argument(
        "--summary",
        action="store_true",
        help="print counts, the failure histogram and token usage instead of opening the view",
    )
    add_format(parser, "summary format (default: text)")
    parser.add_argument(
        "--export-retry",
        metavar="FILE",
        help="write the input lines of failed, expired and missing requests to FILE",
    )
    parser.add_argument(
        "--retry-truncated",
        action="store_true",
        help="with --export-retry: also retry answers cut off by max tokens",
    )
    parser.add_argument(
        "--export-results",
        metavar="FILE",
        help="write one record per request to FILE (.jsonl or .csv)",
    )


def _check_args(args: argparse.Namespace) -> None:
    if args.batch_id and args.input:
        raise UserError("give either BATCH_ID or --input, not both")
    if not args.batch_id and not (args.input or args.output or args.errors):
        raise UserError(
            "give --input IN with --output and/or --errors (or --output/--errors alone), "
            "or a BATCH_ID"
        )
    if args.batch_id and (args.output or args.errors):
        raise UserError("--output and --errors come from the batch when BATCH_ID is given")
    if not args.batch_id and (args.cache_dir or args.base_url):
        raise UserError("--cache-dir and --base-url go with BATCH_ID")
    if args.retry_truncated and not args.export_retry:
        raise UserError("--retry-truncated needs --export-retry FILE")
    if args.export_retry and not (args.input or args.batch_id):
        raise UserError("--export-retry needs --input IN: a retry file is made of input lines")
    if args.export_results:
        from batchtui.results.export import format_for

        format_for(args.export_results)  # a bad suffix fails before the join, not after


def _headless(args: argparse.Namespace) -> bool:
    return bool(args.summary or args.export_retry or args.export_results)


def _fetch(args: argparse.Namespace) -> Any:
    """The batch's three files, through the one download-and-cache path of the API layer
    (``--cache-dir``, else the batch's own folder in the state directory)."""
    from batchtui.api.batch_files import fetch_batch_files
    from batchtui.api.config import ClientSettings
    from batchtui.cli.progress import FileMeters, StatusLine, run_api

    status = StatusLine()

    async def fetch(service: Any) -> Any:
        view = await service.retrieve(args.batch_id)
        if not view.input_file_id:
            raise UserError(f"batch {view.id} has no input file id")
        return await fetch_batch_files(service, view, args.cache_dir, progress=FileMeters(status))

    return run_api(ClientSettings.from_env(base_url=args.base_url), fetch, status)


def run(args: argparse.Namespace) -> int:
    _check_args(args)
    names: dict[str, str] = {}
    if args.batch_id:
        files = _fetch(args)
        args.input = str(files.input)
        args.output = str(files.output) if files.output else None
        args.errors = str(files.errors) if files.errors else None
    else:
        names = _spool_inputs(args)
        _check_kinds(args)
    if not _headless(args):
        return _open_view(args)
    from contextlib import ExitStack

    from batchtui.jsonl.index import LineIndex
    from batchtui.results.joiner import join

    with ExitStack() as stack:
        # A spooled file is opened here, under the name the user gave (`<stdin>`, x.gz).
        files = [
            stack.enter_context(LineIndex(p, copy_of=names[p])) if p in names else p or None
            for p in (args.input, args.output, args.errors)
        ]
        result = stack.enter_context(join(*files))
        if args.summary:
            _print_summary(result, args.format)
        if args.export_retry:
            from batchtui.results.export import export_retry
            from batchtui.results.model import Flag

            flags = int(Flag.TRUNCATED) if args.retry_truncated else 0
            report = export_retry(result, args.export_retry, flags=flags)
            _note(f"wrote {report.rows:,} request(s) to retry to {report.path}")
        if args.export_results:
            from batchtui.results.export import export_results

            report = export_results(result, args.export_results)
            _note(f"wrote {report.rows:,} result record(s) to {report.path}")
    return 0


def _spool_inputs(args: argparse.Namespace) -> dict[str, str]:
    """``-`` (standard input, for one of the three) and gzip files are read from a
    decompressed private spool, like ``validate`` does; other paths stay as given. Returns
    the spool paths put in ``args`` with the names the user gave them."""
    from batchtui.jsonl.spool import STDIN, note_to_stderr, open_input

    given = [p for p in (args.input, args.output, args.errors) if p]
    if given.count(STDIN) > 1:
        raise UserError("standard input (-) can be only one of --input, --output, --errors")
    names: dict[str, str] = {}
    for attr in ("input", "output", "errors"):
        path = getattr(args, attr)
        if path:
            inp = open_input(path, note=note_to_stderr)
            setattr(args, attr, inp.path)
            if inp.copy_of is not None:
                names[inp.path] = inp.copy_of
    return names


def _check_kinds(args: argparse.Namespace) -> None:
    """Refuse a file that is plainly not what its option says (an Anthropic results file
    as --output, an output file as --input...), before any join."""
    from batchtui.results.kinds import ERRORS, INPUT, OUTPUT, check_role

    for path, role in ((args.input, INPUT), (args.output, OUTPUT), (args.errors, ERRORS)):
        if path:
            check_role(path, role)


def _note(message: str) -> None:
    # Notes go to stderr so `--summary --format json > file` stays pure JSON.
    echo(f"batchtui: {message}", err=True)


def _print_summary(result: Any, fmt: str) -> None:
    if fmt == "json":
        echo_json(result.summary())
    else:
        from batchtui.results.report import format_text

        # Its data fields are one-line already; this keeps the block's own line breaks.
        echo(format_text(result).removesuffix("\n"), keep_newlines=True)
    sys.stdout.flush()


def _open_view(args: argparse.Namespace) -> int:
    for path in (args.input, args.output, args.errors):
        if path and not os.path.exists(path):
            raise UserError(f"{path}: no such file")
    return launch_results(args)


def launch_results(args: argparse.Namespace) -> int:
    """Open the results view for ``args.input`` / ``args.output`` / ``args.errors``.

    The paths were checked by the caller (a missing file is a one-line error before the
    terminal is taken over); the join itself runs inside the app, in a worker.
    """
    from batchtui.ui.app import BatchTUI

    app = BatchTUI(None, initial_mode="results")
    app.results_args = {
        "input_path": args.input,
        "output_path": getattr(args, "output", None) or None,
        "error_path": getattr(args, "errors", None) or None,
        "batch_id": getattr(args, "batch_id", None) or None,
    }
    app.run()
    return app.return_code or 0
