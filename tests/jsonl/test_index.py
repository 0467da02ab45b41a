"""Line-index semantics, checked against a tiny oracle and on the awkward cases."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.core.errors import UserError
from batchtui.jsonl import Change, LineIndex
from batchtui.jsonl.index import FileChanged


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
@given(
    data=chunks | st.binary(max_size=200),
    batch=st.integers(1, 64),
    block=st.integers(1, 64),
    max_line=st.integers(0, 20),
)
def test_matches_oracle(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, batch: int, block: int, max_line: int
) -> None:
    tmp = tmp_path_factory.mktemp("p")
    ix = index_of(tmp, data, batch_bytes=batch)
    expected = oracle(data)
    assert ix.line_count == len(expected)
    assert lines_of(ix) == expected
    assert [b for _, b in ix.iter_lines()] == expected
    tail = ix.tail(3)
    assert [ix.read(s) for s in tail] == expected[-3:]
    # Read in small line-aligned blocks: the blocks are exactly the file's bytes, and a line
    # longer than max_line comes as None (its bytes still reach on_block, in pieces).
    ix.block_bytes = block
    blocks: list[tuple[int, bytes]] = []
    got = list(ix.iter_lines(max_line=max_line, on_block=lambda o, b: blocks.append((o, b))))
    assert [b for _, b in got] == [e if len(e) <= max_line else None for e in expected]
    assert b"".join(b for _, b in blocks) == data
    assert all(o == sum(len(b) for _, b in blocks[:k]) for k, (o, _) in enumerate(blocks))
    check_boundaries(ix, data, max_line + 1)


def check_boundaries(ix: LineIndex, data: bytes, max_bytes: int) -> None:
    """The offset and line-ending questions other layers ask, against the bytes."""
    parts = data.split(b"\n")  # a final LF leaves an empty last part: no line
    starts = [0]
    for part in parts[:-1]:
        starts.append(starts[-1] + len(part) + 1)
    count = ix.line_count
    starts = [*starts[:count], len(data)]  # line k starts at starts[k]; the end last
    assert [ix.start_of(k) for k in range(count + 1)] == starts
    assert ix.terminated_lines == data.count(b"\n")
    assert ix.ends_with_newline == data.endswith(b"\n")
    crlf = [k for k, part in enumerate(parts[:-1]) if part.endswith(b"\r")]
    assert ix.first_crlf_line == (crlf[0] if crlf else None)
    for offset in range(len(data)):
        k = ix.line_containing(offset)
        assert starts[k] <= offset < starts[k + 1]
    for offset in range(len(data) + 1):
        assert ix.first_line_from(offset) == next(
            (k for k, x in enumerate(starts[:count]) if x >= offset), count
        )
    head = ix.head_line(max_bytes)
    nl = data.find(b"\n", 0, max_bytes)
    assert head == (None if nl < 0 else oracle(data)[0])
    for start in range(count):
        end = ix.chunk_end(start, count, max_bytes)
        assert start < end <= count
        if start >= ix.terminated_lines:
            assert end == count  # no newline to cut at
            continue
        assert end == start + 1 or starts[end] - starts[start] <= max_bytes
        if end < min(count, ix.terminated_lines):
            assert starts[end + 1] - starts[start] > max_bytes  # as many lines as fit


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
    # Also known before the scan: how the file ends, and its first line.
    assert ix.ends_with_newline and ix.head_line(100) == b'{"i":0}'
    assert ix.line_count == 0 and not ix.complete


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
@given(
    data=st.binary(min_size=0, max_size=20_000) | chunks,
    start=st.integers(0, 64),
    base=st.integers(0, 1 << 40),
)
def test_numpy_and_plain_newline_search_agree(data: bytes, start: int, base: int) -> None:
    # The numpy path is taken for any size here (threshold 0), so no padding is needed.
    from batchtui.jsonl import index as index_module

    start = min(start, len(data))
    buf = bytearray(data)
    with_numpy = index_module._find_newlines(buf, start, len(buf), base=base, numpy_min=0)
    # Above any range: the plain loop that small ranges (the head scan) take.
    plain = index_module._find_newlines(buf, start, len(buf), base=base, numpy_min=len(buf) + 1)
    expected = [base + i for i, b in enumerate(data) if b == 10 and i >= start]
    assert list(with_numpy) == list(plain) == expected


def test_numpy_path_is_really_taken_with_a_zero_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from batchtui.jsonl import index as index_module

    calls = []
    monkeypatch.setattr(np, "flatnonzero", lambda a: calls.append(1) or np.nonzero(a)[0])
    index_module._find_newlines(b"a\nb\n", 0, 4, numpy_min=0)
    assert calls == [1]


def test_scan_until_stops_early_and_resumes(tmp_path: Path) -> None:
    data = b"".join(b'{"i":%d}\n' % i for i in range(10_000))
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    ix = LineIndex(path)
    assert ix.scan(until=1000) is False
    assert 0 < ix.line_count < 200 and not ix.complete
    assert ix.scan() is True and ix.line_count == 10_000


def test_crlf_spans_across_read_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Enough lines for the vectorised CR count, a read block that ends between a CR and its
    # LF, and a mix of endings so spans must look at the byte before each newline.
    from batchtui.jsonl import index as index_module

    monkeypatch.setattr(index_module, "SCAN_READ_BYTES", 6 * 4096 + 1)
    lines = [b"%05d" % i for i in range(12_000)]
    data = b"".join(x + (b"\r\n" if i % 3 else b"\n") for i, x in enumerate(lines))
    ix = index_of(tmp_path, data)
    assert lines_of(ix) == oracle(data)
    assert [b for _, b in ix.iter_lines()] == oracle(data)
    assert ix.first_crlf_line == 1
    all_crlf = b"".join(x + b"\r\n" for x in lines)
    ix = index_of(tmp_path, all_crlf)
    assert ix._crlf == len(lines)  # every span is known without a read
    assert ix.span(7).length == 5 and ix.line(11_999) == b"11999"
    assert ix.first_crlf_line == 0


@pytest.mark.parametrize("cut", [0, 1, 2])
def test_first_crlf_found_where_a_read_block_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: int
) -> None:
    # The first CRLF of the file straddles two read blocks (cut=1: the block ends between its
    # CR and LF), with enough newlines on both sides for the vectorised count.
    from batchtui.jsonl import index as index_module

    head = b"".join(b"%05d\n" % i for i in range(5000))
    data = head + b"x\r\n" + b"".join(b"%05d\r\n" % i for i in range(5000))
    monkeypatch.setattr(index_module, "SCAN_READ_BYTES", len(head) + 1 + cut)
    ix = index_of(tmp_path, data)
    assert ix.first_crlf_line == 5000
    assert ix.span(5000).length == 1


def test_same_size_rewrite_in_place_is_reported(tmp_path: Path) -> None:
    # What nano (truncate + write on the same inode) and `dd conv=notrunc` do: same size,
    # bytes changed in the middle, far from the end of the file.
    path = tmp_path / "f.jsonl"
    data = b"".join(b'{"custom_id": "r%05d"}\n' % i for i in range(2_000))
    path.write_bytes(data)
    ix = LineIndex(path)
    ix.scan()
    assert ix.check() is Change.UNCHANGED
    with path.open("r+b") as f:
        f.seek(100)
        f.write(b"X")
    os.utime(path, ns=(0, ix._stamps[0] + 1_000_000))  # a new mtime, even on coarse clocks
    assert path.stat().st_size == len(data)
    assert ix.check() is Change.REWRITTEN


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    import threading

    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    errors: list[str] = []

    def open_it() -> None:
        try:
            LineIndex(fifo)
        except UserError as exc:
            errors.append(exc.message)

    opener = threading.Thread(target=open_it, daemon=True)
    opener.start()
    opener.join(timeout=10)  # a regression would block in open() forever, waiting for a writer
    assert not opener.is_alive()
    assert errors and "pipe (FIFO)" in errors[0] and "batchtui - <" in errors[0]


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_a_procfs_file_is_not_called_empty() -> None:
    with pytest.raises(UserError, match="reports a size of 0 but has content"):
        LineIndex("/proc/self/maps")


def test_reads_after_a_truncation_are_short_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(b"line %d\n" % i for i in range(1000)))
    ix = LineIndex(path)
    ix.scan()
    os.truncate(path, 100)
    assert ix.line(500) == b"" and ix.tail(2) == [] and ix.find(b"line 999", 0, ix.size) == -1
    with pytest.raises(FileChanged, match="changed while it was being read"):
        list(ix.iter_lines())
    assert ix.changed_on_disk
    assert ix.check() is Change.REWRITTEN


def test_close_while_another_reader_holds_the_file(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"a\nb\nc\n")
    ix = LineIndex(path)
    ix.scan()
    lines = ix.iter_lines()
    assert next(lines) == (0, b"a")
    ix.close()  # the generator's reference keeps the descriptor open until it is done
    assert list(lines) == [(1, b"b"), (2, b"c")]
    assert ix.read(ix.span(0)) == b""  # new reads after close find nothing


def test_scan_to_indexes_only_as_far_as_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchtui.jsonl import index as index_module

    monkeypatch.setattr(index_module, "SCAN_BATCH_BYTES", 4096)
    data = b"".join(b'{"i":%d}\n' % i for i in range(10_000))
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    ix = LineIndex(path)
    offset = len(data) // 3 + 5  # inside a line
    assert ix.scan_to(offset)
    assert not ix.complete and ix.scanned_bytes < len(data) // 2
    starts = [m for m in range(len(data)) if m == 0 or data[m - 1] == 10]
    assert ix.first_line_from(offset) == next(k for k, x in enumerate(starts) if x >= offset)
    assert ix.scan_to(len(data)) and ix.first_line_from(len(data)) == 10_000


def test_scan_to_waits_for_another_scanner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The browser's scan thread holds the index while it scans; a validator that needs the
    # first part waits for it to get there instead of scanning the file a second time.
    import threading

    from batchtui.jsonl import index as index_module

    monkeypatch.setattr(index_module, "SCAN_BATCH_BYTES", 4096)
    data = b"".join(b'{"i":%d}\n' % i for i in range(10_000))
    path = tmp_path / "f.jsonl"
    path.write_bytes(data)
    ix = LineIndex(path)
    batches: list[int] = []
    gate = threading.Event()

    def progress(scanned: int, lines: int) -> None:
        batches.append(scanned)
        if len(batches) == 1:
            gate.wait(10)  # the scanner pauses after its first batch, holding the index

    scanner = threading.Thread(target=ix.scan, kwargs={"progress": progress, "batch_bytes": 4096})
    scanner.start()
    while not batches:
        pass
    assert not ix.scan_to(50_000, cancelled=lambda: True)  # waiting, then cancelled
    threading.Timer(0.05, gate.set).start()
    assert ix.scan_to(50_000)  # waited for the scanner
    scanner.join()
    assert ix.complete and len(batches) == -(-len(data) // 4096)  # nobody scanned twice
