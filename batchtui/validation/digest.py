"""What was validated, as SHA-256 hashes of byte ranges: so a submit can prove it uploads the
bytes its report is about (no Textual here).

The validator reads a file in line-aligned blocks, possibly in several processes and, after an
append, only the new part. It hashes each block it checks, as it checks it, and records a
``(start, end, sha256)`` range. Once every line is checked the ranges cover ``[0, size)``
exactly, in order, and form a :class:`ContentDigest`. A file edited in place afterwards (same
size, as ``nano`` or ``dd conv=notrunc`` write) no longer matches it, whatever its timestamps
say.

The interface, for the submit path::

    digest = validator.digest()        # ContentDigest, or None until every line is checked
    digest = snapshot.digest           # the same, on the final ReportSnapshot the UI holds

    digest.matches(path)               # do the bytes at ``path`` still hash to this? (bool)
    digest.difference(path)            # None if they do, else a one-line reason

    check = digest.checker()           # or check bytes while copying them elsewhere:
    for chunk in chunks:               #   (e.g. into a private spool that is then uploaded)
        spool.write(chunk)
        check.update(chunk)
    check.matches()                    # True only if exactly ``digest.size`` bytes matched

A digest is small (one range per block read, ~4 MB each), immutable, picklable, and turns
into JSON and back with :meth:`ContentDigest.to_dict` / :meth:`ContentDigest.from_dict`.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from batchtui.core.errors import UserError
from batchtui.jsonl.files import open_regular, pread_into

# Bytes read at a time when checking a file against a digest.
READ_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DigestRange:
    """Bytes ``[start, end)`` of the file hashed to ``sha256`` (hex)."""

    start: int
    end: int
    sha256: str


@dataclass(frozen=True, slots=True)
class ContentDigest:
    """The hashes of a whole file, as validated: ranges in order, covering ``[0, size)``."""

    size: int
    ranges: tuple[DigestRange, ...]

    def __post_init__(self) -> None:
        pos = 0
        for r in self.ranges:
            if r.start != pos or r.end <= r.start:
                raise ValueError(f"digest ranges must be contiguous from 0: {r} after {pos}")
            pos = r.end
        if pos != self.size:
            raise ValueError(f"digest ranges cover {pos:,} bytes, not {self.size:,}")

    def checker(self) -> DigestChecker:
        """A checker to feed the file's bytes to, in order, in chunks of any size."""
        return DigestChecker(self)

    def difference(self, path: str | os.PathLike[str]) -> str | None:
        """None if the regular file at ``path`` holds exactly the digested bytes, else a
        one-line reason (changed size, the first changed range, cannot be read)."""
        try:
            fd, st = open_regular(path)
        except UserError as exc:
            return exc.message
        try:
            if st.st_size != self.size:
                return f"its size changed from {self.size:,} to {st.st_size:,} bytes"
            check = self.checker()
            buf = bytearray(min(READ_BYTES, max(1, self.size)))
            view = memoryview(buf)
            offset = 0
            while not check.failed:
                n = pread_into(fd, view, offset)
                if n == 0:
                    break
                check.update(view[:n])
                offset += n
            return check.difference()
        except OSError as exc:
            return f"cannot be read ({exc.strerror or exc})"
        finally:
            os.close(fd)

    def matches(self, path: str | os.PathLike[str]) -> bool:
        """Does the regular file at ``path`` hold exactly the digested bytes?"""
        return self.difference(path) is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": "sha256",
            "size": self.size,
            "ranges": [[r.start, r.end, r.sha256] for r in self.ranges],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ContentDigest:
        if data.get("algorithm") != "sha256":
            raise ValueError(f"unknown digest algorithm {data.get('algorithm')!r}")
        return cls(
            int(data["size"]),
            tuple(DigestRange(int(a), int(b), str(h)) for a, b, h in data["ranges"]),
        )


