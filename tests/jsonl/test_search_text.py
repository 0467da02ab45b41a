"""Search needles are typed text: any string compiles, a lone surrogate included."""

from __future__ import annotations

from batchtui.jsonl.search import compile_needle, custom_id_pattern


def test_a_lone_surrogate_finds_its_json_escape() -> None:
    line = b'{"custom_id": "a\\ud800b", "method": "POST"}'
    assert compile_needle("a\ud800b").search(line)
    assert custom_id_pattern("a\ud800b").search(line)
    assert not compile_needle("a\udfffb").search(line)
