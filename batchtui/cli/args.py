"""Argument types the command groups share (argparse only: ``--help`` stays fast)."""

from __future__ import annotations

import argparse
from typing import TypeAlias

# What each command group's ``register(subparsers)`` receives (argparse keeps the class private).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def positive_int(text: str) -> int:
    return _whole(text, 1, "must be at least 1")


def nonnegative_int(text: str) -> int:
    return _whole(text, 0, "must be 0 or more")


def _whole(text: str, least: int, why: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{why}: {text!r}")
    return value


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {text!r}")
    return value


def add_jobs(parser: argparse.ArgumentParser, help: str) -> None:
    """``-j/--jobs N``: how many threads or processes to work with."""
    parser.add_argument("-j", "--jobs", type=positive_int, default=None, metavar="N", help=help)


def add_format(
    parser: argparse.ArgumentParser,
    help: str | None = None,
    choices: tuple[str, ...] = ("text", "json"),
) -> None:
    """``--format``: how a command prints what it found (``text`` unless asked)."""
    parser.add_argument("--format", choices=choices, default="text", help=help)


def add_input_files(parser: argparse.ArgumentParser) -> None:
    """``FILE...``: batch input files, read the way validate reads them."""
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="a JSONL batch input file; - reads standard input; gzip files are decompressed",
    )
