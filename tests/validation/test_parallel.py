"""Checking a file in parts on several processes gives exactly the single-process result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from batchtui.validation.engine import Validator
from batchtui.validation.parallel import validate_parallel
from batchtui.validation.tally import PartState
from tests.validation.helpers import (
    all_findings,
    chat_body,
    line,
    request,
    small_limits,
    validate,
)


def build(path: Path, n: int = 900, crlf_from: int | None = None) -> Path:
    rows: list[bytes] = []
    for i in range(n):
        if i % 97 == 50:
            obj = request(f"id-{i // 3}")  # duplicates, also of ids in earlier parts
        elif i % 5 == 0:
            obj = request(f"id-{i}", chat_body(model="gpt-4.1"))  # the minority model
        elif i % 31 == 7:
            obj = request(
                f"emb-{i}",
                {"model": "text-embedding-3-small", "input": ["a"] * 40},
                url="/v1/embeddings",
            )
        elif i % 43 == 11:
            rows.append(b"{broken")
            continue
        elif i % 59 == 13:
            rows.append(b"")
            continue
        else:
            obj = request(f"id-{i}", chat_body(temperature=3 if i % 11 == 0 else 1))
        rows.append(line(obj))
    sep = [b"\r\n" if crlf_from is not None and k >= crlf_from else b"\n" for k in range(n)]
    path.write_bytes(b"".join(r + s for r, s in zip(rows, sep, strict=True)))
    return path


@pytest.mark.parametrize("processes", [2, 3])
def test_parallel_equals_single(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    # Limits passed in a later part (a constructed profile; the workers get it too).
    provider = small_limits(requests=700, embedding_inputs=700)
    path = build(tmp_path / "a.jsonl", crlf_from=600)
    single = validate(path, provider=provider).validator
    absorbed: list[int] = []
    absorb = Validator.absorb_part

    def spy(self: Validator, part: PartState, *args: object) -> None:
        absorbed.append(part.start)
        absorb(self, part, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Validator, "absorb_part", spy)
    seen: list[tuple[int, bool]] = []
    multi = validate_parallel(
        path,
        provider=provider,
        processes=processes,
        min_bytes=0,
        on_findings=lambda batch, file_level: seen.extend((f.line or 0, file_level) for f in batch),
    )
    assert len(absorbed) == processes - 1  # the workers' parts, not a fallback
    assert all_findings(multi) == all_findings(single)
    multi_snap, single_snap = multi.report.snapshot(), single.report.snapshot()
    # The digests cut the file where each process read it; both cover exactly its bytes.
    assert multi_snap.digest is not None and single_snap.digest is not None
    assert len(multi_snap.digest.ranges) >= processes
    assert multi_snap.digest.matches(path) and single_snap.digest.matches(path)
    assert dataclasses.replace(multi_snap, digest=None) == dataclasses.replace(
        single_snap, digest=None
    )
    codes = {f.code for f in multi.iter_findings()}
    assert {
        "duplicate_custom_id",
        "model_mismatch",
        "invalid_url",
        "too_many_tasks",
        "too_many_embedding_inputs",
        "crlf_line_ending",
        "value_out_of_range",
    } <= codes
    # Streamed in line order, then the file-level findings.
    lines = [n for n, file_level in seen if not file_level]
    assert lines == sorted(lines)
    assert len(seen) == multi.report.snapshot().total


def test_falls_back_to_one_process(tmp_path: Path) -> None:
    path = build(tmp_path / "a.jsonl", n=50)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # no final newline
    v = validate_parallel(path, processes=2, min_bytes=0)
    assert all_findings(v) == all_findings(validate(path).validator)


def test_a_failing_worker_is_replaced_by_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import batchtui.validation.parallel as parallel

    monkeypatch.setattr(parallel, "_work", _broken_work)
    path = build(tmp_path / "a.jsonl")
    v = validate_parallel(path, processes=2, min_bytes=0)
    assert all_findings(v) == all_findings(validate(path).validator)


def _broken_work(*args: object) -> None:
    raise RuntimeError("boom")
