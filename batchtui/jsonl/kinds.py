"""What kind of file is this? A bounded sniff of its first lines.

Half the files a batch user holds are not batch inputs: output and error files, and the files
of other providers kept beside them. :func:`sniff` reads at most ``max_lines`` lines of the
file's head and names its :class:`Kind`, with the evidence (how many lines of each kind, the
runner that wrote an output file, the file's layout). It needs only bytes and orjson, so the
browser can call it on the head of a file before its first frame (well under a millisecond
for 50 ordinary lines; a 1 MiB head of one huge line costs a few ms).

The decision procedure is FORMATS.md §1 (/work/realfiles, built from 84 real files):

1. Byte-level pre-checks: a UTF-8 BOM is skipped; CRLF and blank lines are fine; a Git LFS
   pointer is "an LFS pointer, not data"; a binary or compressed head is not text; objects
   glued together without newlines and pretty-printed objects are recovered with a
   ``raw_decode`` loop and classified; when no line parses, the raw text can still say "this
   looks like an OpenAI batch input whose every line is invalid JSON".
2. Each parsed line gets a :class:`LineKind` from its top-level keys (:func:`line_kind`; the
   order of the tests matters, see there).
3. The file's kind: the one real kind among its lines (broken or unrecognised lines beside it
   are the validator's business); output and error lines together make an ``output`` file
   (vLLM writes both into one), error lines alone an ``errors`` file; several real kinds
   make the file ``unknown`` with ``mixed=True`` (and ``dominant``, the commonest).

Usage::

    from batchtui.jsonl.kinds import sniff, sniff_path, Kind

    found = sniff_path("batch_out.jsonl")   # or sniff(head_bytes, complete=False)
    found.kind          # Kind.OUTPUT
    found.runner        # "openai", "azure", "vllm", "groq", "zhipu", "doubleword" or None
    found.lines         # {"output": 48, "error": 2}
    found.to_dict()     # what `validate --format json` prints as kind_detail

The output-versus-errors question is settled for the whole file by whoever reads all of it (a
file's first error line can be line 739): :class:`KindTally` keeps that count.
"""

from __future__ import annotations

import enum
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from batchtui.core.text import safe
from batchtui.jsonl.files import open_regular
from batchtui.jsonl.index import LineIndex, Span

SNIFF_LINES = 50  # non-blank lines looked at: a file's first lines can all be healthy
HEAD_BYTES = 1 << 20  # at most this much of the file is read to sniff it
BOM = b"\xef\xbb\xbf"
LFS_POINTER = b"version https://git-lfs.github.com/spec/"


class Kind(str, enum.Enum):
    """What a whole file is. The values are what ``validate --format json`` prints."""

    INPUT = "input"
    OUTPUT = "output"
    ERRORS = "errors"
    ANTHROPIC_REQUESTS = "anthropic-requests"
    ANTHROPIC_RESULTS = "anthropic-results"
    GEMINI_REQUESTS = "gemini-requests"
    GEMINI_RESULTS = "gemini-results"
    FINETUNE_CHAT = "finetune-chat"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value

    @property
    def title(self) -> str:  # type: ignore[override]  # a name for people; str.title() unused
        """A name for people: "an OpenAI batch output file"."""
        return _TITLES[self]

    @property
    def label(self) -> str:
        """A short name for a summary line: "batch output", "Gemini batch requests"."""
        return _LABELS[self]

    @property
    def foreign(self) -> bool:
        """Another provider's format, or another OpenAI product's (fine-tuning)."""
        return self in _FOREIGN

    @property
    def results(self) -> bool:
        """An OpenAI batch output or error file: what ``batchtui results`` reads."""
        return self in (Kind.OUTPUT, Kind.ERRORS)


