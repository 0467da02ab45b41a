"""Run the batch poller on its own event loop in a background thread.

A refresh of a big account parses hundreds of batches into SDK models (~90 ms for 500) and
then into views; on the UI's loop that stalls key presses. On a loop of its own, with its own
HTTP client, the UI thread only competes for the interpreter in 5 ms slices.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any


class BackgroundPoller:
    """Owns a thread with an event loop, a service clone bound to that loop, and the poller."""

    def __init__(self, make_service: Callable[[], Any], make_poller: Callable[[Any], Any]) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="batchtui-poll", daemon=True
        )
        self._thread.start()
        self.service = make_service()  # its HTTP client is created lazily, on the poll loop
        self.poller = make_poller(self.service)

    async def refresh(self) -> Any:
        """Run one refresh on the poll loop and wait for it without blocking this loop."""
        future = asyncio.run_coroutine_threadsafe(self.poller.refresh(), self._loop)
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
