"""Planning a job: parts cut at line ends by every limit, each part's hash is its bytes', one
streaming pass (memory flat in the file's size), and spans read back as one stream."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import orjson
import pytest
from jobs_helpers import write_tiny

from batchtui.core.errors import UserError
from batchtui.jobs.plan import PartLimits, embedding_inputs, plan_parts
from batchtui.jsonl.spans import SpanReader, SpansChanged, pack_spans, unpack_spans


def check_parts(path: Path, plan) -> None:
    """Parts tile the file (after a BOM), each hash is its bytes', lines are whole."""
    data = path.read_bytes()
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    line = 1
    for part in plan.parts:
        assert part.start == start and part.first_line == line
        chunk = data[part.start : part.end]
        assert hashlib.sha256(chunk).hexdigest() == part.sha256
        assert chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1) == part.requests
        start, line = part.end, part.last_line + 1
    assert start == len(data)


def test_parts_close_at_the_request_limit(tmp_path: Path) -> None:
    path = write_tiny(tmp_path / "in.jsonl", 2_500)
    plan = plan_parts(path, PartLimits(1_000, 10**9), tokens="none", block_bytes=4096)
    assert [p.requests for p in plan.parts] == [1_000, 1_000, 500]
    assert [(p.first_line, p.last_line) for p in plan.parts] == [
        (1, 1_000),
        (1_001, 2_000),
        (2_001, 2_500),
    ]
    assert plan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    check_parts(path, plan)


def test_parts_close_at_the_byte_limit_and_a_line_too_big_is_refused(tmp_path: Path) -> None:
    path = write_tiny(tmp_path / "in.jsonl", 300)
    lengths = [len(x) + 1 for x in path.read_bytes().splitlines()]
    limit = sum(lengths[:70]) + 5
    plan = plan_parts(path, PartLimits(10**6, limit), tokens="none", block_bytes=1000)
    assert len(plan.parts) == 5 and plan.parts[0].requests == 70
    for part in plan.parts:
        assert part.bytes <= limit
        if part.last_line < 300:  # closed only because the next line did not fit
            assert part.bytes + lengths[part.last_line] > limit
    check_parts(path, plan)
    with pytest.raises(UserError, match=r"line 1 is .* more than a part may hold"):
        plan_parts(path, PartLimits(10, lengths[0] - 1), tokens="none")


def test_a_bom_stays_out_and_a_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    body = write_tiny(tmp_path / "x.jsonl", 5).read_bytes().rstrip(b"\n")
    path.write_bytes(b"\xef\xbb\xbf" + body)
    plan = plan_parts(path, PartLimits(2, 10**6), tokens="none", block_bytes=64)
    assert [p.requests for p in plan.parts] == [2, 2, 1]
    assert plan.parts[0].start == 3
    assert not path.read_bytes()[plan.parts[-1].start : plan.parts[-1].end].endswith(b"\n")
    check_parts(path, plan)


def test_tokens_cap_parts_so_each_fits_an_empty_queue(tmp_path: Path) -> None:
    path = write_tiny(tmp_path / "in.jsonl", 200)
    exact = plan_parts(path, PartLimits(10**6, 10**9), tokens="exact")
    total = exact.tokens()["gpt-4o-mini"]
    per_line = total / 200
    plan = plan_parts(path, PartLimits(10**6, 10**9, max_tokens=int(per_line * 60)), tokens="exact")
    assert len(plan.parts) == 4
    assert all(p.tokens["gpt-4o-mini"] <= per_line * 60 for p in plan.parts)
    assert sum(p.tokens["gpt-4o-mini"] for p in plan.parts) == total
    check_parts(path, plan)


def test_embedding_inputs_are_counted_per_part(tmp_path: Path) -> None:
    path = tmp_path / "emb.jsonl"
    lines = [
        {
            "custom_id": f"e{i}",
            "method": "POST",
            "url": "/v1/embeddings",
            "body": {"model": "text-embedding-3-small", "input": ["a", "b", "c"]},
        }
        for i in range(10)
    ]
    path.write_bytes(b"".join(orjson.dumps(x) + b"\n" for x in lines))
    limits = PartLimits(10**6, 10**9, max_embedding_inputs=7)
    plan = plan_parts(path, limits, tokens="none", endpoint="/v1/embeddings")
    assert [p.requests for p in plan.parts] == [2, 2, 2, 2, 2]  # 6 inputs each, 9 > 7
    assert embedding_inputs(b'{"body":{"input":[1,2,3]}}') == 1  # one input as token ids
    assert embedding_inputs(b'{"body":{"input":"x"}}') == 1