_TITLES = {
    Kind.INPUT: "an OpenAI batch input file",
    Kind.OUTPUT: "an OpenAI batch output file",
    Kind.ERRORS: "an OpenAI batch error file",
    Kind.ANTHROPIC_REQUESTS: "an Anthropic Message Batches request file",
    Kind.ANTHROPIC_RESULTS: "an Anthropic Message Batches results file",
    Kind.GEMINI_REQUESTS: "a Gemini batch request file",
    Kind.GEMINI_RESULTS: "a Gemini batch results file",
    Kind.FINETUNE_CHAT: "an OpenAI fine-tuning (chat) training file",
    Kind.UNKNOWN: "a file of unknown kind",
}
_LABELS = {
    Kind.INPUT: "batch input",
    Kind.OUTPUT: "batch output",
    Kind.ERRORS: "batch error file",
    Kind.ANTHROPIC_REQUESTS: "Anthropic batch requests",
    Kind.ANTHROPIC_RESULTS: "Anthropic batch results",
    Kind.GEMINI_REQUESTS: "Gemini batch requests",
    Kind.GEMINI_RESULTS: "Gemini batch results",
    Kind.FINETUNE_CHAT: "fine-tuning chat data",
    Kind.UNKNOWN: "unknown kind",
}
_FOREIGN = frozenset(
    {
        Kind.ANTHROPIC_REQUESTS,
        Kind.ANTHROPIC_RESULTS,
        Kind.GEMINI_REQUESTS,
        Kind.GEMINI_RESULTS,
        Kind.FINETUNE_CHAT,
    }
)


class LineKind(str, enum.Enum):
    """What one parsed line is (FORMATS.md §1.1)."""

    INPUT = "input"
    OUTPUT = "output"  # an answered request (any 2xx)
    ERROR = "error"  # a failed request: HTTP >= 400, an error object, or no response
    ANTHROPIC_REQUEST = "anthropic-request"
    ANTHROPIC_RESULT = "anthropic-result"
    GEMINI_REQUEST = "gemini-request"
    GEMINI_RESULT = "gemini-result"
    FINETUNE_CHAT = "finetune-chat"
    UNKNOWN = "unknown"  # a JSON object of no known shape
    INVALID = "invalid"  # not JSON, or JSON but not an object

    def __str__(self) -> str:
        return self.value

    @property
    def title(self) -> str:  # type: ignore[override]  # a name for people; str.title() unused
        return _LINE_TITLES[self]


_LINE_TITLES = {
    LineKind.INPUT: "an OpenAI batch request",
    LineKind.OUTPUT: "an OpenAI batch output line",
    LineKind.ERROR: "an OpenAI batch error line",
    LineKind.ANTHROPIC_REQUEST: "an Anthropic Message Batches request",
    LineKind.ANTHROPIC_RESULT: "an Anthropic Message Batches result",
    LineKind.GEMINI_REQUEST: "a Gemini batch request",
    LineKind.GEMINI_RESULT: "a Gemini batch result",
    LineKind.FINETUNE_CHAT: "a fine-tuning chat example",
    LineKind.UNKNOWN: "an object of unknown shape",
    LineKind.INVALID: "not a JSON object",
}

# The file kind each line kind makes (output and error lines are settled together).
FILE_KIND = {
    LineKind.INPUT: Kind.INPUT,
    LineKind.OUTPUT: Kind.OUTPUT,
    LineKind.ERROR: Kind.ERRORS,
    LineKind.ANTHROPIC_REQUEST: Kind.ANTHROPIC_REQUESTS,
    LineKind.ANTHROPIC_RESULT: Kind.ANTHROPIC_RESULTS,
    LineKind.GEMINI_REQUEST: Kind.GEMINI_REQUESTS,
    LineKind.GEMINI_RESULT: Kind.GEMINI_RESULTS,
    LineKind.FINETUNE_CHAT: Kind.FINETUNE_CHAT,
}
_ENVELOPE = ("method", "url", "body")
_GEMINI_RESPONSE_KEYS = ("candidates", "usageMetadata", "promptFeedback")


