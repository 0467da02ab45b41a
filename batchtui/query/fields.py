"""Field filters: tests on the JSON value at a path of each line.

Syntax (the full text is :data:`SYNTAX`, shown by ``?`` and ``--help``)::

    model=gpt-4o   url=/v1/embeddings   custom_id^=task-   body.max_tokens>1000
    response.status_code!=200   messages.role=system   body.messages.0.content*=refund

A path is dotted names (and array positions, ``0`` or ``-1``); a name the line does not have
at the top is looked up in ``body`` (a request) and then in ``response.body`` (an output
line), so ``model`` means the request's or the answer's model. A name applied to an array
looks in every element (``messages.role=system``: any message). A path that does not exist
on a line does not match, whatever the operator (``!=`` included).

Lines are parsed only as far as a filter needs: every field test also has a *pre-check* on
the raw bytes, a regex that every line the test can be true of matches (``"model"\\s*:\\s*
"gpt-4o"`` for ``model=gpt-4o``; for ``body.max_tokens>1000``, a number of at least 1000
or one with an exponent), which the block scan runs at grep speed. Only the lines it lets
through are parsed (orjson). The pre-check relies on a key being written as itself, not
``\\u``-escaped, as every JSON writer does for ASCII names.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from batchtui.query.atoms import (
    Atom,
    QueryError,
    escape_bytes,
    json_spellings,
    smart_caseless,
    text_regex,
)
from batchtui.query.syntax import FIELD_SYNTAX

OPERATORS = ("!=", "^=", "$=", "*=", "~=", ">=", "<=", "=", ">", "<")
SYNTAX = FIELD_SYNTAX

_SEGMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*|-?\d+")
_NUMBER_OPS = (">", ">=", "<", "<=")
_TEXT_OPS = ("^=", "$=", "*=", "~=")


class Comparison:
    """``path op value`` on one line's parsed JSON."""

    def __init__(
        self,
        path: tuple[str | int, ...],
        op: str,
        value: str,
        quoted: bool = False,
        case: str = "smart",
        *,
        alias: bool = True,
    ) -> None:
        self.path = path
        self.alias = alias  # a name missing at the top is looked up in body, response.body
        self.op = op
        self.value = value
        self.quoted = quoted
        self.number = None if quoted else _number(value)
        if op in _NUMBER_OPS and self.number is None:
            raise QueryError(f"{self.label}: {op} compares numbers, and {value!r} is not one")
        self.caseless = smart_caseless(value, case)
        self.folded = value.lower() if self.caseless else value
        self.regex: re.Pattern[str] | None = None
        if op == "~=":
            try:
                self.regex = re.compile(value, re.IGNORECASE if self.caseless else 0)
            except re.error as exc:
                raise QueryError(f"{self.label}: invalid pattern: {exc}") from None

    @property
    def label(self) -> str:
        shown = json.dumps(self.value, ensure_ascii=False) if self.quoted else self.value
        return ".".join(str(p) for p in self.path) + self.op + shown

    # -- deciding on a parsed line -------------------------------------------------------

    def test(self, obj: Any) -> bool:
        values = _fast_get(obj, self.path, self.alias)
        if values is None:
            values = resolve(obj, self.path) if self.alias else _walk(obj, self.path)
        if not values:
            return False
        if self.op == "!=":
            return not any(self._equal(v) for v in values)
        return any(self._test_one(v) for v in values)

    def _equal(self, v: Any) -> bool:
        if isinstance(v, bool) or v is None:
            return not self.quoted and self.value == json.dumps(v)
        if isinstance(v, (int, float)):
            return self.number is not None and v == self.number
        if isinstance(v, str):
            return v == self.value
        return False

    def _test_one(self, v: Any) -> bool:
        op = self.op
        if op == "=":
            return self._equal(v)
        if op in _NUMBER_OPS:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return False
            n = self.number
            assert n is not None
            if op == ">":
                return v > n
            if op == ">=":
                return v >= n
            if op == "<":
                return v < n
            return v <= n
        text = _scalar_text(v)
        if text is None:
            return False
        if self.regex is not None:
            return self.regex.search(text) is not None
        if self.caseless:
            text = text.lower()
        if op == "^=":
            return text.startswith(self.folded)
        if op == "$=":
            return text.endswith(self.folded)
        return self.folded in text  # *=

    # -- the raw pre-check ---------------------------------------------------------------

    def atom(self) -> Atom:
        """The pre-check: a bytes regex that every line this test can be true of matches."""
        key = next((p for p in reversed(self.path) if isinstance(p, str)), None)
        if key is None:
            return Atom(self.label, b"", False, exact=False, always=True)
        head = b'"' + escape_bytes(key.encode()) + rb'"[ \t\r]*:[ \t\r]*'
        value = self._value_regex()
        return Atom(self.label, head + (value or b""), False, exact=False)

    def _value_regex(self) -> bytes | None:
        """What may follow ``"key":`` on a line this test is true of (None: anything). Always
        a superset: the parse decides."""
        op, value = self.op, self.value
        if op == "=":
            alts = [b'"' + s + b'"' for s in json_spellings(value)] or [b'""']
            if not self.quoted and value in ("true", "false", "null"):
                alts.append(value.encode())
            regex = b"|".join(escape_bytes(a) for a in alts)
            if self.number is not None:
                # 1000 is also 1000.0 or 1e3: its digits, or any number with a point or an
                # exponent.
                regex += b"|" + escape_bytes(_canonical(self.number)) + rb"|-?[0-9]+[.eE]"
            return b"(?:" + regex + b")"
        if op == "!=":
            token = (
                _canonical(self.number)
                if self.number is not None
                else b'"' + json_spellings(value)[0] + b'"'
                if value
                else b'""'
            )
            return _not_exactly(token)
        if op in ("^=", "*=", "$=") and value:
            text = text_regex(value, self.caseless)
            if self.caseless:
                text = b"(?i:" + text + b")"  # the key keeps its case; the value ignores it
            if op == "^=":
                return b'"?' + text
            return b'"?' + rb'(?:[^"\\\n]|\\[^\n])*' + text
        if op in _NUMBER_OPS:
            assert self.number is not None
            return _number_regex(op, self.number)
        return None


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        f = float(text)
    except ValueError:
        return None
    return f if math.isfinite(f) else None


