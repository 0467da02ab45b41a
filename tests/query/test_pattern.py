"""Pattern mode: Python regex syntax, one line at a time, at block speed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from batchtui.query import QueryError, compile_query
from tests.query.helpers import ENGINES, matching, oracle, write


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


LINES = [
    b'{"model": "gpt-4o", "max_tokens": 1000}\n',
    b'{"model": "gpt-4o-mini", "max_tokens": 64}\n',
    b'{"model": "GPT-4O", "max_tokens": 12345}\r\n',
    b'{"a": "end"}\n',
    b"end\r\n",
    b"  \n",
    b'{"t": "caf\xc3\xa9 x"}\n',
    b"tail a\n",
    b"b tail",
]


def run(tmp_path: Path, engine: str, mp: pytest.MonkeyPatch, pattern: str) -> list[int]:
    ix = write(tmp_path, LINES)
    assert ix.scan()
    return matching(ix, compile_query(pattern, "pattern"), engine, mp)


@pytest.mark.parametrize(
    ("pattern", "want"),
    [
        (r"gpt-4o(-mini)?", [0, 1, 2]),  # smart case: no capital, so GPT-4O too
        (r"GPT", [2]),
        (r"max_tokens.: [0-9]{4,}", [0, 2]),
        (r"end$", [4]),  # $ is the end of a line, before a CRLF's \r too
        (r"end\"}$", [3]),
        (r"^end", [4]),
        (r"^\s*$", [5]),
        (r"caf.\s", [6]),  # . is one character, a two-byte é included
        (r"caf[^x]\s", [6]),
        (r"\d{5}", [2]),
        (r"(?i:gpt)-4O", [2]),  # a capital makes it case-sensitive, but (?i:) is not
        (r"(?i)GPT-4O$", []),
        (r"mini|12345", [1, 2]),
        (r"(g)pt-4o\1", []),  # back-reference: the slow path, same answers
        (r"gpt-4o(?=-)", [1]),  # look-ahead: the slow path
        (r"[가-힣]", []),  # a non-ASCII range: the slow path
        (r"x*", list(range(9))),  # matches the empty string: every line
        (r"$", list(range(9))),  # once a line, none past the last (in every block size)
        (r"^", list(range(9))),
    ],
)
def test_patterns(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch, pattern: str, want: list[int]
) -> None:
    assert run(tmp_path, engine, monkeypatch, pattern) == want


@pytest.mark.parametrize("block", [16, 64, 4096])
def test_empty_matches_count_each_line_once(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    ix = write(tmp_path, LINES)
    assert ix.scan()
    for pattern in (r"$", r"^", r"x*", r"(?=e)|^"):
        got = matching(ix, compile_query(pattern, "pattern"), engine, monkeypatch, block=block)
        assert got == list(range(9)), pattern


def test_a_pattern_never_matches_across_lines(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "tail a" / "b tail": a\sb, a[^x]b and a.*b would each match "a\nb" in the raw bytes.
    for pattern in (r"a\sb", r"a[^x]b", r"a\W*b", r"a\Db", r"a(.|\s)b", r"tail a[\s\S]+b"):
        assert run(tmp_path, engine, monkeypatch, pattern) == [], pattern
    with pytest.raises(QueryError, match="line break"):
        compile_query(r"a\nb", "pattern")


def test_json_escaped_text_in_a_pattern(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        json.dumps({"t": "한국어 입니다"}).encode() + b"\n",
        json.dumps({"t": "한국어 입니다"}, ensure_ascii=False).encode() + b"\n",
        json.dumps({"t": "CAFÉ"}).encode() + b"\n",
        b'{"t": "other"}\n',
    ]
    ix = write(tmp_path, lines)
    assert ix.scan()
    assert matching(ix, compile_query("한국어 입니+다", "pattern"), engine, monkeypatch) == [0, 1]
    assert matching(ix, compile_query("caf[ée]", "pattern"), engine, monkeypatch) == [2]


@pytest.mark.parametrize("bad", ["(", "[a-", "a{2,1}", "*x", "(?P<n>a)(?P=m)"])
def test_an_invalid_pattern_is_a_clear_error(bad: str) -> None:
    with pytest.raises(QueryError, match="invalid pattern"):
        compile_query(bad, "pattern")


def test_patterns_agree_with_re_line_by_line(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against Python's re run on each line on its own (ASCII data, so the bytes and text
    readings agree)."""
    data = b"".join(LINES[:6]) + b"x" * 10 + b"\n" + b"ab\nabc\n\nzz\r\n"
    ix = write(tmp_path, data)
    assert ix.scan()
    for pattern in (r"a.c", r"^a", r"c$", r"x{3,}", r"\w+\s\w+", r"[^a-z]$", r"ab?c?$", r"4o\b"):
        flags = re.IGNORECASE if pattern == pattern.lower() else 0
        rx = re.compile(pattern.encode(), flags)
        want = oracle(data, lambda line, rx=rx: rx.search(line) is not None)
        got = matching(ix, compile_query(pattern, "pattern"), engine, monkeypatch)
        assert got == want, pattern