class DigestChecker:
    """Compares bytes fed in order with a :class:`ContentDigest`."""

    def __init__(self, digest: ContentDigest) -> None:
        self.digest = digest
        self._k = 0  # the range being hashed
        self._hash = hashlib.sha256()
        self._left = digest.ranges[0].end - digest.ranges[0].start if digest.ranges else 0
        self._fed = 0
        self._bad: DigestRange | None = None

    @property
    def failed(self) -> bool:
        """True once a range is known not to match (more bytes cannot fix it)."""
        return self._bad is not None or self._fed > self.digest.size

    def update(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data).cast("B")
        self._fed += len(view)
        ranges = self.digest.ranges
        while len(view) and self._k < len(ranges):
            take = min(self._left, len(view))
            self._hash.update(view[:take])
            view = view[take:]
            self._left -= take
            if self._left == 0:
                r = ranges[self._k]
                if self._bad is None and self._hash.hexdigest() != r.sha256:
                    self._bad = r
                self._k += 1
                self._hash = hashlib.sha256()
                if self._k < len(ranges):
                    nxt = ranges[self._k]
                    self._left = nxt.end - nxt.start

    def difference(self) -> str | None:
        """None if exactly the digested bytes were fed, else why not."""
        size = self.digest.size
        if self._bad is not None:
            return f"bytes {self._bad.start:,}-{self._bad.end:,} changed"
        if self._fed != size:
            return f"its size changed from {size:,} to {self._fed:,} bytes"
        return None

    def matches(self) -> bool:
        return self.difference() is None


class DigestBuilder:
    """Collects the ranges a validator hashes, in file order (see
    :mod:`batchtui.validation.engine`).

    Hashing runs on a helper thread (``hashlib`` releases the GIL), so it overlaps with the
    parsing instead of adding to it; :meth:`settle` waits for it and stops the thread, which
    the validator does at the end of every run (no thread outlives a run, so a later fork of
    worker processes stays safe). Used by the validator's thread only; others read a built
    digest.
    """

    # Blocks handed to the helper thread and not hashed yet, at most (bounds the memory held).
    MAX_PENDING = 4

    def __init__(self) -> None:
        self._items: list[DigestRange | tuple[int, int, Future[str]]] = []
        self._pool: ThreadPoolExecutor | None = None
        self._pending: deque[Future[str]] = deque()

    @property
    def ranges(self) -> list[DigestRange]:
        """The ranges so far, in order (waits for the hashing in flight). Safe to call from
        another thread: it only reads."""
        return [
            item
            if isinstance(item, DigestRange)
            else DigestRange(item[0], item[1], item[2].result())
            for item in list(self._items)
        ]

    @property
    def end(self) -> int:
        """Where the ranges end (0 if there are none)."""
        if not self._items:
            return 0
        last = self._items[-1]
        return last.end if isinstance(last, DigestRange) else last[1]

    def add(self, start: int, data: bytes) -> None:
        """Hash ``data``, the bytes at ``start`` (kept alive until hashed: pass bytes)."""
        if not len(data):
            return
        if len(data) < 64 * 1024:  # not worth a thread hop
            self._items.append(DigestRange(start, start + len(data), _sha256(data)))
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="batchtui-digest")
        while len(self._pending) >= self.MAX_PENDING:
            self._pending.popleft().result()
        future = self._pool.submit(_sha256, data)
        self._pending.append(future)
        self._items.append((start, start + len(data), future))

    def extend(self, ranges: Iterable[DigestRange]) -> None:
        self._items.extend(ranges)

    def drop_from(self, offset: int) -> None:
        """Forget the ranges that reach past ``offset`` (bytes to be checked again)."""
        while (
            self._items
            and (
                self._items[-1].end
                if isinstance(self._items[-1], DigestRange)
                else self._items[-1][1]
            )
            > offset
        ):
            self._items.pop()

    def settle(self) -> None:
        """Wait for the hashing in flight and stop the helper thread (a later :meth:`add`
        starts a new one)."""
        while self._pending:
            self._pending.popleft().result()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def build(self, size: int) -> ContentDigest | None:
        """The digest of a file of ``size`` bytes, or None if the ranges do not cover it
        exactly (not everything was checked, or a gap was left)."""
        try:
            return ContentDigest(size, tuple(self.ranges))
        except ValueError:
            return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
