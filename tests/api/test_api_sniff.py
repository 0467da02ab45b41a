"""Telling the endpoint from the first line never reads a huge line into memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from batchtui.api.service import sniff_endpoint


def test_endpoint_of_the_first_request(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'\n{"custom_id": "a", "url": "/v1/embeddings", "body": {}}\n')
    assert sniff_endpoint(path) == "/v1/embeddings"


def test_a_huge_first_line_is_not_read_whole(tmp_path: Path) -> None:
    # `truncate -s 2G x.jsonl` made `batches submit` peak at 4.3 GB here, in small.
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\x00" * (32 * 1024 * 1024))
    tracemalloc.start()
    try:
        assert sniff_endpoint(path) is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 * 1024 * 1024, peak
