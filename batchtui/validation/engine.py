"""The streaming, incremental validator over a :class:`~batchtui.jsonl.LineIndex`.

A :class:`Validator` checks lines in chunks, in whatever thread calls :meth:`Validator.run`:

* per-line findings stream out chunk by chunk (``on_findings(findings, False)``) and into the
  :class:`~batchtui.validation.report.Report`;
* ``cancelled()`` is polled between chunks (a chunk is at most ``chunk_lines`` lines or
  ``chunk_bytes`` bytes, ~10-30 ms of work); a cancelled run resumes where it stopped;
* when every line of a complete index has been checked, the file-level findings (majority url
  and model, limits, final newline) are derived from compact per-line arrays (no second read
  of the file) and delivered as one replacement set (``on_findings(findings, True)``);
* after the file grows (``LineIndex.check()`` says ``APPENDED``), calling :meth:`run` again
  checks only the new lines; duplicate ids and the majorities carry over. A last line that
  had no newline and was extended by the append is re-checked.

State kept per line is small and fixed: a 2-byte url id and a 2-byte model id (``array('H')``),
plus the custom_id -> first line dict needed for uniqueness. The findings themselves are not
kept (see :mod:`batchtui.validation.report`); :meth:`Validator.findings_at` and
:meth:`Validator.iter_findings` re-derive them for any line.

Driving it from a UI (any thread; the callbacks run in the validator's thread)::

    validator = Validator(index)              # shares the browser's LineIndex
    status = validator.run(                   # in a thread worker
        on_findings=lambda findings, file_level: post(...),  # per chunk; file_level=True
        on_progress=lambda progress: post(...),               # replaces the file-level set
        cancelled=lambda: worker.is_cancelled,
    )
    validator.report.snapshot()               # counts, groups by code, examples, progress
    validator.report.severity_at(line)        # gutter mark of a line (1-based)
    validator.report.next_marked(line, forward=True)
    validator.findings_at(line)               # every finding of a line, with its path
    islice(validator.iter_findings(code), 200)  # a page of one code's findings

    # LineIndex.check() -> APPENDED: run() again (it scans, then checks only the new lines).
    # REWRITTEN / REPLACED: open a new LineIndex and make a new Validator.
    # RunStatus.FILE_CHANGED: the same; CANCELLED: run() again resumes.
"""

from __future__ import annotations

import bisect
import enum
import json
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from batchtui.jsonl.index import MAX_LINE_BYTES, FileChanged, LineIndex, Span
from batchtui.validation import facts as F
from batchtui.validation.checks import RequestChecker, add, kind, lone_surrogate, quote
from batchtui.validation.digest import ContentDigest, DigestBuilder, DigestRange
from batchtui.validation.findings import Finding
from batchtui.validation.providers import OPENAI, Provider
from batchtui.validation.report import DEFAULT_MAX_EXAMPLES, Report
from batchtui.validation.rules import RULES

CHUNK_LINES = 2000
CHUNK_BYTES = 8 * 1024 * 1024
# A pretty-printed file up to this size is parsed whole to say what it holds.
PRETTY_PARSE_LIMIT = 32 * 1024 * 1024
# Distinct urls/models remembered by name; more (only in broken files) share the last id.
MAX_DISTINCT = 0xFFFF

FindingsCallback = Callable[[list[Finding], bool], None]


class RunStatus(enum.Enum):
    DONE = "done"  # every indexed line checked; file-level findings are current
    CANCELLED = "cancelled"  # stopped by ``cancelled()``; call run() again to resume
    FILE_CHANGED = "file_changed"  # the file shrank under us: re-open it and start over


@dataclass(frozen=True, slots=True)
class Progress:
    lines: int  # lines checked so far
    bytes: int  # bytes checked so far (up to the end of the last checked line)
    total_bytes: int  # size of the file as indexed
    done: bool  # all lines checked and the file-level findings delivered