def test_the_digest_checker_sees_every_byte(tmp_path: Path) -> None:
    from batchtui.jsonl.index import LineIndex
    from batchtui.validation.engine import Validator

    path = write_tiny(tmp_path / "in.jsonl", 50)
    index = LineIndex(path)
    index.scan()
    validator = Validator(index)
    validator.run()
    digest = validator.digest()
    index.close()
    assert digest is not None
    plan = plan_parts(path, PartLimits(10, 10**6), tokens="none", check=digest.checker())
    assert plan.digest_matches is True
    path.write_bytes(path.read_bytes().replace(b"hi 7", b"hi X"))  # same size, other bytes
    plan = plan_parts(path, PartLimits(10, 10**6), tokens="none", check=digest.checker())
    assert plan.digest_matches is False


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        plan_parts(path, PartLimits(10, 10**6), tokens="none")


def test_planning_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small = write_tiny(tmp_path / "small.jsonl", 10_000)
    big = write_tiny(tmp_path / "big.jsonl", 50_000)

    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            plan_parts(path, PartLimits(10**6, 10**9), tokens="none", block_bytes=64 * 1024)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(small)  # warm imports
    a, b = peak(small), peak(big)
    assert b < a * 1.5 + 256 * 1024, (a, b)  # 5x the lines, about the same memory


def test_span_reader_streams_spans_and_proves_what_it_read(tmp_path: Path) -> None:
    path = tmp_path / "f"
    data = bytes(range(256)) * 40
    path.write_bytes(data)
    spans = [(10, 20), (100, 100), (5000, 6000), (9000, 10240)]
    expected = b"".join(data[a:b] for a, b in spans)
    with SpanReader(path, spans) as reader:
        assert reader.seek(0, os.SEEK_END) == len(expected)  # how httpx measures it
        reader.seek(0)
        got = b"".join(iter(lambda: reader.read(333), b""))
        assert got == expected
        assert reader.sha256 == hashlib.sha256(expected).hexdigest()
        reader.seek(7)
        reader.read(5)
        assert reader.sha256 is None  # read out of order: proves nothing
        reader.seek(0)  # a retry rewinds: hashed afresh
        assert reader.read() == expected and reader.sha256 is not None
    assert unpack_spans(pack_spans(spans)) == spans


def test_span_reader_on_a_file_that_shrank(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    with SpanReader(path, [(0, 100)]) as reader:
        path.write_bytes(b"x" * 50)
        with pytest.raises(SpansChanged):
            reader.read()
    path.write_bytes(b"x" * 50)
    with SpanReader(path, [(0, 100)], strict=False) as reader:
        data = reader.read()
        assert len(data) == 100 and reader.short  # padded for the HTTP stream, and flagged


@pytest.mark.parametrize(
    ("line", "quick"),
    [
        (  # compact, an answer quoting JSON: a success
            b'{"id":"batch_req_1","custom_id":"a-1","response":{"status_code":200,"request_id":'
            b'"r","body":{"choices":[{"message":{"content":"say \\"error\\": {x}"}}]}},'
            b'"error":null}',
            "a-1",
        ),
        (  # spaced, as json.dumps writes: a success
            b'{"id": "batch_req_1", "custom_id": "a-1", "response": {"status_code": 200, '
            b'"body": {"choices": []}}, "error": null}',
            "a-1",
        ),
        (  # a 429: parsed in full
            b'{"custom_id":"a-1","response":{"status_code":429,"body":{"error":{"code":"x"}}},'
            b'"error":null}',
            None,
        ),
        (  # a 200 whose body failed: parsed in full
            b'{"custom_id":"a-1","response":{"status_code":200,"body":{"status":"failed",'
            b'"error":{"code":"server_error"}}},"error":null}',
            None,
        ),
        (  # an escaped id: parsed in full
            b'{"custom_id":"a\\u002d1","response":{"status_code":200,"body":{}},"error":null}',
            None,
        ),
        (  # never ran
            b'{"custom_id":"a-1","response":null,"error":{"code":"batch_expired","message":"m"}}',
            None,
        ),
        (  # a repeated key (the last one wins in a parser): parsed in full
            b'{"custom_id":"a-1","custom_id":"b","response":{"status_code":200,"body":{}},'
            b'"error":null}',
            None,
        ),
    ],
)
def test_the_quick_read_of_a_result_line_agrees_with_the_full_one(
    line: bytes, quick: str | None
) -> None:
    from batchtui.jobs.settle import _quick_success
    from batchtui.results.model import RequestClass
    from batchtui.results.parse import classify, loads, result_custom_id

    assert _quick_success(line) == quick
    if quick is not None:  # when it answers, it says what the full parse says
        obj, _ = loads(line)
        assert classify(obj)[0] == int(RequestClass.SUCCEEDED)
        assert result_custom_id(obj) == quick
