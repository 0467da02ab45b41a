"""n / N: the next and previous match from a line, wrapping, within a filter, in any block
size; a file that shrinks is reported, not a crash."""

from __future__ import annotations

import os
from array import array
from pathlib import Path

import pytest

from batchtui.jsonl.index import FileChanged, LineIndex
from batchtui.query import compile_query, custom_id_query
from batchtui.query import engine as engine_module
from batchtui.query import find as find_module
from batchtui.query.atoms import needle_regex
from batchtui.query.find import Finder


def make(tmp_path: Path, n: int = 400) -> LineIndex:
    path = tmp_path / "f.jsonl"
    path.write_bytes(
        b"".join(b'{"custom_id": "id-%04d", "text": "filler"}\n' % i for i in range(n))
    )
    ix = LineIndex(path)
    assert ix.scan()
    return ix


@pytest.mark.parametrize("block", [7, 64, 1000, 1 << 20])
def test_forward_backward_and_wrap_in_any_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    monkeypatch.setattr(engine_module, "BLOCK_BYTES", block)
    monkeypatch.setattr(find_module, "BACK_WINDOW", block)
    monkeypatch.setattr(
        engine_module.scan, "__kwdefaults__", {**engine_module.scan.__kwdefaults__, "block": block}
    )
    ix = make(tmp_path)
    s = Finder(ix, custom_id_query("id-0123"))
    assert s.next(0) == 123 and s.next(200) == 123  # the second wraps around
    assert s.previous(300) == 123 and s.previous(100) == 123
    every = Finder(ix, compile_query("filler"))
    assert every.next(10) == 11 and every.previous(10) == 9
    assert every.next(399) == 0 and every.previous(0) == 399
    assert Finder(ix, compile_query("absent")).next(5) is None
    assert Finder(ix, compile_query("absent")).previous(5) is None


def test_within_a_filter_only_its_lines_count(tmp_path: Path) -> None:
    ix = make(tmp_path)
    rows = array("q", [5, 50, 300])
    f = Finder(ix, compile_query("filler"), rows=rows)
    assert f.next(5) == 50 and f.next(50) == 300 and f.next(300) == 5
    assert f.previous(50) == 5 and f.previous(5) == 300


def test_a_file_that_shrank_raises_file_changed(tmp_path: Path) -> None:
    ix = make(tmp_path)
    os.truncate(ix.path, 50)
    with pytest.raises(FileChanged):
        Finder(ix, compile_query("absent")).next(0)


def test_a_lone_surrogate_finds_its_json_escape() -> None:
    line = b'{"custom_id": "a\\ud800b", "method": "POST"}'
    assert needle_regex("a\ud800b").search(line)
    assert not needle_regex("a\udfffb").search(line)


def test_custom_id_is_exact_and_top_level(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(
        b'{"custom_id": "a-10"}\n{"body": {"custom_id": "a-1"}}\n{"custom_id": "a-1"}\n'
    )
    ix = LineIndex(path)
    assert ix.scan()
    assert Finder(ix, custom_id_query("a-1")).next(-1) == 2
    assert Finder(ix, custom_id_query("a\ud800")).next(-1) is None