def _error_line(response: Any, error: Any) -> bool:
    """FORMATS.md §1.1 rule 5: an error line, or (False) an output line."""
    if error is not None and error != "" and error != {}:
        return True  # an object (batch_expired), a string (vLLM), Azure's nested message
    if response.__class__ is not dict:
        return True  # response null: the request never ran
    status = response.get("status_code")
    if status.__class__ is int and status >= 400:
        return True
    body = response.get("body")
    return body.__class__ is dict and body.get("error").__class__ is dict


def line_kind(obj: Any) -> LineKind:
    """The kind of one parsed line, from its top-level keys. Cheap: a few dict lookups.

    The first matching test wins (FORMATS.md §1.1): Anthropic requests (``custom_id`` +
    ``params``) and results (``custom_id`` + ``result.type``) before inputs, because an
    OpenAI input never has those keys; a ``custom_id`` + ``response`` whose response is a
    Gemini one (curator's Vertex output) before OpenAI outputs; a ``messages`` list with no
    envelope and no ``model`` is a fine-tuning example (with a model it is a bare chat body:
    unknown).
    """
    if obj.__class__ is not dict:
        return LineKind.INVALID
    has = obj.__contains__
    if has("custom_id"):
        if has("params") and not has("body"):
            return LineKind.ANTHROPIC_REQUEST
        result = obj.get("result")
        if result.__class__ is dict and "type" in result:
            return LineKind.ANTHROPIC_RESULT
        response = obj.get("response")
        if not has("response") and (has("method") or has("url") or has("body")):
            return LineKind.INPUT
        if (
            response.__class__ is dict
            and "status_code" not in response
            and any(k in response for k in _GEMINI_RESPONSE_KEYS)
        ):
            return LineKind.GEMINI_RESULT
        if has("response") or has("error"):
            return LineKind.ERROR if _error_line(response, obj.get("error")) else LineKind.OUTPUT
        return LineKind.UNKNOWN
    if has("key"):
        if has("request"):
            return LineKind.GEMINI_REQUEST
        if has("response") or has("error"):
            return LineKind.GEMINI_RESULT
    if has("request"):
        if has("response") or has("status") or has("processed_time"):
            return LineKind.GEMINI_RESULT  # Vertex predictions.jsonl
        request = obj["request"]
        if len(obj) == 1 and request.__class__ is dict and "contents" in request:
            return LineKind.GEMINI_REQUEST  # Vertex input: no key
    if not has("response") and sum(1 for k in _ENVELOPE if has(k)) >= 2:
        return LineKind.INPUT  # a request that lacks its custom_id is still a request
    contents = obj.get("contents")
    if contents.__class__ is list and not has("messages") and not has("model"):
        return LineKind.GEMINI_REQUEST  # a bare GenerateContentRequest (no key)
    messages = obj.get("messages")
    if messages.__class__ is list and not has("model"):
        return LineKind.FINETUNE_CHAT
    return LineKind.UNKNOWN


# -- runners of OpenAI-compatible batches (FORMATS.md §1.2), for display only -------------

