"""The content digest: ranges of SHA-256 that prove a file still holds the validated bytes."""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.validation.digest import ContentDigest, DigestBuilder, DigestRange


def digest_of(data: bytes, cuts: list[int]) -> ContentDigest:
    builder = DigestBuilder()
    edges = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    for a, b in itertools.pairwise(edges):
        builder.add(a, data[a:b])
    digest = builder.build(len(data))
    assert digest is not None
    return digest


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=6),
    feed=st.integers(1, 700),
)
def test_checker_accepts_the_same_bytes_in_any_chunking(
    data: bytes, cuts: list[int], feed: int
) -> None:
    digest = digest_of(data, cuts)
    check = digest.checker()
    for i in range(0, len(data), feed):
        check.update(data[i : i + feed])
    assert check.matches()


@settings(max_examples=60, deadline=None)
@given(
    data=st.binary(min_size=1, max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=6),
    where=st.integers(0, 2999),
)
def test_any_changed_byte_is_caught(data: bytes, cuts: list[int], where: int) -> None:
    digest = digest_of(data, cuts)
    where %= len(data)
    changed = bytearray(data)
    changed[where] ^= 0x20
    check = digest.checker()
    check.update(bytes(changed))
    assert not check.matches()
    assert "changed" in (check.difference() or "")


def test_shorter_or_longer_input_does_not_match() -> None:
    data = b'{"a":1}\n{"b":2}\n'
    digest = digest_of(data, [8])
    for other in (data[:-1], data + b"x", b""):
        check = digest.checker()
        check.update(other)
        assert not check.matches()


def test_same_size_rewrite_of_a_file_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    data = b"".join(b'{"custom_id":"r%d"}\n' % i for i in range(1000))
    path.write_bytes(data)
    digest = digest_of(data, [4096, 9000])
    assert digest.matches(path)
    with path.open("r+b") as f:  # what nano and `dd conv=notrunc` do: same size, same inode
        f.seek(5000)
        f.write(b"X")
    assert path.stat().st_size == digest.size
    reason = digest.difference(path)
    assert reason is not None and "4,096-9,000 changed" in reason
    path.write_bytes(data + b"\n")
    assert "size changed" in (digest.difference(path) or "")


def test_missing_or_unusual_paths_do_not_match(tmp_path: Path) -> None:
    digest = digest_of(b"x\n", [])
    assert "no such file" in (digest.difference(tmp_path / "gone") or "")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert "FIFO" in (digest.difference(fifo) or "")  # refused at once, not a hang


def test_empty_file_digest(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"")
    digest = DigestBuilder().build(0)
    assert digest is not None and digest.ranges == ()
    assert digest.matches(path)
    path.write_bytes(b"\n")
    assert not digest.matches(path)


def test_builder_refuses_gaps_and_drops_a_re_checked_tail() -> None:
    builder = DigestBuilder()
    builder.add(0, b"abc\n")
    builder.add(4, b"de")
    assert builder.build(6) is not None
    assert builder.build(7) is None  # a byte not covered
    builder.drop_from(4)  # the last line grew: its range goes, to be hashed again
    assert builder.end == 4 and builder.build(6) is None
    builder.add(4, b"def\n")
    assert builder.build(8) is not None
    gap = DigestBuilder()
    gap.add(0, b"ab")
    gap.add(3, b"d")
    assert gap.build(4) is None


def test_round_trips_through_json_and_pickle() -> None:
    digest = digest_of(b"hello\nworld\n", [6])
    assert ContentDigest.from_dict(digest.to_dict()) == digest
    assert pickle.loads(pickle.dumps(digest)) == digest
    assert digest.ranges[0] == DigestRange(0, 6, hashlib.sha256(b"hello\n").hexdigest())
    with pytest.raises(ValueError):
        ContentDigest(5, (DigestRange(0, 4, "x"),))


# -- recorded by the validator -------------------------------------------------------------


def _validator(path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    from batchtui.jsonl.index import LineIndex
    from batchtui.validation.engine import Validator

    return Validator(LineIndex(path), **kwargs)  # type: ignore[arg-type]


def _requests(n: int, start: int = 0) -> bytes:
    from tests.validation.helpers import line, request

    return b"".join(line(request(f"r{i}")) + b"\n" for i in range(start, start + n))


def test_validator_digest_is_of_exactly_the_validated_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(_requests(3000))
    v = _validator(path, chunk_lines=200)
    v.index.block_bytes = 4096  # several blocks, so several ranges
    assert v.digest() is None  # nothing checked yet
    calls = 0

    def cancel() -> bool:
        nonlocal calls
        calls += 1
        return calls == 3

    v.run(cancelled=cancel)  # stops part-way: no digest of a partial check
    assert v.digest() is None and v.report.snapshot().digest is None
    threads = threading.active_count()
    v.run()  # resumes
    # Hashing ran on a helper thread, which is gone after the run (so forking workers later
    # stays safe).
    assert threading.active_count() == threads
    digest = v.digest()
    assert digest is not None and len(digest.ranges) > 10
    assert digest.matches(path)
    assert v.report.snapshot().digest == digest


def test_digest_follows_appends_and_a_re_checked_last_line(tmp_path: Path) -> None:
    from batchtui.jsonl.index import Change

    path = tmp_path / "a.jsonl"
    data = _requests(50)
    path.write_bytes(data[:-40])  # the last line is cut short, without a newline
    v = _validator(path)
    v.run()
    first = v.digest()
    assert first is not None and first.matches(path)
    with path.open("ab") as f:
        f.write(data[-40:] + _requests(10, start=50))
    assert v.index.check() is Change.APPENDED
    v.run()
    second = v.digest()
    assert second is not None and second.matches(path) and not first.matches(path)
    assert v.report.snapshot().errors == 0  # the completed line was checked again, whole


def test_same_size_rewrite_after_validation_is_caught_by_the_digest(tmp_path: Path) -> None:
    # The scenario: validated clean, then three lines broken in place (same size);
    # the report still says 0 errors, the digest says the file is not what it was about.
    path = tmp_path / "a.jsonl"
    data = bytearray(_requests(100))
    path.write_bytes(data)
    v = _validator(path)
    v.run()
    snapshot = v.report.snapshot()
    assert snapshot.errors == 0 and snapshot.digest is not None
    for k in (10, 40, 70):
        at = data.index(b'"r%d"' % k)
        data[at] = ord("x")  # the string's opening quote: invalid JSON, same length
    with path.open("r+b") as f:
        f.write(data)
    assert not snapshot.digest.matches(path)
    assert _validator_errors(path) == 3


def _validator_errors(path: Path) -> int:
    v = _validator(path)
    v.run()
    return v.report.snapshot().errors


def test_no_digest_when_not_asked_for(tmp_path: Path) -> None:
    # `batchtui validate` submits nothing, so it does not pay for hashing.
    from batchtui.validation.parallel import validate_parallel

    path = tmp_path / "a.jsonl"
    path.write_bytes(_requests(2000))
    v = _validator(path, digest=False)
    v.run()
    assert v.digest() is None and v.report.snapshot().digest is None
    for processes in (1, 2):
        p = validate_parallel(path, processes=processes, min_bytes=0, digest=False)
        assert p.digest() is None
        assert validate_parallel(path, processes=processes, min_bytes=0).digest() is not None
