"""The durable state of a job: one SQLite database per job, under the state directory.

``$BATCHTUI_STATE_DIR/jobs/NAME/`` holds ``job.sqlite`` (WAL, ``synchronous=FULL``: a
committed intent survives a power cut), ``runner.lock`` (who runs the job) and ``files/``
(the parts' downloaded output and error files, ``merged/`` for the results).

Tables:

- ``job``: one row. The name, a random ``job_id`` that tags every batch of the job
  (metadata ``batchtui_job_id``), the input (path, size, mtime, SHA-256), the options, the
  endpoint, the state (``running``, ``completed``, ``failed``, ``cancelled``) and whether a
  cancel was asked for.
- ``part``: what goes into one batch. A part of the plan is a byte range of the input
  (``start``/``end``); a part made later from another part's unanswered or retryable requests
  (``reason`` ``leftover`` or ``retry``, ``parent_id`` set) is a list of whole-line spans in
  ``spans``. Each has its request count, the SHA-256 of its bytes, its input tokens per model,
  its state (see :data:`PART_STATES`), the uploaded file id and current batch id, how often
  the queue turned it away (``waits``) and when it may be tried again (``not_before``), and the
  custom_ids it handed on to child parts (``delegated``, so the merged results answer each
  custom_id once).
- ``batch``: every batch a part ever had (a part may need several: a batch failed with
  ``token_limit_exceeded`` is followed by another), with status, counts, result file ids and
  where they were downloaded.
- ``intent``: the journal. Every call that changes the account (upload, create, cancel,
  delete) and every download is written here, committed, *before* it is made, and closed
  with its result after. After a crash, an ``open`` intent says exactly which call may or may
  not have happened; the runner reconciles those with the account before doing anything else.

Nothing here talks to the network; :mod:`batchtui.jobs.runner` does.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import os
import re
import secrets
import sqlite3
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from batchtui.core.errors import UserError

SCHEMA_VERSION = 1
DB_NAME = "job.sqlite"
LOCK_NAME = "runner.lock"
FILES_DIR = "files"
MERGED_DIR = "merged"
JOBS_DIR = "jobs"

# Job states (issue #14: `job status` JSON says one of these).
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
CANCELLED = "cancelled"
JOB_STATES = (RUNNING, COMPLETED, FAILED, CANCELLED)

# Part states.
PENDING = "pending"  # waiting for its turn, queue room or a backoff (``not_before``)
UPLOADING = "uploading"  # an upload intent is open
CREATING = "creating"  # the file is uploaded (``file_id``); a create intent is open
ACTIVE = "active"  # its batch (``batch_id``) is validating, running or finalizing
FINISHING = "finishing"  # its batch ended; results being downloaded and settled
DONE = "done"  # settled: answers downloaded, unanswered requests handed to child parts
PART_FAILED = "failed"  # cannot run (validation failed, the input changed, ...)
PART_CANCELLED = "cancelled"  # the job was cancelled
PART_STATES = (PENDING, UPLOADING, CREATING, ACTIVE, FINISHING, DONE, PART_FAILED, PART_CANCELLED)
PART_TERMINAL = frozenset({DONE, PART_FAILED, PART_CANCELLED})

# Intent states.
OPEN = "open"
INTENT_DONE = "done"
INTENT_FAILED = "failed"  # the call certainly did not take effect (or did not matter)

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS job (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    job_id TEXT NOT NULL,
    name TEXT NOT NULL,
    input_path TEXT NOT NULL,
    input_size INTEGER NOT NULL,
    input_mtime_ns INTEGER NOT NULL,
    input_sha256 TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    model TEXT,
    options TEXT NOT NULL,
    state TEXT NOT NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    base_url TEXT,
    tokens_mode TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    finished_at REAL,
    message TEXT
);
CREATE TABLE IF NOT EXISTS part (
    id INTEGER PRIMARY KEY,
    label TEXT NOT NULL UNIQUE,
    parent_id INTEGER REFERENCES part(id),
    reason TEXT NOT NULL,
    round INTEGER NOT NULL DEFAULT 0,
    generation INTEGER NOT NULL DEFAULT 0,
    first_line INTEGER NOT NULL,
    last_line INTEGER NOT NULL,
    start_byte INTEGER NOT NULL,
    end_byte INTEGER NOT NULL,
    spans BLOB,
    requests INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    tokens TEXT,
    state TEXT NOT NULL,
    file_id TEXT,
    batch_id TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    waits INTEGER NOT NULL DEFAULT 0,
    not_before REAL,
    status TEXT,
    counts TEXT,
    message TEXT,
    delegated BLOB,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    done_at REAL
);
CREATE TABLE IF NOT EXISTS batch (
    batch_id TEXT PRIMARY KEY,
    part_id INTEGER NOT NULL REFERENCES part(id),
    file_id TEXT,
    intent_id INTEGER,
    status TEXT,
    created_at REAL,
    ended_at REAL,
    output_file_id TEXT,
    error_file_id TEXT,
    output_path TEXT,
    error_path TEXT,
    downloaded INTEGER NOT NULL DEFAULT 0,
    counts TEXT,
    error_code TEXT,
    error_message TEXT,
    usage TEXT,
    adopted INTEGER NOT NULL DEFAULT 0,
    stray INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS intent (
    id INTEGER PRIMARY KEY,
    part_id INTEGER REFERENCES part(id),
    action TEXT NOT NULL,
    target TEXT,
    args TEXT,
    state TEXT NOT NULL,
    result TEXT,
    error TEXT,
    pid INTEGER,
    started_at REAL NOT NULL,
    ended_at REAL
);
CREATE INDEX IF NOT EXISTS part_state ON part(state);
CREATE INDEX IF NOT EXISTS batch_part ON batch(part_id);
CREATE INDEX IF NOT EXISTS intent_state ON intent(state);
"""


