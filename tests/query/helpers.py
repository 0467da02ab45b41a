"""Helpers for query tests: a file from lines, and the lines a query matches, from the block
scan (both engines) and from a plain line-by-line oracle."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from batchtui.jsonl.index import LineIndex
from batchtui.query import Query, compile_query, scan
from batchtui.query.engine import ENGINE_ENV, Matcher, hyperscan_module

ENGINES = ["hyperscan", "python"] if hyperscan_module() is not None else ["python"]


def write(tmp_path: Path, data: bytes | list[bytes], name: str = "f.jsonl") -> LineIndex:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else b"".join(data))
    return LineIndex(path)


def matching(
    index: LineIndex, query: Query, engine: str, monkeypatch: pytest.MonkeyPatch, **kw: object
) -> list[int]:
    """0-based numbers of the matching lines, by the block scan."""
    monkeypatch.setenv(ENGINE_ENV, engine)
    matcher = Matcher(query)
    usable = any(a.hyperscan_ok and a.regex and not a.always for a in query.atoms)
    assert matcher.engine == (engine if usable else "python")
    out: list[int] = []
    for hits in scan(index, query, number=True, matcher=matcher, **kw):  # type: ignore[arg-type]
        out.extend(hits.lines)
    return out


def oracle(data: bytes, test) -> list[int]:  # type: ignore[no-untyped-def]
    """Line numbers where ``test(line_bytes)`` holds, lines split the index's way."""
    if not data:
        return []
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return [i for i, line in enumerate(lines) if test(line[:-1] if line.endswith(b"\r") else line)]


def field_oracle(data: bytes, text: str) -> list[int]:
    """Lines a field query matches, deciding every line by parsing it (no pre-check)."""
    query = compile_query(text, "fields")

    def test(line: bytes) -> bool:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            obj = None
        return _full(query.tree, obj, line)

    return oracle(data, test)


def _full(node, obj, line: bytes) -> bool:  # type: ignore[no-untyped-def]
    from batchtui.query.expr import All, AnyOf, Leaf, Not

    if isinstance(node, Leaf):
        if node.test is None:
            return compile_query(node_text(node), "text").atoms[0].compiled.search(line) is not None
        return obj is not None and node.test.test(obj)
    if isinstance(node, Not):
        return not _full(node.item, obj, line)
    if isinstance(node, All):
        return all(_full(i, obj, line) for i in node.items)
    assert isinstance(node, AnyOf)
    return any(_full(i, obj, line) for i in node.items)


def node_text(node) -> str:  # type: ignore[no-untyped-def]
    raise AssertionError("text words are not used with field_oracle")
