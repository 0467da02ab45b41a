"""Opening a path that must be a regular file, without ever blocking (no Textual here).

``open(path)`` on a FIFO waits for a writer forever, and a ``/proc`` file reports a size of 0
whatever it holds. Every command that reads a file by path opens it with :func:`open_regular`:
non-blocking, then ``fstat``, then refuse anything that is not a regular file whose size can
be trusted, with a one-line message that says what to do instead.
"""

from __future__ import annotations

import os
import stat

from batchtui.core.errors import UserError


def open_error_message(path: str, exc: OSError) -> str:
    """A one-line explanation of why ``path`` cannot be opened."""
    if isinstance(exc, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(exc, IsADirectoryError):
        return f"{path}: is a directory, not a JSONL file"
    if isinstance(exc, PermissionError):
        return f"{path}: permission denied"
    return f"{path}: cannot open ({exc.strerror or exc})"


def _kind(mode: int, name: str) -> str:
    stream = f"; read a stream with -, as in: batchtui - < {name}"
    if stat.S_ISDIR(mode):
        return "is a directory, not a JSONL file"
    if stat.S_ISFIFO(mode):
        return "is a pipe (FIFO), not a regular file" + stream
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file" + stream
    return "is not a regular file"


def open_regular(path: str | os.PathLike[str]) -> tuple[int, os.stat_result]:
    """Open ``path`` read-only and return ``(fd, stat)``; raise :class:`UserError` (at once,
    never blocking) unless it is a regular file whose size is what it holds.

    ``O_NONBLOCK`` makes opening a FIFO return immediately instead of waiting for a writer;
    on a regular file the flag changes nothing. A file that says it is empty but yields bytes
    (``/proc``, ``/sys``) is refused too: its size cannot be indexed or verified.
    """
    name = os.fspath(path)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UserError(open_error_message(name, exc)) from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UserError(f"{name}: {_kind(st.st_mode, name)}")
        if st.st_size == 0 and _has_hidden_content(fd):
            raise UserError(
                f"{name}: reports a size of 0 but has content (a /proc or /sys file?); "
                f"read it as a stream instead: batchtui - < {name}"
            )
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _has_hidden_content(fd: int) -> bool:
    """Does a file whose size is 0 yield bytes anyway? (A normal empty file does not; one
    that grew since the ``fstat`` now says so, and is not hiding anything.)"""
    try:
        probe = os.pread(fd, 1, 0)
    except OSError:
        return False
    return bool(probe) and os.fstat(fd).st_size == 0


def pread_into(fd: int, view: memoryview, offset: int) -> int:
    """Read up to ``len(view)`` bytes at ``offset`` into ``view`` (no new buffer when the
    platform has ``preadv``); returns how many were read, 0 at the end of the file."""
    if _HAVE_PREADV:
        return os.preadv(fd, [view], offset)
    data = os.pread(fd, len(view), offset)
    view[: len(data)] = data
    return len(data)


_HAVE_PREADV = hasattr(os, "preadv")
