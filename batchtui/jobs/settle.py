"""What a finished batch of a part leaves to do: which of its requests are answered, which go
into a new part (no network; runs in a thread).

A part's requests are read back from the input (its spans, checked against the part's hash:
the lines handed on are validated bytes), its batch's output and error files are read, and
each custom_id of the part is:

- **answered**: a line says what happened to it (success, or a failure the service decided);
- **unfinished**: no line, or a line saying it never ran (``batch_expired``,
  ``batch_cancelled``): an expired or cancelled batch leaves these, and they go into a
  ``leftover`` part;
- **retryable**: answered with a failure worth another try (HTTP 429 or 5xx, or the codes in
  :data:`RETRYABLE_CODES`): with ``--retry-failed N`` these go into a ``retry`` part, up to N
  rounds.

A new part is a list of whole-line spans of the input, in file order, with the SHA-256 of
their bytes, so it is uploaded (and proved) like any other part.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from batchtui.core.errors import UserError
from batchtui.jsonl.spans import SpanReader

# Error codes of answered requests worth another try (beside HTTP 429 and 5xx statuses).
RETRYABLE_CODES = frozenset({"rate_limit_exceeded", "server_error", "internal_error"})
READ_BYTES = 1024 * 1024


class PartChanged(UserError):
    """The input's bytes of a part no longer hash to the part's SHA-256."""


@dataclass
class Selection:
    """Lines of a part picked for a new part."""

    spans: list[tuple[int, int]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # 1-based input line numbers
    sha256: str = ""
    bytes: int = 0

    @property
    def requests(self) -> int:
        return len(self.ids)


@dataclass
class Settlement:
    requests: int  # in the part
    answered: int
    succeeded: int
    unfinished: Selection
    retry: Selection
    unexpected: int = 0  # result lines whose custom_id is not in the part
    unreadable: int = 0  # result lines that could not be read


def part_lines(
    path: str | os.PathLike[str],
    spans: Sequence[tuple[int, int]],
    sha256: str,
    first_line: int | None,
) -> list[tuple[str | None, int, int, int]]:
    """``(custom_id, start, end, line number)`` of each line of the part, in file order, after
    checking that its bytes still hash to ``sha256`` (else :class:`PartChanged`).

    Line numbers count from ``first_line`` (the part is one contiguous range); they are 0
    when it is None (a part made of scattered lines)."""
    from batchtui.results.parse import LineError, input_custom_id

    def custom_id(line: bytes) -> str | None:
        try:
            return input_custom_id(line.rstrip(b"\r"))
        except LineError:
            return None

    out: list[tuple[str | None, int, int, int]] = []
    digest = hashlib.sha256()
    number = first_line or 0
    step = 1 if first_line is not None else 0
    with SpanReader(path, spans) as reader:
        for start, end in spans:
            carry = b""
            carry_start = start
            remaining = end - start
            while remaining > 0:
                chunk = reader.read(min(READ_BYTES, remaining))
                digest.update(chunk)
                remaining -= len(chunk)
                data = carry + chunk if carry else chunk
                pos = 0
                while (nl := data.find(b"\n", pos)) >= 0:
                    out.append(
                        (custom_id(data[pos:nl]), carry_start + pos, carry_start + nl + 1, number)
                    )
                    number += step
                    pos = nl + 1
                carry = data[pos:]
                carry_start += pos
            if carry:  # the file's last line, without a newline
                out.append((custom_id(carry), carry_start, carry_start + len(carry), number))
                number += step
    if digest.hexdigest() != sha256:
        raise PartChanged(
            f"{os.fspath(path)}: the part's lines are not the ones planned (the input changed "
            "since the job started)"
        )
    return out


_ID = b'"custom_id":'
_STATUS = b'"status_code":'
_CLEAN_ENDS = (b'"error":null}', b'"error": null}')
_BODY_ERRORS = (b'"error":{', b'"error": {')  # (in a JSON string a quote is escaped: keys)


def _value_at(line: bytes, key: bytes) -> int:
    """Where the value of ``key`` starts (after one optional space), or -1."""
    at = line.find(key)
    if at < 0:
        return -1
    at += len(key)
    return at + 1 if line[at : at + 1] == b" " else at


def _quick_success(line: bytes) -> str | None:
    """The custom_id of a plain success line (``"status_code": 2xx`` and ``"error": null``
    at the end, each key once, no error object anywhere, an id without escapes), found
    without parsing the line; None for anything else, which is then parsed in full. Output
    files are mostly such lines, and parsing each answer's body would cost a second per
    50,000."""
    if not line.endswith(_CLEAN_ENDS) or line.count(_ID) != 1 or line.count(_STATUS) != 1:
        return None
    if any(marker in line for marker in _BODY_ERRORS):  # a 200 whose body is a failure
        return None
    start = _value_at(line, _ID)
    if line[start : start + 1] != b'"':
        return None
    start += 1
    end = line.find(b'"', start)
    if end < 0 or line.find(b"\\", start, end) >= 0:
        return None
    at = _value_at(line, _STATUS)
    status = line[at : at + 3]
    if status[:1] != b"2" or not status.isdigit() or line[at + 3 : at + 4] not in (b",", b"}"):
        return None
    try:
        return line[start:end].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _result_lines(path: str | None) -> list[tuple[str, int, int, object]]:
    """``(custom_id, class, status, error info)`` of each readable line of a result file."""
    from batchtui.results.model import RequestClass
    from batchtui.results.parse import LineError, classify, loads, result_custom_id

    if not path:
        return []
    succeeded = int(RequestClass.SUCCEEDED)
    out: list[tuple[str, int, int, object]] = []
    with open(path, "rb") as f:
        for raw in f:
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            quick = _quick_success(line)
            if quick is not None:
                out.append((quick, succeeded, 200, None))
                continue
            try:
                obj, _ = loads(line)
                cid = result_custom_id(obj)
                klass, _flags, status, _usage, info = classify(obj)
            except (LineError, AttributeError, TypeError, ValueError):
                out.append(("", -1, 0, None))
                continue
            out.append((cid, klass, status, info))
    return out


def settle(
    input_path: str | os.PathLike[str],
    spans: Sequence[tuple[int, int]],
    sha256: str,
    first_line: int | None,
    output_path: str | None,
    error_path: str | None,
    *,
    retry: bool,
) -> Settlement:
    """Sort a part's requests by what its batch did (see the module docstring)."""
    from batchtui.results.model import RequestClass

    lines = part_lines(input_path, spans, sha256, first_line)
    wanted = {cid: k for k, (cid, *_rest) in enumerate(lines) if cid is not None}
    answered: set[str] = set()
    succeeded: set[str] = set()
    retryable: set[str] = set()
    unexpected = unreadable = 0
    not_run = (int(RequestClass.EXPIRED), int(RequestClass.CANCELLED))
    for path in (output_path, error_path):
        for cid, klass, status, info in _result_lines(path):
            if klass < 0:
                unreadable += 1
                continue
            if cid not in wanted:
                unexpected += 1
                continue
            if klass in not_run:
                continue  # never ran: unfinished, unless another line answers it
            answered.add(cid)
            if klass == int(RequestClass.SUCCEEDED):
                succeeded.add(cid)
            elif status == 429 or status >= 500 or getattr(info, "code", None) in RETRYABLE_CODES:
                retryable.add(cid)
    retryable -= succeeded  # answered twice, once well: done
    unfinished = Selection()
    again = Selection()
    for line_id, start, end, number in lines:
        if line_id is None:
            continue
        target = None
        if line_id not in answered:
            target = unfinished
        elif retry and line_id in retryable:
            target = again
        if target is not None:
            target.spans.append((start, end))
            target.ids.append(line_id)
            target.lines.append(number)
    for selection in (unfinished, again):
        _hash(input_path, selection)
    return Settlement(
        requests=len(lines),
        answered=len(answered),
        succeeded=len(succeeded),
        unfinished=unfinished,
        retry=again,
        unexpected=unexpected,
        unreadable=unreadable,
    )


def _hash(path: str | os.PathLike[str], selection: Selection) -> None:
    if not selection.spans:
        return
    digest = hashlib.sha256()
    size = 0
    with SpanReader(path, selection.spans) as reader:
        while chunk := reader.read(READ_BYTES):
            digest.update(chunk)
            size += len(chunk)
    selection.sha256 = digest.hexdigest()
    selection.bytes = size
