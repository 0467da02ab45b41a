"""Splitting a file into parts that fit the limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.core.errors import UserError
from batchtui.validation.split import parse_size, split_file
from tests.validation.helpers import line, request


def lines_of(paths: list[Path]) -> list[bytes]:
    out: list[bytes] = []
    for p in paths:
        data = p.read_bytes()
        assert data.endswith(b"\n")
        out.extend(data[:-1].split(b"\n"))
    return out


@pytest.mark.parametrize(
    ("max_requests", "max_bytes"), [(3, 10_000), (100, 700), (1, 10_000), (100, 10_000)]
)
def test_parts_fit_the_limits_and_keep_every_line(
    tmp_path: Path, max_requests: int, max_bytes: int
) -> None:
    originals = [
        line(
            request(
                f"r{i}", {"model": "m", "messages": [{"role": "user", "content": "x" * (i * 7)}]}
            )
        )
        for i in range(20)
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(originals) + b"\n")
    before = src.read_bytes()
    out = tmp_path / "out"
    out.mkdir()
    parts = split_file(src, max_requests=max_requests, max_bytes=max_bytes, out_dir=out)
    assert src.read_bytes() == before
    for part in parts:
        assert part.requests <= max_requests
        assert part.path.stat().st_size == part.bytes <= max_bytes
    assert lines_of([p.path for p in parts]) == originals
    assert [p.first_line for p in parts] == [1] + [p.last_line + 1 for p in parts[:-1]]
    assert sorted(out.iterdir()) == [p.path for p in parts]  # no temporary files left
    if max_requests == 100 and max_bytes == 10_000:
        assert len(parts) == 1 and parts[0].path.name == "in.part001.jsonl"


def test_crlf_bom_and_no_final_newline(tmp_path: Path) -> None:
    src = tmp_path / "win.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join([b'{"a":1}', b'{"b":2}', b'{"c":3}']))
    parts = split_file(src, max_requests=2, out_dir=tmp_path)
    assert [p.path.read_bytes() for p in parts] == [b'{"a":1}\n{"b":2}\n', b'{"c":3}\n']
    assert [p.bytes for p in parts] == [16, 8]


def test_refusals(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"a":1}\n' + b'{"big":"' + b"x" * 100 + b'"}\n')
    with pytest.raises(UserError, match="line 2 is 111 bytes"):
        split_file(src, max_bytes=50)
    assert list(tmp_path.iterdir()) == [src]  # nothing written
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(UserError, match="empty"):
        split_file(empty)
    with pytest.raises(UserError, match="no such file"):
        split_file(tmp_path / "missing.jsonl")
    with pytest.raises(UserError, match="no such directory"):
        split_file(src, out_dir=tmp_path / "nowhere")
    split_file(src)
    with pytest.raises(UserError, match="already exists"):
        split_file(src)
    assert len(split_file(src, overwrite=True)) == 1


def test_parse_size() -> None:
    assert parse_size("200MB") == 209_715_200
    assert parse_size("200M") == parse_size("200MiB") == 209_715_200
    assert parse_size("1.5k") == 1536
    assert parse_size("1048576") == 1_048_576
    assert parse_size("1G") == 1 << 30
    for bad in ("", "lots", "-1", "0", "5 parsecs"):
        with pytest.raises(ValueError):
            parse_size(bad)


def _twenty_lines(tmp_path: Path) -> Path:
    src = tmp_path / "s.jsonl"
    src.write_bytes(b"".join(b'{"n":%d}\n' % i for i in range(20)))
    return src


def test_force_removes_the_parts_of_an_earlier_run(tmp_path: Path) -> None:
    src = _twenty_lines(tmp_path)
    assert len(split_file(src, max_requests=5)) == 4
    with pytest.raises(UserError, match=r"s\.part001\.jsonl and 3 more already exists"):
        split_file(src, max_requests=10)
    parts = split_file(src, max_requests=10, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "s.jsonl",
        "s.part001.jsonl",
        "s.part002.jsonl",
    ], "s.part003/004 of the earlier run would be submitted twice by a glob"
    assert lines_of([p.path for p in parts]) == src.read_bytes().splitlines()


def test_parts_follow_the_umask(tmp_path: Path) -> None:
    import os

    src = _twenty_lines(tmp_path)
    old = os.umask(0o022)
    try:
        parts = split_file(src, max_requests=10)
    finally:
        os.umask(old)
    assert {p.path.stat().st_mode & 0o777 for p in parts} == {0o644}


def test_cancel_writes_nothing(tmp_path: Path) -> None:
    src = _twenty_lines(tmp_path)
    calls = iter([False, False, True])
    assert split_file(src, max_requests=5, cancelled=lambda: next(calls)) == []
    assert list(tmp_path.iterdir()) == [src]


def test_a_full_disk_leaves_no_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from batchtui.cli import main
    from tests.diskfull import disk_full_after

    src = _twenty_lines(tmp_path)
    disk_full_after(monkeypatch, 100)  # two parts of 5 lines fit (80 bytes), the third does not
    code = main(["split", str(src), "--max-requests", "5"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert (
        err == f"batchtui: cannot write {tmp_path / 's.part003.jsonl'}: no space left on device\n"
    )
    assert list(tmp_path.iterdir()) == [src], "no part001, no temp file"
