"""Standard input and gzip files, copied into a private spool file (no Textual here).

The line index reads a file at any offset, at any time; a pipe can be read only once, front
to back, and a gzip file only by decompressing from the start. So ``-`` (standard input) and
a gzip-compressed file (recognised by its first bytes, whatever its name) are copied,
decompressed, into a spool file first, and that file is opened instead:

* in a private directory (``mkdtemp``: mode 0700) under ``$TMPDIR``, as a file created 0600;
* named after what it holds (``stdin.jsonl``, ``x.jsonl`` for ``x.jsonl.gz``), so parts that
  ``split`` writes from it get sensible names;
* bounded: at most :data:`SPOOL_LIMIT` bytes (a gzip bomb, an endless pipe), and a full disk
  is a one-line message; nothing partial is left behind;
* deleted when the process exits.

:func:`open_input` returns an :class:`Input`; :meth:`Input.index` opens its line index, whose
``name`` is ``<stdin>`` or the compressed file's name, never the temporary path.
"""

from __future__ import annotations

import atexit
import errno
import os
import shutil
import stat
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from batchtui.core.errors import UserError
from batchtui.jsonl.files import open_regular
from batchtui.jsonl.index import LineIndex

STDIN = "-"
STDIN_NAME = "<stdin>"
GZIP_MAGIC = b"\x1f\x8b"
# The most a spool may hold. A batch input file is at most 200 MB; output files and other
# inputs can be larger, but a stream that goes on past this is not something to copy.
SPOOL_LIMIT = 4 * 1024**3
READ_BYTES = 1024 * 1024
# Decompressed bytes produced per step, so one small chunk of a gzip bomb cannot expand into
# gigabytes of memory at once.
INFLATE_STEP = 4 * 1024 * 1024

_spool_dir: str | None = None
_spool_count = 0


@dataclass(frozen=True, slots=True)
class Input:
    """What to open for one command-line file argument."""

    path: str  # the file to read: the argument itself, or a spool
    copy_of: str | None = None  # "<stdin>" or the compressed file, when ``path`` is a spool

    @property
    def name(self) -> str:
        return self.copy_of if self.copy_of is not None else self.path

    @property
    def is_stdin(self) -> bool:
        return self.copy_of == STDIN_NAME

    def index(self) -> LineIndex:
        return LineIndex(self.path, copy_of=self.copy_of)


def open_input(
    arg: str,
    *,
    stdin_fd: int = 0,
    limit: int | None = None,
    note: Callable[[str], None] | None = None,
) -> Input:
    """The file to read for ``arg``: standard input for ``-`` and a gzip file are spooled
    (decompressed); any other path is returned as it is (:class:`LineIndex` checks it).

    ``note`` receives a one-line notice when reading may take a while (e.g. from a terminal).
    Raises :class:`UserError` for an unusable path, a stream over ``limit`` bytes, corrupt
    gzip data, or a full disk.
    """
    limit = SPOOL_LIMIT if limit is None else limit
    if arg == STDIN:
        if note is not None and os.isatty(stdin_fd):
            note("reading standard input from the terminal; end it with Ctrl-D")
        chunks = _read_fd(stdin_fd)
        first = b""
        for chunk in chunks:  # a pipe may deliver one byte at a time: need two to sniff
            first += chunk
            if len(first) >= len(GZIP_MAGIC):
                break
        stream = _chain(first, chunks)
        if first.startswith(GZIP_MAGIC):
            stream = _gunzip(stream, STDIN_NAME)
        return Input(_spool(stream, "stdin.jsonl", STDIN_NAME, limit), STDIN_NAME)
    fd, _st = open_regular(arg)  # refuses FIFOs, devices and procfs files at once
    try:
        head = os.pread(fd, 2, 0)
    except OSError as exc:
        os.close(fd)
        raise UserError(f"{arg}: cannot read ({exc.strerror or exc})") from None
    if head != GZIP_MAGIC:
        os.close(fd)
        return Input(arg)
    try:
        base = os.path.basename(arg)
        for suffix in (".gz", ".gzip"):
            if base.lower().endswith(suffix) and len(base) > len(suffix):
                base = base[: -len(suffix)]
                break
        path = _spool(_gunzip(_read_fd(fd, positional=True), arg), base, arg, limit)
    finally:
        os.close(fd)
    return Input(path, arg)


def _read_fd(fd: int, positional: bool = False) -> Iterator[bytes]:
    offset = 0
    while True:
        try:
            data = os.pread(fd, READ_BYTES, offset) if positional else os.read(fd, READ_BYTES)
        except InterruptedError:  # pragma: no cover - retried by Python since 3.5
            continue
        except OSError as exc:
            raise UserError(f"cannot read the input ({exc.strerror or exc})") from None
        if not data:
            return
        offset += len(data)
        yield data


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
        yield from rest


def _gunzip(chunks: Iterator[bytes], name: str) -> Iterator[bytes]:
    """Decompress a gzip stream (several members, as ``cat a.gz b.gz`` makes, included)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        for chunk in chunks:
            data = chunk
            while data:
                out = inflater.decompress(data, INFLATE_STEP)
                if out:
                    yield out
                if inflater.eof:
                    data = inflater.unused_data
                    if data:
                        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # the next member
                else:
                    data = inflater.unconsumed_tail
        while not inflater.eof:
            out = inflater.decompress(b"", INFLATE_STEP)  # what is buffered inside
            if not out:
                break
            yield out
    except zlib.error as exc:
        raise UserError(f"{name}: not valid gzip data ({exc})") from None
    if not inflater.eof:
        raise UserError(f"{name}: the gzip data ends early (is the file complete?)")


def _private_dir() -> str:
    global _spool_dir
    if _spool_dir is None or not os.path.isdir(_spool_dir):
        _spool_dir = tempfile.mkdtemp(prefix="batchtui-spool-")  # mode 0700
        atexit.register(shutil.rmtree, _spool_dir, True)
    return _spool_dir


def _spool(chunks: Iterator[bytes], filename: str, name: str, limit: int) -> str:
    """Write ``chunks`` to a new 0600 file in the private directory; return its path."""
    global _spool_count
    _spool_count += 1
    folder = os.path.join(_private_dir(), str(_spool_count))
    os.mkdir(folder, 0o700)
    path = os.path.join(folder, filename)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    written = 0
    try:
        try:
            for chunk in chunks:
                written += len(chunk)
                if written > limit:
                    raise UserError(
                        f"{name}: more than {_size(limit)}, the most batchtui copies from a "
                        "stream or a compressed file; save it to a file first"
                    )
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view) :]
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise UserError(
                    f"{name}: no space left in {os.path.dirname(folder)} for a copy of it "
                    f"({_size(written)} read); free some space or point TMPDIR at a bigger disk"
                ) from None
            raise UserError(f"{name}: cannot copy it ({exc.strerror or exc})") from None
        finally:
            os.close(fd)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def _size(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n:,} bytes"
    if n < 1024**3:
        return f"{n / 1024**2:,.1f} MB"
    return f"{n / 1024**3:,.1f} GB"


def stdin_has_data(fd: int = 0) -> bool:
    """Is standard input a pipe or a redirected file (``cat f | batchtui``, ``batchtui < f``),
    rather than a terminal or nothing (``/dev/null``, closed)?"""
    try:
        if os.isatty(fd):
            return False
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)


def note_to_stderr(message: str) -> None:
    print(f"batchtui: {message}", file=sys.stderr)
