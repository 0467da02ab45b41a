"""Simulate a full disk without filling one: files written through ``batchtui.core.atomic``
fail with ENOSPC once ``nbytes`` bytes (shared by every file, like a disk) are written."""

from __future__ import annotations

import errno
import io
import os

import pytest

from batchtui.core import atomic


class _FullDisk(io.RawIOBase):
    def __init__(self, fd: int, budget: list[int]) -> None:
        self._f = io.FileIO(fd, "wb")
        self._budget = budget

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._f.seek(offset, whence)

    def tell(self) -> int:
        return self._f.tell()

    def truncate(self, size: int | None = None) -> int:
        return self._f.truncate(size)

    def fileno(self) -> int:
        return self._f.fileno()

    def write(self, data: bytes) -> int:  # type: ignore[override]
        room = self._budget[0]
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written = self._f.write(bytes(data)[:room])
        self._budget[0] -= written
        return written

    def close(self) -> None:
        self._f.close()
        super().close()


def disk_full_after(monkeypatch: pytest.MonkeyPatch, nbytes: int) -> list[int]:
    """From now on the "disk" takes ``nbytes`` more bytes; returns the mutable budget."""
    budget = [nbytes]

    def open_fd(fd: int, mode: str = "wb", buffering: int = -1) -> io.BufferedWriter:
        assert "b" in mode and "w" in mode
        return io.BufferedWriter(_FullDisk(fd, budget), buffer_size=max(buffering, 8192))

    monkeypatch.setattr(atomic, "open_fd", open_fd)
    return budget


def leftovers(directory: str | os.PathLike[str]) -> list[str]:
    """Hidden temp files (``.NAME.batchtui-….tmp`` / ``.part``) in ``directory``."""
    return sorted(n for n in os.listdir(directory) if n.startswith("."))
