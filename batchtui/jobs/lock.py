"""One runner per job: an advisory lock on ``runner.lock`` with the holder's pid in it.

``fcntl.flock`` is released by the kernel when the holder dies (``kill -9``, a crash, a
reboot), so a stale lock never blocks a resume; the pid written into the file is only for the
message a second runner prints ("... is running it (pid 1234)"). Where ``fcntl`` does not exist
(Windows) there is no lock, and the pid file alone is advisory.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from batchtui.core.errors import UserError


class JobLocked(UserError):
    """Another process holds the job's lock."""

    def __init__(self, name: str, pid: int | None) -> None:
        who = f" (pid {pid})" if pid else ""
        super().__init__(
            f"job {name!r} is being run by another batchtui{who}; stop it first, or wait for it "
            "to finish (`batchtui job status` shows its progress)"
        )
        self.pid = pid


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


class JobLock:
    """Hold with ``with JobLock(directory, name):`` or :meth:`acquire` / :meth:`release`."""

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / "runner.lock"
        self.name = name
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`JobLocked` naming the holder's pid, at once."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            fcntl = None  # type: ignore[assignment]
        if fcntl is not None:
            for attempt in range(3):
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    pid = _read_pid(self.path)
                    if pid is not None or attempt == 2:
                        os.close(fd)
                        raise JobLocked(self.name, pid) from None
                    # No pid written: a `job status` peeking, or a runner starting. Again.
                    time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        os.fsync(fd)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing drops the flock
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> JobLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def runner_pid(directory: Path) -> int | None:
    """The pid of the process running the job, or None when none holds the lock."""
    path = directory / "runner.lock"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        os.close(fd)
        return _read_pid(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return _read_pid(path) or -1  # held: someone runs it (pid unknown if not written yet)
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
