"""When the dashboard polls, what its status line says, and what a finished batch announces.

A timer only starts an exclusive worker, so slow calls never pile up; the refresh itself runs
on the TUI's API loop (``ui/api_loop.py``). A poll that fails keeps the last picture, marked
stale, and the next poll stays on schedule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.timer import Timer

from batchtui.api.models import BatchView
from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.ui.format import duration, local_time

if TYPE_CHECKING:
    from textual.notifications import Notification

    from batchtui.api.poller import BatchPoller, PollResult
    from batchtui.ui.app import BatchTUI
    from batchtui.ui.screens.batches import BatchesScreen


class Polls:
    """The poll schedule of one dashboard screen. ``screen.apply_result`` gets each result."""

    def __init__(self, screen: BatchesScreen, wall_clock: Callable[[], float]) -> None:
        self.screen = screen
        self.wall_clock = wall_clock  # poll timing (real time, even in the faster demo)
        self.poller: BatchPoller | None = None
        self.timer: Timer | None = None  # the next scheduled poll
        self.next_at: float | None = None
        self.running = False  # a refresh is in flight (the status line says so)
        self.started = 0.0

    def poll_now(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
        self.screen.run_worker(self._poll(), group="poll", exclusive=True, exit_on_error=False)

    async def _poll(self) -> None:
        screen = self.screen
        try:
            api = await screen.ensure_api()
        except UserError as exc:
            screen.show_setup_error(exc.message)
            return
        screen.setup_error = None
        if self.poller is None:
            from batchtui.api.poller import BatchPoller

            self.poller = BatchPoller(api.service, wall_clock=self.wall_clock)
        self.running = True
        self.started = self.wall_clock()
        screen.update_poll_status()
        try:
            result = await api.run(self.poller.refresh())
        finally:
            self.running = False
        self.next_at = self.wall_clock() + result.next_delay
        screen.apply_result(result)
        self.timer = screen.set_timer(result.next_delay, self.poll_now, name="next-poll")

    def failed(
        self, message: str, previous: PollResult | None, batches: list[BatchView]
    ) -> PollResult:
        """A poll raised: the last picture, marked stale, and the next poll scheduled."""
        from batchtui.api.errors import ApiError
        from batchtui.api.poller import PollResult

        self.running = False
        now = self.wall_clock()
        error = ApiError(f"refreshing failed: {message}", kind="internal")
        schedule = self.poller.schedule if self.poller is not None else None
        delay = schedule.after_error(None) if schedule is not None else 30.0
        self.next_at = now + delay
        if self.timer is not None:
            self.timer.stop()
        self.timer = self.screen.set_timer(delay, self.poll_now, name="next-poll")
        return PollResult(
            batches,
            error,
            delay,
            previous.updated_at if previous is not None else None,
            (previous.stale_since if previous is not None else None) or now,
        )

    def status(
        self, result: PollResult | None, shown: int, total: int, state: str, needle: str
    ) -> Text:
        """The line above the table: staleness, age, the next poll, what the filter shows."""
        text = Text(" ")
        now = self.wall_clock()
        if result is None:
            waited = now - self.started if self.running else 0.0
            slow = f" {duration(waited)}" if waited >= 2 else ""
            text.append(f"Loading batches…{slow}", style="dim")
            return text
        if result.error is not None and result.stale_since is not None:
            text.append(
                f"⚠ stale since {local_time(result.stale_since)[11:]}: "
                f"{safe(result.error.message)[:120]}",
                style="bold on dark_red",
            )
            text.append("  ")
        if result.updated_at is not None:
            text.append(f"updated {duration(now - result.updated_at)} ago", style="dim")
        if self.running:
            waited = now - self.started
            # A slow server: say for how long (the call gives up at the API timeout).
            slow = f" {duration(waited)}" if waited >= 2 else ""
            text.append(f" · refreshing…{slow}", style="dim")
        elif self.next_at is not None:
            text.append(f" · next in {duration(max(0.0, self.next_at - now))}", style="dim")
        text.append(f" · {shown} of {total} batches · filter: {state}")
        if needle:
            text.append(f" “{safe(needle)}”", style="cyan")
        return text


def finish_message(batch: BatchView) -> str:
    counts = batch.request_counts
    detail = ""
    if counts.total:
        detail = f" ({counts.completed or 0:,} done, {counts.failed or 0:,} failed)"
    return f"Batch {batch.id} {batch.display_status}{detail}"


class FinishAnnouncer:
    """One toast for every batch that finished while the last one is still up: three toasts
    stacked up covered half the dashboard at 80x24. Each batch also rings the app's hooks
    (bell, desktop notification, --notify-cmd) through ``app.announce_batch``."""

    def __init__(self, app: BatchTUI) -> None:
        self.app = app
        self._toast: Notification | None = None  # the toast announcing finished batches, while up
        self._shown: dict[str, BatchView] = {}  # the batches it counts

    def announce(self, batches: list[BatchView]) -> None:
        from textual.notifications import Notification, Notify

        app = self.app
        for i, batch in enumerate(batches):
            app.announce_batch(batch, finish_message(batch), ring=i == 0)
        toast = self._toast
        if toast is not None and not toast.has_expired and toast in app._notifications:
            # Textual has no public way to replace a toast; _unnotify is how it drops one.
            app._unnotify(toast)
            recent = {**self._shown, **{b.id: b for b in batches}}
        else:
            recent = {b.id: b for b in batches}
        self._shown = recent
        shown = list(recent.values())
        clean = all(b.status == "completed" and not b.request_counts.failed for b in shown)
        if len(shown) == 1:
            title, message = "Batch finished", finish_message(shown[0])
        else:
            by_status: dict[str, int] = {}
            for b in shown:
                by_status[b.display_status] = by_status.get(b.display_status, 0) + 1
            title = "Batches finished"
            message = f"{len(shown)} batches finished: " + ", ".join(
                f"{n} {status}" for status, n in by_status.items()
            )
        toast = Notification(
            safe(message), title, "information" if clean else "warning", 10, markup=False
        )
        self._toast = toast
        app.post_message(Notify(toast))
