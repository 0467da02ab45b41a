"""Exports: the retry file is byte-identical to the chosen input lines; flattened results."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import orjson
import pytest

from batchtui.core.errors import UserError
from batchtui.results import Flag, JoinCancelled, RequestClass, join
from batchtui.results.export import RESULT_FIELDS, export_results, export_retry, retry_rows

from .builders import build_set, chat_body, dumps, expired, ok, rate_limited, request, write_lines

KINDS = ["ok", "expired", "http429", "truncated", "missing", "ok", "cancelled", "http400"]
RETRIED = {"expired", "http429", "missing", "cancelled", "http400"}


def raw_lines(data: bytes) -> list[bytes]:
    """The input's lines with their own endings."""
    return data.splitlines(keepends=True)


@pytest.mark.parametrize("ending", [b"\n", b"\r\n"])
def test_retry_file_is_byte_identical_to_the_chosen_lines(tmp_path: Path, ending: bytes) -> None:
    inp, out, err, by_id = build_set(tmp_path, KINDS, shuffle_seed=5, ending=ending)
    dest = tmp_path / "retry.jsonl"
    with join(inp, out, err) as result:
        report = export_retry(result, dest)
    lines = raw_lines(inp.read_bytes())
    kinds = list(by_id.values())
    expected = b"".join(line for line, kind in zip(lines, kinds, strict=True) if kind in RETRIED)
    assert dest.read_bytes() == expected
    assert report.rows == len(RETRIED) and report.bytes == len(expected)
    assert all(line.endswith(ending) for line in raw_lines(expected))


def test_retry_keeps_mixed_endings_and_terminates_the_last_line(tmp_path: Path) -> None:
    a, b, c = (dumps(request(x, "テキスト")) for x in "abc")
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(a + b"\r\n" + b + b"\n" + c)  # mixed, and no final newline
    with join(inp, None, None) as result:  # everything missing
        export_retry(result, tmp_path / "retry.jsonl")
    assert (tmp_path / "retry.jsonl").read_bytes() == a + b"\r\n" + b + b"\n" + c + b"\r\n"


def test_retry_drops_a_bom_and_skips_blank_lines(tmp_path: Path) -> None:
    a, b = dumps(request("a")), dumps(request("b"))
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(b"\xef\xbb\xbf" + a + b"\n\n" + b + b"\n")
    with join(inp) as result:
        export_retry(result, tmp_path / "retry.jsonl")
    assert (tmp_path / "retry.jsonl").read_bytes() == a + b"\n" + b + b"\n"


def test_retry_selection_options(tmp_path: Path) -> None:
    inp, out, err, by_id = build_set(tmp_path, KINDS)
    with join(inp, out, err) as result:
        kinds = lambda rows: [by_id[result.custom_id(r)] for r in rows]  # noqa: E731
        assert kinds(retry_rows(result, [RequestClass.EXPIRED])) == ["expired"]
        with_truncated = retry_rows(result, flags=Flag.TRUNCATED)
        assert "truncated" in kinds(with_truncated)
        assert with_truncated == sorted(with_truncated)
        report = export_retry(result, tmp_path / "r.jsonl", rows=[5, 0, 5])
        assert report.rows == 2
    lines = raw_lines(inp.read_bytes())
    assert (tmp_path / "r.jsonl").read_bytes() == lines[0] + lines[5]


def test_retry_never_overwrites_a_file_it_reads(tmp_path: Path) -> None:
    inp, out, err, _ = build_set(tmp_path, KINDS)
    before = inp.read_bytes()
    with join(inp, out, err) as result:
        for target in (inp, out, err):
            with pytest.raises(UserError, match="refusing to overwrite"):
                export_retry(result, target)
        with pytest.raises(UserError, match="does not exist"):
            export_retry(result, tmp_path / "no" / "dir" / "r.jsonl")
        with pytest.raises(UserError, match="is a directory"):
            export_retry(result, tmp_path)
    assert inp.read_bytes() == before


