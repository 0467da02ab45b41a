"""The HTTP side: an aiohttp.web app speaking the Files and Batches wire format.

Start it inside a running loop (tests, ``batchtui demo``)::

    async with EmulatorServer(EmulatorOptions(speed=0, seed=1)) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key="sk-emulator")
        ...
        await emu.advance(3600)  # one emulated hour later

or standalone with ``batchtui emulator``.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import re
import secrets
import tempfile
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from batchtui.emulator import admin
from batchtui.emulator import options as o
from batchtui.emulator.batches import BatchRecord
from batchtui.emulator.clock import EmulatorClock
from batchtui.emulator.faults import FaultRule, Faults
from batchtui.emulator.files import StoredFile
from batchtui.emulator.state import EmulatorState
from batchtui.emulator.wire import (
    EmulatorError,
    bad_parameter,
    deleted_body,
    file_to_api,
    list_body,
    missing_parameter,
)

log = logging.getLogger(__name__)

_CHUNK = 256 * 1024
_BATCH_PATH = re.compile(r"^/v1/batches/([^/]+)")
_FILE_PATH = re.compile(r"^/v1/files/([^/]+)")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# C0 and C1 control characters and DEL: never part of a real file name.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@dataclass
class RequestLogEntry:
    method: str
    path: str
    query: str
    status: int


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def _mask_key(key: str) -> str:
    return key[:3] + "*" * 4 + key[-4:] if len(key) > 8 else "*" * len(key)


def _format_retry_after(seconds: float) -> str:
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}"


class EmulatorServer:
    """The emulator: state, clock and faults behind a real HTTP server on 127.0.0.1."""

    def __init__(self, options: o.EmulatorOptions | None = None, **overrides: Any) -> None:
        opts = options or o.EmulatorOptions()
        self.options = replace(opts, **overrides) if overrides else opts
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if self.options.data_dir is None:
            # A result writer thread may outlive close() by a moment: never fail the cleanup.
            self._tmp = tempfile.TemporaryDirectory(
                prefix="batchtui-emulator-", ignore_cleanup_errors=True
            )
            data_dir = Path(self._tmp.name)
        else:
            data_dir = Path(self.options.data_dir)
        self.state = EmulatorState(self.options, data_dir, persistent=self.options.keep_state)
        self.faults = Faults()
        self.requests: deque[RequestLogEntry] = deque(maxlen=10_000)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def clock(self) -> EmulatorClock:
        return self.state.clock

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What to pass as ``base_url`` / ``OPENAI_BASE_URL``."""
        return f"http://{self.options.host}:{self.port}/v1"

    async def start(self) -> None:
        app = self.make_app()
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        port = self._port if self._port is not None else self.options.port
        site = web.TCPSite(self._runner, self.options.host, port)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def stop_listening(self) -> None:
        """Close the socket and every connection but keep all files and batches: connections
        are refused until :meth:`start` listens again on the same port (a server restart)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.state.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> EmulatorServer:
        try:
            await self.start()
        except BaseException:
            await self.close()  # e.g. the port is taken: still remove the temp dir
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def advance(self, seconds: float) -> None:
        """Move the emulated clock forward and wait for every batch to catch up."""
        await self.state.advance(seconds)

    async def settle(self) -> None:
        await self.state.settle()

    def count_requests(self, method: str | None = None, path: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path is None or r.path == path)
        )

    # ------------------------------------------------------------------ app

    def make_app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._middleware], client_max_size=o.MAX_FILE_BYTES + 1024 * 1024
        )
        r = app.router
        r.add_post("/v1/files", self._upload)
        r.add_get("/v1/files", self._list_files)
        r.add_get("/v1/files/{file_id}", self._get_file)
        r.add_delete("/v1/files/{file_id}", self._delete_file)
        r.add_get("/v1/files/{file_id}/content", self._file_content)
        r.add_post("/v1/batches", self._create_batch)
        r.add_get("/v1/batches", self._list_batches)
        r.add_get("/v1/batches/{batch_id}", self._get_batch)
        r.add_post("/v1/batches/{batch_id}/cancel", self._cancel_batch)
        if self.options.admin_keys is not None:
            r.add_get("/v1/organization/projects", self._list_projects)
            r.add_get(
                "/v1/organization/projects/{project_id}/rate_limits", self._project_rate_limits
            )
        return app

    def _batch_of(self, path: str) -> BatchRecord | None:
        m = _BATCH_PATH.match(path)
        if m:
            return self.state.batches.get(m.group(1))
        m = _FILE_PATH.match(path)
        if m:
            return self.state.batch_for_file(m.group(1))
        return None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        request_id = "req_" + secrets.token_hex(16)
        status = 500
        try:
            response = await self._guarded(request, handler)
            status = response.status
        except EmulatorError as exc:
            status = exc.status
            response = _json(exc.body(), exc.status, exc.headers)
        except web.HTTPException as exc:
            if exc.status in (404, 405):
                status = 404
                response = _json(
                    EmulatorError(404, f"Invalid URL ({request.method} {request.path})").body(),
                    404,
                )
            else:
                raise
        finally:
            self.requests.append(
                RequestLogEntry(request.method, request.path, request.query_string, status)
            )
        if not response.prepared:
            response.headers["x-request-id"] = request_id
            response.headers.setdefault("openai-processing-ms", "7")
        return response

    async def _guarded(self, request: web.Request, handler: Any) -> web.StreamResponse:
        # Auth first: a real 429 or 500 only reaches callers who got past authentication.
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise EmulatorError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        key = auth[7:].strip()
        if request.path.startswith(admin.ADMIN_PREFIX) and self.options.admin_keys is not None:
            admin.check_admin_key(self.options, key)
        elif self.options.api_keys is not None and key not in self.options.api_keys:
            raise EmulatorError(
                401,
                f"Incorrect API key provided: {_mask_key(key)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
        self.state.tick()
        method, path = request.method, request.path
        batch = self._batch_of(path)
        delay = self.options.latency
        slow = self.faults.take(("slow",), method, path)
        if slow is not None:
            delay += slow.delay
        if batch is not None:
            delay += batch.faults.slow
        if delay > 0:
            await asyncio.sleep(delay)
        rule = self.faults.take(("rate_limit", "server_error"), method, path)
        if rule is None and batch is not None:
            if batch.rate_limits_left > 0:
                batch.rate_limits_left -= 1
                rule = FaultRule("rate_limit", retry_after=batch.faults.retry_after)
            elif batch.server_errors_left > 0:
                batch.server_errors_left -= 1
                rule = FaultRule("server_error")
        if rule is not None and rule.kind == "rate_limit":
            headers = {}
            if rule.retry_after is not None:
                headers["Retry-After"] = _format_retry_after(rule.retry_after)
            if rule.code == "insufficient_quota":
                raise EmulatorError(
                    429,
                    "You exceeded your current quota, please check your plan and billing details.",
                    type="insufficient_quota",
                    code="insufficient_quota",
                    headers={"x-should-retry": "false", **headers},
                )
            raise EmulatorError(
                429,
                "Rate limit reached for requests. Please try again later.",
                type="requests",
                code=rule.code or "rate_limit_exceeded",
                headers=headers,
            )
        if rule is not None:
            headers = {}
            if rule.retry_after is not None:
                headers["Retry-After"] = _format_retry_after(rule.retry_after)
            raise EmulatorError(
                rule.status,
                "The server had an error while processing your request. Sorry about that!",
                type="server_error",
                headers=headers,
            )
        return await handler(request)

    # ---------------------------------------------------------------- files

    async def _upload(self, request: web.Request) -> web.Response:
        if not request.content_type.startswith("multipart/"):
            raise EmulatorError(400, "Expected a multipart/form-data request body.")
        fields: dict[str, str] = {}
        filename: str | None = None
        size = 0
        utf8_ok = True
        first_line = bytearray()
        tmp = self.state.new_upload_path()
        too_big = False
        try:
            reader = await request.multipart()
            while True:
                try:
                    part = await reader.next()
                except HttpProcessingError:
                    # aiohttp refuses a part header with a control character in it (a
                    # filename with ESC or DEL): the client's request is malformed.
                    raise bad_parameter(
                        "file",
                        "Invalid 'file': the multipart part headers are malformed (a control "
                        "character in the filename?).",
                    ) from None
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue  # a nested multipart: nothing the API sends
                if part.name == "file" and part.filename is not None:
                    filename = part.filename
                    if _CONTROL.search(filename):
                        raise bad_parameter(
                            "file",
                            "Invalid 'file': the filename contains control characters.",
                        )
                    decoder = codecs.getincrementaldecoder("utf-8")("strict")
                    with open(tmp, "wb") as out:
                        while chunk := await part.read_chunk(_CHUNK):
                            size += len(chunk)
                            if size > o.MAX_FILE_BYTES:
                                too_big = True  # keep draining so the client sees our 400
                                continue
                            if utf8_ok:
                                try:
                                    decoder.decode(chunk)
                                except UnicodeDecodeError:
                                    utf8_ok = False
                            if len(first_line) < 65536 and b"\n" not in first_line:
                                first_line += chunk[:65536]
                            out.write(chunk)
                    if utf8_ok:
                        try:
                            decoder.decode(b"", final=True)
                        except UnicodeDecodeError:
                            utf8_ok = False
                elif part.name:
                    fields[part.name] = (await part.read(decode=True)).decode("utf-8", "replace")
            purpose = fields.get("purpose")
            if filename is None:
                raise missing_parameter("file")
            if not purpose:
                raise missing_parameter("purpose")
            if purpose not in o.UPLOAD_PURPOSES:
                supported = ", ".join(f"'{p}'" for p in o.UPLOAD_PURPOSES)
                raise bad_parameter(
                    "purpose",
                    f"Invalid value: '{purpose}'. Supported values are: {supported}.",
                )
            if too_big:
                raise EmulatorError(
                    400,
                    f"File is too large: {size:,} bytes is more than the {o.MAX_FILE_BYTES:,} "
                    "byte maximum.",
                    param="file",
                )
            expires_after = self._expires_after(fields)
            if purpose == "batch":
                self._check_batch_upload(filename, size, utf8_ok, bytes(first_line))
            stored = self.state.add_file(tmp, filename, purpose, expires_after=expires_after)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return _json(file_to_api(stored))

    def _expires_after(self, fields: dict[str, str]) -> int | None:
        anchor = fields.get("expires_after[anchor]")
        seconds = fields.get("expires_after[seconds]")
        if anchor is None and seconds is None:
            return None
        if anchor != "created_at":
            raise bad_parameter(
                "expires_after.anchor",
                f"Invalid value: '{anchor}'. Supported values are: 'created_at'.",
            )
        try:
            value = int(seconds or "")
        except ValueError:
            raise bad_parameter(
                "expires_after.seconds",
                "Invalid 'expires_after.seconds': expected an integer.",
                code="invalid_type",
            ) from None
        if not o.FILE_EXPIRY_MIN <= value <= o.FILE_EXPIRY_MAX:
            raise bad_parameter(
                "expires_after.seconds",
                f"Invalid 'expires_after.seconds': expected a value between "
                f"{o.FILE_EXPIRY_MIN} and {o.FILE_EXPIRY_MAX}, but got {value} instead.",
            )
        return value

    def _check_batch_upload(self, filename: str, size: int, utf8_ok: bool, head: bytes) -> None:
        # Messages as captured from OpenAI (BATCH_API.md §3).
        if not filename.lower().endswith(".jsonl"):
            raise EmulatorError(400, "Invalid file format for Batch API. Must be .jsonl")
        if size > self.options.max_batch_file_bytes:
            raise EmulatorError(
                400,
                f"File size of {size} bytes is larger than the "
                f"{self.options.max_batch_file_bytes} maximum for the Batch API.",
            )
        if not utf8_ok:
            raise EmulatorError(400, "Invalid file for Batch API. Must be utf-8 encoded")
        stripped = head.lstrip()
        if not stripped:
            raise EmulatorError(400, "Invalid file for Batch API. The file is empty.")
        first = stripped.split(b"\n", 1)[0]
        if b"\n" in stripped or len(head) < 65536:
            try:
                ok = isinstance(orjson.loads(first), dict)
            except orjson.JSONDecodeError:
                ok = False
            if not ok:
                raise EmulatorError(
                    400,
                    "Invalid file format for Batch API. The first line is not a valid JSON object.",
                )

    def _limit(self, request: web.Request, default: int, maximum: int) -> int:
        raw = request.query.get("limit")
        if raw is None:
            return default
        try:
            limit = int(raw)
        except ValueError:
            raise bad_parameter(
                "limit",
                f"Invalid 'limit': expected an integer, but got '{raw}' instead.",
                code="invalid_type",
            ) from None
        if limit < 1:
            raise bad_parameter(
                "limit",
                f"Invalid 'limit': integer below minimum value. Expected a value >= 1, but "
                f"got {limit} instead.",
                code="integer_below_min_value",
            )
        if limit > maximum:
            raise bad_parameter(
                "limit",
                f"Invalid 'limit': integer above maximum value. Expected a value <= "
                f"{maximum}, but got {limit} instead.",
                code="integer_above_max_value",
            )
        return limit

    @staticmethod
    def _page(
        items: list[Any], ids: list[str], after: str | None, limit: int
    ) -> tuple[list[Any], bool]:
        start = 0
        if after:
            try:
                start = ids.index(after) + 1
            except ValueError:
                raise bad_parameter(
                    "after",
                    f"Invalid 'after': no object with id '{after}'.",
                ) from None
        page = items[start : start + limit]
        return page, start + limit < len(items)

    async def _list_files(self, request: web.Request) -> web.Response:
        limit = self._limit(request, 10_000, 10_000)
        order = request.query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise bad_parameter(
                "order",
                f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
            )
        files = self.state.list_files(request.query.get("purpose"), order == "desc")
        page, has_more = self._page(files, [f.id for f in files], request.query.get("after"), limit)
        return _json(list_body([file_to_api(f) for f in page], has_more))

    async def _get_file(self, request: web.Request) -> web.Response:
        return _json(file_to_api(self.state.get_file(request.match_info["file_id"])))

    async def _delete_file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        self.state.delete_file(file_id)
        return _json(deleted_body(file_id))

    async def _file_content(self, request: web.Request) -> web.StreamResponse:
        stored = self.state.get_file(request.match_info["file_id"])
        size = stored.bytes
        start, end = 0, size - 1
        status = 200
        headers = {"Content-Type": "application/octet-stream"}
        if self.options.supports_range:
            headers["Accept-Ranges"] = "bytes"
            header = request.headers.get("Range")
            if header:
                start, end, status = self._parse_range(header, size)
                if status == 206:
                    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        length = max(end - start + 1, 0)
        headers["Content-Length"] = str(length)
        drop_after = self._drop_point(request, stored, length)
        response = web.StreamResponse(status=status, headers=headers)
        response.headers["x-request-id"] = "req_" + secrets.token_hex(16)
        await response.prepare(request)
        sent = 0
        with open(stored.path, "rb") as f:
            f.seek(start)
            while sent < length:
                want = min(_CHUNK, length - sent)
                if drop_after is not None:
                    want = min(want, drop_after - sent)
                    if want <= 0:
                        # Cut the connection mid-body, as a reset on a big download looks.
                        transport = request.transport
                        if transport is not None:
                            transport.abort()
                        return response
                chunk = f.read(want)
                if not chunk:
                    break
                await response.write(chunk)
                sent += len(chunk)
        await response.write_eof()
        return response

    def _drop_point(self, request: web.Request, stored: StoredFile, length: int) -> int | None:
        rule = self.faults.take(("drop",), request.method, request.path)
        batch = self.state.batch_for_file(stored.id)
        if rule is None and batch is not None and batch.drops_left > 0:
            batch.drops_left -= 1
            rule = FaultRule("drop")
        if rule is None:
            return None
        if rule.after_bytes is not None:
            return min(rule.after_bytes, max(length - 1, 0))
        return length // 2

    @staticmethod
    def _parse_range(header: str, size: int) -> tuple[int, int, int]:
        m = _RANGE.match(header.strip())
        if not m or (not m.group(1) and not m.group(2)):
            return 0, size - 1, 200  # unparsable: ignore it, as servers may
        first, last = m.group(1), m.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # suffix range: the last N bytes
            start = max(size - int(last), 0)
            end = size - 1
        if start >= size or start > end:
            raise EmulatorError(
                416,
                f"Requested range not satisfiable: {header}",
                headers={"Content-Range": f"bytes */{size}"},
            )
        return start, end, 206

    # -------------------------------------------------------------- batches

    async def _create_batch(self, request: web.Request) -> web.Response:
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            raise EmulatorError(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means "
                "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                "payload, but what was sent was not valid JSON.)",
            ) from None
        if not isinstance(body, dict):
            raise EmulatorError(400, "The request body must be a JSON object.")
        for key in ("input_file_id", "endpoint", "completion_window"):
            if key not in body or body[key] is None:
                raise missing_parameter(key)
        endpoint = body["endpoint"]
        if endpoint not in o.BATCH_ENDPOINTS:
            supported = ", ".join(f"'{e}'" for e in o.BATCH_ENDPOINTS)
            raise bad_parameter(
                "endpoint",
                f"Invalid value: '{endpoint}'. Supported values are: {supported}.",
            )
        window = body["completion_window"]
        if window not in o.COMPLETION_WINDOWS:
            raise bad_parameter(
                "completion_window",
                f"Invalid value: '{window}'. Supported values are: '24h'.",
            )
        input_file_id = body["input_file_id"]
        if not isinstance(input_file_id, str) or not input_file_id:
            raise bad_parameter(
                "input_file_id",
                "Invalid type for 'input_file_id': expected a string.",
                code="invalid_type",
            )
        metadata = self._check_metadata(body.get("metadata"))
        output_expires_after = self._check_output_expiry(body.get("output_expires_after"))
        batch = self.state.create_batch(
            input_file_id=input_file_id,
            endpoint=endpoint,
            completion_window=window,
            metadata=metadata,
            output_expires_after=output_expires_after,
        )
        return _json(self.state.batch_to_api(batch))

    @staticmethod
    def _check_metadata(metadata: Any) -> dict[str, str] | None:
        if metadata is None:
            return None
        if not isinstance(metadata, dict):
            raise bad_parameter(
                "metadata",
                "Invalid type for 'metadata': expected an object.",
                code="invalid_type",
            )
        if len(metadata) > o.METADATA_MAX_PAIRS:
            raise bad_parameter(
                "metadata",
                f"Invalid 'metadata': too many properties. Expected an object with at most "
                f"{o.METADATA_MAX_PAIRS} properties, but got {len(metadata)} instead.",
                code="object_above_max_properties",
            )
        for key, value in metadata.items():
            if len(key) > o.METADATA_MAX_KEY:
                raise bad_parameter(
                    "metadata",
                    f"Invalid 'metadata': key '{key[:20]}...' is longer than "
                    f"{o.METADATA_MAX_KEY} characters.",
                )
            if not isinstance(value, str):
                raise bad_parameter(
                    f"metadata.{key}",
                    f"Invalid type for 'metadata.{key}': expected a string, but got "
                    f"{type(value).__name__} instead.",
                    code="invalid_type",
                )
            if len(value) > o.METADATA_MAX_VALUE:
                raise bad_parameter(
                    f"metadata.{key}",
                    f"Invalid 'metadata.{key}': string too long. Expected a string with "
                    f"maximum length {o.METADATA_MAX_VALUE}, but got a string with length "
                    f"{len(value)} instead.",
                    code="string_above_max_length",
                )
        return metadata

    @staticmethod
    def _check_output_expiry(value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, dict) or value.get("anchor") != "created_at":
            raise bad_parameter(
                "output_expires_after.anchor",
                "Invalid 'output_expires_after': expected {anchor: 'created_at', seconds}.",
            )
        seconds = value.get("seconds")
        if not isinstance(seconds, int) or not o.FILE_EXPIRY_MIN <= seconds <= o.FILE_EXPIRY_MAX:
            raise bad_parameter(
                "output_expires_after.seconds",
                f"Invalid 'output_expires_after.seconds': expected an integer between "
                f"{o.FILE_EXPIRY_MIN} and {o.FILE_EXPIRY_MAX}.",
            )
        return seconds

    async def _list_batches(self, request: web.Request) -> web.Response:
        limit = self._limit(request, 20, 100)
        batches = self.state.list_batches()
        page, has_more = self._page(
            batches, [b.id for b in batches], request.query.get("after"), limit
        )
        now = self.state.now()
        return _json(list_body([self.state.batch_to_api(b, now) for b in page], has_more))

    async def _get_batch(self, request: web.Request) -> web.Response:
        batch = self.state.get_batch(request.match_info["batch_id"])
        return _json(self.state.batch_to_api(batch))

    async def _cancel_batch(self, request: web.Request) -> web.Response:
        batch = await self.state.cancel_batch(request.match_info["batch_id"])
        return _json(self.state.batch_to_api(batch))

    # ------------------------------------------------------------ admin API

    async def _list_projects(self, request: web.Request) -> web.Response:
        limit = self._limit(request, 20, 100)
        projects = [admin.project(self.options)]
        return _json(admin.page(projects, request.query.get("after"), limit))

    async def _project_rate_limits(self, request: web.Request) -> web.Response:
        project_id = request.match_info["project_id"]
        if project_id != self.options.project_id:
            raise EmulatorError(404, f"The project {project_id} was not found", param=None)
        limit = self._limit(request, 100, 1000)
        items = admin.rate_limits(self.options)
        return _json(admin.page(items, request.query.get("after"), limit))
