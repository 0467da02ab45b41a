"""Line-index semantics, checked against a tiny oracle and on the awkward cases."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.errors import UserError
from batchtui.jsonl import Change, LineIndex


def oracle(data: bytes) -> list[bytes]:
    """The line semantics in one place: split on LF, a final LF ends the last line, CRLF."""
    if not data:
        return []
    parts = data.split(b"\n")
    if parts[-1] == b"":
        parts.pop()
    return [p[:-1] if p.endswith(b"\r") else p for p in parts]


def index_of(tmp_path: Path, data: bytes, **scan_kwargs: int) -> LineIndex:
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    ix = LineIndex(path)
    assert ix.scan(**scan_kwargs)
    return ix


def lines_of(ix: LineIndex) -> list[bytes]:
    return [ix.line(i) for i in range(ix.line_count)]


# Bytes drawn mostly from line-ending and JSON-ish material, so the edge cases come up often.
chunks = st.lists(
    st.sampled_from([b"\n", b"\r", b"\r\n", b"{}", b'{"a":1}', b"\x00", b"\xff", b" ", b"x"]),
    max_size=40,
).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(data=chunks | st.binary(max_size=200), batch=st.integers(1, 64))
def test_matches_oracle(tmp_path_factory: pytest.TempPathFactory, data: bytes, batch: int) -> None:
    tmp = tmp_path_factory.mktemp("p")
    ix = index_of(tmp, data, batch_bytes=batch)
    expected = oracle(data)
    assert ix.line_count == len(expected)
    assert lines_of(ix) == expected
    assert [b for _, b in ix.iter_lines()] == expected
    tail = ix.tail(3)
    assert [ix.read(s) for s in tail] == expected[-3:]


def test_empty_file_has_no_lines(tmp_path: Path) -> None:
    ix = index_of(tmp_path, b"")
    assert ix.line_count == 0 and ix.complete
    assert ix.tail(5) == []
    with pytest.raises(IndexError):
        ix.span(0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\n", [b""]),
        (b"a\nb", [b"a", b"b"]),
        (b"a\nb\n", [b"a", b"b"]),
        (b"a\r\nb\r\n", [b"a", b"b"]),
        (b"a\n\n\nb\n", [b"a", b"", b"", b"b"]),
        (b"a\rb\n", [b"a\rb"]),  # a lone CR is content, shown escaped by the UI
        (b"\x00\xff\xfe\n", [b"\x00\xff\xfe"]),
    ],
)
def test_line_endings(tmp_path: Path, data: bytes, expected: list[bytes]) -> None:
    assert lines_of(index_of(tmp_path, data)) == expected


def test_single_50mb_line(tmp_path: Path) -> None:
    line = b'{"custom_id":"x","body":"' + b"a" * (50 * 1024 * 1024) + b'"}'
    ix = index_of(tmp_path, line + b"\n")
    assert ix.line_count == 1
    assert ix.span(0).length == len(line)
    assert ix.line(0, cap=10) == line[:10]
    # The tail of one huge line is bounded, not a scan of the whole file.
    (span,) = ix.tail(1, max_bytes=1024)
    assert span.end == len(line) and span.length <= 1024


def test_open_is_lazy_and_tail_works_before_scan(tmp_path: Path) -> None:
    data = b"".join(b'{"i":%d}\n' % i for i in range(10_000))
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    ix = LineIndex(path)
    assert ix.line_count == 0 and not ix.complete
    assert [ix.read(s) for s in ix.tail(2)] == [b'{"i":9998}', b'{"i":9999}']
    assert ix.estimated_line_count() >= 1


def test_scan_progress_and_cancel_then_resume(tmp_path: Path) -> None:
    data = b"".join(b'{"i":%d}\n' % i for i in range(5_000))
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    ix = LineIndex(path)
    seen: list[tuple[int, int]] = []
    calls = 0

    def cancelled() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3

    assert (
        ix.scan(progress=lambda b, n: seen.append((b, n)), cancelled=cancelled, batch_bytes=1000)
        is False
    )
    assert seen and all(b2 > b1 for (b1, _), (b2, _) in itertools.pairwise(seen))
    assert not ix.complete and 0 < ix.line_count < 5_000
    # Lines indexed so far are correct, and an estimate covers the rest.
    assert ix.line(0) == b'{"i":0}'
    assert ix.estimated_line_count() > ix.line_count
    assert ix.scan() is True
    assert ix.line_count == 5_000 and ix.line(4_999) == b'{"i":4999}'


def test_append_continues_from_last_offset(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"a\nb")
    ix = LineIndex(path)
    ix.scan()
    assert lines_of(ix) == [b"a", b"b"]
    with path.open("ab") as f:
        f.write(b"c\nd\n")
    assert ix.check() is Change.APPENDED
    ix.scan()
    assert lines_of(ix) == [b"a", b"bc", b"d"]
    assert ix.check() is Change.UNCHANGED


def test_append_to_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"")
    ix = LineIndex(path)
    ix.scan()
    path.write_bytes(b"x\n")
    assert ix.check() is Change.APPENDED
    ix.scan()
    assert lines_of(ix) == [b"x"]


def test_truncation_and_replacement_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"aaaa\nbbbb\n")
    ix = LineIndex(path)
    ix.scan()
    with path.open("r+b") as f:
        f.truncate(3)
    assert ix.check() is Change.REWRITTEN
    # Reads past the new end return nothing instead of crashing the process (SIGBUS).
    assert ix.line(1) == b""

    other = tmp_path / "g.jsonl"
    other.write_bytes(b"new\n")
    os.replace(other, path)
    assert ix.check() is Change.REPLACED
    path.unlink()
    assert ix.check() is Change.MISSING


def test_in_place_rewrite_that_grows_is_not_an_append(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"aaaa\nbbbb\n")
    ix = LineIndex(path)
    ix.scan()
    with path.open("r+b") as f:  # same inode, earlier bytes changed, longer
        f.write(b"zzzz\nyyyy\nxxxx\n")
    assert ix.check() is Change.REWRITTEN


@pytest.mark.parametrize("kind", ["missing", "dir"])
def test_open_errors_are_user_errors(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope.jsonl" if kind == "missing" else tmp_path
    with pytest.raises(UserError) as err:
        LineIndex(target)
    assert str(target) in err.value.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"x\n")
    path.chmod(0)
    with pytest.raises(UserError, match="permission denied"):
        LineIndex(path)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(min_size=0, max_size=20_000) | chunks)
def test_numpy_and_plain_newline_search_agree(data: bytes) -> None:
    import mmap as mmap_module
    import tempfile

    from batchtui.jsonl import index as index_module

    with tempfile.TemporaryFile() as f:
        f.write(data + b"\n" * index_module.NUMPY_MIN_BYTES)  # long enough for the numpy path
        f.flush()
        mm = mmap_module.mmap(f.fileno(), 0, access=mmap_module.ACCESS_READ)
        size = len(mm)
        with_numpy = index_module._find_newlines(mm, 0, size)
        saved = index_module._np_module
        index_module._np_module = False
        try:
            plain = index_module._find_newlines(mm, 0, size)
        finally:
            index_module._np_module = saved
        assert list(with_numpy) == list(plain) == [i for i, b in enumerate(mm[:]) if b == 10]
        mm.close()


def test_scan_until_stops_early_and_resumes(tmp_path: Path) -> None:
    data = b"".join(b'{"i":%d}\n' % i for i in range(10_000))
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    ix = LineIndex(path)
    assert ix.scan(until=1000) is False
    assert 0 < ix.line_count < 200 and not ix.complete
    assert ix.scan() is True and ix.line_count == 10_000
