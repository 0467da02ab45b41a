"""The Batches screen: every batch in the account, polled in the background, with actions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from batchtui.api.eta import ThroughputTracker
from batchtui.api.models import BatchView
from batchtui.core.text import safe
from batchtui.errors import UserError
from batchtui.ui.cells import drawable
from batchtui.ui.debounce import Debouncer
from batchtui.ui.format import duration, local_time, progress_bar, relative, status_text
from batchtui.ui.widgets.bars import ModeBar
from batchtui.ui.widgets.batch_table import BatchTable
from batchtui.ui.widgets.key_list import KeyList
from batchtui.ui.widgets.safe_input import SafeInput
from batchtui.ui.worker_errors import failure_message

if TYPE_CHECKING:
    from batchtui.api.poller import BatchPoller, PollResult
    from batchtui.api.service import BatchService

FILTERS = ("all", "active", "finished")
# Less than this left before expiry is shown as a warning.
EXPIRY_WARNING_SECONDS = 2 * 3600
COLUMN_LABELS = {"eta": "ETA"}
# Columns whose text follows the clock; the others change only when their batch does.
TIMED_COLUMNS = frozenset({"created", "eta", "expires"})


@dataclass(frozen=True)
class _Row:
    batch: BatchView
    timed: tuple[tuple[str, str] | None, ...]  # text and style of the clock-driven cells
    cells: tuple[Text, ...]
    changed: bool  # a cell differs from the previous poll's


def _finish_message(batch: BatchView) -> str:
    counts = batch.request_counts
    detail = ""
    if counts.total:
        detail = f" ({counts.completed or 0:,} done, {counts.failed or 0:,} failed)"
    return f"Batch {batch.id} {batch.display_status}{detail}"


def _raw(value: object) -> str:
    """A server's value as it came (for a "?" mark), short and safe to show."""
    text = repr(value)
    return safe(text if len(text) <= 60 else text[:57] + "...")


# Detail-pane labels of the timestamps, and the fields they come from.
_TIME_FIELDS = {
    "created": "created_at",
    "in progress": "in_progress_at",
    "finalizing": "finalizing_at",
    "completed": "completed_at",
    "failed": "failed_at",
    "expired": "expired_at",
    "cancelling": "cancelling_at",
    "cancelled": "cancelled_at",
    "expires": "expires_at",
}


def short_id(batch_id: str) -> str:
    """Batch ids share a ``batch_`` prefix; the tail is what tells them apart."""
    return batch_id if len(batch_id) <= 13 else "…" + batch_id[-12:]


def short_endpoint(endpoint: str | None) -> str:
    if not endpoint:
        return "—"
    return endpoint.removeprefix("/v1/").removeprefix("/")


