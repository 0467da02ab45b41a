"""The Batch API service: a thin layer over ``openai.AsyncOpenAI``. A batch's files are
brought to disk by :mod:`batchtui.api.batch_files` with :meth:`BatchService.download_file`.

Importing this module imports ``openai`` (about a second): the dashboard and the CLI import
it only when they need the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar, cast

import httpx2
import openai
import orjson
from openai import AsyncOpenAI

from batchtui.api.config import ClientSettings
from batchtui.api.errors import NO_KEY_MESSAGE, ApiError, translate
from batchtui.api.models import BatchView, FileView, sort_newest_first
from batchtui.api.records import RecordStore, SubmissionRecord
from batchtui.core import atomic
from batchtui.core.errors import UserError

T = TypeVar("T")

Progress = Callable[[int, "int | None"], None]  # (bytes done, total bytes or None)

_PROGRESS_STEP = 512 * 1024  # report download progress at most every this many bytes
MAX_RETRY_DELAY = 5.0  # a restarted server is found within seconds of coming back
_DOWNLOAD_WRITE_BUFFER = 1024 * 1024
# Errors of one download request after which the next request may succeed.
_TRANSIENT = (httpx2.TransportError, openai.APIConnectionError)


@dataclass(frozen=True)
class Submission:
    batch: BatchView
    file: FileView
    record: SubmissionRecord
    warning: str | None = None  # all of ``warnings`` in one line
    report: Any = None  # the ReportSnapshot of the bytes that were uploaded
    warnings: tuple[str, ...] = ()  # e.g. forced past errors; the local record not written
    # The enqueued-token check made before uploading (batchtui.api.submit.QueueCheck).
    queue: Any = None


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    bytes: int
    attempts: int  # HTTP requests it took (1 = no interruption)
    resumed: bool  # a Range request continued a partial download


class _Truncated(Exception):
    """The body ended before Content-Length said it would."""


def parse_json(body: bytes) -> Any:
    """A JSON body as Python, or None. Tolerant: a number orjson refuses (``1e400``, an
    integer beyond 64 bits, ``NaN``) must not make a whole page of batches unreadable."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


class _ProgressReader:
    """A file wrapper counting what the HTTP client reads (upload progress)."""

    def __init__(self, f: BinaryIO, total: int, progress: Progress | None) -> None:
        self._f = f
        self._total = total
        self._progress = progress
        self._done = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self._f.read(n)
        self._done += len(chunk)
        if self._progress is not None:
            self._progress(self._done, self._total)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        pos = self._f.seek(offset, whence)
        if whence == 0:
            self._done = pos  # the client rewinds before a retry
        return pos

    def tell(self) -> int:
        return self._f.tell()

    def fileno(self) -> int:
        return self._f.fileno()


def sniff_endpoint(path: Path) -> str | None:
    """The ``url`` of the first request line, which is the batch endpoint for a valid file."""
    import json

    limit = 4 * 1024 * 1024
    with open(path, "rb") as f:
        # readline with a limit: a first line of gigabytes is not read into memory whole.
        for raw in iter(lambda: f.readline(limit), b""):
            if len(raw) == limit and not raw.endswith(b"\n"):
                return None  # longer than any request: cannot tell
            if not raw.strip():
                continue
            try:
                url = json.loads(raw).get("url")
            except (ValueError, AttributeError, UnicodeDecodeError):
                return None
            return url if isinstance(url, str) else None
    return None


