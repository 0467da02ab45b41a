"""Pattern mode: a Python regular expression, run over bytes, one line at a time.

The user writes Python ``re`` syntax (checked by ``re.compile``, whose message an invalid
pattern gets). The parsed pattern is then written out again as a bytes regex that

* never matches across a line break: ``\\s``, ``[^x]``, ``\\D`` and the like leave ``\\n``
  out, so a pattern is true of a line or not, whatever the lines around it;
* reads ``$`` as the end of a line, before a CRLF's ``\\r`` too, and ``^`` as its start;
* matches one *character* where the pattern says ``.`` or ``[^x]`` (a whole UTF-8
  sequence, not one byte of it);
* finds a non-ASCII letter in every JSON spelling (``é``, ``\\u00e9``), in either case
  under smart case;
* uses only syntax that both Python's ``re`` and hyperscan read.

``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII, as in a bytes regex. Smart case: a pattern
with no capital letter among its literal characters ignores case (``(?i)`` / ``(?-i:...)``
still work). What cannot be written so (back-references, look-arounds, possessive repeats,
non-ASCII ranges ``[가-힣]``) runs as the Python pattern over each decoded line: slower,
and without the JSON-escape spellings.
"""

from __future__ import annotations

import importlib
import re
import warnings
from typing import Any

from batchtui.query.atoms import Atom, QueryError, char_regex, check_line_text

# re's own parser (private, but it is what re.compile runs): re._parser on 3.11+, sre_parse
# before.
sre_c: Any
sre_p: Any
try:
    sre_c = importlib.import_module("re._constants")
    sre_p = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.10
    sre_c = importlib.import_module("sre_constants")
    sre_p = importlib.import_module("sre_parse")

MAXREPEAT = sre_c.MAXREPEAT
# One character that is not ASCII: a UTF-8 lead byte and its continuation bytes, or a stray
# byte of broken UTF-8 (as one character, the way the browser shows it).
NON_ASCII_CHAR = rb"(?:[\xc0-\xff][\x80-\xbf]*|[\x80-\xbf])"
# \s without \n and \r: the \r of a CRLF belongs to the line ending, not to the line (a
# bare \r cannot appear inside a JSON line: strings escape it).
_SPACE = {9, 11, 12, 32}
_DIGIT = set(range(48, 58))
_WORD = _DIGIT | set(range(65, 91)) | set(range(97, 123)) | {95}
_CATEGORY_SETS = {
    sre_c.CATEGORY_DIGIT: (_DIGIT, False),
    sre_c.CATEGORY_NOT_DIGIT: (_DIGIT, True),
    sre_c.CATEGORY_SPACE: (_SPACE, False),
    sre_c.CATEGORY_NOT_SPACE: (_SPACE, True),
    sre_c.CATEGORY_WORD: (_WORD, False),
    sre_c.CATEGORY_NOT_WORD: (_WORD, True),
}


class _Unsupported(Exception):
    """The parsed pattern has something the byte engines cannot run."""


def pattern_atom(pattern: str, case: str = "smart") -> Atom:
    """Compile ``pattern`` (Python syntax) for a line-by-line search; QueryError if invalid.
    ``case``: smart (the default), ignore or sensitive."""
    check_line_text(pattern, "a pattern")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set": the user's syntax, as given
            re.compile(pattern)
            tree = sre_p.parse(pattern, 0)
    except (re.error, OverflowError, RecursionError, ValueError) as exc:
        raise QueryError(f"invalid pattern: {exc}") from None
    flags = tree.state.flags
    if case == "smart":
        caseless = bool(flags & re.IGNORECASE) or not _has_capital(tree)
    else:
        caseless = bool(flags & re.IGNORECASE) or case == "ignore"
    label = f"/{pattern}/"
    lo, _hi = tree.getwidth()
    try:
        writer = _Writer(caseless)
        regex = writer.seq(tree)
    except _Unsupported:
        regex = b""
    except RecursionError:
        raise QueryError("invalid pattern: nested too deeply") from None
    if not regex or lo == 0:
        # A pattern that can match nothing at all (``^``, ``x*``) is decided line by line
        # too: hyperscan refuses such patterns, and a block search would stop at every byte.
        str_flags = re.MULTILINE | (re.IGNORECASE if caseless else 0)
        try:
            line_regex = re.compile(pattern, str_flags)
        except re.error as exc:  # pragma: no cover - compiled above without the flags
            raise QueryError(f"invalid pattern: {exc}") from None
        if regex and lo == 0:
            return Atom(label, regex, caseless, hyperscan_ok=False)
        return Atom(label, b"", caseless, line_regex=line_regex, hyperscan_ok=False)
    return Atom(label, regex, caseless)


def _has_capital(tree: Any) -> bool:
    """Does the pattern spell a capital letter (not in an escape like ``\\W`` or ``\\S``)?"""
    for op, av in tree:
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL) and chr(av).isupper():
            return True
        if op is sre_c.RANGE and (chr(av[0]).isupper() or chr(av[1]).isupper()):
            return True
        if op is sre_c.IN and _has_capital(av):
            return True
        if op is sre_c.BRANCH and any(_has_capital(b) for b in av[1]):
            return True
        if op is sre_c.SUBPATTERN and _has_capital(av[-1]):
            return True
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT) and _has_capital(av[2]):
            return True
        if op in (sre_c.ASSERT, sre_c.ASSERT_NOT) and _has_capital(av[1]):
            return True
    return False


