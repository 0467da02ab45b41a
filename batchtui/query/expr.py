"""A query: atoms combined with AND, OR and NOT, and how a line is decided.

Three modes build one: ``text`` (one literal atom), ``pattern`` (one regex atom) and
``fields`` (an expression of field tests and text words, see
:mod:`batchtui.query.fields`). A line is decided from which atoms hit it in the block scan;
only when a field test's pre-check hit and the answer still depends on it is the line parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import orjson

from batchtui.query.atoms import Atom, QueryError, text_atom
from batchtui.query.fields import OPERATORS, Comparison, parse_path
from batchtui.query.pattern import pattern_atom

MODES = ("text", "pattern", "fields")


@dataclass(frozen=True)
class Leaf:
    atom: int
    test: Comparison | None = None  # a field test, decided on the parsed line


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Node, ...]


Node = Union[Leaf, Not, All, AnyOf]  # noqa: UP007 - a runtime alias on Python 3.10


class Query:
    """A compiled query: its atoms and the expression over them. ``invert``: lines that do
    NOT match (``grep -v``, a filter's "lines without")."""

    def __init__(
        self, atoms: list[Atom], tree: Node, text: str, mode: str, invert: bool = False
    ) -> None:
        self.atoms = atoms
        self.tree = tree
        self.text = text
        self.mode = mode
        self.invert = invert
        self.parses = any(not a.exact for a in atoms)
        # One exact atom and nothing else: a hit is a match, no decision to make per line.
        self.simple = isinstance(tree, Leaf) and tree.test is None
        # Is a line no atom hit a match? (NOT x, -v): then every line must be listed.
        self.empty_matches = bool(self._decide(0, None)) != invert
        self._matcher: Any = None

    @property
    def label(self) -> str:
        prefix = "not " if self.invert else ""
        if self.mode == "text":
            return prefix + self.atoms[0].label
        if self.mode == "pattern":
            return prefix + self.atoms[0].label
        return prefix + self.text

    def with_invert(self, invert: bool) -> Query:
        return Query(self.atoms, self.tree, self.text, self.mode, invert)

    def known(self, mask: int) -> bool | None:
        """The answer for a line from its atom hits alone (None: its bytes must decide)."""
        result = _eval3(self.tree, mask, self.atoms)
        return None if result is None else result != self.invert

    def decide_parsed(self, mask: int, line: bytes | memoryview) -> bool:
        """The answer for a line the atoms left open (see :meth:`known`): parse it."""
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            obj = _NOT_JSON
        return _eval(self.tree, mask, obj, self.atoms) != self.invert

    def decide(self, mask: int, line: bytes | None) -> bool:
        """Does a line match, given the atoms that hit it (``mask``) and its bytes (None:
        too long to parse; its field tests are then false)?"""
        result = self._decide(mask, line)
        return bool(result) != self.invert

    def _decide(self, mask: int, line: bytes | None) -> bool | None:
        known = _eval3(self.tree, mask, self.atoms)
        if known is not None:
            return known
        if line is None:
            return False
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            obj = _NOT_JSON
        return _eval(self.tree, mask, obj, self.atoms)


_NOT_JSON = object()


def _hit(leaf: Leaf, mask: int, atoms: list[Atom]) -> bool:
    return atoms[leaf.atom].always or bool(mask >> leaf.atom & 1)


def _eval3(node: Node, mask: int, atoms: list[Atom]) -> bool | None:
    """Kleene logic: True/False when the atom hits decide, None when a parse must."""
    if isinstance(node, Leaf):
        if not _hit(node, mask, atoms):
            return False  # a field test's pre-check is a superset: no hit, no match
        return True if node.test is None else None
    if isinstance(node, Not):
        inner = _eval3(node.item, mask, atoms)
        return None if inner is None else not inner
    # One False decides an All, one True an Any; an unknown item leaves the rest unknown.
    decisive = not isinstance(node, All)
    unknown = False
    for item in node.items:
        r = _eval3(item, mask, atoms)
        if r is decisive:
            return decisive
        unknown |= r is None
    return None if unknown else not decisive


def _eval(node: Node, mask: int, obj: Any, atoms: list[Atom]) -> bool:
    if isinstance(node, Leaf):
        if not _hit(node, mask, atoms):
            return False
        if node.test is None:
            return True
        return obj is not _NOT_JSON and node.test.test(obj)
    if isinstance(node, Not):
        return not _eval(node.item, mask, obj, atoms)
    if isinstance(node, All):
        return all(_eval(i, mask, obj, atoms) for i in node.items)
    return any(_eval(i, mask, obj, atoms) for i in node.items)


def compile_query(
    text: str, mode: str = "text", *, invert: bool = False, case: str = "smart"
) -> Query:
    """The query ``text`` means in ``mode`` (text, pattern, fields); QueryError if it is
    invalid, with a message for the user. ``case``: smart (a capital letter makes a test
    case-sensitive), ignore, or sensitive."""
    if mode == "text":
        return Query([text_atom(text, case)], Leaf(0), text, mode, invert)
    if mode == "pattern":
        return Query([pattern_atom(text, case)], Leaf(0), text, mode, invert)
    if mode == "fields":
        atoms: list[Atom] = []
        tree = _Parser(text, atoms, case).parse()
        return Query(atoms, tree, text.strip(), mode, invert)
    raise ValueError(f"unknown query mode {mode!r}")


def custom_id_query(custom_id: str) -> Query:
    """Lines whose top-level ``custom_id`` is exactly ``custom_id``."""
    atoms: list[Atom] = []
    test = Comparison(("custom_id",), "=", custom_id, quoted=True, alias=False)
    atoms.append(test.atom())
    return Query(atoms, Leaf(0, test), f"custom_id {custom_id}", "fields")


# -- the field-expression parser ------------------------------------------------------------

_KEYWORDS = ("OR", "AND", "NOT")


class _Parser:
    """``expr := and (OR and)*; and := unary (AND? unary)*; unary := (NOT|!) unary | primary;
    primary := ( expr ) | PATH OP VALUE | word``."""

    def __init__(self, text: str, atoms: list[Atom], case: str = "smart") -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.atoms = atoms
        self.case = case

    def parse(self) -> Node:
        if not self.tokens:
            raise QueryError("an empty filter: write a field test such as model=gpt-4o")
        node = self.expr()
        if self.pos < len(self.tokens):
            if self.tokens[self.pos][0] == ")":
                raise QueryError("a ')' in the filter has no '('")
            raise QueryError(f"unexpected {self.tokens[self.pos][1]!r} in the filter")
        return node

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expr(self) -> Node:
        items = [self.conj()]
        while (tok := self.peek()) is not None and tok == ("kw", "OR"):
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def conj(self) -> Node:
        items = [self.unary()]
        while (tok := self.peek()) is not None and tok[0] != ")" and tok != ("kw", "OR"):
            if tok == ("kw", "AND"):
                self.take()
            items.append(self.unary())
        return items[0] if len(items) == 1 else All(tuple(items))

    def unary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise QueryError("the filter ends too early (after AND, OR, NOT or '(')")
        if tok == ("kw", "NOT") or tok == ("!", "!"):
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "(":
            node = self.expr()
            if self.peek() is None or self.take()[0] != ")":
                raise QueryError("a '(' in the filter is not closed")
            return node
        if kind == ")":
            raise QueryError("a ')' in the filter has no '('")
        if kind == "kw":
            raise QueryError(f"{value} needs a test on each side")
        if kind == "word":
            self.atoms.append(text_atom(value, self.case))
            return Leaf(len(self.atoms) - 1)
        path, op, val, quoted = value
        test = Comparison(parse_path(path), op, val, bool(quoted), self.case)
        self.atoms.append(test.atom())
        return Leaf(len(self.atoms) - 1, test)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in "()":
            out.append((ch, ch))
            i += 1
            continue
        if ch == "!" and not text.startswith("!=", i):
            out.append(("!", "!"))
            i += 1
            continue
        if ch == '"':
            word, i = _quoted(text, i)
            out.append(("word", word))
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in "()":
            if text[j] in "=!<>^$*~":
                break
            j += 1
        op = next((o for o in OPERATORS if text.startswith(o, j)), None)
        if op is not None and j > i:
            path = text[i:j]
            k = j + len(op)
            if k < n and text[k] == '"':
                val, k = _quoted(text, k)
                quoted = True
            else:
                m = k
                while m < n and not text[m].isspace():
                    m += 1
                val = text[k:m]
                # Closing parentheses after a bare value close groups (quote a value that
                # ends with one).
                while val.endswith(")") and _open_groups(out) > 0:
                    val = val[:-1]
                    m -= 1
                k = m
                quoted = False
            out.append(("test", (path, op, val, quoted)))
            i = k
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in "()":
            j += 1
        word = text[i:j] or text[i]
        j = max(j, i + 1)
        out.append(("kw", word) if word in _KEYWORDS else ("word", word))
        i = j
    return out


def _open_groups(tokens: list[tuple[str, Any]]) -> int:
    return sum(1 for k, _ in tokens if k == "(") - sum(1 for k, _ in tokens if k == ")")


def _quoted(text: str, i: int) -> tuple[str, int]:
    """A double-quoted string starting at ``text[i]`` (JSON escapes), and where it ends."""
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == '"':
            try:
                return orjson.loads(text[i : j + 1].encode("utf-8", "surrogatepass")), j + 1
            except orjson.JSONDecodeError:
                return text[i + 1 : j], j + 1
        j += 1
    raise QueryError("a quoted value in the filter is not closed")
