"""Memory does not grow with the number of findings: only a few bytes a line, whatever the
number of findings on it (examples are bounded; findings are counted, not kept)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from batchtui.jsonl.index import LineIndex
from batchtui.validation.engine import Validator
from tests.validation.helpers import line

# Eight findings a line: type of custom_id, method, url, stream, temperature, empty messages,
# unknown parameter, unknown top-level key.
BAD = line(
    {
        "custom_id": 7,
        "method": "GET",
        "url": "/v1/chat/completion",
        "extra": 1,
        "body": {
            "model": "gpt-4o-mini",
            "messages": [],
            "stream": True,
            "temperature": 9,
            "max_toke": 1,
        },
    }
)
GOOD = line(
    {
        "custom_id": "x",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    }
)


def peak_bytes(path: Path) -> tuple[int, Validator]:
    index = LineIndex(path)
    index.scan()
    validator = Validator(index, chunk_lines=500)
    tracemalloc.start()
    try:
        validator.run(on_findings=lambda batch, _file: None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, validator


def test_memory_is_flat_when_every_line_is_wrong(tmp_path: Path) -> None:
    n = 5_000
    bad_small = tmp_path / "bad1.jsonl"
    bad_small.write_bytes((BAD + b"\n") * n)
    bad_big = tmp_path / "bad3.jsonl"
    bad_big.write_bytes((BAD + b"\n") * (3 * n))
    small, _ = peak_bytes(bad_small)
    big, v_big = peak_bytes(bad_big)
    snap = v_big.report.snapshot()
    assert snap.errors + snap.warnings == 8 * 3 * n
    assert all(len(g.examples) <= v_big.report.max_examples for g in snap.groups)
    # 80,000 more findings (a Finding object with its message is ~250 bytes) cost a few
    # bytes a line: per line, 4 bytes in each of the 8 codes' line arrays (so paging a code
    # needs no re-scan), the url and model ids and the one-byte gutter mark.
    per_line = (big - small) / (2 * n)
    assert per_line < 48, per_line
    assert big < 2 * 1024 * 1024, big