class _Interner:
    """Strings to small ids (1..MAX_DISTINCT) with a count per id; 0 means "none"."""

    __slots__ = ("counts", "ids", "names")

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.names: list[str] = [""]
        self.counts: list[int] = [0]

    def add(self, name: str) -> int:
        i = self.ids.get(name)
        if i is None:
            if len(self.names) < MAX_DISTINCT:
                i = len(self.names)
                self.ids[name] = i
                self.names.append(name)
                self.counts.append(0)
            else:
                i = MAX_DISTINCT - 1  # pathological files only: lump the rest together
        self.counts[i] += 1
        return i

    def remove(self, i: int) -> None:
        if i:
            self.counts[i] -= 1

    def merge(self, names: list[str], counts: list[int]) -> list[int]:
        """Add another interner's counts; return its ids mapped to ours."""
        mapping = [0]
        for name, count in zip(names[1:], counts[1:], strict=True):
            i = self.add(name)
            self.counts[i] += count - 1
            mapping.append(i)
        return mapping

    def majority(self) -> int:
        """The id most lines use (the first seen on a tie), 0 if none."""
        best = 0
        counts = self.counts
        for i in range(1, len(counts)):
            if counts[i] > counts[best]:
                best = i
        return best

    def distinct(self) -> int:
        return sum(1 for c in self.counts[1:] if c)


@dataclass(slots=True)
class _Tail:
    """What the last checked line contributed, kept while it has no final newline: an append
    extends that line, so it must be taken back and checked again."""

    line0: int
    size: int  # the file size when it was checked; growth means the line grew
    findings: list[Finding]
    new_id: str | None
    url_id: int
    model_id: int
    inputs: int
    request: bool


@dataclass(slots=True)
class PartState:
    """What a validator of lines [start, end) learnt, to be merged into the validator of the
    lines before it (:meth:`Validator._absorb`). Picklable; sent back by a worker process."""

    start: int
    end: int
    ids: dict[str, int]  # custom_id -> first line within the part
    dups: list[tuple[int, str]]  # duplicates within the part: (line, custom_id)
    url_names: list[str]
    url_counts: list[int]
    url_ids: bytes  # array('H') per line
    model_names: list[str]
    model_counts: list[int]
    model_ids: bytes
    requests: int
    inputs: int
    inputs_log: bytes  # array('I') of embedding inputs per line
    crlf: int | None
    digest: list[DigestRange]  # hashes of the bytes the part was checked from, in order


_BLANK: Any = object()  # a blank line (not a request)
_SKIP: Any = object()  # part of a pretty-printed document (reported once)
_BAD: Any = object()  # not JSON (already reported)


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