def test_export_is_atomic_when_cancelled(tmp_path: Path) -> None:
    inp, out, err, _ = build_set(tmp_path, ["missing"] * 3000)
    dest = tmp_path / "retry.jsonl"
    dest.write_bytes(b"old\n")
    with join(inp, out, err) as result:
        with pytest.raises(JoinCancelled):
            export_retry(result, dest, cancelled=lambda: True)
        assert dest.read_bytes() == b"old\n"
        assert sorted(os.listdir(tmp_path)) == sorted(
            ["input.jsonl", "output.jsonl", "errors.jsonl", "retry.jsonl"]
        )  # no temp file left behind
        export_retry(result, dest)
    assert dest.read_bytes() == inp.read_bytes()
    mode = dest.stat().st_mode & 0o777
    assert mode & 0o044  # readable like any file the user writes (not mkstemp's 0600)


def _records(tmp_path: Path) -> tuple[dict[str, dict], Path, Path]:
    inp = write_lines(tmp_path / "in.jsonl", [request(c) for c in ("a", "b", "c", "d", "e")])
    out = write_lines(
        tmp_path / "out.jsonl",
        [
            ok("a", chat_body("你好，世界", prompt=12, completion=4, cached=2)),
            ok("b", chat_body("part", finish="length")),
            ok("e", {"object": "list", "data": [{"embedding": [0.0] * 16}], "usage": {}}),
            ok("zz"),
        ],
    )
    err = write_lines(tmp_path / "err.jsonl", [rate_limited("c", 77), expired("b")])
    jl, cs = tmp_path / "results.jsonl", tmp_path / "results.csv"
    with join(inp, out, err) as result:
        assert export_results(result, jl).rows == 6
        export_results(result, cs)
    records = {r["custom_id"]: r for r in map(orjson.loads, jl.read_bytes().splitlines())}
    return records, jl, cs


def test_results_jsonl(tmp_path: Path) -> None:
    records, _, _ = _records(tmp_path)
    assert list(records) == ["a", "b", "c", "d", "e", "zz"]
    a = records["a"]
    assert set(a) == set(RESULT_FIELDS)
    assert (a["class"], a["status_code"], a["content"], a["finish_reason"]) == (
        "succeeded",
        200,
        "你好，世界",
        "stop",
    )
    assert (a["input_tokens"], a["output_tokens"], a["cached_tokens"]) == (12, 4, 2)
    assert (a["input_line"], a["result_file"], a["result_line"]) == (1, "output", 1)
    assert records["b"]["flags"] == ["truncated", "duplicate"]
    c = records["c"]
    assert (c["class"], c["status_code"], c["error_code"]) == (
        "failed_http",
        429,
        "rate_limit_exceeded",
    )
    assert "Used 77" in c["error_message"]
    assert records["d"]["class"] == "missing" and records["d"]["result_file"] is None
    assert records["e"]["embedding_dims"] == 16 and records["e"]["content"] is None
    assert records["zz"]["class"] == "unexpected" and records["zz"]["input_line"] is None


def test_results_csv(tmp_path: Path) -> None:
    records, _, cs = _records(tmp_path)
    rows = list(csv.DictReader(io.StringIO(cs.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == RESULT_FIELDS
    assert [r["custom_id"] for r in rows] == list(records)
    assert rows[0]["content"] == "你好，世界" and rows[0]["input_tokens"] == "12"
    assert rows[1]["flags"] == "truncated;duplicate"
    assert rows[3]["status_code"] == "" and rows[3]["class"] == "missing"


def test_results_format_from_name(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request("a")])
    with join(inp) as result:
        with pytest.raises(UserError, match=r"\.jsonl or \.csv"):
            export_results(result, tmp_path / "out.txt")
        export_results(result, tmp_path / "out.txt", "csv")
    assert (tmp_path / "out.txt").read_text().startswith("custom_id,class,")