def _class(members: set[int], negate: bool) -> bytes:
    """A byte class for ASCII ``members`` (``\\n`` never in it). Negated: one character
    that is not a member (nor a line ending), a non-ASCII one included."""
    members = {m for m in members if m != 10}
    if negate:
        excluded = members | {10, 13}
        body = _ranges(excluded)
        return b"(?:[^" + body + rb"\x80-\xff]|" + NON_ASCII_CHAR + b")"
    if not members:
        raise _Unsupported  # an empty class ([\n]) can never match
    return b"[" + _ranges(members) + b"]"


def _ranges(members: set[int]) -> bytes:
    out = []
    codes = sorted(members)
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(b"\\x%02x-\\x%02x" % (codes[i], codes[j]))
        else:
            out.extend(b"\\x%02x" % c for c in codes[i : j + 1])
        i = j + 1
    return b"".join(out)


class _Writer:
    """Writes a parsed pattern back out as bytes, in syntax ``re`` and hyperscan share."""

    def __init__(self, caseless: bool) -> None:
        self.caseless = [caseless]  # a stack: (?i:...) and (?-i:...) groups change it

    def seq(self, items: Any) -> bytes:
        return b"".join(self.item(op, av) for op, av in items)

    def item(self, op: Any, av: Any) -> bytes:
        c = sre_c
        if op is c.LITERAL:
            if av == 10:
                raise QueryError(
                    "a pattern cannot match a line break: lines are searched one at a time"
                )
            return char_regex(chr(av), self.caseless[-1])
        if op is c.NOT_LITERAL:
            if av >= 128:
                raise _Unsupported
            members = {av}
            if self.caseless[-1] and chr(av).isalpha():
                members |= {ord(chr(av).lower()), ord(chr(av).upper())}
            return _class(members, True)
        if op is c.ANY:
            return rb"(?:[^\n\r\x80-\xff]|" + NON_ASCII_CHAR + b")"
        if op is c.IN:
            return self.in_class(av)
        if op is c.BRANCH:
            return b"(?:" + b"|".join(self.seq(b) for b in av[1]) + b")"
        if op is c.SUBPATTERN:
            _group, add, remove, p = av
            if add & re.IGNORECASE or remove & re.IGNORECASE:
                self.caseless.append(bool(add & re.IGNORECASE))
                try:
                    inner = self.seq(p)
                finally:
                    self.caseless.pop()
                return (b"(?i:" if add & re.IGNORECASE else b"(?-i:") + inner + b")"
            return b"(?:" + self.seq(p) + b")"
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, p = av
            inner = self.repeat_body(p, lo, hi)
            if hi == MAXREPEAT:
                q = b"*" if lo == 0 else b"+" if lo == 1 else b"{%d,}" % lo
            elif lo == hi:
                q = b"{%d}" % lo
            elif lo == 0 and hi == 1:
                q = b"?"
            else:
                q = b"{%d,%d}" % (lo, hi)
            return inner + q
        if op is c.AT:
            if av in (c.AT_BEGINNING, c.AT_BEGINNING_STRING, c.AT_BEGINNING_LINE):
                return b"^"
            if av in (c.AT_END, c.AT_END_STRING, c.AT_END_LINE):
                return rb"\r?$"
            if av is c.AT_BOUNDARY:
                return rb"\b"
            if av is c.AT_NON_BOUNDARY:
                return rb"\B"
            raise _Unsupported
        if op is c.CATEGORY:
            found = _CATEGORY_SETS.get(av)
            if found is None:
                raise _Unsupported
            return _class(set(found[0]), found[1])
        raise _Unsupported  # back-references, look-arounds, atomic groups, ...

    def repeat_body(self, p: Any, lo: int, hi: int) -> bytes:
        # ``.*`` / ``[^x]+``: any run of such characters is a run of such bytes, and a byte
        # class is far cheaper for both engines than the one-character alternation.
        if hi == MAXREPEAT and lo <= 1 and len(p) == 1:
            op, av = p[0]
            if op is sre_c.ANY:
                return rb"[^\n\r]"
            if op is sre_c.NOT_LITERAL and av < 128:
                return b"[^" + _ranges({av, 10, 13}) + b"]"
        body = self.seq(p)
        return (
            body
            if body.startswith(b"(?:") and body.endswith(b")") and len(p) == 1
            else b"(?:" + body + b")"
        )

    def in_class(self, items: Any) -> bytes:
        c = sre_c
        negate = False
        members: set[int] = set()
        wide: list[bytes] = []  # non-ASCII characters of a positive class, as alternatives
        for op, av in items:
            if op is c.NEGATE:
                negate = True
            elif op is c.LITERAL:
                if av >= 128:
                    wide.append(char_regex(chr(av), self.caseless[-1]))
                else:
                    members.add(av)
            elif op is c.RANGE:
                lo, hi = av
                if hi >= 128:
                    raise _Unsupported
                members.update(range(lo, hi + 1))
            elif op is c.CATEGORY:
                cat, neg = _CATEGORY_SETS.get(av, (None, False))
                if cat is None or neg:
                    raise _Unsupported  # [\D] and the like: rare; the slow path is exact
                members |= cat
            else:
                raise _Unsupported
        if negate and wide:
            raise _Unsupported
        if self.caseless[-1]:
            members |= {ord(chr(m).swapcase()) for m in members if chr(m).isalpha()}
        if not wide:
            return _class(members, negate)
        parts = ([_class(members, False)] if members - {10} else []) + wide
        return b"(?:" + b"|".join(parts) + b")"
