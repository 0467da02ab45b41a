"""Plain-text search over blocks: smart case, JSON spellings, boundaries, odd bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.query import QueryError, compile_query
from tests.query.helpers import ENGINES, matching, oracle, write


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


LINES = [
    b'{"custom_id": "a", "text": "Refund please"}\n',
    b'{"custom_id": "b", "text": "no REFUND here"}\n',
    b'{"custom_id": "c", "text": "nothing"}\n',
    b'{"custom_id": "d", "text": "refund"}\r\n',
    b'{"custom_id": "e", "text": "\xff\xfe broken refund \xc3"}\n',
    b'{"custom_id": "f", "text": "refun\\nd split by an escape"}\n',
    b'{"custom_id": "g", "text": "last line, no newline: refund"}',
]


def test_smart_case(tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = write(tmp_path, LINES)
    assert ix.scan()
    assert matching(ix, compile_query("refund"), engine, monkeypatch) == [0, 1, 3, 4, 6]
    assert matching(ix, compile_query("Refund"), engine, monkeypatch) == [0]
    assert matching(ix, compile_query("REFUND"), engine, monkeypatch) == [1]
    assert matching(ix, compile_query("absent"), engine, monkeypatch) == []


def test_invert_and_empty(tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = write(tmp_path, LINES)
    assert ix.scan()
    inv = compile_query("refund", invert=True)
    assert matching(ix, inv, engine, monkeypatch) == [2, 5]
    assert matching(ix, compile_query(""), engine, monkeypatch) == list(range(7))
    assert matching(ix, compile_query("", invert=True), engine, monkeypatch) == []


@pytest.mark.parametrize("block", [7, 64, 100, 4096])
def test_block_boundaries_and_line_numbers(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    # Lines of many lengths; every 7th holds the needle at its very start or very end.
    lines = []
    for i in range(300):
        body = b"x" * (i % 37)
        if i % 7 == 0:
            body = b"needle" + body if i % 2 else body + b"needle"
        lines.append(body + (b"\r\n" if i % 5 == 0 else b"\n"))
    data = b"".join(lines)
    ix = write(tmp_path, data)
    assert ix.scan()
    want = oracle(data, lambda line: b"needle" in line)
    q = compile_query("needle")
    # Numbered by counting from the first line, and from the (complete) index.
    assert matching(ix, q, engine, monkeypatch, block=block) == want
    assert matching(ix, q, engine, monkeypatch, block=block, first_line=None) == want


def test_json_escaped_cjk_in_either_hex_case(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        json.dumps({"t": "한국어 문장"}).encode() + b"\n",  # \ud55c\uad6d\uc5b4
        json.dumps({"t": "한국어"}, ensure_ascii=False).encode() + b"\n",  # raw UTF-8
        b'{"t": "\\uD55C\\uAD6D\\uC5B4"}\n',  # upper-case hex (Jackson)
        b'{"t": "\\/v1\\/chat"}\n',  # a PHP writer's escaped slashes
        b'{"t": "nothing"}\n',
    ]
    ix = write(tmp_path, lines)
    assert ix.scan()
    assert matching(ix, compile_query("한국어"), engine, monkeypatch) == [0, 1, 2]
    assert matching(ix, compile_query("/v1/chat"), engine, monkeypatch) == [3]


def test_non_ascii_case_folding(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        '{"t": "CAFÉ"}\n'.encode(),
        json.dumps({"t": "Café"}).encode() + b"\n",  # caf\u00e9
        b'{"t": "cafe"}\n',
    ]
    ix = write(tmp_path, lines)
    assert ix.scan()
    assert matching(ix, compile_query("café"), engine, monkeypatch) == [0, 1]
    assert matching(ix, compile_query("Café"), engine, monkeypatch) == [1]


def test_a_lone_surrogate_finds_its_escape(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ix = write(tmp_path, [b'{"custom_id": "a\\ud800b"}\n', b'{"custom_id": "ab"}\n'])
    assert ix.scan()
    assert matching(ix, compile_query("a\ud800b"), engine, monkeypatch) == [0]


def test_a_line_break_in_a_search_is_refused() -> None:
    with pytest.raises(QueryError, match="line break"):
        compile_query("a\nb")


def test_a_line_longer_than_the_limit_is_searched_in_pieces(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchtui.jsonl import blocks

    long = b'{"t": "' + b"y" * 500 + b"needle" + b"y" * 500 + b'"}\n'
    data = b'{"a": 1}\n' + long + b'{"t": "needle"}\n' + b"z" * 300
    ix = write(tmp_path, data)
    assert ix.scan()
    q = compile_query("needle")
    assert matching(ix, q, engine, monkeypatch, block=64) == [1, 2]
    # Past the limit a line comes in overlapping pieces, never whole: still found, with its
    # number, and the lines after it keep theirs.
    monkeypatch.setattr(blocks, "MAX_WHOLE_LINE", 200)
    monkeypatch.setattr(blocks, "WINDOW_OVERLAP", 16)
    pieces = [b for b in blocks.line_blocks(ix, block=64) if not b.whole]
    last_start = len(data) - 300
    assert len(pieces) > 3 and {p.line_start for p in pieces} == {9, last_start}
    assert matching(ix, q, engine, monkeypatch, block=64) == [1, 2]
    assert matching(ix, q, engine, monkeypatch, block=64, first_line=None) == [1, 2]
    assert matching(ix, compile_query("zzz"), engine, monkeypatch, block=64) == [3]


def test_empty_file(tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = write(tmp_path, b"")
    assert ix.scan()
    assert matching(ix, compile_query("x"), engine, monkeypatch) == []
    assert matching(ix, compile_query("x", invert=True), engine, monkeypatch) == []
