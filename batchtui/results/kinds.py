"""Is each file given to ``batchtui results`` the kind of file its role needs?

``results`` joins an OpenAI batch input with its output and error files. Handed an Anthropic
results file as ``--output``, it used to count every line as failed; handed an output file as
``--input``, every answer came out "unexpected". :func:`check_role` sniffs each file
(:mod:`batchtui.jsonl.kinds`) and refuses one that is plainly something else, with a message
that names what it is and what to do instead. Files the sniff cannot place (empty, broken
lines, mixed) are let through: the join reports their lines one by one.
"""

from __future__ import annotations

import os
from collections import Counter

import orjson

from batchtui.core.errors import UserError
from batchtui.jsonl.index import MAX_LINE_BYTES, LineIndex
from batchtui.jsonl.kinds import Kind, Layout, Sniff, sniff_path

INPUT, OUTPUT, ERRORS = "input", "output", "errors"
_OPTION = {INPUT: "--input", OUTPUT: "--output", ERRORS: "--errors"}
# Anthropic results are counted for the refusal message up to this many lines.
COUNT_LINES = 1_000_000


def anthropic_result_counts(path: str | os.PathLike[str]) -> Counter[str]:
    """``result.type`` of each line of an Anthropic results file (succeeded, errored,
    canceled, expired; "unreadable" for a line that is not one)."""
    counts: Counter[str] = Counter()
    with LineIndex(path) as index:
        index.scan()
        for i, data in index.iter_lines(max_line=MAX_LINE_BYTES):
            if i >= COUNT_LINES:
                break
            if data is None or not data.strip():
                continue
            try:
                obj = orjson.loads(data)
                kind = obj["result"]["type"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                kind = "unreadable"
            counts[kind if isinstance(kind, str) else "unreadable"] += 1
    return counts


def _anthropic_pointer(path: str) -> str:
    counts = anthropic_result_counts(path)
    order = ("succeeded", "errored", "canceled", "expired")
    parts = [f"{counts[k]:,} {k}" for k in order if counts[k]]
    parts += [f"{n:,} {k}" for k, n in counts.items() if k not in order]
    held = f" ({', '.join(parts)})" if parts else ""
    return (
        f"{path} is an Anthropic Message Batches results file{held}, not an OpenAI batch "
        "output file: batchtui results reads OpenAI output and error files. Browse it with: "
        f"batchtui {path}"
    )


def refusal(path: str, role: str, found: Sniff) -> str | None:
    """Why ``path`` (sniffed as ``found``) cannot be used as the ``role`` file, or None."""
    option = _OPTION[role]
    kind = found.kind
    if found.layout is Layout.LFS_POINTER:
        return f"{path} is a Git LFS pointer, not the data: git lfs pull fetches it"
    if kind is Kind.ANTHROPIC_RESULTS and role != INPUT:
        return _anthropic_pointer(path)
    if kind.foreign:
        fix = (
            f"; turn it into OpenAI batch input with: batchtui convert {path} --to chat "
            "--model MODEL"
            if kind in (Kind.ANTHROPIC_REQUESTS, Kind.GEMINI_REQUESTS) and role == INPUT
            else ""
        )
        return f"{path} is {kind.title}, not an OpenAI batch {role} file{fix}"
    if kind is Kind.UNKNOWN and found.shape is not None and not found.mixed:
        return f"{path} is not an OpenAI batch {role} file: {found.reason}"
    if role == INPUT and kind.results:
        return f"{path} is {kind.title}, not a batch input: pass it as --{kind_option(kind)}"
    if role != INPUT and kind is Kind.INPUT:
        return (
            f"{path} is an OpenAI batch input file, not an {role} file: pass it as --input "
            f"(and the batch's {role} file as {option})"
        )
    return None


def kind_option(kind: Kind) -> str:
    return "errors" if kind is Kind.ERRORS else "output"


def check_role(path: str | os.PathLike[str], role: str) -> Sniff:
    """Sniff ``path`` and raise :class:`UserError` if it cannot be the ``role`` file."""
    name = os.fspath(path)
    found = sniff_path(name)
    why = refusal(name, role, found)
    if why is not None:
        raise UserError(why)
    return found
