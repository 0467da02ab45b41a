"""Run the emulator on a background thread, for synchronous callers (CLI tests, benchmarks).

with EmulatorThread(EmulatorOptions(speed=0)) as emu:
    os.environ["OPENAI_BASE_URL"] = emu.base_url
    emu.call(emu.server.advance(3600))
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer

T = TypeVar("T")


class EmulatorThread:
    def __init__(self, options: EmulatorOptions | None = None, **overrides: Any) -> None:
        self.server = EmulatorServer(options, **overrides)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="batchtui-emulator", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            raise self._error

    def _main(self) -> None:
        async def run() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                await self.server.start()
            except BaseException as exc:
                self._error = exc
                self._started.set()
                return
            self._started.set()
            try:
                await self._stop.wait()
            finally:
                await self.server.close()

        asyncio.run(run())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = 60) -> T:
        """Run a coroutine on the emulator's loop (e.g. ``server.advance(60)``) and wait."""
        assert self._loop is not None, "not started"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(timeout=30)
            self._thread = None

    def __enter__(self) -> EmulatorThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