def _canonical(n: float) -> bytes:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return json.dumps(n).encode()


def _scalar_text(v: Any) -> str | None:
    if isinstance(v, str):
        return v
    if isinstance(v, (bool, int, float)) or v is None:
        return json.dumps(v)
    return None


def _not_exactly(token: bytes) -> bytes:
    """A regex for a JSON value (at its first byte) that is not spelled exactly ``token``: it
    differs from it somewhere, or goes on after it (2000 for 200). Another spelling of the
    same value (200.0, ``\\u`` escapes) is let through too, and the parse decides."""
    alts = [escape_bytes(token[:i]) + b"[^\\n\\x%02x]" % token[i] for i in range(len(token))]
    alts.append(escape_bytes(token) + rb"[^,}\] \t\r\n]")
    return b"(?:" + b"|".join(alts) + b")"


def _digits_at_least(n: int) -> bytes:
    """A regex for the digits of a number (JSON: no leading zero) whose integer part is at
    least ``n`` >= 1, matched at its first digit."""
    s = str(n)
    k = len(s)
    alts = [b"[1-9][0-9]{%d,}" % k]  # more digits
    for i in range(k):
        d = int(s[i])
        if d < 9:
            rest = k - i - 1
            alts.append(
                escape_bytes(s[:i].encode())
                + b"[%d-9]" % (d + 1)
                + (b"[0-9]{%d}" % rest if rest else b"")
            )
    alts.append(escape_bytes(s.encode()))  # n itself (with what follows: 1000.5)
    return b"(?:" + b"|".join(alts) + b")"


def _number_regex(op: str, n: float) -> bytes:
    """What may follow ``"key":`` when ``value op n`` can hold (a superset). ``>``/``>=``
    with n >= 1 are narrowed, as in the common ``max_tokens>1000``: an integer part of at
    least ``floor(n)``, or any number with an exponent (1e4)."""
    if op not in (">", ">=") or n < 1 or n > 1e15:
        return rb"-?[0-9]"
    return b"(?:" + _digits_at_least(math.floor(n)) + rb"|[0-9]+(?:\.[0-9]+)?[eE])"


def _fast_get(obj: Any, path: tuple[str | int, ...], alias: bool) -> list[Any] | None:
    """The value at a path of names through objects only (the common case, without the
    general walk's lists); None when the path meets an array or is missing (the general
    walk then decides, aliases included)."""
    node = obj
    for part in path:
        if type(node) is not dict:
            return None
        node = node.get(part, _MISSING)
        if node is _MISSING:
            return None
    return None if type(node) is list else [node]


_MISSING = object()


def resolve(obj: Any, path: tuple[str | int, ...]) -> list[Any]:
    """The values at ``path`` (several when it crosses an array); [] when it is missing.
    A first name the line lacks is looked up in ``body``, then ``response.body``."""
    if isinstance(obj, dict) and path and isinstance(path[0], str) and path[0] not in obj:
        for prefix in (("body",), ("response", "body")):
            base = _walk(obj, prefix)
            if len(base) == 1 and isinstance(base[0], dict) and path[0] in base[0]:
                return _walk(base[0], path)
        return []
    return _walk(obj, path)


def _walk(obj: Any, path: tuple[str | int, ...]) -> list[Any]:
    current = [obj]
    for part in path:
        nxt: list[Any] = []
        for node in current:
            if isinstance(node, dict):
                key = str(part)
                if key in node:
                    nxt.append(node[key])
            elif isinstance(node, list):
                if isinstance(part, int):
                    if -len(node) <= part < len(node):
                        nxt.append(node[part])
                else:
                    for el in node:  # a name on an array: every element
                        if isinstance(el, dict) and part in el:
                            nxt.append(el[part])
        current = nxt
        if not current:
            return []
    return current


def parse_path(text: str) -> tuple[str | int, ...]:
    """``body.messages.0.role`` or ``body.messages[0].role`` -> ("body", "messages", 0,
    "role"); QueryError for anything else."""
    spelled = re.sub(r"\[(-?\d+)\]", r".\1", text)
    parts: list[str | int] = []
    for seg in spelled.split("."):
        if not _SEGMENT.fullmatch(seg):
            raise QueryError(f"not a field path: {text!r} (names separated by dots)")
        parts.append(int(seg) if re.fullmatch(r"-?\d+", seg) else seg)
    if isinstance(parts[0], int):
        raise QueryError(f"not a field path: {text!r} (it must start with a name)")
    return tuple(parts)