_HEX32 = re.compile(r"[0-9a-f]{32}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ZHIPU_ID = re.compile(r"batch_\d{15,}")

RUNNERS = ("openai", "azure", "vllm", "groq", "zhipu", "doubleword")


def runner_of(obj: Any) -> str | None:
    """Which service wrote an output or error line, told from its ids; None if unsure."""
    if obj.__class__ is not dict:
        return None
    line_id = obj.get("id")
    response = obj.get("response")
    request_id = response.get("request_id") if response.__class__ is dict else None
    if "id" not in obj:
        return "azure"  # Azure writes custom_id, response, error and no id
    if not isinstance(line_id, str):
        return None
    if line_id.startswith("vllm-"):
        return "vllm"
    if line_id.startswith("batch_req_out_"):
        return "groq"
    if _ZHIPU_ID.fullmatch(line_id):
        return "zhipu"
    if line_id.startswith("batch_req_"):
        rest = line_id[len("batch_req_") :]
        if _UUID.fullmatch(rest) and request_id is None:
            return "doubleword"
        if _HEX32.fullmatch(rest):
            return "openai"
    return None


# -- what an unknown line looks like ------------------------------------------------------

GENERIC_SHAPE = "objects with the keys "  # how describe() starts when it knows no better


def describe(obj: Any) -> str | None:
    """A short phrase for an object of no batch kind: what it most likely is, or its keys."""
    if obj.__class__ is not dict:
        return None
    keys = set(obj)
    if {"version", "stage", "batch", "results"} <= keys:
        return "a batch state file as the R package ellmer writes it"
    if "messages" in keys and "model" in keys and "custom_id" not in keys:
        return (
            "chat-completions request bodies without the batch envelope (custom_id, method, "
            "url, body)"
        )
    if {"input", "preferred_output", "non_preferred_output"} <= keys:
        return "OpenAI preference (DPO) fine-tuning examples"
    if {"chosen", "rejected"} <= keys:
        return "preference (DPO) training pairs (chosen/rejected)"
    if {"prompt", "completion"} <= keys:
        return "legacy fine-tuning examples (prompt/completion)"
    if "custom_id" in keys and "type" in keys and "result" not in keys:
        return "Anthropic results flattened by a script (custom_id, type, ...), not the raw file"
    if any(k in keys for k in _GEMINI_RESPONSE_KEYS):
        who = "with a custom_id added" if "custom_id" in keys else "without a key"
        return f"Gemini responses {who} (not Gemini's batch output format)"
    # Keys are data: made visible and short before they go into a message.
    shown = [_short_key(k) for k in sorted(keys)[:6]]
    more = ", ..." if len(keys) > 6 else ""
    return GENERIC_SHAPE + ", ".join(shown) + more if shown else "empty objects"


def _short_key(key: str) -> str:
    text = safe(key)
    return text if len(text) <= 40 else text[:39] + "…"


# -- the file ----------------------------------------------------------------------------


class Layout(str, enum.Enum):
    """How the file is laid out, as far as the sniff could tell."""

    JSONL = "jsonl"  # one value per line (what a batch file must be)
    CONCATENATED = "concatenated"  # JSON objects glued together without newlines
    PRETTY = "pretty"  # pretty-printed JSON over several lines
    LFS_POINTER = "lfs-pointer"  # a Git LFS pointer file, not the data
    BINARY = "binary"  # compressed, UTF-16 or binary bytes
    EMPTY = "empty"  # nothing but blank lines

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Sniff:
    """The kind of a file and the evidence for it."""

    kind: Kind
    lines: dict[str, int] = field(default_factory=dict)  # LineKind value -> count sniffed
    sniffed: int = 0  # non-blank lines (or recovered objects) looked at
    layout: Layout = Layout.JSONL
    runner: str | None = None  # output and error files: who wrote it
    mixed: bool = False  # several real kinds (kind is UNKNOWN)
    dominant: Kind | None = None  # mixed: the commonest real kind
    guessed: bool = False  # no line parsed: judged from the raw text
    shape: str | None = None  # unknown: what the lines look like
    reason: str | None = None  # one sentence for people when the kind needs explaining

    @property
    def judged_as(self) -> Kind:
        """The kind whose rules apply: the dominant one of a mixed file."""
        return self.dominant if self.mixed and self.dominant is not None else self.kind

    def label(self) -> str:
        """The kind in a few words, for a summary line: "batch output from vLLM", "unknown
        kind (mixed)"."""
        text = self.kind.label
        if self.runner and self.kind.results and self.runner != "openai":
            text += f" from {runner_name(self.runner)}"
        if self.mixed:
            text += " (mixed)"
        elif self.guessed:
            text += " (every line sniffed is invalid)"
        return text

    def describe(self) -> str:
        """ "an OpenAI batch output file (vLLM)", "a file of unknown kind: mixed ..."."""
        text = self.kind.title
        if self.runner and self.kind.results and self.runner != "openai":
            text += f" ({_RUNNER_NAMES.get(self.runner, self.runner)})"
        if self.reason:
            text += f": {self.reason}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "lines": dict(self.lines),
            "sniffed": self.sniffed,
            "layout": self.layout.value,
            "runner": self.runner,
            "mixed": self.mixed,
            "dominant": self.dominant.value if self.dominant is not None else None,
            "guessed": self.guessed,
            "shape": self.shape,
            "reason": self.reason,
        }


