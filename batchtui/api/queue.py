"""The enqueued-token queue as the account sees it: the limits, and what is in the queue.

**Limits.** With an admin key (``OPENAI_ADMIN_KEY``), from the Admin API:
``GET /v1/organization/projects/{project_id}/rate_limits``, field
``batch_1_day_max_input_tokens`` of each model's ``project.rate_limit`` (OpenAI's OpenAPI spec,
``ProjectRateLimit``; "only present for relevant models"). The project is ``OPENAI_PROJECT_ID``
or, when the organisation has exactly one active project, that one
(``GET /v1/organization/projects``). Otherwise, or for models the Admin API does not list, from
the config file's ``[queue]`` table (model = tokens). A source that cannot be read is said in
:attr:`QueueLimits.problems`, never fatal: the check then knows less, and says so.

**What is queued.** The input tokens of the account's validating, in-progress and finalizing
batches, per model: exact for batches submitted from here (the count stored in the submission
record at submit time), else counted from the batch's input file, downloaded through the one
download-and-cache path (:mod:`batchtui.api.batch_files`: the batch's cache folder, where the
Results view finds it later), and marked as estimated; counts are kept per file id (a file
never changes) in ``$BATCHTUI_STATE_DIR/queue_counts.json``. A batch whose input cannot be downloaded (deleted,
too much to download for one check) is named as not counted, never guessed.

The arithmetic is :mod:`batchtui.cost.queue`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batchtui.api.errors import ApiError
from batchtui.api.records import SubmissionRecord, state_dir
from batchtui.core.atomic import atomic_write
from batchtui.core.errors import UserError
from batchtui.cost.encodings import OfflineError
from batchtui.cost.queue import (
    ACTIVE_STATUSES,
    UNKNOWN_MODEL,
    Enqueued,
    QueuedBatch,
    QueueLimits,
    enqueued_tokens,
)

if TYPE_CHECKING:
    from batchtui.api.models import BatchView
    from batchtui.api.service import BatchService

COUNTS_FILE = "queue_counts.json"
COUNTS_KEPT = 2000  # file ids remembered (oldest forgotten first)
# Input files downloaded for one look at the queue, at most (a 200 MB file takes seconds to
# fetch and count; the rest are named as not counted).
DEFAULT_DOWNLOAD_BUDGET = 1024**3
_MAX_PAGES = 50  # rate-limit and project pages followed at most (100 entries each)


@dataclass(frozen=True)
class QueueSettings:
    """Where the limits come from and how hard to look at the queue."""

    admin_key: str | None = field(default=None, repr=False)
    project_id: str | None = None
    config_limits: Mapping[str, int] = field(default_factory=dict)  # the config's [queue]
    count_others: bool = True  # download and count inputs of batches not submitted here
    download_budget: int = DEFAULT_DOWNLOAD_BUDGET

    @classmethod
    def from_settings(
        cls, settings: Any, config_limits: Mapping[str, int] | None = None, **overrides: Any
    ) -> QueueSettings:
        """From the settings (``core.settings``): the admin key and project (``OPENAI_ADMIN_KEY``,
        ``OPENAI_PROJECT_ID``) and the config file's ``[queue]`` table; ``config_limits``
        (``--queue-limit``) win over the table for their models."""
        admin = settings.api.admin_key
        return cls(
            admin_key=admin.get_secret_value() if admin is not None else None,
            project_id=settings.api.project,
            config_limits={**settings.queue, **(config_limits or {})},
            **overrides,
        )

    @classmethod
    def from_env(
        cls,
        config_limits: Mapping[str, int] | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> QueueSettings:
        """:meth:`from_settings` with the settings loaded now (environment, config file).
        Raises UserError for a bad config file or variable."""
        from batchtui.core.settings import load_settings

        return cls.from_settings(load_settings(environ=environ), config_limits, **overrides)


# --------------------------------------------------------------------------- limits


async def read_admin_limits(
    service: BatchService, admin_key: str, project_id: str | None = None
) -> QueueLimits:
    """``batch_1_day_max_input_tokens`` per model of one project, from the Admin API.

    Raises :class:`ApiError` when the API cannot be read and :class:`UserError` when the
    project cannot be told (several projects and no ``OPENAI_PROJECT_ID``).
    """
    project = project_id or service.settings.project
    if not project:
        project = await _only_project(service, admin_key)
    limits: dict[str, int] = {}
    query: dict[str, Any] = {"limit": 100}
    for _ in range(_MAX_PAGES):
        page = await service.get_json(
            f"/organization/projects/{project}/rate_limits",
            params=query,
            bearer=admin_key,
            action="reading the project's rate limits (Admin API)",
            what=f"project {project}",
        )
        data, has_more = _page(page, "rate limits")
        for item in data:
            model = item.get("model")
            tokens = item.get("batch_1_day_max_input_tokens")
            if isinstance(model, str) and isinstance(tokens, int) and not isinstance(tokens, bool):
                limits[model] = max(0, tokens)
        last = data[-1].get("id") if data else None
        if not has_more or not isinstance(last, str):
            break
        query["after"] = last
    return QueueLimits(limits, f"Admin API, project {project}")


async def _only_project(service: BatchService, admin_key: str) -> str:
    active: list[str] = []
    query: dict[str, Any] = {"limit": 100}
    for _ in range(_MAX_PAGES):
        page = await service.get_json(
            "/organization/projects",
            params=query,
            bearer=admin_key,
            action="listing the organization's projects (Admin API)",
        )
        data, has_more = _page(page, "projects")
        active += [
            p["id"]
            for p in data
            if isinstance(p.get("id"), str) and p.get("status", "active") in ("active", None)
        ]
        last = data[-1].get("id") if data else None
        if not has_more or not isinstance(last, str):
            break
        query["after"] = last
    if len(active) == 1:
        return active[0]
    if not active:
        raise UserError("the Admin API lists no active project")
    shown = ", ".join(active[:5]) + (" …" if len(active) > 5 else "")
    raise UserError(
        f"the organization has {len(active)} projects ({shown}): set OPENAI_PROJECT_ID to "
        "the project whose queue limits apply"
    )


def _page(page: Any, what: str) -> tuple[list[Mapping[str, Any]], bool]:
    if not isinstance(page, Mapping) or not isinstance(page.get("data"), list):
        raise ApiError(
            f"the Admin API answered the {what} with something that is not a list", kind="server"
        )
    data = [item for item in page["data"] if isinstance(item, Mapping)]
    return data, page.get("has_more") is True


async def load_limits(service: BatchService, settings: QueueSettings) -> QueueLimits:
    """The limits: the Admin API's when an admin key is set (the config fills models it does
    not list), else the config file's. Never raises for an unreadable source."""
    config = dict(settings.config_limits)
    problems: list[str] = []
    if settings.admin_key:
        try:
            admin = await read_admin_limits(service, settings.admin_key, settings.project_id)
        except UserError as exc:
            problems.append(f"queue limits: the Admin API could not be read: {exc.message}")
        else:
            merged = {**config, **admin.limits}
            source = admin.source + (", config file" if set(config) - set(admin.limits) else "")
            return QueueLimits(merged, source)
    if config:
        return QueueLimits(config, "config file", tuple(problems))
    return QueueLimits({}, "", tuple(problems))


