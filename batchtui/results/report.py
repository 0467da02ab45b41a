"""The plain-text summary of a join (``batchtui results --summary``).

File names, error codes and messages are data (an error file may hold ESC, BEL, OSC title
changes or U+202E): each is made one line of visible text with :func:`safe` before it is
laid out, so no data starts a line or acts on the terminal."""

from __future__ import annotations

import os
import textwrap

from batchtui.core.text import safe
from batchtui.results.model import RETRY_CLASSES, Source
from batchtui.results.result import JoinResult

MAX_GROUPS = 20
MAX_PROBLEMS = 20
_PATTERN_WIDTH = 90


def _cut(text: str) -> str:
    text = safe(text)
    return text if len(text) <= _PATTERN_WIDTH else text[: _PATTERN_WIDTH - 1] + "…"


def _pct(n: int, total: int) -> str:
    return f"{100 * n / total:5.1f}%" if total else "     -"


def _tokens(u: dict[str, int]) -> str:
    text = f"input {u['input_tokens']:,} (cached {u['cached_tokens']:,}), output {u['output_tokens']:,}"
    if u["reasoning_tokens"]:
        text += f" (reasoning {u['reasoning_tokens']:,})"
    return text


def format_text(result: JoinResult) -> str:
    """Counts per class, the failure histogram, token usage and unusable lines."""
    summary = result.summary(max_groups=MAX_GROUPS, max_problems=MAX_PROBLEMS)
    c = summary["counts"]
    total = c["total"]
    names = {s: result.name(s) for s in (Source.INPUT, Source.OUTPUT, Source.ERRORS)}
    input_path = names[Source.INPUT]
    has_input = input_path is not None
    if input_path is not None:
        lines = [f"{total:,} requests in {safe(os.fspath(input_path))}"]
    else:
        lines = [
            f"{total:,} requests answered (no input file: requests with no answer at all "
            "cannot be counted)"
        ]
    results = [safe(os.fspath(p)) for s, p in names.items() if p and s != Source.INPUT]
    lines.append(
        "results: " + (", ".join(results) if results else "none (no output or error file)")
    )
    lines.append("")
    rows = [
        ("succeeded", c["succeeded"]),
        ("  truncated (length)", c["truncated"]),
        ("  content filter", c["content_filter"]),
        ("  refusal", c["refusal"]),
        ("  empty", c["empty"]),
        ("failed", c["failed"]),
        ("  http error", c["failed_http"]),
        ("  cancelled", c["cancelled"]),
        ("  other error", c["failed"] - c["failed_http"] - c["cancelled"]),
        ("expired", c["expired"]),
        ("missing", c["missing"]),
    ]
    for label, n in rows:
        if label.startswith("  ") and not n:
            continue  # sub-counts only when they say something
        if label == "missing" and not has_input:
            continue
        lines.append(f"  {label:<22}{n:>10,}  {_pct(n, total)}")
    for label, key in (
        ("unexpected", "unexpected"),
        ("answered twice", "duplicates"),
        ("repeated input ids", "duplicate_inputs"),
    ):
        if c[key]:
            lines.append(f"  {label:<22}{c[key]:>10,}")
    groups = summary["histogram"]
    if groups:
        lines += ["", "failures by code and message:"]
        codes = [safe(g["code"]) for g in groups]
        width = max(len(code) for code in codes)
        for g, code in zip(groups, codes, strict=True):
            pattern = _cut(g["pattern"])
            lines.append(f"  {g['count']:>8,}  {code:<{width}}  {pattern}")
            example = " ".join(g["example"].split())
            if example and example != g["pattern"]:
                # The pattern hides the numbers and ids that vary ("#", "<id>"); one real
                # message beside it says what they were.
                who = f"{g['first_custom_id']}: " if g["first_custom_id"] else ""
                indent = " " * (width + 14)
                wrapped = textwrap.wrap(
                    safe(f"e.g. {who}{example}"),
                    _PATTERN_WIDTH,
                    max_lines=3,
                    placeholder=" …",
                    subsequent_indent="     ",
                )
                lines.extend(indent + part for part in wrapped)
        shown = sum(g["count"] for g in groups)
        rest = sum(summary["failures_by_code"].values()) - shown
        if rest > 0:
            lines.append(f"  {rest:>8,}  (more groups; see --format json)")
    u = summary["usage"]
    lines += ["", f"tokens: {_tokens(u)}"]
    if u["on_failed"]["total_tokens"]:
        lines.append(f"  on failed requests: {_tokens(u['on_failed'])}")
    if u["on_soft_failures"]["total_tokens"]:
        lines.append(
            f"  on truncated/filtered/refused/empty answers: {_tokens(u['on_soft_failures'])}"
        )
    problems = summary["problems"]
    if problems["count"]:
        lines += ["", f"{problems['count']:,} line(s) with problems:"]
        for p in problems["lines"]:
            path = names[Source[p["file"].upper()]] or p["file"]
            note = "" if p["skipped"] else " (used)"
            lines.append(f"  {safe(os.fspath(path))}:{p['line']}: {safe(p['message'])}{note}")
        if problems["count"] > len(problems["lines"]):
            lines.append(f"  ... and {problems['count'] - len(problems['lines']):,} more")
    retry = sum(result.count(k) for k in RETRY_CLASSES)
    if retry:
        hint = f"{retry:,} request(s) to retry: --export-retry FILE writes their input lines"
        if not has_input:
            hint += " (with --input IN)"
        lines += ["", hint]
    return "\n".join(lines) + "\n"
