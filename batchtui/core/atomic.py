"""Writing files atomically: a temp file in the target's directory, fsync, rename.

Every file batchtui writes for the user (exports, retry files, split parts, downloads, the
submissions record) goes through here, so they all behave the same:

* a reader never sees half a file, and a failed or interrupted write (disk full,
  Ctrl+C, an exception) leaves the old file, if any, untouched and no temp file behind;
* the new file's permissions follow the umask, like any file the user writes (``mkstemp``
  would make it 0600);
* a full disk, a read-only file system or a permission problem is one :class:`UserError`
  line naming the file, never a traceback;
* temp files left by a process that was killed (``kill -9``, power loss) are removed by the
  next write of the same file.

Temp names are ``.NAME.batchtui-HOST-PID-RANDOM.tmp``: the host and pid say whose they are,
so a stale one can be told from one another process is still writing.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import socket
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from batchtui.core.errors import UserError

# errno -> the words a user reads. These are conditions of the disk, not of the data.
DISK_ERRORS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}
# Errors that can only come from writing (an EACCES in the middle may be a read of a source).
_WRITE_ONLY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS})
TEMP_SUFFIX = ".tmp"
_MARK = ".batchtui-"
# A temp file of another host cannot be checked for a live writer: wait this long.
FOREIGN_STALE_SECONDS = 24 * 3600
BUFFER = 1024 * 1024
# How a temp file's descriptor becomes a file object; tests replace it to simulate a disk
# that fills up after some bytes.
open_fd = os.fdopen


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]


def write_error(path: str | os.PathLike[str], exc: OSError) -> UserError:
    """One line for a failed write of ``path``: ``cannot write X: no space left on device``."""
    reason = DISK_ERRORS.get(exc.errno or 0) or (exc.strerror or str(exc)).lower()
    return UserError(f"cannot write {os.fspath(path)}: {reason}")


def temp_path(dest: Path, suffix: str = TEMP_SUFFIX) -> Path:
    """A fresh temp name beside ``dest`` that :func:`clean_stale` can attribute."""
    token = secrets.token_hex(4)
    return dest.with_name(f".{dest.name}{_MARK}{_host()}-{os.getpid()}-{token}{suffix}")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # ours: another thread of this process may be writing it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists, owned by someone else
    return True


def clean_stale(dest: Path, suffix: str = TEMP_SUFFIX) -> list[Path]:
    """Remove the temp files of ``dest`` whose writer is gone; return what was removed."""
    prefix = f".{dest.name}{_MARK}"
    removed: list[Path] = []
    try:
        names = os.listdir(dest.parent)
    except OSError:
        return removed
    host = _host()
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        owner = name[len(prefix) : -len(suffix)].split("-")
        if len(owner) != 3 or not owner[1].isdigit():
            continue
        path = dest.parent / name
        if owner[0] == host:
            stale = not _pid_alive(int(owner[1]))
        else:
            try:
                stale = time.time() - path.stat().st_mtime > FOREIGN_STALE_SECONDS
            except OSError:
                continue
        if stale:
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _check_target(dest: Path, protect: Iterable[str | os.PathLike[str]]) -> None:
    if dest.is_dir():
        raise UserError(f"{dest}: is a directory")
    if not dest.parent.is_dir():
        raise UserError(f"{dest}: directory {dest.parent} does not exist")
    if dest.exists():
        for path in protect:
            with contextlib.suppress(OSError):
                if os.path.samefile(dest, path):
                    raise UserError(f"{dest}: refusing to overwrite a file this command reads")


def create_temp(dest: Path, suffix: str = TEMP_SUFFIX) -> tuple[Path, int]:
    """Create the temp file beside ``dest`` (mode 0666 less the umask); (path, fd)."""
    tmp = temp_path(dest, suffix)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o666)
    except OSError as exc:
        raise write_error(dest, exc) from None
    return tmp, fd


def fsync_dir(directory: Path) -> None:
    """Make a rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def _translated(dest: Path, *, any_errno: bool) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        if exc.errno in _WRITE_ONLY or (any_errno and exc.errno in DISK_ERRORS):
            raise write_error(dest, exc) from None
        raise


@contextlib.contextmanager
def atomic_write(
    dest: str | os.PathLike[str],
    *,
    protect: Iterable[str | os.PathLike[str]] = (),
    buffering: int = BUFFER,
) -> Iterator[BinaryIO]:
    """A binary file that becomes ``dest`` only if the block finishes without an exception.

    ``protect`` lists paths ``dest`` must not be (the files the caller reads). Raises
    :class:`UserError` when the directory is missing or the disk refuses the write.
    """
    target = Path(dest)
    _check_target(target, protect)
    clean_stale(target)
    tmp, fd = create_temp(target)
    done = False
    try:
        with _translated(target, any_errno=False), open_fd(fd, "wb", buffering=buffering) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        with _translated(target, any_errno=True):
            os.replace(tmp, target)
        fsync_dir(target.parent)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                tmp.unlink()


class FileSet:
    """Several files that appear together or not at all (see :func:`atomic_files`)."""

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []  # (temp, dest)
        self._committed: list[Path] = []

    @contextlib.contextmanager
    def open(self, dest: str | os.PathLike[str], *, buffering: int = BUFFER) -> Iterator[BinaryIO]:
        """Write one member; it is fsynced here and renamed into place by the commit."""
        target = Path(dest)
        clean_stale(target)
        tmp, fd = create_temp(target)
        self._pending.append((tmp, target))
        with _translated(target, any_errno=False), open_fd(fd, "wb", buffering=buffering) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())

    def commit(self) -> None:
        directories = set()
        while self._pending:
            tmp, dest = self._pending[0]
            with _translated(dest, any_errno=True):
                os.replace(tmp, dest)
            self._pending.pop(0)
            self._committed.append(dest)
            directories.add(dest.parent)
        for directory in directories:
            fsync_dir(directory)

    def discard(self) -> None:
        """Remove every temp, and the members already renamed by a commit that failed."""
        for path in [tmp for tmp, _ in self._pending] + self._committed:
            with contextlib.suppress(OSError):
                path.unlink()
        self._pending.clear()
        self._committed.clear()


@contextlib.contextmanager
def atomic_files() -> Iterator[FileSet]:
    """``with atomic_files() as files: with files.open(a) as f: ...``: every file opened in
    the block becomes visible at the end, together; if anything fails (a full disk on the
    third file, Ctrl+C), none of them does and no temp file is left."""
    files = FileSet()
    ok = False
    try:
        yield files
        files.commit()
        ok = True
    finally:
        if not ok:
            files.discard()
