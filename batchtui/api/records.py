"""A local record of what this machine submitted, so a batch links back to its input file.

``$BATCHTUI_STATE_DIR/submissions.json`` (default: the platform's user state directory).
Writes are atomic (``batchtui.core.atomic``: temp file beside it, fsync, rename) and serialised
between processes with an advisory lock where the platform has one. A file that cannot be
read as a record is moved aside (``submissions.json.corrupt-<time>``) and reported through
:attr:`RecordStore.problems`; it never stops batchtui.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from batchtui.core.atomic import atomic_write

FILENAME = "submissions.json"
FORMAT_VERSION = 1


def state_dir() -> Path:
    """``state_dir`` of the settings (``$BATCHTUI_STATE_DIR``, the config file), else the
    platform's user state directory."""
    from batchtui.core.settings import load_settings

    override = load_settings().state_dir
    if override is not None:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_state_dir("batchtui", appauthor=False))


@dataclass(frozen=True)
class SubmissionRecord:
    batch_id: str
    input_path: str  # absolute path of the local file at submission time
    size: int
    sha256: str
    submitted_at: float  # Unix time
    input_file_id: str | None = None
    endpoint: str | None = None
    base_url: str | None = None
    # Input tokens per model, counted at submit time (batchtui.cost): the exact share of the
    # enqueued-token limit this batch holds while it runs.
    input_tokens: Mapping[str, int] | None = field(default=None, hash=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.input_tokens is not None:
            data["input_tokens"] = dict(self.input_tokens)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SubmissionRecord:
        """Raise ValueError when a required field is missing or of the wrong type."""
        try:
            record = cls(
                batch_id=str(data["batch_id"]),
                input_path=str(data["input_path"]),
                size=int(data["size"]),
                sha256=str(data["sha256"]),
                submitted_at=float(data["submitted_at"]),
                input_file_id=data.get("input_file_id"),
                endpoint=data.get("endpoint"),
                base_url=data.get("base_url"),
                input_tokens=_tokens(data.get("input_tokens")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad submission record: {exc}") from None
        if not record.batch_id:
            raise ValueError("bad submission record: empty batch_id")
        return record

    def local_file_state(self) -> str:
        """``same`` (size matches; cheap), ``changed`` or ``missing``."""
        try:
            size = os.stat(self.input_path).st_size
        except OSError:
            return "missing"
        return "same" if size == self.size else "changed"


def _tokens(value: Any) -> dict[str, int] | None:
    """``{model: tokens}`` as written by :meth:`SubmissionRecord.to_json`; anything else
    (an older record, a hand edit) is None: not known, never a wrong figure."""
    if not isinstance(value, Mapping):
        return None
    out = {}
    for model, tokens in value.items():
        if not isinstance(model, str) or isinstance(tokens, bool) or not isinstance(tokens, int):
            return None
        out[model] = max(0, tokens)
    return out


class RecordStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else state_dir() / FILENAME
        self.problems: list[str] = []  # human-readable notes about set-aside or skipped data

    # ----------------------------------------------------------------- reading

    def _read_raw(self) -> list[Any]:
        """The raw entries; a corrupt file is moved aside and reported."""
        try:
            text = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            self.problems.append(f"cannot read {self.path}: {exc.strerror}")
            return []
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("submissions"), list):
                raise ValueError("not a submissions record")
        except (ValueError, UnicodeDecodeError) as exc:
            self._set_aside(str(exc))
            return []
        return list(data["submissions"])

    def _set_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            self.problems.append(
                f"the submissions record {self.path} is unreadable ({reason}) and could not "
                f"be moved aside: {exc.strerror}"
            )
            return
        self.problems.append(
            f"the submissions record {self.path} was unreadable ({reason}); it was moved to "
            f"{target.name} and a new one started"
        )

    def load(self) -> list[SubmissionRecord]:
        records = []
        skipped = 0
        for entry in self._read_raw():
            try:
                if not isinstance(entry, Mapping):
                    raise ValueError("not an object")
                records.append(SubmissionRecord.from_json(entry))
            except ValueError:
                skipped += 1
        if skipped:
            self.problems.append(f"{skipped} unreadable entries in {self.path} were skipped")
        return records

    def by_batch_id(self) -> dict[str, SubmissionRecord]:
        return {r.batch_id: r for r in self.load()}

    def find(self, batch_id: str) -> SubmissionRecord | None:
        return self.by_batch_id().get(batch_id)

    # ----------------------------------------------------------------- writing

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:  # Windows: no advisory lock, the atomic replace still holds
            yield
            return
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _write_raw(self, entries: list[Any]) -> None:
        payload = json.dumps(
            {"version": FORMAT_VERSION, "submissions": entries}, ensure_ascii=False, indent=1
        ).encode("utf-8")
        with atomic_write(self.path) as f:
            f.write(payload)

    def add(self, record: SubmissionRecord) -> None:
        """Append (or replace, same batch id) one record.

        Raises UserError (a full disk, a read-only state directory) or OSError if it cannot
        write; the record on disk is then unchanged."""
        with self._locked():
            # Re-read under the lock: another batchtui may have written meanwhile. Entries we
            # cannot parse are kept as they are rather than silently dropped.
            entries = [
                e
                for e in self._read_raw()
                if not (isinstance(e, Mapping) and e.get("batch_id") == record.batch_id)
            ]
            entries.append(record.to_json())
            self._write_raw(entries)