class BatchesScreen(Screen[None]):
    """Live table of batches; the network never blocks it (polls run in a worker)."""

    help_title = "Batches"

    BINDINGS = [
        Binding("r", "refresh", "Refresh", id="batches.refresh"),
        Binding("a", "cycle_filter", "All/active/finished", id="batches.filter_state"),
        Binding("slash", "filter_text", "Filter", id="batches.filter_text"),
        Binding("s", "submit", "Submit file", id="batches.submit"),
        Binding("x", "cancel_batch", "Cancel batch", id="batches.cancel"),
        Binding("d", "download", "Download", id="batches.download"),
        Binding("o", "open_results", "Results", id="batches.results"),
        Binding("y", "copy_id", "Copy id", id="batches.copy_id"),
        Binding("e", "focus_errors", "Line errors", show=False, id="batches.errors"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="batches.clear"),
    ]

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self.service: BatchService | None = None
        self.poller: BatchPoller | None = None
        self.background: Any = None  # ui.polling.BackgroundPoller, once the service exists
        self.batches: list[BatchView] = []
        self.result: PollResult | None = None
        self.tracker = ThroughputTracker()
        self.state_filter = "all"
        self.text_filter = ""
        self.next_poll_at: float | None = None
        self.setup_error: str | None = None
        self._poll_timer: Timer | None = None
        self._columns: tuple[str, ...] = ()
        self._order: list[str] = []
        self._rows: dict[str, _Row] = {}
        self._by_id: dict[str, BatchView] = {}
        self._detail_shown: tuple[BatchView | None, int] | None = None  # (batch, minute)
        # The batch id and errors the line-error list shows: a poll that brings the same
        # errors again must not rebuild the list (that lost its cursor, and Enter with it).
        self._errors_shown: tuple[str, tuple[Any, ...]] | None = None
        self._select_next: str | None = None  # a batch to select once a poll shows it
        self._finish_toast: Any = None  # the toast announcing finished batches, while up
        self._finished_shown: dict[str, BatchView] = {}  # the batches it counts
        self._records: dict[str, Any] | None = None  # this machine's submissions, per poll
        self._detail = Debouncer(self, lambda: self._show_detail(self.selected_batch()))
        self._first_poll_done = False
        self._polling = False  # a refresh is in flight (the status line says so)
        self._poll_started = 0.0
        self._shown = 0  # rows in the table (the status line counts them every second)
        self._status_text: Text | None = None
        self.clock: Any = time.time  # batch timestamps (the demo's emulator runs faster)
        self.wall_clock: Any = time.time  # poll timing; tests pin both

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ModeBar("batches", id="mode-bar")
        yield Static("", id="poll-status", markup=False)
        yield SafeInput(placeholder="Filter by id, status, model, description…", id="batch-filter")
        with Horizontal(id="batches-body"):
            yield BatchTable(id="batch-table")
            with Vertical(id="batch-side"):
                with VerticalScroll(id="batch-detail"):
                    yield Static("", id="batch-detail-text", markup=False)
                yield KeyList(
                    help_title="Line errors",
                    enter_help="Open the input file at this line",
                    id="batch-errors",
                )
                yield Static("", id="batch-error-message", markup=False)
        yield ProgressBar(id="download-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        app: Any = self.app
        self.clock = app.services.get("clock", time.time)
        self.wall_clock = app.services.get("wall_clock", time.time)
        self.query_one("#batch-filter").display = False
        self.query_one("#batch-errors").display = False
        self.query_one("#batch-error-message").display = False
        self.query_one("#download-progress").display = False
        self.query_one("#batch-side").border_title = "Batch"
        self.set_interval(1.0, self._update_poll_status, name="poll-status")
        self._update_poll_status()
        self.query_one(BatchTable).focus()
        self.poll_now()

    # -- services ----------------------------------------------------------------------

    async def _ensure_service(self) -> BatchService:
        if self.service is not None:
            return self.service
        app: Any = self.app
        service = await app.get_service()
        from batchtui.api.poller import BatchPoller
        from batchtui.api.service import BatchService
        from batchtui.ui.polling import BackgroundPoller

        self.service = service
        # Polls run on a loop of their own (see ui/polling.py), with a client of their own;
        # poll times are real time, even in the demo whose batches live on a faster clock.
        self.background = BackgroundPoller(
            lambda: BatchService(service.settings, records=service.records),
            lambda svc: BatchPoller(svc, wall_clock=self.wall_clock),
        )
        self.poller = self.background.poller
        return service

    # -- polling -----------------------------------------------------------------------

    def poll_now(self) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self._poll()

    @work(exclusive=True, group="poll", exit_on_error=False)
    async def _poll(self) -> None:
        try:
            await self._ensure_service()
        except UserError as exc:
            self.setup_error = exc.message
            self._show_setup_error()
            return
        assert self.poller is not None
        self.setup_error = None
        assert self.background is not None
        self._polling = True
        self._poll_started = self.wall_clock()
        self._update_poll_status()
        try:
            result = await self.background.refresh()
        finally:
            self._polling = False
        self.next_poll_at = self.wall_clock() + result.next_delay
        self.apply_result(result)
        self._poll_timer = self.set_timer(result.next_delay, self.poll_now, name="next-poll")

    def apply_result(self, result: PollResult) -> None:
        self.result = result
        now = self.clock()
        if result.ok:
            for b in result.batches:
                if b.is_active:
                    self.tracker.observe(b.id, now, b.request_counts.done)
            self.tracker.forget({b.id for b in result.batches if b.is_active})
            if self._first_poll_done:
                finished = [c.new for c in result.changes if c.finished and c.old is not None]
                if finished:
                    self._announce(finished)
            self._first_poll_done = True
        self.batches = result.batches
        self._by_id = {b.id: b for b in result.batches}
        self._records = None  # a submission from here shows up with the next poll
        self.render_table()
        self._update_poll_status()

    def _announce(self, batches: list[BatchView]) -> None:
        """One toast for every batch that finished while the last one is still up: three
        toasts stacked up covered half the dashboard at 80x24."""
        from textual.notifications import Notification, Notify

        app: Any = self.app
        for i, batch in enumerate(batches):
            app.announce_batch(batch, _finish_message(batch), ring=i == 0)
        toast = self._finish_toast
        if toast is not None and not toast.has_expired and toast in app._notifications:
            # Textual has no public way to replace a toast; _unnotify is how it drops one.
            app._unnotify(toast)
            recent = {**self._finished_shown, **{b.id: b for b in batches}}
        else:
            recent = {b.id: b for b in batches}
        self._finished_shown = recent
        shown = list(recent.values())
        clean = all(b.status == "completed" and not b.request_counts.failed for b in shown)
        if len(shown) == 1:
            title, message = "Batch finished", _finish_message(shown[0])
        else:
            by_status: dict[str, int] = {}
            for b in shown:
                by_status[b.display_status] = by_status.get(b.display_status, 0) + 1
            title = "Batches finished"
            message = f"{len(shown)} batches finished: " + ", ".join(
                f"{n} {status}" for status, n in by_status.items()
            )
        toast = Notification(
            safe(message),
            title,
            "information" if clean else "warning",
            10,
            markup=False,
        )
        self._finish_toast = toast
        app.post_message(Notify(toast))

    def _show_setup_error(self) -> None:
        self._status_text = None
        self.query_one("#poll-status", Static).update(
            Text(safe(self.setup_error or ""), style="bold yellow")
        )
        self.query_one("#batch-detail-text", Static).update(
            Text(safe(self.setup_error or "", keep_newlines=True), style="yellow")
        )

    def _update_poll_status(self) -> None:
        status = self.query_one("#poll-status", Static)
        if self.setup_error:
            return
        result = self.result
        text = Text(" ")
        if result is None:
            waited = self.wall_clock() - self._poll_started if self._polling else 0.0
            slow = f" {duration(waited)}" if waited >= 2 else ""
            text.append(f"Loading batches…{slow}", style="dim")
        else:
            if result.error is not None and result.stale_since is not None:
                text.append(
                    f"⚠ stale since {local_time(result.stale_since)[11:]}: "
                    f"{safe(result.error.message)[:120]}",
                    style="bold on dark_red",
                )
                text.append("  ")
            if result.updated_at is not None:
                text.append(
                    f"updated {duration(self.wall_clock() - result.updated_at)} ago", style="dim"
                )
            if self._polling:
                waited = self.wall_clock() - self._poll_started
                # A slow server: say for how long (the call gives up at the API timeout).
                slow = f" {duration(waited)}" if waited >= 2 else ""
                text.append(f" · refreshing…{slow}", style="dim")
            elif self.next_poll_at is not None:
                left = max(0.0, self.next_poll_at - self.wall_clock())
                text.append(f" · next in {duration(left)}", style="dim")
            shown = self._shown
            text.append(f" · {shown} of {len(self.batches)} batches · filter: {self.state_filter}")
            if self.text_filter:
                text.append(f" “{safe(self.text_filter)}”", style="cyan")
        if text != self._status_text:  # it ticks every second; most ticks change nothing
            self._status_text = text
            status.update(text, layout=False)  # one line, fixed height

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place an unexpected worker failure surfaces, and the screen recovers:
        a failed poll keeps the last picture (marked stale) and polling stays on schedule."""
        message = failure_message(self, event)
        if message is None:
            return
        group = event.worker.group
        if group == "poll":
            self._polling = False
            self._poll_failed(message)
        elif group == "download":
            self.query_one("#download-progress").display = False
            self.notify(f"Download failed: {message}", severity="error", timeout=10)
        else:
            self.notify(message, severity="error", timeout=8)

    def _poll_failed(self, message: str) -> None:
        from batchtui.api.errors import ApiError
        from batchtui.api.poller import PollResult

        now = self.wall_clock()
        previous = self.result
        error = ApiError(f"refreshing failed: {message}", kind="internal")
        schedule = self.poller.schedule if self.poller is not None else None
        delay = schedule.after_error(None) if schedule is not None else 30.0
        self.result = PollResult(
            self.batches,
            error,
            delay,
            previous.updated_at if previous is not None else None,
            (previous.stale_since if previous is not None else None) or now,
        )
        self.notify(f"Refreshing the batches failed: {message}", severity="error", timeout=10)
        self.next_poll_at = now + delay
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_timer(delay, self.poll_now, name="next-poll")
        self._status_text = None
        self._update_poll_status()

    async def on_unmount(self) -> None:
        if self.background is not None:
            await self.background.close()

    def on_screen_resume(self) -> None:
        self.render_table()

    def on_resize(self) -> None:
        # Columns follow the table's width, known once the new layout is done.
        self.call_after_refresh(self._relayout_columns)

    def _relayout_columns(self) -> None:
        table = self.query_one(BatchTable)
        if self._columns and self._columns_for(table.size.width) != self._columns:
            self.render_table()

    # -- table -------------------------------------------------------------------------

    def _visible(self) -> list[BatchView]:
        out = []
        needle = self.text_filter.lower()
        for b in self.batches:
            if self.state_filter == "active" and not b.is_active:
                continue
            if self.state_filter == "finished" and b.is_active:
                continue
            if needle:
                hay = " ".join(
                    str(x)
                    for x in (
                        b.id,
                        b.display_status,
                        b.model,
                        b.endpoint,
                        b.description,
                        b.input_file_id,
                    )
                    if x
                ).lower()
                if needle not in hay:
                    continue
            out.append(b)
        return out

    def _columns_for(self, width: int) -> tuple[str, ...]:
        if width >= 150:
            return (
                "id",
                "status",
                "endpoint",
                "model",
                "created",
                "progress",
                "eta",
                "expires",
                "description",
            )
        if width >= 125:  # model and created leave the description ~20 cells
            return ("id", "status", "model", "created", "progress", "eta", "expires", "description")
        if width >= 90:
            return ("id", "status", "progress", "eta", "expires", "description")
        return ("id", "status", "progress", "eta", "expires")

    def render_table(self) -> None:
        """Show the visible batches. When the same rows are shown in the same order, only
        the rows that changed are redrawn, and only rows whose batch (or clock-driven text)
        changed are rebuilt: rebuilding 500 rows on every poll stalled keys for ~40 ms."""
        if not self.is_attached:
            return
        table = self.query_one(BatchTable)
        width = table.size.width or self.size.width
        columns = self._columns_for(width)
        now = self.clock()
        visible = self._visible()
        self._shown = len(visible)
        same_layout = columns == self._columns
        rows = {
            b.id: self._row(b, columns, now, self._rows.get(b.id) if same_layout else None)
            for b in visible
        }
        order = [b.id for b in visible]
        if same_layout and order == self._order:
            for batch_id, row in rows.items():
                if row.changed:
                    table.update_row(batch_id, row.cells)
            self._rows = rows
            self._refresh_detail(now)
            return
        selected = self.selected_batch()
        keep = selected.id if selected else None
        if self._select_next is not None and self._select_next in rows:
            keep, self._select_next = self._select_next, None
        if not same_layout:
            table.set_columns([(col, COLUMN_LABELS.get(col, col.capitalize())) for col in columns])
            self._columns = columns
        table.set_rows([(batch_id, row.cells) for batch_id, row in rows.items()], keep=keep)
        self._rows = rows
        self._order = order
        self._show_detail(self.selected_batch())

    def _row(self, b: BatchView, columns: tuple[str, ...], now: float, old: _Row | None) -> _Row:
        """The row's cells, reusing the old ones where neither the batch nor the clock-driven
        text changed."""
        timed = tuple(self._timed(b, col, now) if col in TIMED_COLUMNS else None for col in columns)
        if old is None:
            cells = tuple(
                self._cell(b, col, now, key) for col, key in zip(columns, timed, strict=True)
            )
            return _Row(b, timed, cells, True)
        same_batch = old.batch is b or old.batch == b
        if same_batch and old.timed == timed:
            return _Row(b, timed, old.cells, False)
        cells = []
        changed = False
        for i, col in enumerate(columns):
            keep = timed[i] == old.timed[i] if col in TIMED_COLUMNS else same_batch
            if keep:
                cells.append(old.cells[i])
            else:
                cell = self._cell(b, col, now, timed[i])
                changed = changed or cell != old.cells[i] or cell.style != old.cells[i].style
                cells.append(cell)
        return _Row(b, timed, tuple(cells), changed)

    def _timed(self, b: BatchView, col: str, now: float) -> tuple[str, str]:
        """Text and style of a cell that changes with the clock (cheap: no Text built)."""
        if col == "created":
            if "created_at" in b.invalid:
                return "?", "bold yellow"  # the server sent no usable time
            return relative(b.created_at, now), ""
        if col == "eta":
            return self._eta(b)
        return self._expires(b, now)

    def _refresh_detail(self, now: float) -> None:
        """After a poll, redraw the detail pane only when its batch or its minute changed."""
        selected = self.selected_batch()
        if (selected, int(now // 60)) != self._detail_shown:
            self._schedule_detail()

    def _schedule_detail(self) -> None:
        """Redraw the detail pane once the cursor rests (it costs a relayout per move)."""
        self._detail.poke()

    def flush_pending(self) -> None:
        self._detail.flush()

    def _cell(self, b: BatchView, col: str, now: float, timed: tuple[str, str] | None) -> Text:
        if timed is not None:
            return Text(timed[0], style=timed[1])
        counts = b.request_counts
        if col == "id":
            return Text(safe(short_id(b.id)) or "?", style="bold")
        if col == "status":
            return status_text(b.status, safe(b.display_status))
        if col == "endpoint":
            return Text(safe(short_endpoint(b.endpoint)))
        if col == "model":
            return Text(drawable(safe(b.model or "—")))
        if col == "progress":
            if "request_counts" in b.invalid:
                return Text("?", style="bold yellow")
            return progress_bar(counts.completed or 0, counts.failed or 0, counts.total)
        if col == "description":
            return Text(drawable(safe(b.description or "")), style="italic")
        return Text("")

    def _eta(self, b: BatchView) -> tuple[str, str]:
        if b.status == "finalizing":
            return "finalizing", "magenta"
        if b.status != "in_progress":
            return "—", "dim"
        counts = b.request_counts
        est = self.tracker.estimate(b.id, counts.done, counts.total)
        if est is None:
            return "measuring", "dim"
        if est.eta_seconds is None:
            return "stalled", "yellow"
        return duration(est.eta_seconds), ""

    def _expires(self, b: BatchView, now: float) -> tuple[str, str]:
        if b.is_active and "expires_at" in b.invalid:
            return "?", "bold yellow"
        if not b.is_active or b.expires_at is None:
            return "—", "dim"
        left = b.expires_at - now
        if left <= 0:
            return "overdue", "bold red"
        return duration(left), "bold red" if left < EXPIRY_WARNING_SECONDS else ""

    def select_batch(self, batch_id: str) -> None:
        """Put the cursor on ``batch_id`` now, or as soon as a poll brings it (a batch just
        submitted is not in the list until the next poll)."""
        self._select_next = batch_id
        self._order = []  # the next render sets the rows (and the cursor) afresh
        self.render_table()

    def selected_batch(self) -> BatchView | None:
        key = self.query_one(BatchTable).cursor_key
        return self._by_id.get(key) if key is not None else None

    @on(BatchTable.Highlighted)
    def _on_row(self, event: BatchTable.Highlighted) -> None:
        # The pane's title follows the cursor at once (a border repaint); its body waits
        # until the cursor rests.
        if event.key is not None:
            # A str title would be parsed as markup: data goes in as Text.
            self.query_one("#batch-side").border_title = Text(safe(event.key))
        self._schedule_detail()

    @on(BatchTable.Selected)
    def _on_row_selected(self, event: BatchTable.Selected) -> None:
        self.flush_pending()
        batch = self.selected_batch()
        if batch is not None and batch.errors:
            self.action_focus_errors()
        elif batch is not None and batch.result_file_ids:
            self.action_open_results()

    # -- detail ------------------------------------------------------------------------

    def _show_detail(self, b: BatchView | None) -> None:
        self._detail_shown = (b, int(self.clock() // 60))
        text = self.query_one("#batch-detail-text", Static)
        side = self.query_one("#batch-side")
        if b is None:
            side.border_title = "Batch"
            if not self.setup_error:
                empty = "No batches yet." if not self.batches else "No batch matches the filter."
                text.update(Text(empty if self.result else "", style="dim"))
            self._show_errors(None)
            return
        side.border_title = Text(safe(b.id))
        text.update(self._detail_table(b))
        self._show_errors(b)

    def _show_errors(self, b: BatchView | None) -> None:
        """The batch's line errors, one line each, and the selected one's whole message.

        Rebuilt only when the batch or its errors change, so the cursor stays where it is
        through every refresh."""
        errors = self.query_one("#batch-errors", OptionList)
        message = self.query_one("#batch-error-message", Static)
        if b is None or not b.errors:
            self._errors_shown = None
            errors.clear_options()
            errors.display = message.display = False
            if self.focused is errors:
                self.query_one(BatchTable).focus()
            return
        key = (b.id, b.errors)
        if key != self._errors_shown:
            same_batch = self._errors_shown is not None and self._errors_shown[0] == b.id
            keep = errors.highlighted if same_batch else None
            self._errors_shown = key
            errors.clear_options()
            errors.add_options(
                Option(self._error_label(e), id=str(i)) for i, e in enumerate(b.errors[:500])
            )
            errors.highlighted = min(keep or 0, errors.option_count - 1)
        errors.display = message.display = True
        self._show_error_message()

    def _show_error_message(self) -> None:
        errors = self.query_one("#batch-errors", OptionList)
        batch = self.selected_batch()
        i = errors.highlighted
        if batch is None or i is None or i >= len(batch.errors):
            return
        e = batch.errors[i]
        text = Text()
        text.append(f"line {e.line:,}" if e.line is not None else "whole file", style="bold")
        text.append(f" · {safe(e.code or 'error')}", style="bold red")
        if e.param:
            text.append(f" · {safe(e.param)}", style="cyan")
        text.append(f" · {i + 1:,} of {len(batch.errors):,}\n", style="dim")
        text.append(safe(e.message or "(no message)"))
        self.query_one("#batch-error-message", Static).update(text)

    def on_descendant_focus(self) -> None:
        self._errors_mode()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._errors_mode)  # focus may be moving within the screen

    def _errors_mode(self) -> None:
        errors = self.query_one("#batch-errors", OptionList)
        self.set_class(self.focused is errors, "-errors")

    @on(OptionList.OptionHighlighted, "#batch-errors")
    def _on_error_highlighted(self) -> None:
        self._show_error_message()

    @staticmethod
    def _error_label(e: Any) -> Text:
        line = f"line {e.line:,}" if e.line is not None else "file"
        text = Text(f"{line}: ", style="bold", no_wrap=True, overflow="ellipsis")
        text.append(safe(e.code or "error"), style="red")
        if e.message:
            text.append(f" {safe(' '.join(e.message.split()))}")
        return text

    def _detail_table(self, b: BatchView) -> Table:
        now = self.clock()
        t = Table.grid(padding=(0, 1))
        # Labels fold past 18 cells: a long metadata key must not squeeze every value.
        t.add_column(style="dim", max_width=18, overflow="fold")
        t.add_column()

        def row(label: str, value: Text | str | None) -> None:
            if value not in (None, ""):
                # Rich parses str cells as markup; labels and values hold server data.
                t.add_row(
                    Text(safe(label)), value if isinstance(value, Text) else Text(safe(value))
                )

        row("status", status_text(b.status, safe(b.display_status)))
        row("endpoint", b.endpoint or "—")
        row("model", b.model)
        counts = b.request_counts
        if "request_counts" in b.invalid:
            row("requests", Text(f"? ({_raw(b.raw.get('request_counts'))})", style="yellow"))
        elif counts.total:
            row(
                "requests",
                f"{counts.completed or 0:,} completed, {counts.failed or 0:,} failed of {counts.total or 0:,}",
            )
            row(
                "progress",
                progress_bar(counts.completed or 0, counts.failed or 0, counts.total, 16),
            )
        for label, ts in (
            ("created", b.created_at),
            ("in progress", b.in_progress_at),
            ("finalizing", b.finalizing_at),
            ("completed", b.completed_at),
            ("failed", b.failed_at),
            ("expired", b.expired_at),
            ("cancelling", b.cancelling_at),
            ("cancelled", b.cancelled_at),
            ("expires", b.expires_at),
        ):
            if ts is not None:
                row(label, f"{local_time(ts)} ({relative(ts, now)})")
            elif _TIME_FIELDS[label] in b.invalid:
                raw = _raw(b.raw.get(_TIME_FIELDS[label]))
                row(label, Text(f"? ({raw})", style="yellow"))
        if b.usage is not None and b.usage.total_tokens:
            u = b.usage
            row(
                "tokens",
                f"{u.input_tokens:,} in ({u.cached_tokens:,} cached), "
                f"{u.output_tokens:,} out ({u.reasoning_tokens:,} reasoning)",
            )
        row("input file", b.input_file_id)
        row("output file", b.output_file_id or "—")
        row("error file", b.error_file_id or "—")
        local = self._local_record(b.id)
        if local is not None:
            row("local file", Text(safe(local.input_path), style="cyan"))
        for key, value in sorted(b.metadata.items()):
            row(f"meta {key}", value)
        if "metadata" in b.invalid:
            row(
                "metadata",
                Text(f"? (not an object: {_raw(b.raw.get('metadata'))})", style="yellow"),
            )
        if b.errors:
            row("line errors", Text(f"{len(b.errors):,} (Enter or e to browse)", style="red"))
        return t

    def _local_record(self, batch_id: str) -> Any:
        """This machine's submission record of the batch; the file is read once per poll."""
        if self.service is None:
            return None
        if self._records is None:
            try:
                self._records = self.service.records.by_batch_id()
            except Exception:
                self._records = {}
        return self._records.get(batch_id)

    # -- actions -----------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.poll_now()

    def action_cycle_filter(self) -> None:
        self.state_filter = FILTERS[(FILTERS.index(self.state_filter) + 1) % len(FILTERS)]
        self.render_table()
        self._update_poll_status()

    def action_filter_text(self) -> None:
        box = self.query_one("#batch-filter", Input)
        box.display = True
        box.value = self.text_filter
        box.focus()

    @on(Input.Changed, "#batch-filter")
    def _on_filter(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()
        self.render_table()
        self._update_poll_status()

    @on(Input.Submitted, "#batch-filter")
    def _on_filter_done(self) -> None:
        self.query_one(BatchTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#batch-filter", Input)
        box.value = ""
        box.display = False
        self.text_filter = ""
        self.query_one(BatchTable).focus()
        self.render_table()

    def action_focus_errors(self) -> None:
        self.flush_pending()
        errors = self.query_one("#batch-errors", OptionList)
        if errors.display and errors.option_count:
            errors.focus()
            if errors.highlighted is None:
                errors.highlighted = 0

    @on(OptionList.OptionSelected, "#batch-errors")
    def _on_error_selected(self, event: OptionList.OptionSelected) -> None:
        batch = self.selected_batch()
        if batch is None or event.option.id is None:
            return
        error = batch.errors[int(event.option.id)]
        self.open_input(batch, error.line)

    def action_copy_id(self) -> None:
        batch = self.selected_batch()
        if batch is not None:
            self.app.copy_to_clipboard(batch.id)
            self.notify(f"Copied {safe(batch.id)}")

    def action_cancel_batch(self) -> None:
        batch = self.selected_batch()
        if batch is None or self.service is None:
            return
        if batch.is_terminal:
            self.notify(
                f"{safe(batch.id)} is {batch.display_status}: nothing to cancel.",
                severity="warning",
            )
            return
        from batchtui.ui.screens.dialogs import ConfirmDialog

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self._cancel(batch.id)

        self.app.push_screen(
            ConfirmDialog(
                f"Cancel batch {batch.id}?",
                "Requests already finished stay in the output file (and are billed); the rest "
                "are cancelled. Cancelling takes up to 10 minutes.",
                confirm="Cancel batch",
            ),
            done,
        )

    @work(group="actions", exit_on_error=False)
    async def _cancel(self, batch_id: str) -> None:
        assert self.service is not None
        try:
            view = await self.service.cancel(batch_id)
        except UserError as exc:
            self.notify(safe(exc.message), severity="error", timeout=8)
            return
        self.notify(f"{safe(batch_id)}: {view.display_status}")
        self.poll_now()

    def action_download(self) -> None:
        batch = self.selected_batch()
        if batch is None or self.service is None:
            return
        if not batch.result_file_ids:
            self.notify(f"{safe(batch.id)} has no output or error file yet.", severity="warning")
            return
        app: Any = self.app
        self._download(batch, Path(app.download_dir), open_after=False)

    def action_open_results(self) -> None:
        batch = self.selected_batch()
        if batch is None or self.service is None:
            return
        if not batch.result_file_ids:
            self.notify(
                f"{safe(batch.id)} has no results yet ({batch.display_status}).",
                severity="warning",
            )
            return
        from batchtui.api.records import state_dir
        from batchtui.core.paths import inside, safe_filename

        try:
            folder = inside(state_dir() / "results", safe_filename(batch.id))
        except UserError as exc:
            self.notify(safe(exc.message), severity="error", timeout=8)
            return
        self._download(batch, folder, open_after=True)

    @work(group="download", exclusive=True, exit_on_error=False)
    async def _download(self, batch: BatchView, directory: Path, open_after: bool) -> None:
        assert self.service is not None
        bar = self.query_one("#download-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)

        def progress(kind: str, done: int, total: int | None) -> None:
            bar.update(total=total, progress=done)

        try:
            results = await self.service.download_results(batch, directory, progress=progress)
            input_path = None
            if open_after:
                input_path = await self._input_path(batch)
        except UserError as exc:
            self.notify(safe(exc.message), severity="error", timeout=8)
            return
        finally:
            bar.display = False
        paths = {kind: str(r.path) for kind, r in results.items()}
        if not open_after:
            names = ", ".join(safe(Path(p).name) for p in paths.values())
            where = safe(directory.resolve())
            self.notify(f"Saved {names} in {where}", title="Downloaded", timeout=10)
            return
        app: Any = self.app
        await app.open_results(
            input_path=input_path,
            output_path=paths.get("output"),
            error_path=paths.get("error"),
            batch=batch,
        )

    async def _input_path(self, batch: BatchView) -> str | None:
        """The batch's input: the local file this machine submitted, else a downloaded copy."""
        record = self._local_record(batch.id)
        if record is not None and record.local_file_state() == "same":
            return str(record.input_path)
        if not batch.input_file_id or self.service is None:
            return None
        from batchtui.api.records import state_dir
        from batchtui.core.paths import inside, safe_filename

        # The id comes from the server: reduced to a plain name inside the state directory.
        dest = inside(state_dir() / "inputs", f"{safe_filename(batch.input_file_id)}.jsonl")
        if not dest.exists():
            await self.service.download_file(batch.input_file_id, dest)
        return str(dest)

    @work(group="open-input", exclusive=True, exit_on_error=False)
    async def open_input(self, batch: BatchView, line: int | None) -> None:
        try:
            path = await self._input_path(batch)
        except UserError as exc:
            self.notify(safe(exc.message), severity="error", timeout=8)
            return
        if path is None:
            self.notify("The batch's input file is not available.", severity="warning")
            return
        app: Any = self.app
        await app.open_file(path, line)

    def action_submit(self) -> None:
        app: Any = self.app
        app.action_submit_file()
