"""The file store: uploaded inputs and written results, their content on disk under
``data_dir/files/<id>`` and their metadata in memory (saved by :mod:`.persist`)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from batchtui.emulator import options as o
from batchtui.emulator.wire import EmulatorError

UPLOAD_PREFIX = ".upload-"


@dataclass
class StoredFile:
    id: str
    filename: str
    purpose: str
    bytes: int
    created_at: int
    expires_at: int | None
    path: Path
    seq: int

    def to_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["path"] = self.path.name
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any], files_dir: Path) -> StoredFile:
        return cls(**{**record, "path": files_dir / record["path"]})


class FileStore:
    """Files by id. ``next_seq`` orders objects created in the same second; ``new_id`` makes
    the next ``file-…`` id; ``now`` is the emulated clock."""

    def __init__(
        self,
        files_dir: Path,
        now: Callable[[], float],
        next_seq: Callable[[], int],
        new_id: Callable[[], str],
    ) -> None:
        self.dir = files_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, StoredFile] = {}
        self._now = now
        self._next_seq = next_seq
        self._new_id = new_id
        self.changed = False  # something to save

    def new_upload_path(self) -> Path:
        return self.dir / f"{UPLOAD_PREFIX}{os.getpid()}-{self._next_seq()}.part"

    def remove_stale_uploads(self) -> None:
        """Partial uploads and result files of a process that did not finish (a restart)."""
        for path in self.dir.glob(UPLOAD_PREFIX + "*"):
            with contextlib.suppress(OSError):
                path.unlink()

    def add(
        self,
        source: Path,
        filename: str,
        purpose: str,
        *,
        created_at: float | None = None,
        expires_after: int | None = None,
        move: bool = True,
        file_id: str | None = None,
    ) -> StoredFile:
        """Register file content (moved, or copied when ``move`` is false) as a new file."""
        file_id = file_id or self._new_id()
        path = self.dir / file_id
        if move:
            os.replace(source, path)
        else:
            shutil.copyfile(source, path)
        created = int(self._now() if created_at is None else created_at)
        if expires_after is None and purpose == "batch":
            expires_after = o.BATCH_FILE_DEFAULT_EXPIRY
        stored = StoredFile(
            id=file_id,
            filename=filename,
            purpose=purpose,
            bytes=path.stat().st_size,
            created_at=created,
            expires_at=None if expires_after is None else created + expires_after,
            path=path,
            seq=self._next_seq(),
        )
        self.files[file_id] = stored
        self.changed = True
        return stored

    def add_bytes(
        self, content: bytes, filename: str, purpose: str = "batch", **kwargs: Any
    ) -> StoredFile:
        tmp = self.new_upload_path()
        tmp.write_bytes(content)
        return self.add(tmp, filename, purpose, **kwargs)

    def get(self, file_id: str) -> StoredFile:
        stored = self.files.get(file_id)
        if stored is None:
            raise EmulatorError(404, f"No such File object: {file_id}", param="id")
        return stored

    def delete(self, file_id: str) -> None:
        stored = self.get(file_id)
        del self.files[file_id]
        self.changed = True
        # A result writer may still be reading it: on POSIX the unlink is safe.
        with contextlib.suppress(FileNotFoundError):
            stored.path.unlink()

    def list(self, purpose: str | None, descending: bool) -> list[StoredFile]:
        files = [f for f in self.files.values() if purpose is None or f.purpose == purpose]
        files.sort(key=lambda f: (f.created_at, f.seq), reverse=descending)
        return files