class BatchService:
    """List, retrieve, submit, cancel and download, with errors as :class:`ApiError`.

    Use as ``async with BatchService(ClientSettings.from_env()) as service: ...``; the
    ``AsyncOpenAI`` client is created on first use (so a missing key is reported then).
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        records: RecordStore | None = None,
        client: AsyncOpenAI | None = None,
        sleep: Callable[[float], Awaitable[Any]] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.settings = settings or ClientSettings.from_env()
        self._records = records
        self._client = client
        self._owns_client = client is None
        # Download retries wait with these (tests pass ones that need no real waiting).
        self._sleep = sleep or asyncio.sleep
        self._clock = clock or time.monotonic

    @classmethod
    def from_env(cls, **overrides: Any) -> BatchService:
        return cls(ClientSettings.from_env(**overrides))

    @property
    def records(self) -> RecordStore:
        if self._records is None:
            self._records = RecordStore()
        return self._records

    @property
    def client(self) -> AsyncOpenAI:
        if self._client is None:
            s = self.settings
            if not s.api_key:
                raise ApiError(NO_KEY_MESSAGE, kind="no_key")
            self._client = AsyncOpenAI(
                api_key=s.api_key,
                base_url=s.base_url,
                organization=s.organization,
                project=s.project,
                timeout=s.http_timeout(),
                max_retries=s.max_retries,
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.close()
            self._client = None

    async def __aenter__(self) -> BatchService:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---------------------------------------------------------------- errors

    @contextlib.asynccontextmanager
    async def _translated(self, action: str, what: str | None = None) -> AsyncIterator[None]:
        try:
            yield
        except openai.OpenAIError as exc:
            raise translate(
                exc,
                base_url=self.settings.display_base_url,
                api_key=self.settings.api_key,
                what=what,
                action=action,
            ) from exc

    def _client_for(self, retries: int | None) -> AsyncOpenAI:
        client = self.client
        return client if retries is None else client.with_options(max_retries=retries)

    async def _call(self, action: str, what: str | None, request: Awaitable[T]) -> T:
        """One API call, its retries included, bounded by ``settings.timeout`` in all: the
        SDK retries a timed-out request, so a server that never answers would otherwise
        cost a multiple of the per-request timeout before the user hears of it."""
        limit = self.settings.timeout
        async with self._translated(action, what):
            try:
                return await asyncio.wait_for(request, limit)
            except asyncio.TimeoutError:
                raise ApiError(
                    f"{action}: no answer from {self.settings.display_base_url} within "
                    f"{limit:g} s; the server may be down or overloaded (--timeout or "
                    "BATCHTUI_TIMEOUT waits longer)",
                    kind="timeout",
                ) from None

    async def _batch_call(
        self, action: str, what: str | None, request: Awaitable[Any]
    ) -> BatchView:
        """A call answering with one batch, read tolerantly (see :meth:`list_pages`)."""
        response = await self._call(action, what, request)
        data = parse_json(response.content)
        if not isinstance(data, Mapping):
            raise ApiError(
                f"{action}: {self.settings.display_base_url} answered with something that is "
                "not a batch",
                kind="server",
            )
        return BatchView.from_raw(data)

    # --------------------------------------------------------------- batches

    async def list_pages(
        self, *, page_size: int = 100, retries: int | None = None
    ) -> AsyncIterator[list[BatchView]]:
        """Pages of batches as the API returns them, following ``after`` like the SDK's cursor.

        The request goes through the SDK (auth, retries, errors), but the body is read raw:
        building SDK models costs ~45 ms per 500 batches against ~8 ms for ``orjson`` plus the
        tolerant views, and a dashboard lists them on every poll.
        """
        client = self._client_for(retries)
        query: dict[str, Any] = {"limit": page_size}
        while True:
            response = await self._call(
                "listing batches", None, client.batches.with_raw_response.list(**query)
            )
            data, has_more = _list_page(response.content, self.settings.display_base_url)
            yield [BatchView.from_raw(item) for item in data]
            last_id = data[-1].get("id") if data else None
            if has_more is False or not isinstance(last_id, str) or not last_id:
                return
            query["after"] = last_id

    async def list_batches(
        self, *, page_size: int = 100, max_items: int | None = None, retries: int | None = None
    ) -> list[BatchView]:
        """Every batch in the account (or the newest ``max_items``), newest first."""
        found: list[BatchView] = []
        async for page in self.list_pages(page_size=page_size, retries=retries):
            found.extend(page)
            if max_items is not None and len(found) >= max_items:
                break
        batches = sort_newest_first(found)
        return batches if max_items is None else batches[:max_items]

    async def retrieve(self, batch_id: str) -> BatchView:
        _check_id(batch_id, "batch")
        return await self._batch_call(
            "retrieving the batch",
            f"batch {batch_id}",
            self.client.batches.with_raw_response.retrieve(batch_id),
        )

    async def cancel(self, batch_id: str) -> BatchView:
        _check_id(batch_id, "batch")
        return await self._batch_call(
            f"cancelling {batch_id}",
            f"batch {batch_id}",
            self.client.batches.with_raw_response.cancel(batch_id),
        )

    async def get_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        bearer: str | None = None,
        action: str,
        what: str | None = None,
    ) -> Any:
        """GET ``path`` (under the base URL) through the SDK (auth, retries, errors as
        :class:`ApiError`), the body read as JSON (None when it is not). ``bearer`` replaces
        the API key for this one call: the Admin API takes an admin key."""
        options: dict[str, Any] = {"params": dict(params or {})}
        if bearer:
            options["headers"] = {"Authorization": f"Bearer {bearer}"}
        response = await self._call(
            action,
            what,
            # The SDK types options as its private RequestOptions TypedDict.
            self.client.get(path, cast_to=httpx2.Response, options=cast(Any, options)),
        )
        return parse_json(response.content)

    async def get_file(self, file_id: str) -> FileView:
        _check_id(file_id, "file")
        response = await self._call(
            "retrieving the file",
            f"file {file_id}",
            self.client.files.with_raw_response.retrieve(file_id),
        )
        data = parse_json(response.content)
        return FileView.from_raw(data if isinstance(data, Mapping) else {"id": file_id})

    async def submit(
        self,
        path: str | os.PathLike[str],
        *,
        endpoint: str | None = None,
        metadata: Mapping[str, str] | None = None,
        completion_window: str = "24h",
        progress: Progress | None = None,
        record: bool = True,
        force: bool = False,
    ) -> Submission:
        """Validate, upload and create: :func:`batchtui.api.submit.submit_file`, the one
        submit path (refused on validation errors unless ``force``)."""
        from batchtui.api.submit import submit_file

        return await submit_file(
            self,
            path,
            endpoint=endpoint,
            metadata=metadata,
            completion_window=completion_window,
            progress=progress,
            record=record,
            force=force,
        )

    async def upload(self, path: Path, name: str, *, progress: Progress | None = None) -> FileView:
        """Upload ``path`` as a batch input file named ``name`` (no overall deadline: a big
        file takes as long as it takes while bytes flow; a silent server is the transfer
        timeout)."""
        size = path.stat().st_size
        client = self.client
        with open(path, "rb") as f:
            reader = _ProgressReader(f, size, progress)
            async with self._translated(f"uploading {name}"):
                uploaded = await client.files.create(
                    # The reader counts bytes for the meter; httpx only calls read().
                    file=(name, reader, "application/jsonl"),  # type: ignore[arg-type]
                    purpose="batch",
                    timeout=self.settings.http_timeout(transfer=True),
                )
        return FileView.from_sdk(uploaded)

    async def upload_stream(
        self, stream: Any, name: str, *, progress: Progress | None = None
    ) -> FileView:
        """Upload a seekable binary stream (``read``/``seek``/``tell``, no ``fileno``: e.g.
        a :class:`~batchtui.jsonl.spans.SpanReader` over byte ranges of a bigger file) as a
        batch input file named ``name``. The client measures it by seeking to its end and
        rewinds it before a retry; it is read in chunks, never held whole."""
        size = stream.seek(0, os.SEEK_END)
        stream.seek(0)
        reader = _ProgressReader(stream, size, progress)
        async with self._translated(f"uploading {name}"):
            uploaded = await self.client.files.create(
                file=(name, reader, "application/jsonl"),  # type: ignore[arg-type]
                purpose="batch",
                timeout=self.settings.http_timeout(transfer=True),
            )
        return FileView.from_sdk(uploaded)

    async def list_files(
        self, *, purpose: str | None = None, page_size: int = 10_000
    ) -> list[FileView]:
        """Every file of the account (of ``purpose``), newest first, following ``after``."""
        query: dict[str, Any] = {"limit": page_size, "order": "desc"}
        if purpose:
            query["purpose"] = purpose
        found: list[FileView] = []
        while True:
            response = await self._call(
                "listing files", None, self.client.files.with_raw_response.list(**query)
            )
            data, has_more = _list_page(response.content, self.settings.display_base_url)
            found.extend(FileView.from_raw(item) for item in data)
            last_id = data[-1].get("id") if data else None
            if has_more is not True or not isinstance(last_id, str) or not last_id:
                return found
            query["after"] = last_id

    async def create_batch(
        self,
        input_file_id: str,
        *,
        endpoint: str,
        completion_window: str,
        metadata: Mapping[str, str] | None,
        retries: int | None = None,
    ) -> BatchView:
        """Create a batch. ``retries=0`` turns off the SDK's own retries: a create whose
        answer was lost may still have made the batch, and a caller that journals its calls
        (jobs) looks for it before trying again rather than making a second one."""
        return await self._batch_call(
            "creating the batch",
            None,
            self._client_for(retries).batches.with_raw_response.create(
                input_file_id=input_file_id,
                # Other services take values the SDK's Literals do not list (Groq: audio
                # endpoints, windows up to 7d); the submit path checked them.
                endpoint=endpoint,  # type: ignore[arg-type]
                completion_window=completion_window,  # type: ignore[arg-type]
                metadata=dict(metadata) if metadata else openai.omit,
            ),
        )

    async def delete_file(self, file_id: str) -> None:
        _check_id(file_id, "file")
        await self._call(
            f"deleting {file_id}", f"file {file_id}", self.client.files.delete(file_id)
        )

    # ------------------------------------------------------------- downloads

    async def download_file(
        self,
        file_id: str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        max_attempts: int | None = None,
        retry_delay: float = 0.5,
        retry_for: float | None = None,
    ) -> DownloadResult:
        """Stream a file's content to ``dest`` in constant memory.

        The bytes collect in a hidden ``.part`` file beside ``dest`` (:func:`part_path`) that
        replaces ``dest`` only when complete, so ``dest`` never holds a partial download.
        A lost connection (a drop mid-stream, a server restarting and refusing connections
        for a while, a short body, a 5xx) is retried with backoff, resuming with a Range
        request from the bytes on disk when the server honours it, until ``retry_for``
        seconds (default ``settings.retry_seconds``) pass without a byte arriving, or after
        ``max_attempts`` requests. Giving up keeps the ``.part``, and so does a killed
        process: the next download of the same file to the same place resumes it. A disk
        that is full or read-only is a one-line :class:`UserError` and leaves nothing.
        """
        _check_id(file_id, "file")
        dest = Path(dest)
        budget = self.settings.retry_seconds if retry_for is None else retry_for
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise atomic.write_error(dest, exc) from None
        part = part_path(dest, file_id)
        _clean_other_parts(dest, part)
        try:
            fd = os.open(part, os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise atomic.write_error(dest, exc) from None
        if not _try_lock(fd):
            os.close(fd)
            raise UserError(f"{dest} is being downloaded by another batchtui; try again later")
        out = atomic.open_fd(fd, "wb", buffering=_DOWNLOAD_WRITE_BUFFER)
        keep_part = False
        done = False
        attempts = 0
        failures = 0  # in a row, without a byte between them
        resumed = False
        total: int | None = None
        try:
            out.seek(0, os.SEEK_END)  # a .part from an earlier try: resume after its bytes
            last_byte_at = self._clock()
            while True:
                attempts += 1
                before = out.tell()
                try:
                    total, ranged = await self._fetch_into(file_id, out, before, total, progress)
                    resumed = resumed or ranged
                    break
                except ApiError as exc:
                    if exc.status == 416 and before:
                        # The .part is not a prefix of this file (longer than it): start over.
                        out.seek(0)
                        out.truncate()
                        total = None
                        continue
                    if not exc.retryable:
                        raise
                    error: BaseException = exc
                except (*_TRANSIENT, _Truncated) as exc:
                    error = exc
                if out.tell() > before:
                    last_byte_at = self._clock()
                    failures = 0
                failures += 1
                waited = self._clock() - last_byte_at
                if (max_attempts is not None and attempts >= max_attempts) or waited >= budget:
                    keep_part = out.tell() > 0
                    raise ApiError(
                        _gave_up(file_id, error, attempts, waited, out.tell()), kind="download"
                    ) from error
                delay = min(retry_delay * 2 ** (failures - 1), MAX_RETRY_DELAY)
                retry_after = getattr(error, "retry_after", None)
                if retry_after:
                    delay = max(delay, retry_after)
                delay = min(delay, max(budget - waited, 0.0))
                if delay > 0:
                    await self._sleep(delay)
            out.flush()
            os.fsync(out.fileno())
            size = out.tell()
            out.close()
            os.replace(part, dest)
            atomic.fsync_dir(dest.parent)
            done = True
        except OSError as exc:
            if exc.errno in atomic.DISK_ERRORS:
                raise atomic.write_error(dest, exc) from None
            raise
        except (asyncio.CancelledError, KeyboardInterrupt):
            keep_part = True  # interrupted, not wrong: the next download resumes it
            raise
        finally:
            if not done:
                with contextlib.suppress(OSError):
                    out.close()  # a full disk fails this flush too
                if not keep_part:
                    with contextlib.suppress(OSError):
                        part.unlink()
        return DownloadResult(dest, size, attempts, resumed)

    async def _fetch_into(
        self,
        file_id: str,
        out: BinaryIO,
        offset: int,
        total: int | None,
        progress: Progress | None,
    ) -> tuple[int | None, bool]:
        """One request: append the rest of the file to ``out``. Returns (total, resumed)."""
        if total is not None and offset >= total:
            return total, False
        # identity: byte offsets must mean file bytes, not gzip stream bytes.
        headers = {"Accept-Encoding": "identity"}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        # No SDK retries: the loop in download_file owns them (and resumes).
        client = self._client_for(0)
        async with (
            self._translated(f"downloading {file_id}", f"file {file_id}"),
            client.files.with_streaming_response.content(
                file_id,
                extra_headers=headers,
                timeout=self.settings.http_timeout(transfer=True),
            ) as response,
        ):
            http = response.http_response
            resumed = False
            content_range = http.headers.get("content-range", "")
            if offset and http.status_code == 206 and content_range.startswith(f"bytes {offset}-"):
                resumed = True
                _, _, size_part = content_range.rpartition("/")
                total = int(size_part) if size_part.isdigit() else total
            else:
                # A full body (Range ignored): start the file over.
                out.seek(0)
                out.truncate()
                offset = 0
                length = http.headers.get("content-length")
                total = int(length) if length and length.isdigit() else total
            received = offset
            reported = received
            if progress is not None:
                progress(received, total)
            async for chunk in response.iter_bytes():
                out.write(chunk)
                received += len(chunk)
                if progress is not None and received - reported >= _PROGRESS_STEP:
                    reported = received
                    progress(received, total)
            if progress is not None and reported != received:
                progress(received, total)
        if total is not None and received < total:
            raise _Truncated(f"{received} of {total} bytes")
        return total, resumed


def part_path(dest: Path, file_id: str) -> Path:
    """Where a download of ``file_id`` to ``dest`` collects its bytes: the same place for the
    same file and destination (so the next download resumes it), another for another file."""
    tag = hashlib.sha256(file_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return dest.with_name(f".{dest.name}.{tag}.part")


def _try_lock(fd: int) -> bool:
    """An exclusive advisory lock on an open file, without waiting (True where unsupported)."""
    try:
        import fcntl
    except ImportError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _clean_other_parts(dest: Path, keep: Path) -> None:
    """Remove the ``.part`` files of other downloads to ``dest`` (another file id, or the
    random names of older batchtui versions) that no running download holds."""
    pattern = re.compile(re.escape(f".{dest.name}.") + r"(?:[0-9a-f]{16}|[a-z0-9_]{8})\.part")
    try:
        names = os.listdir(dest.parent)
    except OSError:
        return
    for name in names:
        if name == keep.name or not pattern.fullmatch(name):
            continue
        path = dest.parent / name
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            if _try_lock(fd):
                path.unlink()
        except OSError:
            pass
        finally:
            os.close(fd)


def _gave_up(file_id: str, error: BaseException, attempts: int, waited: float, kept: int) -> str:
    reason = "the connection kept dropping"
    if isinstance(error, ApiError):  # "downloading X: cannot reach ..." -> "cannot reach ..."
        reason = error.message.partition(": ")[2] or error.message
    tail = (
        f"; {kept:,} bytes are kept and the next download resumes from there"
        if kept
        else "; try again"
    )
    return (
        f"downloading {file_id}: {reason} ({attempts} attempts, {waited:.0f} s without "
        f"progress){tail}"
    )


def _check_id(value: str, kind: str) -> None:
    # The SDK percent-encodes ids (proxies such as LiteLLM hand out encoded ones), but it
    # refuses dot segments with a bare ValueError: catch those here with a clear message.
    if not value or not value.strip() or any(seg in (".", "..") for seg in value.split("/")):
        raise UserError(f"not a valid {kind} id: {value!r}")


def _list_page(body: bytes, base_url: str) -> tuple[list[Mapping[str, Any]], object]:
    """The objects and ``has_more`` of a list page; an unreadable page is a server error."""
    page = parse_json(body)
    if not isinstance(page, Mapping) or not isinstance(page.get("data"), list):
        raise ApiError(
            f"{base_url} answered the batch list with something that is not a list page",
            kind="server",
        )
    return [item for item in page["data"] if isinstance(item, Mapping)], page.get("has_more")
