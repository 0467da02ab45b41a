"""The smallest pieces of a query: what one line is tested for.

Every atom can be searched for over a whole block of lines at once, which is what makes a
scan fast: a regular expression over bytes (:attr:`Atom.regex`) that both engines run (the
hyperscan one, and Python's ``re``), and for plain text a list of needles that Python's
``bytes.find`` runs faster than ``re`` would. A hit of an *exact* atom (text, pattern) means
the line matches it; a hit of a field atom only means the line may match, and the line is
then parsed to decide (see :mod:`batchtui.query.fields`).

Text is searched in every spelling a JSON writer may have given it: raw UTF-8, and with
non-ASCII characters as ``\\uXXXX`` escapes in lower- or upper-case hex (``json.dumps``
writes ``\\ud55c``, Jackson ``\\uD55C``), so a search for 한국어 finds both.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from batchtui.core.errors import UserError


class QueryError(UserError):
    """A query that cannot be run: an invalid pattern, a malformed field filter."""


@dataclass(eq=False)
class Atom:
    """One test on a line. ``regex`` (bytes, for ``re`` and hyperscan) finds the lines that
    hit; ``needles`` (when set) find the same lines with ``bytes.find``, over the lower-cased
    block when ``caseless``. ``always``: every line hits (an empty search)."""

    label: str
    regex: bytes
    caseless: bool
    exact: bool = True
    needles: tuple[bytes, ...] | None = None
    always: bool = False
    # Run over each line's decoded text instead (a pattern the byte engines cannot express).
    line_regex: re.Pattern[str] | None = None
    hyperscan_ok: bool = True
    _compiled: re.Pattern[bytes] | None = field(default=None, repr=False)

    @property
    def compiled(self) -> re.Pattern[bytes]:
        if self._compiled is None:
            flags = re.MULTILINE | (re.IGNORECASE if self.caseless else 0)
            self._compiled = re.compile(self.regex, flags)
        return self._compiled


CASES = ("smart", "ignore", "sensitive")


def smart_caseless(text: str, case: str = "smart") -> bool:
    """Smart case: a query with no capital letter ignores case (``case`` may say otherwise:
    ``ignore`` or ``sensitive``)."""
    if case == "ignore":
        return True
    if case == "sensitive":
        return False
    return not any(c.isupper() for c in text)


def check_line_text(text: str, what: str = "a search") -> None:
    if "\n" in text or "\r" in text:
        raise QueryError(f"{what} cannot contain a line break: lines are searched one at a time")


def utf8(text: str) -> bytes:
    # A lone surrogate (pasted into a prompt) has no UTF-8 spelling: "surrogatepass" keeps the
    # search from raising; its JSON-escaped spelling still finds a line holding "\ud800".
    return text.encode("utf-8", "surrogatepass")


def json_spellings(text: str) -> list[bytes]:
    """``text`` as it may appear inside a JSON string: raw, and \\u-escaped (lower and upper
    hex); only the spellings that differ, raw first."""
    raw = utf8(text)
    inner = utf8(json.dumps(text, ensure_ascii=False)[1:-1])
    escaped = json.dumps(text)[1:-1].encode("ascii")
    upper = re.sub(rb"\\u([0-9a-f]{4})", lambda m: b"\\u" + m.group(1).upper(), escaped)
    # Some writers (PHP's json_encode) escape "/" as well.
    slashed = escaped.replace(b"/", b"\\/")
    out: list[bytes] = []
    for v in (raw, inner, escaped, upper, slashed):
        if v and v not in out:
            out.append(v)
    return out


_PLAIN = [48 <= b <= 57 or 65 <= b <= 90 or 97 <= b <= 122 for b in range(256)]


def _hex(byte: int) -> bytes:
    return b"\\x%02x" % byte


def escape_bytes(data: bytes) -> bytes:
    """A regex matching ``data`` literally, in syntax both ``re`` and hyperscan read."""
    return b"".join(bytes((b,)) if _PLAIN[b] else _hex(b) for b in data)


def case_forms(ch: str) -> list[str]:
    """The one-character case variants of ``ch`` (é: é É; ß has no one-character capital)."""
    forms = [ch]
    for f in (ch.lower(), ch.upper(), ch.title(), ch.casefold()):
        if len(f) == 1 and f not in forms:
            forms.append(f)
    return forms


def char_regex(ch: str, caseless: bool) -> bytes:
    """A regex for one character in any JSON spelling (and any case, when ``caseless``)."""
    if ord(ch) < 128:
        return escape_bytes(utf8(ch))
    alts: list[bytes] = []
    for form in case_forms(ch) if caseless else [ch]:
        for spelling in json_spellings(form):
            alt = escape_bytes(spelling)
            if alt not in alts:
                alts.append(alt)
    return b"(?:" + b"|".join(alts) + b")"


def text_regex(text: str, caseless: bool) -> bytes:
    """A regex for ``text`` in every JSON spelling. Under ``caseless``, ASCII letters rely on
    the engine's (ASCII) case folding and other letters are spelled in each case."""
    if caseless and not all(ord(c) < 128 or case_forms(c) == [c] for c in text):
        return b"".join(char_regex(c, True) for c in text)
    return b"(?:" + b"|".join(escape_bytes(s) for s in json_spellings(text)) + b")"


def text_atom(text: str, case: str = "smart", *, one_line: bool = True) -> Atom:
    """A plain-text search: smart case (unless ``case`` says otherwise), every JSON
    spelling. ``one_line``: refuse a line break (a file is searched a line at a time; a
    JSON string holds one only as ``\\n``, which the escaped spelling still finds)."""
    if one_line:
        check_line_text(text)
    caseless = smart_caseless(text, case)
    if not text:
        return Atom("“”", b"", caseless, always=True)
    spellings = json_spellings(text)
    # Case folding of non-ASCII letters needs a regex; ASCII folding is bytes.lower().
    folds_ascii_only = all(ord(c) < 128 or case_forms(c) == [c] for c in text)
    label = f"“{text}”"
    if not caseless or folds_ascii_only:
        needles = tuple(s.lower() for s in spellings) if caseless else tuple(spellings)
        regex = b"|".join(escape_bytes(s) for s in spellings)
        return Atom(label, regex, caseless, needles=tuple(dict.fromkeys(needles)))
    # Several spellings of each letter: é, É, \u00e9, \u00c9 ... as a regex (which finds
    # mixed escaped and raw characters too).
    return Atom(label, text_regex(text, caseless), caseless)


def needle_regex(text: str) -> re.Pattern[bytes]:
    """A bytes regex finding ``text`` the way a search does (smart case, every JSON
    spelling), for callers that test a few strings rather than scan a file."""
    return text_atom(text, one_line=False).compiled