_RUNNER_NAMES = {
    "openai": "OpenAI",
    "azure": "Azure OpenAI",
    "vllm": "vLLM",
    "groq": "Groq",
    "zhipu": "Zhipu GLM",
    "doubleword": "Doubleword",
}


def runner_name(runner: str | None) -> str | None:
    return _RUNNER_NAMES.get(runner, runner) if runner else None


def decide(counts: Counter[LineKind] | dict[LineKind, int]) -> tuple[Kind, bool, Kind | None]:
    """The file kind from its line kinds: ``(kind, mixed, dominant)`` (FORMATS.md §1.2).

    One real kind: that kind (broken and unknown lines beside it do not change it). Output
    and error lines together: ``output``; error lines alone: ``errors``. Several real kinds:
    ``unknown``, mixed, with the commonest as ``dominant`` (output and error lines counted
    together; a tie goes to an input).
    """
    real: Counter[Kind] = Counter()
    for line_kind_, n in counts.items():
        kind = FILE_KIND.get(line_kind_)
        if kind is not None and n:
            real[Kind.OUTPUT if kind is Kind.ERRORS else kind] += n
    if not real:
        return Kind.UNKNOWN, False, None
    if len(real) == 1:
        (kind,) = real
        if kind is Kind.OUTPUT and not counts.get(LineKind.OUTPUT):
            kind = Kind.ERRORS
        return kind, False, None
    ranked = sorted(real.items(), key=lambda kv: (-kv[1], kv[0] is not Kind.INPUT))
    dominant = ranked[0][0]
    if dominant is Kind.OUTPUT and not counts.get(LineKind.OUTPUT):
        dominant = Kind.ERRORS
    return Kind.UNKNOWN, True, dominant


def describe_counts(counts: Counter[LineKind] | dict[LineKind, int]) -> str:
    """``3 OpenAI batch requests, 1 OpenAI batch output line`` (real kinds only)."""
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    parts = [
        f"{n:,} {kind.title.removeprefix('an ').removeprefix('a ')}" + ("s" if n != 1 else "")
        for kind, n in ranked
        if n and kind not in (LineKind.UNKNOWN, LineKind.INVALID)
    ]
    return ", ".join(parts)


