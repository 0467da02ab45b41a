"""``batchtui grep``: the TUI's search and filters, headless, for scripts.

Same syntax and same engine as ``/`` and ``&`` in the browser (:mod:`batchtui.query`).
Matching lines are written byte for byte, line endings included, when the output is a pipe or
a file; on a terminal each line is shown through the sanitiser (control bytes as visible
escapes), like every other line the CLI prints. Exit status as grep's: 0 a line matched, 1
none did, 2 an error (a missing file, an invalid pattern).

Only ``argparse`` at module level: ``batchtui --help`` must stay fast.
"""

from __future__ import annotations

import argparse
from typing import Any

USAGE_EXAMPLES = """\
text (the default): smart case (a capital letter makes it case-sensitive), and finds
  JSON-escaped text too: a search for 한국어 finds \\ud55c\\uad6d\\uc5b4.
-E PATTERN: a Python regular expression, matched within one line (never across lines);
  smart case too; \\d \\w \\s are ASCII.
--field FILTER: tests on the JSON of each line, for example
  batchtui grep --field 'model=gpt-4o body.max_tokens>1000' requests.jsonl
  batchtui grep --field 'response.status_code!=200' output.jsonl
  batchtui grep --field 'custom_id^=task- OR url=/v1/embeddings' -c requests.jsonl
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    from batchtui.query.syntax import FIELD_SYNTAX

    p = subparsers.add_parser(
        "grep",
        help="print the lines that match a search, a pattern or a field filter",
        description=(
            "Print the lines of JSONL files that match EXPR: plain text (default), a pattern\n"
            "(-E) or a field filter (--field), with the syntax and the engine of / and & in\n"
            "the browser. Lines are written byte for byte to a pipe or a file; a terminal\n"
            "sees control characters as escapes. Exit status: 0 a line matched, 1 none did,\n"
            "2 an error."
        ),
        epilog=USAGE_EXAMPLES + "\n" + FIELD_SYNTAX,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expr", metavar="EXPR", help="what to look for")
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="JSONL files (gzip is decompressed); - or none reads standard input",
    )
    _one_of(
        p,
        "mode",
        (("-E", "--pattern"), "pattern", "EXPR is a Python regular expression"),
        (("--field", "--fields"), "fields", "EXPR is a field filter (see below)"),
        (("-F", "--fixed-strings"), "text", "EXPR is plain text (the default)"),
    )
    _one_of(
        p,
        "case",
        (("-i", "--ignore-case"), "ignore", "ignore case (default: smart case)"),
        (("-s", "--case-sensitive"), "sensitive", "match case exactly"),
    )
    p.add_argument("-v", "--invert-match", action="store_true", help="the lines that do NOT match")
    p.add_argument("-c", "--count", action="store_true", help="print only how many lines match")
    p.add_argument("-n", "--line-number", action="store_true", help="prefix each line's number")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing; the exit status says it all"
    )
    _one_of(
        p,
        "names",
        (
            ("-H", "--with-filename"),
            True,
            "prefix each line with its file's name (the default for several files)",
        ),
        (("--no-filename",), False, "never prefix file names"),
    )
    p.set_defaults(handler=_grep, mode="text", case="smart", names=None, files_anywhere=True)


def _one_of(
    parser: argparse.ArgumentParser, dest: str, *flags: tuple[tuple[str, ...], object, str]
) -> None:
    """Flags that each set ``dest`` to their value; at most one of them may be given."""
    group = parser.add_mutually_exclusive_group()
    for names, value, what in flags:
        group.add_argument(*names, dest=dest, action="store_const", const=value, help=what)


def _grep(args: argparse.Namespace) -> int:
    import sys

    from batchtui.core.console import echo
    from batchtui.core.errors import UserError
    from batchtui.query import Matcher, compile_query

    try:
        query = compile_query(args.expr, args.mode, invert=args.invert_match, case=args.case)
    except UserError as exc:
        echo(f"batchtui grep: {exc.message}", err=True)
        return 2
    files = args.files or ["-"]
    show_names = args.names if args.names is not None else len(files) > 1
    out = _Output(sys.stdout, show_names, args.line_number)
    matcher = Matcher(query)
    matched = False
    failed = False
    for path in files:
        try:
            n = _grep_file(path, query, matcher, args, out)
        except UserError as exc:
            echo(f"batchtui grep: {exc.message}", err=True)
            failed = True
            continue
        matched |= n > 0
        if args.quiet and matched:
            return 0
    out.flush()
    if failed:
        return 2
    return 0 if matched else 1


def _grep_file(path: str, query: Any, matcher: Any, args: argparse.Namespace, out: _Output) -> int:
    from batchtui.jsonl.spool import note_to_stderr, open_input
    from batchtui.query import scan

    inp = open_input(path, note=note_to_stderr)
    with inp.index() as index:
        count = 0
        stats: dict[str, int] = {}
        for hits in scan(
            index, query, matcher=matcher, number=args.line_number, first_line=0, stats=stats
        ):
            count += len(hits)
            if args.quiet:
                return count
            if not args.count:
                out.lines(inp.name, index, hits)
        if args.count:
            out.count(inp.name, count)
        if stats.get("too_long"):
            from batchtui.core.console import echo

            echo(
                f"batchtui grep: {inp.name}: {stats['too_long']:,} line(s) too long to parse "
                "were taken as not matching the field tests",
                err=True,
            )
    return count


class _Output:
    """Matching lines to standard output: raw bytes to a pipe or a file, sanitised text to
    a terminal."""

    def __init__(self, stream: Any, names: bool, numbers: bool) -> None:
        self.stream = stream
        self.raw = stream.buffer if hasattr(stream, "buffer") and not stream.isatty() else None
        self.names = names
        self.numbers = numbers

    def _prefix(self, name: str, line: int | None) -> str:
        parts = []
        if self.names:
            parts.append(name)
        if self.numbers and line is not None:
            parts.append(str(line + 1))
        return "".join(p + ":" for p in parts)

    def lines(self, name: str, index: Any, hits: Any) -> None:
        import os

        from batchtui.core.text import safe

        pieces: list[bytes] = []
        for i in range(len(hits)):
            prefix = self._prefix(name, hits.lines[i] if hits.lines else None)
            data = hits.line_bytes(i)
            if self.raw is None:
                if data is None:  # a line too long to hold: its first bytes
                    data = index.read_exact(
                        hits.starts[i], min(hits.ends[i], hits.starts[i] + 4096)
                    )
                text = safe(data.rstrip(b"\n").rstrip(b"\r"))
                self.stream.write(safe(prefix) + text + "\n")
                continue
            head = os.fsencode(prefix) if prefix else b""
            if data is None:
                self.raw.write(b"".join(pieces) + head)
                pieces = []
                for _off, chunk in index.read_blocks(hits.starts[i], hits.ends[i]):
                    self.raw.write(chunk)
                self.raw.write(b"\n")
                continue
            if not data.endswith(b"\n"):
                data += b"\n"  # the last line of a file without a final newline, as grep does
            pieces.append(head + data if head else data)
        if pieces and self.raw is not None:
            self.raw.write(b"".join(pieces))

    def count(self, name: str, n: int) -> None:
        from batchtui.core.text import safe

        line = (safe(name) + ":" if self.names else "") + str(n) + "\n"
        if self.raw is not None:
            self.raw.write(line.encode())
        else:
            self.stream.write(line)

    def flush(self) -> None:
        (self.raw or self.stream).flush()
