"""A loopback OpenAI-compatible server that answers with hostile data (not the emulator)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

from aiohttp import web

NOW = 1_760_000_000

# One batch per oddity a proxy or a buggy provider has been seen, or could be made, to send.
HOSTILE_BATCHES: list[dict[str, Any]] = [
    {
        "id": "batch_ok",
        "status": "in_progress",
        "created_at": NOW - 60,
        "request_counts": {"total": 10, "completed": 4, "failed": 1},
    },
    {"id": "batch_1e20", "status": "completed", "created_at": 1e20, "completed_at": 1e20},
    {"id": "batch_1e308", "status": "in_progress", "created_at": 1e308, "expires_at": 1e308},
    {"id": "batch_inf", "status": "in_progress", "created_at": "__INF__"},
    {
        "id": "batch_strdate",
        "status": "completed",
        "created_at": "2026-01-01",
        "completed_at": "yesterday",
    },
    {
        "id": "batch_neg",
        "status": "in_progress",
        "created_at": -5,
        "expires_at": True,
        "request_counts": {"total": 10, "completed": -1_000_000_000, "failed": -3},
    },
    {
        "id": "batch_huge",
        "status": "in_progress",
        "created_at": NOW,
        "request_counts": {"total": "__BIG__", "completed": 1e300, "failed": "many"},
    },
    {
        "id": "../../escape",
        "status": "completed",
        "created_at": NOW - 10,
        "input_file_id": "/etc/passwd",
        "output_file_id": "../../../tmp/x",
        "error_file_id": "file-\x00\n",
    },
    {
        "id": "batch_nl\nFAKE ROW",
        "status": "failed\x1b[31m",
        "created_at": None,
        "metadata": ["not", "a", "dict"],
        "errors": {"data": [{"code": "x", "message": "m\x1b]0;t\x07", "line": 1e30}]},
    },
    {
        "id": "batch_meta",
        "status": "validating",
        "created_at": NOW,
        "metadata": {"description": 42, "k": {"nested": True}},
        "usage": {"input_tokens": -1, "output_tokens": 1e400},
    },
]


def hostile_json(obj: Any) -> bytes:
    """JSON with numbers the format allows but a 64-bit float or int does not hold."""
    return (
        json.dumps(obj)
        .replace('"__INF__"', "1e400")
        .replace('"__BIG__"', "123456789012345678901234567890")
        .replace("Infinity", "1e999")
        .encode()
    )


def hostile_page(batches: list[dict[str, Any]] | None = None) -> bytes:
    return hostile_json({"object": "list", "data": batches or HOSTILE_BATCHES, "has_more": False})


def make_app(batches: list[dict[str, Any]] | None = None) -> web.Application:
    page = hostile_page(batches)
    by_id = {str(b.get("id")): b for b in (batches or HOSTILE_BATCHES)}

    async def list_batches(request: web.Request) -> web.Response:
        return web.Response(body=page, content_type="application/json")

    async def get_batch(request: web.Request) -> web.Response:
        batch = by_id.get(request.match_info["batch_id"])
        if batch is None:
            return web.json_response({"error": {"message": "nope"}}, status=404)
        return web.Response(body=hostile_json(batch), content_type="application/json")

    async def content(request: web.Request) -> web.Response:
        return web.Response(body=b'{"custom_id": "a"}\n')

    async def file_info(request: web.Request) -> web.Response:
        fid = request.match_info["file_id"]
        return web.json_response({"id": fid, "object": "file", "bytes": 19, "purpose": "batch"})

    app = web.Application()
    app.router.add_get("/v1/batches", list_batches)
    app.router.add_get("/v1/batches/{batch_id}", get_batch)
    app.router.add_get("/v1/files/{file_id:.+}/content", content)
    app.router.add_get("/v1/files/{file_id:.+}", file_info)
    return app


@contextlib.asynccontextmanager
async def hostile_server(batches: list[dict[str, Any]] | None = None) -> AsyncIterator[str]:
    runner = web.AppRunner(make_app(batches))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


@contextlib.contextmanager
def hostile_server_thread(batches: list[dict[str, Any]] | None = None) -> Iterator[str]:
    """The same server on a thread of its own, for synchronous callers (the CLI)."""
    import asyncio

    ready = threading.Event()
    box: dict[str, Any] = {}

    def main() -> None:
        async def run() -> None:
            box["stop"] = asyncio.Event()
            box["loop"] = asyncio.get_running_loop()
            async with hostile_server(batches) as url:
                box["url"] = url
                ready.set()
                await box["stop"].wait()

        asyncio.run(run())

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield box["url"]
    finally:
        box["loop"].call_soon_threadsafe(box["stop"].set)
        thread.join(10)