# -------------------------------------------------------------------------- counts


class CountCache:
    """Input tokens per model of files counted before, by file id (a file never changes).

    A small JSON file written atomically; unreadable or foreign content is ignored (the
    counts are made again), never fatal.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else state_dir() / COUNTS_FILE
        self._data: dict[str, dict[str, Any]] | None = None

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._data is None:
            try:
                raw = json.loads(self.path.read_bytes())
            except (OSError, ValueError):
                raw = {}
            entries = raw.get("counts") if isinstance(raw, dict) else None
            self._data = {
                k: v
                for k, v in (entries or {}).items()
                if isinstance(k, str) and isinstance(v, dict) and _models(v.get("models"))
            }
        return self._data

    def get(self, file_id: str) -> dict[str, int] | None:
        entry = self._load().get(file_id)
        return _models(entry.get("models")) if entry else None

    def put(self, file_id: str, models: Mapping[str, int]) -> None:
        data = self._load()
        data[file_id] = {"models": dict(models), "counted_at": time.time()}
        if len(data) > COUNTS_KEPT:
            oldest = sorted(data, key=lambda k: data[k].get("counted_at") or 0)
            for key in oldest[: len(data) - COUNTS_KEPT]:
                del data[key]
        payload = json.dumps({"version": 1, "counts": data}, ensure_ascii=False).encode()
        with contextlib.suppress(OSError, UserError):  # a cache: losing it costs a recount
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(self.path) as f:
                f.write(payload)


def _models(value: Any) -> dict[str, int] | None:
    if not isinstance(value, Mapping) or not value:
        return None
    out: dict[str, int] = {}
    for model, tokens in value.items():
        if not isinstance(model, str) or isinstance(tokens, bool) or not isinstance(tokens, int):
            return None
        out[model] = max(0, tokens)
    return out


def count_input_file(path: str | os.PathLike[str]) -> dict[str, int]:
    """Input tokens per model of a batch input file (the exact count of batchtui.cost)."""
    from batchtui.cost.scan import count_file

    tokens = count_file(path)
    return {name: totals.input_tokens for name, totals in tokens.models.items()}


# Progress of a look at the queue: (what is being done, e.g. "counting batch_abc's input").
QueueProgress = Callable[[str], None]


@dataclass
class QueueState:
    """The limits and what the account has in the queue, per model."""

    limits: QueueLimits
    queues: dict[str, Enqueued]
    batches: list[QueuedBatch]
    notes: list[str] = field(default_factory=list)  # e.g. a download that failed


async def queued_batches(
    service: BatchService,
    batches: Iterable[BatchView],
    records: Mapping[str, SubmissionRecord],
    *,
    cache: CountCache | None = None,
    count_others: bool = True,
    download_budget: int = DEFAULT_DOWNLOAD_BUDGET,
    progress: QueueProgress | None = None,
    notes: list[str] | None = None,
) -> list[QueuedBatch]:
    """The account's batches that hold queue room, with their input tokens (see the module
    docstring for where each figure comes from)."""
    cache = cache if cache is not None else CountCache()
    budget = download_budget
    out: list[QueuedBatch] = []
    for batch in batches:
        if batch.status not in ACTIVE_STATUSES:
            continue
        record = records.get(batch.id)
        if record is not None and record.input_tokens:
            out += [
                QueuedBatch(batch.id, m, batch.status, n) for m, n in record.input_tokens.items()
            ]
            continue
        models = cache.get(batch.input_file_id) if batch.input_file_id else None
        if models is None and count_others and batch.input_file_id:
            size = await _input_size(service, batch.input_file_id)
            if size is not None and size <= budget:
                budget -= size
                if progress is not None:
                    progress(f"counting the input of {batch.id}")
                try:
                    models = await _download_and_count(service, batch)
                except (UserError, OfflineError) as exc:
                    reason = exc.message if isinstance(exc, UserError) else str(exc)
                    if notes is not None:
                        notes.append(f"{batch.id}: its input could not be counted ({reason})")
                else:
                    cache.put(batch.input_file_id, models)
        if models is None:
            model = batch.model or UNKNOWN_MODEL
            out.append(QueuedBatch(batch.id, model, batch.status, None, exact=False))
            continue
        out += [QueuedBatch(batch.id, m, batch.status, n, exact=False) for m, n in models.items()]
    return out


async def _input_size(service: BatchService, file_id: str) -> int | None:
    try:
        info = await service.get_file(file_id)
    except UserError:
        return None
    return info.bytes if info.bytes is not None else None


async def _download_and_count(service: BatchService, batch: BatchView) -> dict[str, int]:
    """The batch's input through the one download-and-cache path (its cache folder, where
    ``results BATCH_ID`` and the dashboard find it later), counted."""
    from batchtui.api.batch_files import fetch_batch_files

    files = await fetch_batch_files(service, batch, kinds=("input",))
    if files.input is None:
        raise UserError(f"batch {batch.id} has no input file")
    return await asyncio.to_thread(count_input_file, files.input)


# A batch holds queue room for at most its 24 h window plus finalizing: listing stops at a
# page of batches all older than this (the list comes newest first; OpenAI does not promise
# it, so an older batch on a later page would be missed, never a newer one wrongly counted).
RECENT_SECONDS = 3 * 86_400


async def recent_batches(
    service: BatchService, *, now: float | None = None, page_size: int = 100
) -> list[BatchView]:
    """The account's batches, newest first, down to the first page that is all older than
    :data:`RECENT_SECONDS` (an account with years of batches is not listed in full)."""
    cutoff = (time.time() if now is None else now) - RECENT_SECONDS
    return await batches_since(service, cutoff, page_size=page_size)


async def batches_since(
    service: BatchService, cutoff: float, *, page_size: int = 100
) -> list[BatchView]:
    """The account's batches, newest first, down to the first page all older than ``cutoff``
    (the order OpenAI is observed to list in; an older batch on a later page would be
    missed, never a newer one)."""
    found: list[BatchView] = []
    pages = service.list_pages(page_size=page_size)
    try:
        async for page in pages:
            found.extend(page)
            if page and all(b.created_at is not None and b.created_at < cutoff for b in page):
                break
    finally:
        await pages.aclose()  # type: ignore[attr-defined]
    return found


async def queue_state(
    service: BatchService,
    settings: QueueSettings,
    *,
    batches: list[BatchView] | None = None,
    limits: QueueLimits | None = None,
    progress: QueueProgress | None = None,
) -> QueueState:
    """Limits and queues in one look (the batches are listed unless given)."""
    if limits is None:
        limits = await load_limits(service, settings)
    if batches is None:
        if progress is not None:
            progress("listing the account's batches")
        batches = await recent_batches(service)
    records = await asyncio.to_thread(service.records.by_batch_id)
    notes: list[str] = list(limits.problems)
    queued = await queued_batches(
        service,
        batches,
        records,
        count_others=settings.count_others,
        download_budget=settings.download_budget,
        progress=progress,
        notes=notes,
    )
    return QueueState(limits, enqueued_tokens(queued), queued, notes)
