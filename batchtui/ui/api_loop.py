"""The TUI's one place for API calls: one event loop in a thread of its own, and one
``BatchService`` (one ``AsyncOpenAI`` client, one connection pool) bound to it.

Every call the TUI makes (the dashboard's polls, cancel, downloads, the input files it
fetches, and submissions from any screen) runs here through :meth:`ApiLoop.run`; the UI loop
awaits the result without blocking. Before, polls ran on a loop of their own with a second
client while the actions used the app's client on the UI loop: two clients, two pools, two
places that closed them.

Why not the UI's loop: a refresh of a big account parses hundreds of batches into SDK models
(~90 ms for 500) and then into views; on the UI loop the keys wait behind each page's parse
(the worst key during a refresh was 227 ms in issue #5's benchmark, before other fixes). On
a thread of its own the UI thread gets the interpreter back every 5 ms
(``sys.getswitchinterval``), except inside one C call (pydantic-core parsing a page).
Measured with ``tests/benchmarks/bench_api_loop.py`` (500 batches, full loads, 12 pairs
interleaved, this shared 2-core machine at load ~6): the UI loop's worst stall per refresh,
median 12 ms here against 18 ms on the UI loop; median heartbeat lateness 2.8 against 7.2 ms
(single outliers of 140-170 ms in both modes were the machine). A modest gain, kept because
it costs one thread; ``bench_dashboard.py`` measures key latency in the real TUI.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from batchtui.api.service import BatchService

T = TypeVar("T")


class ApiLoop:
    """A thread running an event loop, and the service whose HTTP client lives on it."""

    def __init__(self, service: BatchService) -> None:
        from batchtui.api.service import BatchService

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="batchtui-api", daemon=True
        )
        self._thread.start()
        # A service of its own: its client is created lazily, on first use, on this loop
        # (an httpx client belongs to the loop that opened it). Same settings, same records.
        self.service = BatchService(service.settings, records=service.records)

    async def run(self, call: Coroutine[Any, Any, T]) -> T:
        """Run ``call`` on the API loop and wait for it without blocking the caller's loop.
        Cancelling the waiting task cancels ``call`` too."""
        future = asyncio.run_coroutine_threadsafe(call, self._loop)
        return await asyncio.wrap_future(future)

    async def close(self) -> None:
        if not self._loop.is_running():
            return
        future = asyncio.run_coroutine_threadsafe(self.service.close(), self._loop)
        try:
            await asyncio.wait_for(asyncio.wrap_future(future), timeout=5)
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        await asyncio.to_thread(self._thread.join, 5)