class KindTally:
    """Counts line kinds as a validator meets them, to settle the file's kind over all its
    lines: the sniff saw only the head, and an output file's first error line can be far
    down (an ``errors`` sniff becomes ``output`` at its first success)."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: Counter[LineKind] = Counter()

    def add(self, kind: LineKind, n: int = 1) -> None:
        self.counts[kind] += n

    def merge(self, other: KindTally) -> None:
        self.counts.update(other.counts)

    def decide(self) -> tuple[Kind, bool, Kind | None]:
        return decide(self.counts)


# -- reading the head ----------------------------------------------------------------------

_DECODER = json.JSONDecoder()
_WS = b" \t\r\n"
# FORMATS.md §1.0: when no line parses, the raw text can still show a batch file's keys.
_GUESSES = (
    (
        Kind.INPUT,
        re.compile(rb'"custom_id"\s*:'),
        re.compile(rb'"(?:method|url|body)"\s*:'),
        "every line sniffed is invalid JSON, but they look like OpenAI batch requests",
    ),
    (
        Kind.OUTPUT,
        re.compile(rb'"custom_id"\s*:'),
        re.compile(rb'"response"\s*:\s*(?:\{|null)'),
        "every line sniffed is invalid JSON, but they look like OpenAI batch output lines",
    ),
)
_NOT_TEXT = (b"\x1f\x8b", b"PK\x03\x04", b"\xff\xfe", b"\xfe\xff", b"BZh", b"\xfd7zXZ")


def decode_objects(text: bytes, limit: int) -> tuple[list[Any], bool]:
    """JSON values decoded one after another from ``text`` (whitespace between them allowed,
    as in concatenated or pretty-printed files), at most ``limit``; and whether the whole
    text was consumed."""
    try:
        s = text.decode("utf-8")
    except UnicodeDecodeError:
        s = text.decode("utf-8", errors="replace")
    out: list[Any] = []
    pos, end = 0, len(s)
    while len(out) < limit:
        while pos < end and s[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            return out, True
        try:
            value, pos = _DECODER.raw_decode(s, pos)
        except (ValueError, RecursionError):
            return out, False
        out.append(value)
    return out, False


def _runner(objs: Iterable[Any], counts: Counter[LineKind]) -> str | None:
    if not (counts.get(LineKind.OUTPUT) or counts.get(LineKind.ERROR)):
        return None
    seen: Counter[str] = Counter()
    for obj in objs:
        if line_kind(obj) in (LineKind.OUTPUT, LineKind.ERROR):
            runner = runner_of(obj)
            if runner:
                seen[runner] += 1
    return seen.most_common(1)[0][0] if seen else None


def _result(objs: list[Any], invalid: int, layout: Layout, *, note: str | None = None) -> Sniff:
    counts: Counter[LineKind] = Counter(line_kind(o) for o in objs)
    if invalid:
        counts[LineKind.INVALID] += invalid
    kind, mixed, dominant = decide(counts)
    shape = reason = None
    if kind is Kind.UNKNOWN:
        if mixed:
            reason = "mixed: " + describe_counts(counts)
        else:
            shapes = [d for d in (describe(o) for o in objs[:5]) if d]
            shape = shapes[0] if shapes else None
            if shape:
                whole = layout is Layout.PRETTY and len(objs) == 1
                reason = f"{'it is' if whole else 'the lines look like'} {shape}"
    if note:
        reason = f"{note}; {reason}" if reason else note
    return Sniff(
        kind=kind,
        lines={k.value: n for k, n in counts.most_common()},
        sniffed=len(objs) + invalid,
        layout=layout,
        runner=_runner(objs, counts),
        mixed=mixed,
        dominant=dominant,
        shape=shape,
        reason=reason,
    )


def _head_lines(data: bytes, complete: bool) -> Iterator[bytes]:
    """The lines of ``data`` without their line endings, lazily (a 1 MiB head of short lines
    is not split whole to look at 50 of them). A last line without newline is left out when
    ``data`` is only a head (it may be cut short), unless it is the only line."""
    pos, end = 0, len(data)
    while pos < end:
        nl = data.find(b"\n", pos)
        if nl < 0:
            if complete or pos == 0:
                yield data[pos:]
            return
        yield data[pos:nl]
        pos = nl + 1


def sniff(data: bytes, *, complete: bool = True, max_lines: int = SNIFF_LINES) -> Sniff:
    """The kind of the file whose first bytes are ``data``.

    ``complete`` says ``data`` is the whole file; when it is only a head, a last line without
    its newline may be cut short and is left out (unless it is the only one). At most
    ``max_lines`` non-blank lines (or recovered objects) are classified.
    """
    if data.startswith(BOM):
        data = data[3:]
    stripped = data.lstrip(_WS)
    if not stripped:
        return Sniff(Kind.UNKNOWN, layout=Layout.EMPTY, reason="the file is empty")
    if stripped.startswith(LFS_POINTER):
        return Sniff(
            Kind.UNKNOWN,
            layout=Layout.LFS_POINTER,
            reason="a Git LFS pointer, not the data (git lfs pull fetches it)",
        )
    head = data[:4096]
    if b"\x00" in head or head.startswith(_NOT_TEXT):
        return Sniff(Kind.UNKNOWN, layout=Layout.BINARY, reason="not UTF-8 text")
    objs: list[Any] = []
    invalid: list[bytes] = []
    first: bytes | None = None
    second: bytes | None = None
    for raw in _head_lines(data, complete):
        line = raw.strip(_WS)
        if not line:
            continue
        if first is None:
            first = line
        elif second is None:
            second = raw
        if len(objs) + len(invalid) >= max_lines:
            break
        try:
            objs.append(orjson.loads(line))
            continue
        except orjson.JSONDecodeError:
            pass
        if line[:1] == b"{":
            # Objects glued together on one line: "...}}{"custom_id":...".
            glued, _ = decode_objects(line, max_lines)
            if len(glued) > 1:
                return _glued(data, objs, len(invalid), max_lines)
        try:
            objs.append(json.loads(line))  # integers beyond 64 bits, and the like
            continue
        except (ValueError, RecursionError):
            pass
        invalid.append(line)
    if first is not None and invalid and _looks_pretty(first, second):
        pretty = _pretty(data, max_lines)
        if pretty is not None:
            return pretty
    if not objs and invalid:
        text = b"\n".join(invalid)
        for kind, key, other, why in _GUESSES:
            if key.search(text) and other.search(text):
                return Sniff(
                    kind,
                    lines={LineKind.INVALID.value: len(invalid)},
                    sniffed=len(invalid),
                    guessed=True,
                    reason=why,
                )
    return _result(objs, len(invalid), Layout.JSONL)


def _glued(data: bytes, before: list[Any], invalid: int, max_lines: int) -> Sniff:
    # Read again from the start of the head: newlines between the glued runs are fine too.
    objs, _ = decode_objects(data, max_lines)
    if len(objs) <= len(before):
        objs = before
    note = "JSON objects concatenated without newlines, not JSONL"
    return _result(objs, invalid, Layout.CONCATENATED, note=note)


def _pretty(data: bytes, max_lines: int) -> Sniff | None:
    values, _ = decode_objects(data, max_lines)
    if len(values) == 1 and isinstance(values[0], list):
        note = "one JSON array pretty-printed, not JSONL"
        return _result(values[0][:max_lines], 0, Layout.PRETTY, note=note)
    if values and all(isinstance(v, dict) for v in values):
        note = (
            "one JSON document pretty-printed, not JSONL"
            if len(values) == 1
            else "pretty-printed JSON objects one after another, not JSONL"
        )
        return _result(values, 0, Layout.PRETTY, note=note)
    return None


def _looks_pretty(first: bytes, second: bytes | None) -> bool:
    """Does the file start with a value spread over several lines?"""
    if first in (b"{", b"["):
        return True
    if first[:1] not in (b"{", b"[") or second is None:
        return False
    # An indented key, or a closing bracket: the value continues on the next line.
    return second[:1] in (b" ", b"\t") or second.strip(_WS)[:1] in (b'"', b"}", b"]")


def sniff_path(
    path: str | os.PathLike[str], *, max_lines: int = SNIFF_LINES, max_bytes: int = HEAD_BYTES
) -> Sniff:
    """Sniff the file at ``path`` from its first ``max_bytes`` bytes. Raises UserError for a
    path that is not a readable regular file (never blocks on a FIFO)."""
    fd, _ = open_regular(path)
    try:
        data = os.pread(fd, max_bytes + 1, 0)
    finally:
        os.close(fd)
    complete = len(data) <= max_bytes
    return sniff(data[:max_bytes], complete=complete, max_lines=max_lines)


def sniff_index(
    index: LineIndex, *, max_lines: int = SNIFF_LINES, max_bytes: int = HEAD_BYTES
) -> Sniff:
    """Sniff an open :class:`LineIndex` from its head; it need not be scanned yet (the
    browser calls this before its first frame)."""
    size = index.size
    data = index.read(Span(0, min(size, max_bytes)))
    return sniff(data, complete=size <= max_bytes, max_lines=max_lines)
