"""Byte spans of a file read as one stream, hashed as they are read (no Textual here).

A job uploads parts of a big input file without copying them: a part is one byte range of the
input, or (for the requests an expired batch left unanswered) a list of whole-line spans in file
order. :class:`SpanReader` is the file-like object an HTTP client streams from: ``read(n)``
returns the spans' bytes one after the other, read with ``pread`` from a descriptor opened once
(so the file can be renamed meanwhile), and the SHA-256 of everything read from position 0 is
kept, so the caller can prove afterwards that the bytes sent are the bytes it validated
(:attr:`SpanReader.sha256` is None unless the whole stream was read in order since the last
rewind). ``seek``/``tell`` are there because ``httpx`` measures the stream with
``seek(0, SEEK_END)`` and rewinds it before a retry; there is deliberately no ``fileno``, which
would make it measure the whole file instead.

Spans are ``(start, end)`` byte offsets, end exclusive. Only the last span of a stream may end
without a newline (the file's last line): spans come in file order, so that holds by itself.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Iterable, Iterator, Sequence

from batchtui.core.errors import UserError
from batchtui.jsonl.files import open_regular

READ_BYTES = 1024 * 1024


class SpansChanged(UserError):
    """The file ended before a span did: it shrank since the spans were planned."""


def pack_spans(spans: Iterable[tuple[int, int]]) -> bytes:
    """Spans as compact bytes (16 a span) for storing; :func:`unpack_spans` reverses it."""
    flat = array("q")
    for start, end in spans:
        flat.append(start)
        flat.append(end)
    return flat.tobytes()


def unpack_spans(data: bytes) -> list[tuple[int, int]]:
    flat = array("q")
    flat.frombytes(data)
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def spans_size(spans: Sequence[tuple[int, int]]) -> int:
    return sum(end - start for start, end in spans)


class SpanReader:
    """A read-only, seekable stream over ``spans`` of the file at ``path``.

    Use as a context manager (it holds a descriptor). ``progress(done, total)`` is called as
    bytes are read. Raises :class:`UserError` when the file cannot be opened and, when
    ``strict``, :class:`SpansChanged` when a span reaches past its end.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        spans: Sequence[tuple[int, int]],
        *,
        progress: object = None,
        strict: bool = True,
    ) -> None:
        self.path = os.fspath(path)
        # strict: a span past the end raises SpansChanged; else the stream is padded with
        # newlines to its planned size and ``short`` is set (its hash then cannot match).
        self.strict = strict
        self.short = False
        self.spans = list(spans)
        self.size = spans_size(self.spans)
        self._progress = progress
        # Where each span starts in the stream, for seeking.
        self._starts = array("q")
        pos = 0
        for start, end in self.spans:
            if end < start or start < 0:
                raise ValueError(f"bad span {(start, end)}")
            self._starts.append(pos)
            pos += end - start
        self._fd, _ = open_regular(self.path)
        self._pos = 0
        self._hash: hashlib._Hash | None = hashlib.sha256()
        self._hashed = 0  # bytes fed to the hash, all from position 0 in order

    # -- the file-like protocol httpx uses ----------------------------------------------

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.size - self._pos
        n = min(n, self.size - self._pos)
        if n <= 0:
            return b""
        out = bytearray()
        while len(out) < n:
            chunk = self._read_at(self._pos + len(out), n - len(out))
            out += chunk
        data = bytes(out)
        if self._hash is not None and self._hashed == self._pos:
            self._hash.update(data)
            self._hashed += len(data)
        else:
            self._hash = None  # read out of order: the hash no longer describes the stream
        self._pos += len(data)
        if callable(self._progress):
            self._progress(self._pos, self.size)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == os.SEEK_SET:
            pos = offset
        elif whence == os.SEEK_CUR:
            pos = self._pos + offset
        elif whence == os.SEEK_END:
            pos = self.size + offset
        else:
            raise ValueError(f"bad whence {whence}")
        if pos < 0:
            raise ValueError("negative seek position")
        self._pos = pos
        if pos == 0:
            # A rewind (the client retrying the upload): hash the stream afresh.
            self._hash = hashlib.sha256()
            self._hashed = 0
        return pos

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    # -- results --------------------------------------------------------------------------

    @property
    def sha256(self) -> str | None:
        """The hex SHA-256 of the whole stream, if it was read through in order from 0."""
        if self._hash is None or self._hashed != self.size:
            return None
        return self._hash.hexdigest()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SpanReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    # -- internals --------------------------------------------------------------------------

    def _span_at(self, pos: int) -> int:
        """Index of the span holding stream position ``pos`` (binary search)."""
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _read_at(self, pos: int, want: int) -> bytes:
        k = self._span_at(pos)
        start, end = self.spans[k]
        # Skip empty spans (a zero-length span starts where the next one does).
        while end - start == 0 or pos >= self._starts[k] + (end - start):
            k += 1
            start, end = self.spans[k]
        offset = start + (pos - self._starts[k])
        n = min(want, end - offset, READ_BYTES)
        data = os.pread(self._fd, n, offset)
        if not data:
            if self.strict:
                raise SpansChanged(
                    f"{self.path}: the file ends at byte {offset:,}, before the part does; "
                    "it changed since the job was planned"
                )
            # Mid-upload, an exception would look like a broken connection to the HTTP
            # client; finish the stream with newlines instead, and let the hash tell.
            self.short = True
            return b"\n" * n
        return data


def iter_span_bytes(
    path: str | os.PathLike[str], spans: Sequence[tuple[int, int]], block: int = READ_BYTES
) -> Iterator[bytes]:
    """The spans' bytes in blocks (for hashing or scanning a part without an upload)."""
    with SpanReader(path, spans) as reader:
        while chunk := reader.read(block):
            yield chunk