def _limit(value: int | None) -> int:
    """A provider's limit, or one no file reaches when it is undocumented."""
    return (1 << 62) if value is None else value


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class Validator:
    """Validates the lines of one :class:`LineIndex`, incrementally. See the module doc.

    Line numbers in this API are 1-based (as in findings); ``LineIndex`` is 0-based.
    """

    def __init__(
        self,
        index: LineIndex,
        *,
        max_examples: int = DEFAULT_MAX_EXAMPLES,
        chunk_lines: int = CHUNK_LINES,
        chunk_bytes: int = CHUNK_BYTES,
        first_line: int = 0,
        max_line: int = MAX_LINE_BYTES,
        digest: bool = True,
        provider: Provider = OPENAI,
    ) -> None:
        """``first_line`` (0-based) > 0 makes a validator for the lines from there on only: one
        part of a file checked in another process (see :mod:`batchtui.validation.parallel`).
        A line longer than ``max_line`` bytes is reported (``line_too_long``), not read.
        ``digest=False`` skips hashing what is checked (:meth:`digest` is then None): for a
        check that will not be followed by a submit, such as ``batchtui validate``.
        ``provider`` sets the limits and the envelope and url rules (default: OpenAI's)."""
        self.index = index
        self.max_line = max_line
        self.report = Report(index.name, index.size, max_examples)
        self.chunk_lines = chunk_lines
        self.chunk_bytes = chunk_bytes
        self.provider = provider
        self._checker = RequestChecker(provider=provider)
        # Limits of the provider; an undocumented one is not checked.
        self._max_requests = _limit(provider.max_requests.value)
        self._max_inputs = _limit(provider.max_embedding_inputs.value)
        self._max_bytes = _limit(provider.max_file_bytes.value)
        self._run_lock = threading.Lock()
        self._base = first_line
        self.next_line = first_line  # 0-based: lines [first_line, next_line) are checked
        self._ids: dict[str, int] = {}  # custom_id -> first 0-based line
        self._urls = _Interner()
        self._models = _Interner()
        self._url_ids = array("H")  # per line; 0 = no valid url
        self._model_ids = array("H")  # per line; 0 = no model
        self._requests = 0  # non-blank lines outside a pretty-printed document
        self._over_requests: int | None = None  # 0-based line of request MAX_REQUESTS + 1
        self._inputs = 0  # embedding inputs so far
        self._over_inputs: int | None = None  # 0-based line where they passed the limit
        self._crlf: int | None = None  # 0-based line of the first CRLF
        # A finding about the whole file that stands for every line's (pretty-printed JSON,
        # a compressed or UTF-16 file): once set, lines are not reported one by one.
        self._whole: Finding | None = None
        self._whole_decided = False
        self._tail: _Tail | None = None
        self._unlined: list[Finding] = []  # current file-level findings without a line
        self._majority = (0, 0)  # (url id, model id) used by the current file findings
        # Only when checking one part of a file in a worker process, for the merge:
        self._dup_log: list[tuple[int, str]] | None = None  # (line, custom_id) of duplicates
        self._inputs_log: array | None = None  # embedding inputs per line
        # SHA-256 of every block of bytes the lines were checked from (see digest.py).
        self._digest = DigestBuilder() if digest else None

    # -- running -----------------------------------------------------------------------------

    def run(
        self,
        *,
        on_findings: FindingsCallback | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        stop: int | None = None,
        finish: bool = True,
    ) -> RunStatus:
        """Check lines from where the last run stopped to ``stop`` (0-based, exclusive; default:
        every indexed line), then, if the whole file is checked and ``finish``, the file-level
        rules.

        Scans the index first if it is incomplete. Thread-safe: concurrent calls queue.
        """
        with self._run_lock:
            try:
                return self._run(on_findings, on_progress, cancelled, stop, finish)
            finally:
                if self._digest is not None:
                    self._digest.settle()  # no hashing thread outlives a run

    def _run(
        self,
        on_findings: FindingsCallback | None,
        on_progress: Callable[[Progress], None] | None,
        cancelled: Callable[[], bool] | None,
        stop: int | None,
        finish: bool,
    ) -> RunStatus:
        index = self.index
        if not index.complete and not index.scan(cancelled=cancelled):
            return RunStatus.CANCELLED if cancelled and cancelled() else RunStatus.FILE_CHANGED
        self._reopen_tail()
        total = index.line_count if stop is None else min(stop, index.line_count)
        nl = index.newline_offsets
        while self.next_line < total:
            if cancelled is not None and cancelled():
                return RunStatus.CANCELLED
            start = self.next_line
            end = min(total, start + self.chunk_lines)
            if start < len(nl):
                # Cut the chunk at chunk_bytes, keeping at least one line.
                limit = (nl[start - 1] + 1 if start else 0) + self.chunk_bytes
                end = min(end, max(start + 1, bisect.bisect_left(nl, limit)))
            findings: list[Finding] = []
            if not self._check_range(start, end, findings):
                return RunStatus.FILE_CHANGED
            self.report.add(findings)
            self._publish(done=False)
            if on_findings is not None and findings:
                on_findings(findings, False)
            if on_progress is not None:
                on_progress(self._progress(False))
        if not finish or (stop is not None and self.next_line < index.line_count):
            return RunStatus.DONE
        self._finish(on_findings)
        if on_progress is not None:
            on_progress(self._progress(True))
        return RunStatus.DONE

    def _bytes_done(self) -> int:
        n = self.next_line
        nl = self.index.newline_offsets
        if n == 0:
            return 0
        return nl[n - 1] + 1 if n - 1 < len(nl) else self.index.size

    def _progress(self, done: bool) -> Progress:
        return Progress(self.next_line, self._bytes_done(), self.index.size, done)

    def _publish(self, done: bool) -> None:
        self.report.set_progress(
            self.next_line,
            self._bytes_done(),
            self.index.size,
            done,
            self.endpoint,
            self.model,
        )

    @property
    def endpoint(self) -> str | None:
        """The url most lines use so far (the batch's endpoint)."""
        i = self._urls.majority()
        return self._urls.names[i] if i else None

    @property
    def model(self) -> str | None:
        """The model most lines use so far."""
        i = self._models.majority()
        return self._models.names[i] if i else None

    # -- lines -------------------------------------------------------------------------------

    def _check_range(self, start: int, end: int, out: list[Finding]) -> bool:
        """Check lines [start, end); False if the file shrank under us.

        The loop handles the common line (an object, after line 1, outside a pretty-printed
        file) inline, with the state in locals; anything else goes through :meth:`_process`,
        which is also what re-derives a line's findings later (the property tests hold the
        two to the same results).
        """
        index = self.index
        url_ids, model_ids = self._url_ids, self._model_ids
        process = self._process
        check = self._checker.check
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        first_seen = self._ids.setdefault
        add_url, add_model = self._urls.add, self._models.add
        url_id, model_id = self._urls.ids.get, self._models.ids.get
        url_counts, model_counts = self._urls.counts, self._models.counts
        dup_log = self._dup_log
        inputs_log = self._inputs_log
        fast = self._whole is None
        max_requests = self._max_requests
        max_inputs = self._max_inputs
        # A line past the last indexed '\n' has no newline yet: an append would extend it.
        # Judged from the offsets, not line_count, so a concurrent LineIndex.check() from the
        # UI's watcher cannot make us miss it.
        terminated = len(index.newline_offsets)
        size = index.size
        expected = start
        content = 0  # bytes yielded, to tell whether the index stripped any CR
        on_block = self._digest.add if self._digest is not None else None
        lines = index.iter_lines(start, end, max_line=self.max_line, on_block=on_block)
        try:
            for i, data in lines:
                if data is None:  # too long to read: reported by _process, never parsed
                    content += index.span(i).length
                else:
                    content += len(data)
                mark = len(out)
                obj = None
                if fast and i:
                    try:
                        obj = loads(data)  # (None raises JSONDecodeError too)
                    except decode_error:
                        pass
                if type(obj) is dict:
                    custom_id, url, model, inputs = check(obj, i + 1, out)
                    new_id = None
                    if custom_id is not None:
                        first = first_seen(custom_id, i)
                        if first != i:
                            out.append(duplicate_finding(i + 1, custom_id, first))
                            if dup_log is not None:
                                dup_log.append((i, custom_id))
                        else:
                            new_id = custom_id
                    # Interner.add, inlined for the usual case of a name seen before.
                    uid = url_id(url, 0) if url is not None else 0
                    if uid:
                        url_counts[uid] += 1
                    elif url is not None:
                        uid = add_url(url)
                    mid = model_id(model, 0) if model is not None else 0
                    if mid:
                        model_counts[mid] += 1
                    elif model is not None:
                        mid = add_model(model)
                    self._requests += 1
                    if self._requests == max_requests + 1:
                        self._over_requests = i
                    if inputs:
                        before = self._inputs
                        self._inputs += inputs
                        if before <= max_inputs < self._inputs:
                            self._over_inputs = i
                    request = True
                else:
                    new_id, uid, mid, inputs, request = process(i, data, out, True)
                    fast = self._whole is None
                url_ids.append(uid)
                model_ids.append(mid)
                if inputs_log is not None:
                    inputs_log.append(inputs)
                if i >= terminated:
                    self._tail = _Tail(i, size, out[mark:], new_id, uid, mid, inputs, request)
                expected = i + 1
        except FileChanged:
            self.next_line = expected
            if self._digest is not None:
                self._digest.drop_from(self._line_start(expected))  # not checked after all
            return False
        self.next_line = expected
        if expected != end:
            return False
        if self._crlf is None and self._whole is None:
            self._find_crlf(start, end, content, out)
        return True

    def _line_start(self, i: int) -> int:
        nl = self.index.newline_offsets
        return nl[i - 1] + 1 if i > 0 else 0

    def _process(
        self, i: int, data: bytes | None, out: list[Finding], record: bool
    ) -> tuple[str | None, int, int, int, bool]:
        """Check line ``i`` (0-based); ``data`` None is a line too long to read. With
        ``record``, update the cross-line state and return (custom_id first seen here, url id,
        model id, embedding inputs, is a request); without, only report (for re-deriving a
        line's findings later)."""
        line = i + 1
        if data is None:
            return self._too_long(i, out, record)
        if i == 0 and data.startswith(F.BOM):
            add(
                out,
                line,
                "utf8_bom",
                "The file starts with a UTF-8 byte order mark (BOM).",
                None,
                "Save the file as UTF-8 without BOM.",
            )
            data = data[3:]
        if self._whole is not None:
            # A pretty-printed document: its lines are fragments, reported once on line 1.
            if i == 0 and not record:
                out.append(self._whole)
            return None, 0, 0, 0, False
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            obj = self._unparsable(i, data, exc, out, record)
        if type(obj) is not dict:
            if obj is _BLANK or obj is _SKIP:
                return None, 0, 0, 0, False
            if obj is not _BAD:
                add(
                    out,
                    line,
                    "invalid_json_line",
                    f"This line is JSON but not an object: found {kind(obj)}.",
                    None,
                    "Each line must be one request object: "
                    '{"custom_id": ..., "method": "POST", "url": ..., "body": {...}}.',
                )
            obj = None
        new_id: str | None = None
        uid = mid = inputs = 0
        if obj is not None:
            custom_id, url, model, inputs = self._checker.check(obj, line, out)
            if custom_id is not None:
                first = (
                    self._ids.get(custom_id) if not record else self._ids.setdefault(custom_id, i)
                )
                if first is not None and first != i:
                    out.append(duplicate_finding(line, custom_id, first))
                    if record and self._dup_log is not None:
                        self._dup_log.append((i, custom_id))
                elif record:
                    new_id = custom_id
            if record:
                if url is not None:
                    uid = self._urls.add(url)
                if model is not None:
                    mid = self._models.add(model)
        if record:
            self._requests += 1
            if self._requests == self._max_requests + 1:
                self._over_requests = i
            if inputs:
                before = self._inputs
                self._inputs += inputs
                if before <= self._max_inputs < self._inputs:
                    self._over_inputs = i
        return new_id, uid, mid, inputs, True

    def _too_long(
        self, i: int, out: list[Finding], record: bool
    ) -> tuple[str | None, int, int, int, bool]:
        """A line longer than ``max_line``: reported from its length alone, never read (a 2 GB
        line would take gigabytes to parse). Line 1 is still sniffed for a binary file."""
        line = i + 1
        if i == 0:
            if self.index.read(Span(0, 3)) == F.BOM:
                add(
                    out,
                    line,
                    "utf8_bom",
                    "The file starts with a UTF-8 byte order mark (BOM).",
                    None,
                    "Save the file as UTF-8 without BOM.",
                )
            if record and not self._whole_decided:
                self._whole_decided = True
                self._whole = self._not_text()
                if self._whole is not None:
                    out.append(self._whole)
                    return None, 0, 0, 0, False
        if self._whole is not None:
            if i == 0 and not record:
                out.append(self._whole)
            return None, 0, 0, 0, False
        length = self.index.span(i).length
        add(
            out,
            line,
            "line_too_long",
            f"This line is {length:,} bytes ({length / 1048576:,.1f} MB), more than the "
            f"{self.max_line:,} bytes batchtui reads a line; its content is not checked.",
            None,
            "No request is this large: check how the file was written.",
        )
        if record:
            self._requests += 1
            if self._requests == self._max_requests + 1:
                self._over_requests = i
        return None, 0, 0, 0, True

    def _unparsable(
        self, i: int, data: bytes, exc: orjson.JSONDecodeError, out: list[Finding], record: bool
    ) -> Any:
        """A line orjson rejected: blank, part of a pretty-printed file, invalid UTF-8, or not
        JSON. Returns the object if a slower parser still reads it (after replacing bad bytes;
        integers beyond 64 bits), else _BLANK, _SKIP or _BAD."""
        line = i + 1
        stripped = data.strip()
        if not stripped:
            add(out, line, "blank_line", "Blank line; every line must be a request.")
            return _BLANK
        if i == 0 and record and not self._whole_decided:
            self._decide_whole_file(stripped)
            if self._whole is not None:
                out.append(self._whole)
                return _SKIP
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
            return _BAD
        add(
            out,
            line,
            "invalid_json_line",
            f"This line is not parseable as valid JSON ({_describe_error(exc)}).",
            None,
            _json_hint(stripped, exc.msg or ""),
        )
        return _BAD

    def _decide_whole_file(self, first: bytes) -> None:
        """Line 1 does not parse: is the file not JSONL text at all (compressed, UTF-16,
        binary), or a pretty-printed JSON document? Then say so once, on line 1."""
        self._whole_decided = True
        self._whole = self._not_text()
        if self._whole is not None:
            return
        if first[:1] not in (b"{", b"["):
            return
        likely = first in (b"{", b"[") or first.replace(b" ", b"").startswith(b"[{")
        if not likely and self.index.line_count > 1:
            second = self.index.line(1, cap=256)
            # An indented key, or a closing bracket: the object continues on the next line.
            # A next line starting with "{" is more likely JSONL after one broken line.
            likely = second[:1] in (b" ", b"\t") or second.strip()[:1] in (b'"', b"}", b"]")
        if not likely:
            return
        what = "a JSON value"
        hint = "Convert it to one request per line, e.g. jq -c . FILE > FILE.jsonl"
        size = self.index.size
        if size <= PRETTY_PARSE_LIMIT:
            whole = self.index.read(Span(0, size))
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
        self._whole = Finding(
            1,
            RULES["multiline_json"].severity,
            "multiline_json",
            f"The file is {what} pretty-printed over several lines; a batch file needs one "
            "request object per line (JSONL). Its other lines are not reported one by one.",
            None,
            hint,
        )

    def _not_text(self) -> Finding | None:
        """The finding for a file that is not UTF-8 text at all (compressed, UTF-16, binary),
        judged from its first 4 KB; None for text."""
        head = self.index.read(Span(0, min(self.index.size, 4096)))
        for magic, what, hint in _NOT_TEXT:
            if head.startswith(magic) if magic else b"\x00" in head:
                return Finding(
                    1,
                    RULES["not_text"].severity,
                    "not_text",
                    f"The file is {what}, not UTF-8 JSONL text. Its lines are not reported "
                    "one by one.",
                    None,
                    hint,
                )
        return None

    def _find_crlf(self, start: int, end: int, content: int, out: list[Finding]) -> None:
        """Report the first CRLF line ending, once per file. ``content`` is the number of
        bytes the index yielded for lines [start, end): the lines' span minus their '\n's
        minus that is the number of CRs the index stripped. Only when it is not zero is the
        range searched (searching every chunk would cost a pass over the whole file)."""
        index = self.index
        nl = index.newline_offsets
        lo = nl[start - 1] + 1 if start else 0
        if end - 1 < len(nl):
            hi, newlines = nl[end - 1] + 1, end - start
        else:
            hi, newlines = index.size, end - start - 1
        if hi - lo - newlines == content:
            return
        pos = index.find(b"\r\n", lo, hi)
        if pos < 0:
            return  # a CR at the very end of the file, without a newline
        self._crlf = bisect.bisect_left(nl, pos + 1)
        out.append(_crlf_finding(self._crlf + 1))
        out.sort(key=lambda f: f.line or 0)

    def _reopen_tail(self) -> None:
        """If the last line had no newline and the file grew, take it back for re-checking."""
        tail = self._tail
        if tail is None or (
            tail.size == self.index.size and len(self.index.newline_offsets) <= tail.line0
        ):
            return
        self._tail = None
        line0 = tail.line0
        if self._digest is not None:
            self._digest.drop_from(self._line_start(line0))  # read and hashed again
        self.report.remove_line(line0 + 1, tail.findings)
        if tail.new_id is not None and self._ids.get(tail.new_id) == line0:
            del self._ids[tail.new_id]
        self._urls.remove(tail.url_id)
        self._models.remove(tail.model_id)
        self._url_ids.pop()
        self._model_ids.pop()
        if tail.request:
            if self._over_requests == line0:
                self._over_requests = None
            self._requests -= 1
        if tail.inputs:
            self._inputs -= tail.inputs
            if self._over_inputs == line0:
                self._over_inputs = None
        if line0 == 0:
            self._whole = None
            self._whole_decided = False
        if self._crlf == line0:
            self._crlf = None
        self.next_line = line0

    # -- one part of a file, checked elsewhere (batchtui.validation.parallel) ---------------

    def _export_part(self) -> PartState:
        return PartState(
            start=self._base,
            end=self.next_line,
            ids=self._ids,
            dups=self._dup_log or [],
            url_names=self._urls.names,
            url_counts=self._urls.counts,
            url_ids=self._url_ids.tobytes(),
            model_names=self._models.names,
            model_counts=self._models.counts,
            model_ids=self._model_ids.tobytes(),
            requests=self._requests,
            inputs=self._inputs,
            inputs_log=self._inputs_log.tobytes() if self._inputs_log is not None else b"",
            crlf=self._crlf,
            digest=self._digest.ranges if self._digest is not None else [],
        )

    def _absorb(
        self,
        part: PartState,
        chunks: Iterable[tuple[int, list[Finding]]],
        on_findings: FindingsCallback | None,
        on_progress: Callable[[Progress], None] | None,
    ) -> None:
        """Continue with the lines of ``part``, checked by another validator that started at
        ``self.next_line``: as if this one had checked them. ``chunks`` are the part's
        findings as ``(end line, findings)``, in line order.

        What the part could not know is settled here: ids first used before the part
        (duplicates are re-derived from the part's ids and duplicate log), the first CRLF, and
        where the request and embedding-input limits were passed.
        """
        if part.start != self.next_line:
            raise ValueError(f"part starts at line {part.start}, expected {self.next_line}")
        for interner, array_, names, counts, data in (
            (self._urls, self._url_ids, part.url_names, part.url_counts, part.url_ids),
            (self._models, self._model_ids, part.model_names, part.model_counts, part.model_ids),
        ):
            mapping = interner.merge(names, counts)
            ids = array("H")
            ids.frombytes(data)
            if mapping != list(range(len(mapping))):
                ids = array("H", [mapping[x] for x in ids])
            array_.extend(ids)

        dups: list[Finding] = []
        known = self._ids
        for custom_id, line0 in part.ids.items():
            first = known.setdefault(custom_id, line0)
            if first != line0:
                dups.append(duplicate_finding(line0 + 1, custom_id, first))
        for line0, custom_id in part.dups:
            dups.append(duplicate_finding(line0 + 1, custom_id, known[custom_id]))
        dups.sort(key=Finding.sort_key)

        before = self._requests
        self._requests += part.requests
        if self._over_requests is None and before <= self._max_requests < self._requests:
            count = before
            for i, data in self.index.iter_lines(part.start, part.end, max_line=self.max_line):
                count += data is None or bool(data.strip())
                if count > self._max_requests:
                    self._over_requests = i
                    break
        before = self._inputs
        self._inputs += part.inputs
        if self._over_inputs is None and before <= self._max_inputs < self._inputs:
            per_line = array("I")
            per_line.frombytes(part.inputs_log)
            total = before
            for k, n in enumerate(per_line):
                total += n
                if total > self._max_inputs:
                    self._over_inputs = part.start + k
                    break
        had_crlf = self._crlf is not None
        if not had_crlf:
            self._crlf = part.crlf

        k = 0
        for end, batch in chunks:
            batch = [
                f
                for f in batch
                if f.code != "duplicate_custom_id"
                and not (had_crlf and f.code == "crlf_line_ending")
            ]
            while k < len(dups) and (dups[k].line or 0) <= end:
                batch.append(dups[k])
                k += 1
            batch.sort(key=lambda f: f.line or 0)
            self.report.add(batch)
            self.next_line = end
            self._publish(done=False)
            if on_findings is not None and batch:
                on_findings(batch, False)
            if on_progress is not None:
                on_progress(self._progress(False))
        if k < len(dups):
            rest = dups[k:]
            self.report.add(rest)
            if on_findings is not None:
                on_findings(rest, False)
        if self._digest is not None:
            self._digest.extend(part.digest)
        self.next_line = part.end
        self._publish(done=False)

    def digest(self) -> ContentDigest | None:
        """SHA-256 ranges of exactly the bytes the report is about, read as they were checked
        (see :mod:`batchtui.validation.digest`); None until every line is checked."""
        index = self.index
        if self._digest is None or self._base or not index.complete:
            return None
        if self.next_line < index.line_count:
            return None
        return self._digest.build(index.size)

    # -- the whole file ----------------------------------------------------------------------

    def _finish(self, on_findings: FindingsCallback | None) -> None:
        batch: list[Finding] = []
        self._unlined = self._unlined_findings()
        url_major = self._urls.majority()
        model_major = self._models.majority()
        self._majority = (url_major, model_major)

        def stream() -> Iterator[Finding]:
            yield from self._unlined
            if self._whole is None and self.index.size and not self.index.ends_with_newline:
                yield self._no_final_newline()
            yield from self._mismatches(0, self.next_line)

        def tee() -> Iterator[Finding]:
            for finding in stream():
                batch.append(finding)
                if on_findings is not None and len(batch) >= 5000:
                    on_findings(batch[:], True)
                    batch.clear()
                yield finding

        self.report.set_file_findings(tee())
        self.report.digest = self.digest()
        self._publish(done=True)
        if on_findings is not None:
            on_findings(batch, True)

    def _unlined_findings(self) -> list[Finding]:
        out: list[Finding] = []
        size = self.index.size
        if self._requests == 0 and self._whole is None:
            add(
                out,
                None,
                "empty_file",
                "The file is empty."
                if size == 0
                else "The file has no requests, only blank lines.",
            )
        if size > self._max_bytes:
            add(
                out,
                None,
                "file_too_large",
                f"The file is {size / 1048576:,.1f} MB ({size:,} bytes); a batch input file "
                f"may have at most {self._max_bytes / 1048576:,.0f} MB ({self._max_bytes:,} "
                "bytes).",
                None,
                "Split it: batchtui split FILE",
            )
        if self._over_requests is not None:
            add(
                out,
                None,
                "too_many_tasks",
                f"The file has {self._requests:,} requests; a batch takes at most "
                f"{self._max_requests:,} (request {self._max_requests + 1:,} is on line "
                f"{self._over_requests + 1:,}).",
                None,
                "Split it: batchtui split FILE",
            )
        if self._over_inputs is not None:
            add(
                out,
                None,
                "too_many_embedding_inputs",
                f"The embedding requests hold {self._inputs:,} inputs; a batch takes at most "
                f"{self._max_inputs:,} (passed on line {self._over_inputs + 1:,}).",
                None,
                f"Split the file so each part has at most {self._max_inputs:,} inputs.",
            )
        return out

    def _no_final_newline(self) -> Finding:
        out: list[Finding] = []
        add(
            out,
            self.index.line_count,
            "no_final_newline",
            "The last line has no newline at its end.",
            None,
            "Appending to the file would glue the next request onto this line.",
        )
        return out[0]

    def _mismatches(self, start: int, stop: int) -> Iterator[Finding]:
        """Majority-based findings for lines [start, stop) (0-based)."""
        url_major, model_major = self._majority
        urls, models = self._urls, self._models
        url_ids, model_ids = self._url_ids, self._model_ids
        base = self._base
        stop = min(stop, base + len(url_ids))
        check_urls = url_major and urls.distinct() > 1 and self.provider.one_url.value
        check_models = model_major and models.distinct() > 1 and self.provider.one_model.value
        if not (check_urls or check_models):
            return
        url_name = urls.names[url_major]
        model_name = models.names[model_major]
        total_urls = sum(urls.counts)
        total_models = sum(models.counts)
        for i in range(max(start, base), stop):
            u = url_ids[i - base]
            if check_urls and u and u != url_major:
                out: list[Finding] = []
                add(
                    out,
                    i + 1,
                    "invalid_url",
                    f"url {quote(urls.names[u])} differs from {quote(url_name)}, which "
                    f"{urls.counts[url_major]:,} of {total_urls:,} requests use; a batch has "
                    "one endpoint.",
                    "url",
                )
                yield out[0]
            m = model_ids[i - base]
            if check_models and m and m != model_major:
                out = []
                add(
                    out,
                    i + 1,
                    "model_mismatch",
                    f"model {quote(models.names[m])} differs from {quote(model_name)}, which "
                    f"{models.counts[model_major]:,} of {total_models:,} requests use; a "
                    "batch file can only include requests to a single model.",
                    "body.model",
                    "Move these lines to a file of their own.",
                )
                yield out[0]

    # -- re-deriving findings ----------------------------------------------------------------

    def findings_at(self, line: int) -> list[Finding]:
        """Every finding on ``line`` (1-based), re-derived by checking it again (microseconds).
        Empty for lines not checked yet."""
        i = line - 1
        if i < 0 or i >= self.next_line:
            return []
        try:
            span = self.index.span(i)
        except IndexError:
            return []
        data = None if span.length > self.max_line else self.index.read(span)
        out: list[Finding] = []
        if self._crlf == i:
            out.append(_crlf_finding(line))
        self._process(i, data, out, False)
        if self.report.done and self._whole is None:
            if i == self.index.line_count - 1 and not self.index.ends_with_newline:
                out.append(self._no_final_newline())
            out.extend(self._mismatches(i, i + 1))
        out.sort(key=Finding.sort_key)
        return out

    def iter_findings(self, code: str | None = None, start_line: int = 1) -> Iterator[Finding]:
        """Every finding (of ``code``, if given) from ``start_line`` on, in line order, then the
        file-level ones without a line. Lazily re-derived: take a page with ``islice``."""
        report = self.report
        lines: Iterable[int] = (
            report.lines_with(code) if code is not None else report.marked_lines(start_line)
        )
        for line in lines:
            if line < start_line:
                continue
            for finding in self.findings_at(line):
                if code is None or finding.code == code:
                    yield finding
        for finding in self._unlined:
            if code is None or finding.code == code:
                yield finding


def _crlf_finding(line: int) -> Finding:
    out: list[Finding] = []
    add(
        out,
        line,
        "crlf_line_ending",
        "Lines end with CRLF (\\r\\n), the first here.",
        None,
        "Harmless for OpenAI; convert with dos2unix if other tools choke on it.",
    )
    return out[0]


def duplicate_finding(line: int, custom_id: str, first: int) -> Finding:
    """``line`` 1-based, ``first`` 0-based (as stored)."""
    out: list[Finding] = []
    add(
        out,
        line,
        "duplicate_custom_id",
        f"custom_id {quote(custom_id)} is already used on line {first + 1:,}.",
        "custom_id",
    )
    return out[0]


def _describe_error(exc: orjson.JSONDecodeError) -> str:
    msg = exc.msg or "invalid JSON"
    return f"{msg} at column {exc.colno}" if getattr(exc, "colno", None) else msg


def _json_hint(stripped: bytes, error: str = "") -> str | None:
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
