"""What a line is before any rule about its content: JSON object, blank, broken, too long.

These findings hold for every kind of JSONL file the validator reads (an input, an output or
an error file alike), so they live here, apart from the rules of one kind
(:mod:`batchtui.validation.ruleset`). Also the two verdicts about a whole file that stand for
its lines: not text at all (compressed, UTF-16, binary), or one pretty-printed JSON document.

Line numbers here are 1-based, as in :class:`~batchtui.validation.findings.Finding`.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from batchtui.jsonl.index import LineIndex, Span
from batchtui.validation import facts as F
from batchtui.validation.checks import add, kind, lone_surrogate, quote
from batchtui.validation.findings import Finding
from batchtui.validation.rules import RULES

# A pretty-printed file up to this size is parsed whole to say what it holds.
PRETTY_PARSE_LIMIT = 32 * 1024 * 1024

BLANK: Any = object()  # a blank line (not a request)
SKIP: Any = object()  # part of a pretty-printed document (reported once)
BAD: Any = object()  # not JSON (already reported)

# (leading bytes, what the file is, hint); b"" means "contains a NUL byte".
_NOT_TEXT = (
    (b"\x1f\x8b", "gzip-compressed", "Decompress it first: gunzip -k FILE"),
    (b"PK\x03\x04", "a zip archive", "Extract the .jsonl file from it first."),
    (
        b"\xff\xfe",
        "UTF-16 text (as PowerShell's > writes)",
        "Re-encode it as UTF-8: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8.jsonl",
    ),
    (
        b"\xfe\xff",
        "UTF-16 text",
        "Re-encode it as UTF-8: iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8.jsonl",
    ),
    (
        b"",
        "binary (it contains NUL bytes)",
        "A batch input file is UTF-8 text, one JSON request per line.",
    ),
)


def _one(
    line: int | None, code: str, message: str, path: str | None = None, hint: str | None = None
) -> Finding:
    out: list[Finding] = []
    add(out, line, code, message, path, hint)
    return out[0]


def bom(line: int) -> Finding:
    return _one(
        line,
        "utf8_bom",
        "The file starts with a UTF-8 byte order mark (BOM).",
        None,
        "Save the file as UTF-8 without BOM.",
    )


def blank(line: int) -> Finding:
    return _one(line, "blank_line", "Blank line; every line must be a request.")


def not_an_object(line: int, obj: object) -> Finding:
    return _one(
        line,
        "invalid_json_line",
        f"This line is JSON but not an object: found {kind(obj)}.",
        None,
        "Each line must be one request object: "
        '{"custom_id": ..., "method": "POST", "url": ..., "body": {...}}.',
    )


def too_long(line: int, length: int, max_line: int) -> Finding:
    return _one(
        line,
        "line_too_long",
        f"This line is {length:,} bytes ({length / 1048576:,.1f} MB), more than the "
        f"{max_line:,} bytes batchtui reads a line; its content is not checked.",
        None,
        "No request is this large: check how the file was written.",
    )


def crlf(line: int) -> Finding:
    return _one(
        line,
        "crlf_line_ending",
        "Lines end with CRLF (\\r\\n), the first here.",
        None,
        "Harmless for OpenAI; convert with dos2unix if other tools choke on it.",
    )


def no_final_newline(line: int) -> Finding:
    return _one(
        line,
        "no_final_newline",
        "The last line has no newline at its end.",
        None,
        "Appending to the file would glue the next request onto this line.",
    )


def duplicate(line: int, custom_id: str, first: int) -> Finding:
    """``custom_id`` on ``line`` was first used on line ``first`` (both 1-based)."""
    return _one(
        line,
        "duplicate_custom_id",
        f"custom_id {quote(custom_id)} is already used on line {first:,}.",
        "custom_id",
    )


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


_CONFLICT_MARKERS = (b"<<<<<<<", b"=======", b">>>>>>>", b"|||||||")


def conflict_marker(line: int, data: bytes) -> Finding | None:
    """A git merge-conflict marker line (``<<<<<<< HEAD``, ``=======``, ``>>>>>>> b``)."""
    head = data[:7]
    if head not in _CONFLICT_MARKERS or data[7:8] not in (b"", b" ", b"\t", b"\r"):
        return None
    shown = data[:40].decode("utf-8", errors="replace")
    return _one(
        line,
        "merge_conflict_marker",
        f"A git merge-conflict marker ({quote(shown)}): the file still holds both sides of an "
        "unresolved merge.",
        None,
        "Resolve the conflict: keep one version of each line and remove the marker lines.",
    )


def reparse(line: int, data: bytes, exc: orjson.JSONDecodeError, out: list[Finding]) -> Any:
    """A non-blank line orjson rejected: a merge-conflict marker, invalid UTF-8, or not JSON.
    Returns the object if a slower parser still reads it (after replacing bad bytes; integers
    beyond 64 bits), else :data:`BAD` (reported)."""
    marker = conflict_marker(line, data)
    if marker is not None:
        out.append(marker)
        return BAD
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        add(
            out,
            line,
            "invalid_utf8",
            f"This line has bytes that are not valid UTF-8 (the first at byte "
            f"{err.start + 1:,} of the line).",
            None,
            "Batch files must be UTF-8; re-encode the file (e.g. iconv -t UTF-8).",
        )
        text = data.decode("utf-8", errors="replace")
    try:
        obj = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        pass
    else:
        half = lone_surrogate(obj)
        if half is None:
            return obj
        # One rule everywhere: orjson (the fast path, the TUI), the emulator and strict
        # servers refuse such a line, so the slower parser must not accept it either.
        path, char = half
        add(
            out,
            line,
            "invalid_json_line",
            f"This line is not parseable as valid JSON: {path or 'a string'} holds "
            f"\\u{ord(char):04x}, half of a surrogate pair without its other half.",
            path or None,
            "A lone \\ud800-\\udfff escape cannot be encoded as UTF-8, and strict JSON "
            'parsers reject the line ("no low surrogate in string"). Remove it, or write '
            "the character itself (as escapes, an emoji needs both halves: \\ud83d\\ude00).",
        )
        return BAD
    add(
        out,
        line,
        "invalid_json_line",
        f"This line is not parseable as valid JSON ({_describe_error(exc)}).",
        None,
        _json_hint(data.strip(), exc.msg or ""),
    )
    return BAD


def not_text(index: LineIndex) -> Finding | None:
    """The finding for a file that is not UTF-8 text at all (compressed, UTF-16, binary),
    judged from its first 4 KB; None for text."""
    head = index.read(Span(0, min(index.size, 4096)))
    for magic, what, hint in _NOT_TEXT:
        if head.startswith(magic) if magic else b"\x00" in head:
            return Finding(
                1,
                RULES["not_text"].severity,
                "not_text",
                f"The file is {what}, not UTF-8 JSONL text. Its lines are not reported one by one.",
                None,
                hint,
            )
    return None


def whole_file(index: LineIndex, first: bytes) -> Finding | None:
    """Line 1 (``first``, stripped) does not parse: is the file not JSONL text at all
    (compressed, UTF-16, binary), or a pretty-printed JSON document? The one finding that
    then stands for every line, or None (the file is JSONL with a broken first line)."""
    finding = not_text(index)
    if finding is not None or first[:1] not in (b"{", b"["):
        return finding
    likely = first in (b"{", b"[") or first.replace(b" ", b"").startswith(b"[{")
    if not likely and index.line_count > 1:
        second = index.line(1, cap=256)
        # An indented key, or a closing bracket: the object continues on the next line.
        # A next line starting with "{" is more likely JSONL after one broken line.
        likely = second[:1] in (b" ", b"\t") or second.strip()[:1] in (b'"', b"}", b"]")
    if not likely:
        return None
    what = "a JSON value"
    hint = "Convert it to one request per line, e.g. jq -c . FILE > FILE.jsonl"
    size = index.size
    if size <= PRETTY_PARSE_LIMIT:
        whole = index.read(Span(0, size))
        if whole.startswith(F.BOM):
            whole = whole[3:]
        try:
            doc = orjson.loads(whole)
        except orjson.JSONDecodeError:
            doc = None
        if isinstance(doc, list):
            what = f"one JSON array of {len(doc):,} items"
            hint = "Convert it to one request per line: jq -c '.[]' FILE > FILE.jsonl"
        elif isinstance(doc, dict):
            what = "one JSON object"
    return Finding(
        1,
        RULES["multiline_json"].severity,
        "multiline_json",
        f"The file is {what} pretty-printed over several lines; a batch file needs one "
        "request object per line (JSONL). Its other lines are not reported one by one.",
        None,
        hint,
    )


def _describe_error(exc: orjson.JSONDecodeError) -> str:
    msg = exc.msg or "invalid JSON"
    return f"{msg} at column {exc.colno}" if getattr(exc, "colno", None) else msg


def _json_hint(stripped: bytes, error: str = "") -> str | None:
    if stripped.startswith(b"{") and "after document" in error and re.search(rb"\}\s*\{", stripped):
        return (
            "Several JSON objects on one line with no newline between them: put each on a "
            "line of its own (jq -c . FILE > FILE.jsonl)."
        )
    if stripped.endswith(b","):
        return "Remove the trailing comma: JSONL lines are not separated by commas."
    if stripped.startswith(b"{'") or b"': " in stripped[:200]:
        return "Single quotes: this looks like a Python dict; write each line with json.dumps()."
    if stripped.startswith(b"{") and (not stripped.endswith(b"}") or "end of data" in error):
        return (
            "The object is not closed: the line may be cut short, or one request spans "
            "several lines."
        )
    return None
