"""The dashboard's cost parts: the enqueued-token meter per model, and each batch's receipt.

After every poll the screen hands its batches to :meth:`QueueWatch.refresh`, which works in a
worker and never on the UI thread:

* the prices (genai-prices, half a second to load, with the config's ``[prices]``) once;
* the limits (Admin API or the config's ``[queue]``) once every :data:`LIMITS_EVERY` seconds;
* what is queued per model, on the API loop (:func:`batchtui.api.queue.queue_state` with the
  poll's batches: no second listing; inputs of batches from elsewhere are downloaded and
  counted once per file and remembered).

The meter stays hidden while no limit is known: a queue without a limit says little, and a
dashboard without an admin key or ``[queue]`` looks as before. The receipt (a row of the detail
pane) needs only the prices.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from batchtui.ui.context import tui

if TYPE_CHECKING:
    from batchtui.api.models import BatchView
    from batchtui.api.queue import QueueState
    from batchtui.api.records import SubmissionRecord
    from batchtui.cost.prices import PriceBook
    from batchtui.cost.queue import QueueLimits, QueueMeter
    from batchtui.cost.receipt import Receipt
    from batchtui.ui.screens.batches import BatchesScreen

LIMITS_EVERY = 600.0  # seconds between readings of the limits (they change by hand, rarely)


class QueueWatch:
    """Prices, limits and queues of one dashboard screen."""

    def __init__(self, screen: BatchesScreen, wall_clock: Callable[[], float]) -> None:
        self.screen = screen
        self.wall_clock = wall_clock
        self.book: PriceBook | None = None
        self.limits: QueueLimits | None = None
        self.limits_at = 0.0
        self.state: QueueState | None = None
        self.running = False
        self._again: list[BatchView] | None = None  # batches of a poll that came meanwhile

    def refresh(self, batches: list[BatchView]) -> None:
        """Look at the queue of ``batches`` (one look at a time; the newest poll waits)."""
        if self.running:
            self._again = batches
            return
        self.running = True
        self.screen.run_worker(self._look(batches), group="queue", exit_on_error=False)

    async def _look(self, batches: list[BatchView]) -> None:
        try:
            while True:
                await self._once(batches)
                if self._again is None:
                    return
                batches, self._again = self._again, None
        finally:
            self.running = False

    async def _once(self, batches: list[BatchView]) -> None:
        from batchtui.api.queue import QueueSettings, load_limits, queue_state
        from batchtui.core.errors import UserError

        screen = self.screen
        app = tui(screen)
        try:
            settings = await app.get_settings()
        except UserError:
            return  # the app says what is wrong with the settings
        if self.book is None:
            from batchtui.ui.estimate import price_book

            self.book = await asyncio.to_thread(price_book, app)
            screen.render_table()  # a job's row says what its batches cost so far
            screen.redraw_detail()  # the selected batch's receipt can be shown now
        if screen.api is None:
            return
        api = screen.api
        queue = QueueSettings.from_settings(settings)
        now = self.wall_clock()
        if self.limits is None or now - self.limits_at >= LIMITS_EVERY:
            self.limits = await api.run(load_limits(api.service, queue))
            self.limits_at = now
        if not self.limits.limits:
            self.state = None
            screen.show_queue(None)
            return
        self.state = await api.run(
            queue_state(api.service, queue, batches=batches, limits=self.limits)
        )
        screen.show_queue(self.state)

    def receipt(self, batch: BatchView, local: SubmissionRecord | None = None) -> Receipt | None:
        """What ``batch`` cost so far (None until the prices are loaded or without usage)."""
        if self.book is None or batch.usage is None:
            return None
        from batchtui.cost.receipt import receipt

        model = batch.model
        tokens = local.input_tokens if local is not None else None
        if not model and tokens and len(tokens) == 1:
            model = next(iter(tokens))  # a server that names no model: the file did
        return receipt(model, batch.usage, self.book)


def meters_of(state: QueueState) -> tuple[list[QueueMeter], str, list[str]]:
    """(meters, source, notes) for :class:`batchtui.ui.widgets.queue_meter.QueueMeterView`."""
    from batchtui.cost.queue import meters

    return meters(state.queues, state.limits), state.limits.source, list(state.notes)
