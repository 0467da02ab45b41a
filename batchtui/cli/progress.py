"""The command line's one progress meter: a self-overwriting status line on stderr.

Every command that waits shows it the same way (``batches submit`` and ``download``,
``results BATCH_ID``, ``estimate``, ``split``): only when stderr is a terminal (a script or a
pipe sees nothing), at most ten redraws a second, cleared before the command prints its
result, and every text through the one sanitiser. The domain layers never print: they report
through callbacks (``progress(done, total)``), and the meters here are those callbacks.

Only the standard library and ``batchtui.core`` at import (``batchtui --help`` stays fast).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from batchtui.core.text import safe

if TYPE_CHECKING:
    from batchtui.api.config import ClientSettings
    from batchtui.api.service import BatchService

T = TypeVar("T")

# Seconds without progress before the status line says what it is waiting for.
WAIT_NOTICE_AFTER = 1.0
REDRAW_EVERY = 0.1  # seconds


class StatusLine:
    """One self-overwriting line on stderr, only when stderr is a terminal: progress meters,
    and "waiting for the server… 12 s" when nothing has moved for a while."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last_activity = time.monotonic()
        self._shown = False
        self._last_draw = 0.0

    def activity(self) -> None:
        self.last_activity = time.monotonic()

    def show(self, text: str, *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < REDRAW_EVERY:
            return
        self._last_draw = now
        # Only our own escapes reach the terminal: the text names files and servers.
        print(f"\r{safe(text)}\x1b[K", end="", file=sys.stderr, flush=True)
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            print("\r\x1b[K", end="", file=sys.stderr, flush=True)
            self._shown = False

    async def watch(self, what: str) -> None:
        """Until cancelled: say how long the server has been silent."""
        import asyncio

        while True:
            await asyncio.sleep(0.25)
            idle = time.monotonic() - self.last_activity
            if idle >= WAIT_NOTICE_AFTER:
                self.show(f"waiting for {what}… {idle:.0f} s", force=True)


class Meter:
    """``label: 42%`` (or ``label: 1.2 / 3.4 MB`` with ``unit="bytes"``) on a status line;
    called as ``meter(done, total)`` by the layer doing the work."""

    def __init__(self, label: str, status: StatusLine, *, unit: str = "fraction") -> None:
        self.label = label
        self.status = status
        self.unit = unit
        self._done = -1

    def __call__(self, done: int, total: int | None) -> None:
        if done != self._done:
            self._done = done
            self.status.activity()  # something moves: not "waiting"
        finished = total is not None and done >= total
        if self.unit == "bytes":
            mb = done / 1e6
            text = f"{mb:,.1f} MB" if total is None else f"{mb:,.1f} / {total / 1e6:,.1f} MB"
        else:
            text = f"{done / total:.0%}" if total else f"{done:,}"
        self.status.show(f"{self.label}: {text}", force=finished)

    def finish(self) -> None:
        self.status.clear()


class FileMeters:
    """A byte meter per file of a batch: ``meters(kind, done, total)``, the progress callback
    of :func:`batchtui.api.batch_files.fetch_batch_files`."""

    def __init__(self, status: StatusLine, verb: str = "downloading") -> None:
        self.status = status
        self.verb = verb
        self._meters: dict[str, Meter] = {}

    def __call__(self, kind: str, done: int, total: int | None) -> None:
        meter = self._meters.get(kind)
        if meter is None:
            meter = self._meters[kind] = Meter(
                f"{self.verb} {kind} file", self.status, unit="bytes"
            )
        meter(done, total)


def run_api(
    settings: ClientSettings,
    work: Callable[[BatchService], Coroutine[Any, Any, T]],
    status: StatusLine | None = None,
) -> T:
    """Run ``work`` with a service for ``settings``, the status line saying how long the
    server has been silent, and cleared before anything else is printed."""
    import asyncio

    from batchtui.api.service import BatchService

    line = status or StatusLine()

    async def go() -> T:
        watcher = asyncio.ensure_future(line.watch(settings.display_base_url))
        try:
            async with BatchService(settings) as service:
                return await work(service)
        finally:
            watcher.cancel()
            line.clear()

    return asyncio.run(go())
