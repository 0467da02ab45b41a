"""The emulator's state: the file store, the batch lifecycle and the clock, under one roof.

Each part lives in its own module: :mod:`.files` (the file store), :mod:`.batches` (the batch
lifecycle on the emulated clock), :mod:`.wire` (the JSON shapes) and :mod:`.persist` (saving
to ``--data-dir``). This class wires them together and keeps the one API the server, the demo
and the tests use.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from batchtui.emulator import options as o
from batchtui.emulator import persist
from batchtui.emulator.batches import TERMINAL, BatchRecord, Lifecycle
from batchtui.emulator.clock import EmulatorClock
from batchtui.emulator.files import FileStore, StoredFile
from batchtui.emulator.ids import IdMaker
from batchtui.emulator.wire import EmulatorError, batch_to_api

__all__ = ["TERMINAL", "BatchRecord", "EmulatorError", "EmulatorState", "StoredFile"]

log = logging.getLogger(__name__)


class EmulatorState:
    """Files and batches, and the rules that move batches along.

    With ``persistent``, everything is saved to ``data_dir/state.json`` after each change
    (:meth:`save_if_changed`) and restored from there at start.
    """

    def __init__(
        self, options: o.EmulatorOptions, data_dir: Path, *, persistent: bool = False
    ) -> None:
        self.options = options
        self.data_dir = data_dir
        self.persistent = persistent
        self._state_path = data_dir / persist.STATE_FILE
        saved = persist.load(self._state_path) if persistent else None
        start = options.start_time
        if saved is not None:
            # The emulated clock carries on from where it was, at its speed.
            start = saved["clock"] + (time.time() - saved["saved_at"]) * options.speed
        self.clock = EmulatorClock(start, options.speed)
        self._rng = random.Random(options.seed)
        self.ids = IdMaker(self._rng)
        self._seq = 0
        self.store = FileStore(data_dir / "files", self.now, self._next_seq, self.ids.file_id)
        self.lifecycle = Lifecycle(
            options, self.store, self.now, self._rng, self._next_seq, self.ids.batch_id
        )
        self.lifecycle.on_change = self.save_if_changed
        if saved is not None:
            self._restore(saved)
        if persistent:
            self.store.remove_stale_uploads()

    # ------------------------------------------------------------- plumbing

    @property
    def files(self) -> dict[str, StoredFile]:
        return self.store.files

    @property
    def batches(self) -> dict[str, BatchRecord]:
        return self.lifecycle.batches

    @property
    def files_dir(self) -> Path:
        return self.store.dir

    def now(self) -> float:
        return self.clock.now()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # ----------------------------------------------------------------- files

    def new_upload_path(self) -> Path:
        return self.store.new_upload_path()

    def add_file(self, source: Path, filename: str, purpose: str, **kwargs: Any) -> StoredFile:
        """Register file content (moved, or copied when ``move`` is false) as a new file."""
        stored = self.store.add(source, filename, purpose, **kwargs)
        self.save_if_changed()
        return stored

    def add_file_bytes(
        self, content: bytes, filename: str, purpose: str = "batch", **kwargs: Any
    ) -> StoredFile:
        stored = self.store.add_bytes(content, filename, purpose, **kwargs)
        self.save_if_changed()
        return stored

    def get_file(self, file_id: str) -> StoredFile:
        return self.store.get(file_id)

    def delete_file(self, file_id: str) -> None:
        self.store.delete(file_id)
        self.save_if_changed()

    def list_files(self, purpose: str | None, descending: bool) -> list[StoredFile]:
        return self.store.list(purpose, descending)

    # --------------------------------------------------------------- batches

    def create_batch(self, **kwargs: Any) -> BatchRecord:
        """Create a batch (see :meth:`Lifecycle.create`)."""
        batch = self.lifecycle.create(**kwargs)
        self.save_if_changed()
        return batch

    def get_batch(self, batch_id: str) -> BatchRecord:
        return self.lifecycle.get(batch_id)

    def list_batches(self) -> list[BatchRecord]:
        return self.lifecycle.list()

    def batch_for_file(self, file_id: str) -> BatchRecord | None:
        return self.lifecycle.for_file(file_id)

    async def cancel_batch(self, batch_id: str, *, at: float | None = None) -> BatchRecord:
        batch = await self.lifecycle.cancel(batch_id, at=at)
        self.save_if_changed()
        return batch

    def iter_live(self) -> Iterable[BatchRecord]:
        return self.lifecycle.iter_live()

    # ------------------------------------------------------------- lifecycle

    def tick(self, now: float | None = None) -> None:
        self.lifecycle.tick(now)
        self.save_if_changed()

    async def settle(self) -> None:
        """Tick, and wait until no validation or result writing is pending."""
        await self.lifecycle.settle()
        self.save_if_changed()

    async def advance(self, seconds: float) -> None:
        """Move the clock forward and let every batch catch up."""
        self.clock.advance(seconds)
        self.lifecycle.changed = True  # the clock is part of what is saved
        await self.settle()

    async def close(self) -> None:
        await self.lifecycle.close()
        self.save_if_changed(force=True)

    # ----------------------------------------------------------------- views

    def counts(self, batch: BatchRecord, now: float) -> tuple[int, int, int, int]:
        """(total, completed, failed, processed) as the batch shows them at ``now``."""
        return self.lifecycle.counts(batch, now)

    def batch_to_api(self, batch: BatchRecord, now: float | None = None) -> dict[str, Any]:
        now = self.now() if now is None else now
        total, completed, failed, processed = self.counts(batch, now)
        usage = self.lifecycle.usage(batch, processed)
        return batch_to_api(batch, (total, completed, failed), usage, self.options.quirks)

    # ----------------------------------------------------------- persistence

    def save_if_changed(self, *, force: bool = False) -> None:
        if not self.persistent:
            return
        if not (force or self.store.changed or self.lifecycle.changed):
            return
        try:
            persist.save(self._state_path, self._snapshot())
        except OSError as exc:  # a full disk must not take the server down
            log.error("could not save the emulator state to %s: %s", self._state_path, exc)
            return
        self.store.changed = self.lifecycle.changed = False

    def _snapshot(self) -> dict[str, Any]:
        return {
            "clock": self.clock.now(),
            "seq": self._seq,
            "rng": persist.rng_state(self._rng.getstate()),
            "files": [f.to_record() for f in self.store.files.values()],
            "batches": [b.to_record() for b in self.lifecycle.batches.values()],
        }

    def _restore(self, saved: dict[str, Any]) -> None:
        self._seq = int(saved.get("seq", 0))
        self._rng.setstate(persist.rng_restore(saved["rng"]))
        for record in saved.get("files", []):
            stored = StoredFile.from_record(record, self.store.dir)
            if stored.path.exists():
                self.store.files[stored.id] = stored
        for record in saved.get("batches", []):
            batch = BatchRecord.from_record(record)
            self.lifecycle.batches[batch.id] = batch
            # A batch past validation and not finished needs its plan back; one that was
            # validating starts its validation again.
            if batch.status in ("in_progress", "finalizing") or (
                batch.status == "cancelling" and batch.in_progress_at is not None
            ):
                self.lifecycle.replan(batch)
                if batch.plan is None:
                    batch.status, batch.failed_at = "failed", self.now()
                    batch.errors = [
                        {
                            "code": "invalid_request",
                            "line": None,
                            "message": "The input file is gone.",
                            "param": "file_id",
                        }
                    ]
                    batch.final_counts, batch.final_usage = (0, 0, 0), (0, 0, 0, 0)