def jobs_root() -> Path:
    from batchtui.api.records import state_dir

    return state_dir() / JOBS_DIR


def check_name(name: str) -> str:
    """A job name is a file name: letters, digits, ``.``, ``_``, ``-``, up to 64."""
    if not _NAME.match(name) or ".." in name:
        raise UserError(
            f"not a valid job name: {name!r} (use letters, digits, '.', '_' and '-', up to "
            "64 characters, starting with a letter or digit)"
        )
    return name


def name_from_path(path: str | os.PathLike[str]) -> str:
    """A job name from the input's file name: ``big requests.jsonl`` -> ``big_requests``."""
    stem = Path(path).name
    for suffix in (".jsonl", ".json", ".txt"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:56] or "job"
    cleaned = re.sub(r"\.\.+", ".", cleaned)
    if not cleaned[0].isalnum():
        cleaned = "job" + cleaned
    return cleaned


def new_job_id() -> str:
    return "job_" + secrets.token_hex(8)


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _load(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def pack_ids(ids: Sequence[str]) -> bytes:
    return zlib.compress("\n".join(ids).encode("utf-8", "surrogatepass"), 6)


def unpack_ids(data: bytes | None) -> set[str]:
    if not data:
        return set()
    text = zlib.decompress(data).decode("utf-8", "surrogatepass")
    return set(text.split("\n")) if text else set()


# ---------------------------------------------------------------------- rows


_Row = TypeVar("_Row")


def _from_row(
    cls: type[_Row],
    row: sqlite3.Row,
    *,
    json_cols: Sequence[str] = (),
    json_dicts: Sequence[str] = (),
    flags: Sequence[str] = (),
    columns: Mapping[str, str] | None = None,
) -> _Row:
    """A row dataclass from its table's row: each field from the column of its name (or
    ``columns[field]``); ``json_cols`` decoded (None when empty or unreadable), ``json_dicts``
    likewise but {} for None, ``flags`` (0/1) as bools."""
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = row[columns.get(f.name, f.name) if columns else f.name]
        if f.name in json_cols:
            value = _load(value)
        elif f.name in json_dicts:
            value = _load(value) or {}
        elif f.name in flags:
            value = bool(value)
        values[f.name] = value
    return cls(**values)


@dataclass(frozen=True)
class JobRow:
    job_id: str
    name: str
    input_path: str
    input_size: int
    input_mtime_ns: int
    input_sha256: str
    endpoint: str
    model: str | None
    options: dict[str, Any]
    state: str
    cancel_requested: bool
    base_url: str | None
    tokens_mode: str | None
    created_at: float
    updated_at: float
    finished_at: float | None
    message: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> JobRow:
        return _from_row(cls, row, json_dicts=("options",), flags=("cancel_requested",))


@dataclass(frozen=True)
class PartRow:
    id: int
    label: str
    parent_id: int | None
    reason: str  # "split", "leftover" or "retry"
    round: int  # retry round of failed requests (0: first try)
    generation: int  # how many parents it has
    first_line: int
    last_line: int
    start: int
    end: int
    spans: bytes | None
    requests: int
    bytes: int
    sha256: str
    tokens: dict[str, int] | None
    state: str
    file_id: str | None
    batch_id: str | None
    attempts: int
    waits: int
    not_before: float | None
    status: str | None
    counts: dict[str, Any] | None
    message: str | None
    delegated: builtins.bytes | None  # (``bytes`` is a field name here)
    created_at: float
    updated_at: float
    done_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PartRow:
        return _from_row(
            cls,
            row,
            json_cols=("tokens", "counts"),
            columns={"start": "start_byte", "end": "end_byte"},
        )

    @property
    def terminal(self) -> bool:
        return self.state in PART_TERMINAL

    def span_list(self) -> list[tuple[int, int]]:
        """The byte spans of the input this part is made of."""
        if self.spans is None:
            return [(self.start, self.end)]
        from batchtui.jsonl.spans import unpack_spans

        return unpack_spans(self.spans)


@dataclass(frozen=True)
class BatchRow:
    batch_id: str
    part_id: int
    file_id: str | None
    intent_id: int | None
    status: str | None
    created_at: float | None
    ended_at: float | None
    output_file_id: str | None
    error_file_id: str | None
    output_path: str | None
    error_path: str | None
    downloaded: bool
    counts: dict[str, Any] | None
    error_code: str | None
    error_message: str | None
    usage: dict[str, Any] | None
    adopted: bool
    stray: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> BatchRow:
        return _from_row(
            cls, row, json_cols=("counts", "usage"), flags=("downloaded", "adopted", "stray")
        )


@dataclass(frozen=True)
class IntentRow:
    id: int
    part_id: int | None
    action: str
    target: str | None
    args: dict[str, Any]
    state: str
    result: dict[str, Any] | None
    error: str | None
    pid: int | None
    started_at: float
    ended_at: float | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> IntentRow:
        return _from_row(cls, row, json_cols=("result",), json_dicts=("args",))


@dataclass(frozen=True)
class NewPart:
    """A part to insert (from the plan, or a child of a settled part)."""

    label: str
    reason: str
    first_line: int
    last_line: int
    start: int
    end: int
    requests: int
    bytes: int
    sha256: str
    tokens: Mapping[str, int] | None
    spans: builtins.bytes | None = None  # (``bytes`` is a field name here)
    parent_id: int | None = None
    round: int = 0
    generation: int = 0
    not_before: float | None = None


# ---------------------------------------------------------------------- the store


_PART_COLUMNS = frozenset(
    {
        "state",
        "file_id",
        "batch_id",
        "attempts",
        "waits",
        "not_before",
        "status",
        "counts",
        "message",
        "delegated",
        "done_at",
        "tokens",
    }
)
_BATCH_COLUMNS = frozenset(
    {
        "status",
        "ended_at",
        "output_file_id",
        "error_file_id",
        "output_path",
        "error_path",
        "downloaded",
        "counts",
        "error_code",
        "error_message",
        "usage",
        "stray",
    }
)
_JSON_COLUMNS = frozenset({"counts", "tokens", "usage"})


@dataclass
class JobStore:
    """One job's database. Open with :meth:`open` or :meth:`create`; close when done.

    Every method commits before it returns (or, inside :meth:`transaction`, at its end), so
    what it wrote is durable by then.
    """

    directory: Path
    conn: sqlite3.Connection = field(repr=False)
    _depth: int = 0

    # -- opening --------------------------------------------------------------------------

    @staticmethod
    def path_for(name: str, root: Path | None = None) -> Path:
        return (root if root is not None else jobs_root()) / check_name(name)

    @classmethod
    def _connect(cls, directory: Path, *, create: bool) -> JobStore:
        db = directory / DB_NAME
        if not create and not db.exists():
            raise UserError(f"no job named {directory.name!r} (see batchtui job list)")
        try:
            conn = sqlite3.connect(db, timeout=30.0, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
        except sqlite3.Error as exc:
            raise UserError(f"{db}: cannot open the job database ({exc})") from None
        return cls(directory, conn)

    @classmethod
    def open(cls, name: str, root: Path | None = None) -> JobStore:
        """The existing job ``name``; a one-line UserError when there is none."""
        directory = cls.path_for(name, root)
        store = cls._connect(directory, create=False)
        try:
            version = store.conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            store.close()
            raise UserError(f"{directory / DB_NAME}: not a job database ({exc})") from None
        if version is None or int(version[0]) != SCHEMA_VERSION:
            store.close()
            raise UserError(
                f"{directory / DB_NAME}: written by another batchtui version (schema "
                f"{version[0] if version else '?'}, this one reads {SCHEMA_VERSION})"
            )
        return store

    @classmethod
    def create(
        cls,
        name: str,
        *,
        job_id: str,
        input_path: str,
        input_size: int,
        input_mtime_ns: int,
        input_sha256: str,
        endpoint: str,
        model: str | None,
        options: Mapping[str, Any],
        base_url: str | None,
        tokens_mode: str | None,
        parts: Sequence[NewPart],
        root: Path | None = None,
    ) -> JobStore:
        """A new job with its planned parts, written in one transaction. Refused (UserError)
        when a job of that name exists."""
        directory = cls.path_for(name, root)
        try:
            directory.parent.mkdir(parents=True, exist_ok=True)
            directory.mkdir(mode=0o700)
        except FileExistsError:
            raise UserError(
                f"a job named {name!r} exists already: `batchtui job resume {name}` continues "
                "it, or choose another --name"
            ) from None
        except OSError as exc:
            from batchtui.core.atomic import write_error

            raise write_error(directory, exc) from None
        store = cls._connect(directory, create=True)
        try:
            now = time.time()
            # executescript commits whatever is pending: the schema goes first, on its own.
            store.conn.executescript(_SCHEMA)
            with store.transaction():
                store.conn.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
                store.conn.execute(
                    "INSERT INTO job (id, job_id, name, input_path, input_size, input_mtime_ns,"
                    " input_sha256, endpoint, model, options, state, base_url, tokens_mode,"
                    " created_at, updated_at) VALUES (1,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        job_id,
                        name,
                        input_path,
                        input_size,
                        input_mtime_ns,
                        input_sha256,
                        endpoint,
                        model,
                        _json(dict(options)),
                        RUNNING,
                        base_url,
                        tokens_mode,
                        now,
                        now,
                    ),
                )
                store.add_parts(parts)
        except BaseException:
            store.close()
            import shutil

            shutil.rmtree(directory, ignore_errors=True)  # a job half written is no job
            raise
        return store

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __enter__(self) -> JobStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def name(self) -> str:
        return self.directory.name

    @property
    def files_dir(self) -> Path:
        return self.directory / FILES_DIR

    @property
    def merged_dir(self) -> Path:
        return self.directory / MERGED_DIR

    # -- transactions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Everything inside commits together (nested uses join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield self.conn
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.conn
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    # -- job ----------------------------------------------------------------------------------

    def job(self) -> JobRow:
        return JobRow.from_row(self.conn.execute("SELECT * FROM job WHERE id=1").fetchone())

    def update_job(self, **fields: Any) -> None:
        allowed = {"state", "cancel_requested", "finished_at", "message", "options"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"not job columns: {bad}")
        if "options" in fields:
            fields["options"] = _json(fields["options"])
        fields["updated_at"] = time.time()
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.transaction():
            self.conn.execute(f"UPDATE job SET {cols} WHERE id=1", tuple(fields.values()))

    # -- parts ----------------------------------------------------------------------------------

    def add_parts(self, parts: Sequence[NewPart]) -> list[int]:
        now = time.time()
        ids = []
        with self.transaction():
            for p in parts:
                cur = self.conn.execute(
                    "INSERT INTO part (label, parent_id, reason, round, generation, first_line,"
                    " last_line, start_byte, end_byte, spans, requests, bytes, sha256, tokens,"
                    " state, not_before, created_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        p.label,
                        p.parent_id,
                        p.reason,
                        p.round,
                        p.generation,
                        p.first_line,
                        p.last_line,
                        p.start,
                        p.end,
                        p.spans,
                        p.requests,
                        p.bytes,
                        p.sha256,
                        _json(dict(p.tokens)) if p.tokens is not None else None,
                        PENDING,
                        p.not_before,
                        now,
                        now,
                    ),
                )
                ids.append(int(cur.lastrowid or 0))
        return ids

    def parts(self) -> list[PartRow]:
        rows = self.conn.execute("SELECT * FROM part ORDER BY id").fetchall()
        return [PartRow.from_row(r) for r in rows]

    def part(self, part_id: int) -> PartRow:
        row = self.conn.execute("SELECT * FROM part WHERE id=?", (part_id,)).fetchone()
        if row is None:
            raise KeyError(part_id)
        return PartRow.from_row(row)

    def children(self, part_id: int) -> list[PartRow]:
        rows = self.conn.execute(
            "SELECT * FROM part WHERE parent_id=? ORDER BY id", (part_id,)
        ).fetchall()
        return [PartRow.from_row(r) for r in rows]

    def update_part(self, part_id: int, **fields: Any) -> None:
        bad = set(fields) - _PART_COLUMNS
        if bad:
            raise ValueError(f"not part columns: {bad}")
        for key in _JSON_COLUMNS & set(fields):
            fields[key] = _json(fields[key])
        fields["updated_at"] = time.time()
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.transaction():
            self.conn.execute(f"UPDATE part SET {cols} WHERE id=?", (*fields.values(), part_id))

    # -- batches ----------------------------------------------------------------------------------

    def add_batch(
        self,
        batch_id: str,
        part_id: int,
        *,
        file_id: str | None,
        intent_id: int | None,
        status: str | None,
        created_at: float | None,
        adopted: bool = False,
        stray: bool = False,
    ) -> None:
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO batch (batch_id, part_id, file_id, intent_id, status,"
                " created_at, adopted, stray) VALUES (?,?,?,?,?,?,?,?)",
                (batch_id, part_id, file_id, intent_id, status, created_at, adopted, stray),
            )

    def batch(self, batch_id: str) -> BatchRow | None:
        row = self.conn.execute("SELECT * FROM batch WHERE batch_id=?", (batch_id,)).fetchone()
        return BatchRow.from_row(row) if row is not None else None

    def batches(self, part_id: int | None = None) -> list[BatchRow]:
        if part_id is None:
            rows = self.conn.execute("SELECT * FROM batch ORDER BY rowid").fetchall()
        else:
            rows = self.conn.execute(
                "SELECT * FROM batch WHERE part_id=? ORDER BY rowid", (part_id,)
            ).fetchall()
        return [BatchRow.from_row(r) for r in rows]

    def update_batch(self, batch_id: str, **fields: Any) -> None:
        bad = set(fields) - _BATCH_COLUMNS
        if bad:
            raise ValueError(f"not batch columns: {bad}")
        for key in _JSON_COLUMNS & set(fields):
            fields[key] = _json(fields[key])
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.transaction():
            self.conn.execute(
                f"UPDATE batch SET {cols} WHERE batch_id=?", (*fields.values(), batch_id)
            )

    # -- intents ------------------------------------------------------------------------------------

    def begin(
        self,
        action: str,
        part_id: int | None,
        target: str | None = None,
        args: Mapping[str, Any] | None = None,
    ) -> int:
        """Write (and commit) the intent to make a call; its id."""
        with self.transaction():
            cur = self.conn.execute(
                "INSERT INTO intent (part_id, action, target, args, state, pid, started_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (
                    part_id,
                    action,
                    target,
                    _json(dict(args or {})),
                    OPEN,
                    os.getpid(),
                    time.time(),
                ),
            )
        return int(cur.lastrowid or 0)

    def end(
        self,
        intent_id: int,
        state: str,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE intent SET state=?, result=?, error=?, ended_at=? WHERE id=?",
                (state, _json(dict(result)) if result else None, error, time.time(), intent_id),
            )

    def intents(self, *, state: str | None = None, action: str | None = None) -> list[IntentRow]:
        query = "SELECT * FROM intent"
        where, args = [], []
        if state is not None:
            where.append("state=?")
            args.append(state)
        if action is not None:
            where.append("action=?")
            args.append(action)
        if where:
            query += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(query + " ORDER BY id", args).fetchall()
        return [IntentRow.from_row(r) for r in rows]

    def intent(self, intent_id: int) -> IntentRow:
        row = self.conn.execute("SELECT * FROM intent WHERE id=?", (intent_id,)).fetchone()
        if row is None:
            raise KeyError(intent_id)
        return IntentRow.from_row(row)

    def count_intents(self, action: str | None = None) -> int:
        if action is None:
            return int(self.conn.execute("SELECT count(*) FROM intent").fetchone()[0])
        return int(
            self.conn.execute("SELECT count(*) FROM intent WHERE action=?", (action,)).fetchone()[0]
        )


def list_job_names(root: Path | None = None) -> list[str]:
    """Names of the jobs under the state directory (those with a database), sorted."""
    base = root if root is not None else jobs_root()
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return []
    return [n for n in entries if _NAME.match(n) and (base / n / DB_NAME).exists()]
