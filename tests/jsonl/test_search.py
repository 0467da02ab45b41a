"""Search reads the file in chunks; a match across a chunk boundary is still found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from batchtui.jsonl import search as search_module
from batchtui.jsonl.index import FileChanged, LineIndex
from batchtui.jsonl.search import Searcher, compile_needle, custom_id_pattern


def make(tmp_path: Path, n: int = 400) -> LineIndex:
    path = tmp_path / "f.jsonl"
    path.write_bytes(
        b"".join(b'{"custom_id": "id-%04d", "text": "filler"}\n' % i for i in range(n))
    )
    ix = LineIndex(path)
    assert ix.scan()
    return ix


@pytest.mark.parametrize("chunk", [7, 64, 1000, 1 << 20])
def test_forward_backward_and_wrap_in_any_chunk_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(search_module, "SEARCH_CHUNK", chunk)
    ix = make(tmp_path)
    s = Searcher(ix, custom_id_pattern("id-0123"))
    assert s.next(0) == 123 and s.next(200) == 123  # the second wraps around
    assert s.previous(300) == 123 and s.previous(100) == 123
    every = Searcher(ix, compile_needle("filler"))
    assert every.next(10) == 11 and every.previous(10) == 9
    assert Searcher(ix, compile_needle("absent")).next(5) is None


def test_a_file_that_shrank_raises_file_changed(tmp_path: Path) -> None:
    ix = make(tmp_path)
    os.truncate(ix.path, 50)
    with pytest.raises(FileChanged):
        Searcher(ix, compile_needle("absent")).next(0)
