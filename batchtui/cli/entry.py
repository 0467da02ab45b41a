"""Command-line entry point: ``batchtui [FILE]`` and its subcommands.

Each command group is a module of this package that exposes ``register(subparsers)``; the
parsers it adds set ``handler`` (a callable taking the parsed ``argparse.Namespace`` and
returning an exit code). Those modules import only ``argparse``
at module level so that ``batchtui --help`` and browsing a file stay fast: the heavy imports
(openai, textual) happen inside the handlers.

Exit codes: 0 success, 1 "the check found problems" (validate), 2 usage or I/O errors,
130 interrupted.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import os
import sys
import textwrap
from collections.abc import Sequence

from batchtui import __version__
from batchtui.cli.provider import add_provider
from batchtui.core.console import echo
from batchtui.core.errors import UserError
from batchtui.query.syntax import FIELD_SYNTAX

# Modules that contribute subcommands, in the order they appear in --help.
SUBCOMMAND_MODULES = (
    "batchtui.cli.validate",
    "batchtui.cli.convert",
    "batchtui.cli.grep",
    "batchtui.cli.estimate",
    "batchtui.cli.results",
    "batchtui.cli.batches",
    "batchtui.cli.job",
    "batchtui.cli.emulator",
    "batchtui.cli.demo",
    "batchtui.cli.config",
)
# The subcommand names, known without importing their modules: browsing a file must not pay
# for loading every layer's CLI (a test checks this list against the registered parsers).
COMMANDS = (
    "validate",
    "rules",
    "split",
    "convert",
    "grep",
    "estimate",
    "results",
    "batches",
    "job",
    "emulator",
    "demo",
    "config",
)


def _subcommand_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description="Browse, validate, submit and inspect OpenAI Batch API files.",
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _browse_parser(commands: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="batchtui",
        description=(
            "Open a Batch API JSONL file in the terminal browser, or the batch dashboard when "
            "no file is given."
        ),
        epilog=(
            textwrap.fill(
                "subcommands: " + ", ".join(commands) + " (run `batchtui COMMAND --help` for "
                "each). To open a file whose name is a subcommand, write ./NAME.",
                88,
            )
            + "\n\n"
            "In the browser, / searches and & filters (only the matching lines): plain text "
            "with smart case,\na pattern (Ctrl+R in the prompt) or field tests (Ctrl+R "
            "again); `batchtui grep` runs the same\nfrom scripts.\n\n" + FIELD_SYNTAX
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"batchtui {__version__}")
    parser.add_argument(
        "file",
        nargs="?",
        help="a JSONL batch input, output or error file (gzip is decompressed); - or a pipe "
        "on standard input reads standard input",
    )
    parser.add_argument(
        "--line", type=int, default=None, metavar="N", help="start with line N (1-based) selected"
    )
    parser.add_argument(
        "--follow", action="store_true", help="follow the end of the file as it grows"
    )
    parser.add_argument("--no-validate", action="store_true", help="do not run live validation")
    add_provider(parser, "limits and rules")
    parser.add_argument(
        "--download-dir", metavar="DIR", help="where `d` saves result files (default: here)"
    )
    parser.add_argument(
        "--notify-desktop",
        action="store_true",
        help="desktop notification (OSC 9/777) when a batch finishes",
    )
    parser.add_argument(
        "--notify-cmd",
        metavar="CMD",
        help="run CMD when a batch finishes ($BATCHTUI_BATCH_ID, $BATCHTUI_BATCH_STATUS set)",
    )
    return parser


def _subcommand_names(parser: argparse.ArgumentParser) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def mistyped_command(word: str) -> str | None:
    """The subcommand ``word`` was probably meant to be (``validat`` -> ``validate``), or None.

    Only for a word that is not an existing path and does not look like a file name, so
    ``batchtui validat`` still opens a file of that name and ``batchtui x.jsonl`` still says
    "no such file".
    """
    if word.startswith("-") or "." in word or os.sep in word or os.path.lexists(word):
        return None
    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.7)
    return close[0] if close else None


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if args_list and args_list[0] in COMMANDS:
            parser = _subcommand_parser()
            args, extra = parser.parse_known_args(args_list)
            # `batchtui grep EXPR FILE -c MORE`: files after an option, as grep takes them.
            if extra and getattr(args, "files_anywhere", False) and "--" not in args_list:
                stray = [e for e in extra if e.startswith("-") and e != "-"]
                if not stray:
                    args.files.extend(extra)
                    extra = []
            if extra:
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            return int(args.handler(args) or 0)
        if args_list and (meant := mistyped_command(args_list[0])) is not None:
            # The word is shown through the sanitiser when the error is printed.
            raise UserError(f"unknown command '{args_list[0]}'; did you mean '{meant}'?")
        args = _browse_parser(COMMANDS).parse_args(args_list)
        from batchtui.cli.browse import launch  # lazy: keeps subcommands free of Textual

        return launch(args)
    except UserError as exc:
        echo(f"batchtui: {exc.message}", err=True)  # messages name files: data
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `batchtui validate big.jsonl | head`: stop quietly, like other Unix tools.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
