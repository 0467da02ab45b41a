"""``batchtui convert``: Anthropic and Gemini request files (and fine-tuning chat files) into
OpenAI batch input.

Only ``argparse`` at module level: ``batchtui --help`` must stay fast."""

from __future__ import annotations

import argparse
import os

from batchtui.cli.args import Subparsers

DESCRIPTION = """\
Turn an Anthropic Message Batches request file or a Gemini batch request file (or an OpenAI
fine-tuning chat file) into an OpenAI batch input for /v1/chat/completions (--to chat) or
/v1/responses (--to responses): system prompts, roles, text and base64 images, max tokens,
temperature, top_p, stop sequences and function tools. What cannot be mapped is listed per
line on standard error (all of it with --report FILE), never dropped silently. The input is
never modified; the output is written whole or not at all.

Exit status: 0 every line converted (some may have lost parts: see the list), 1 some lines
could not be converted at all (they are listed; the rest is written), 2 usage or I/O error."""

SHOWN = 20  # lines of the per-line list printed on stderr


def register(subparsers: Subparsers) -> None:
    p = subparsers.add_parser(
        "convert",
        help="turn Anthropic or Gemini batch request files into OpenAI batch input",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="the request file; - reads standard input")
    p.add_argument(
        "--to",
        choices=("chat", "responses"),
        required=True,
        help="the OpenAI endpoint: chat (/v1/chat/completions) or responses (/v1/responses)",
    )
    p.add_argument(
        "--model",
        required=True,
        metavar="MODEL",
        help="the OpenAI model every request asks for (the file's own models are other providers')",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="where to write (default: beside FILE, NAME.openai-chat.jsonl or "
        "NAME.openai-responses.jsonl)",
    )
    p.add_argument(
        "--report",
        metavar="FILE",
        help="also write everything that could not be mapped, per line, as JSON",
    )
    p.add_argument("--force", action="store_true", help="replace OUT if it exists")
    p.set_defaults(handler=run)


def default_output(path: str, to: str) -> str:
    base = os.path.basename(path)
    for ext in (".gz", ".jsonl", ".json", ".ndjson"):
        base = base.removesuffix(ext)
    return os.path.join(os.path.dirname(path), f"{base}.openai-{to}.jsonl")


def run(args: argparse.Namespace) -> int:
    from batchtui.convert.run import convert_file
    from batchtui.core.atomic import atomic_write
    from batchtui.core.console import echo
    from batchtui.core.errors import UserError
    from batchtui.core.text import safe_json
    from batchtui.jsonl.spool import note_to_stderr, open_input

    inp = open_input(args.file, note=note_to_stderr)
    out = args.output
    if out is None:
        if inp.is_stdin:
            raise UserError("reading standard input: say where to write with -o OUT")
        out = default_output(args.file, args.to)
    for dest in (out, args.report):
        if dest and os.path.exists(dest) and not args.force:
            raise UserError(f"{dest} exists; --force replaces it")
    report = convert_file(inp.path, out, to=args.to, model=args.model, copy_of=inp.copy_of)
    if args.report:
        with atomic_write(args.report, protect=[inp.path, out]) as f:
            f.write((safe_json(report.to_dict()) + "\n").encode())
    source = "an Anthropic Message Batches request file"
    if report.kind.value == "gemini-requests":
        source = "a Gemini batch request file"
    elif report.kind.value == "finetune-chat":
        source = "a fine-tuning chat file"
    echo(
        f"batchtui: wrote {report.requests:,} request(s) for {report.to} ({args.model}) to "
        f"{out}, from {source}",
        err=True,
    )
    for note in report.notes:
        echo(f"batchtui: note: {note}", err=True)
    if report.lines:
        what = []
        if report.lossy:
            what.append(f"{report.lossy:,} request(s) lost parts that have no OpenAI equivalent")
        if report.skipped:
            what.append(f"{report.skipped:,} line(s) could not be converted")
        echo(f"batchtui: {'; '.join(what)}:", err=True)
        for item in report.lines[:SHOWN]:
            who = f" ({item.custom_id})" if item.custom_id else ""
            verdict = "" if item.converted else "not converted: "
            echo(f"  {item.where()}{who}: {verdict}{'; '.join(item.lost)}", err=True)
        if len(report.lines) > SHOWN:
            more = f"  ... and {len(report.lines) - SHOWN:,} more"
            echo(more + ("" if args.report else " (--report FILE lists them all)"), err=True)
    return 1 if report.skipped else 0
