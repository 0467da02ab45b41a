"""The Batches screen: every batch in the account, polled in the background, with actions.

The screen wires its parts (``ui/dashboard/``): ``rows`` (filters, columns, cells, which rows
a poll changed), ``detail`` (the side pane), ``polling`` (schedule, status line, finish
toasts), ``actions`` (cancel, download, results, input) and ``queue`` (the enqueued-token
meter per model and each batch's receipt). API calls run on the app's one
API loop (``ui/api_loop.py``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, ProgressBar, Static
from textual.worker import Worker

from batchtui.api.eta import ThroughputTracker
from batchtui.api.models import BatchView
from batchtui.core.text import safe
from batchtui.ui.context import tui
from batchtui.ui.dashboard.actions import BatchActions, DownloadProgress
from batchtui.ui.dashboard.detail import BatchDetail
from batchtui.ui.dashboard.jobs import (
    JobGroup,
    JobLocals,
    cost_of,
    group_detail,
    group_entries,
)
from batchtui.ui.dashboard.polling import FinishAnnouncer, Polls
from batchtui.ui.dashboard.queue import QueueWatch, meters_of
from batchtui.ui.dashboard.rows import FILTERS, BatchRows, column_labels, columns_for, matches
from batchtui.ui.debounce import Debouncer
from batchtui.ui.widgets.bars import ModeBar
from batchtui.ui.widgets.batch_table import BatchTable
from batchtui.ui.widgets.queue_meter import QueueMeterView
from batchtui.ui.widgets.safe_input import SafeInput
from batchtui.ui.worker_errors import failure_message

if TYPE_CHECKING:
    from batchtui.api.poller import PollResult
    from batchtui.api.queue import QueueState
    from batchtui.api.records import SubmissionRecord
    from batchtui.api.service import BatchService
    from batchtui.ui.api_loop import ApiLoop


class BatchesScreen(Screen[None]):
    """Live table of batches; the network never blocks it (polls run in a worker)."""

    help_title = "Batches"
    CSS_PATH = "../batches.tcss"  # loaded when the screen is first shown

    BINDINGS = [
        # Shown only on a job's row or its parts (see check_action).
        Binding("space", "toggle_job", "Expand/collapse job", id="batches.toggle_job"),
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
        self.service: BatchService | None = None  # the app's: settings and records
        self.api: ApiLoop | None = None  # where every API call of this screen runs
        self.batches: list[BatchView] = []
        self.result: PollResult | None = None
        self.tracker = ThroughputTracker()
        self.state_filter = "all"
        self.text_filter = ""
        self.setup_error: str | None = None
        self.clock: Callable[[], float] = time.time  # see ui.context.AppContext
        self.wall_clock: Callable[[], float] = time.time
        self.polls = Polls(self, lambda: self.wall_clock())
        self.rows = BatchRows(self.tracker, lambda: self.clock())
        self.actions = BatchActions(self)
        self.queue = QueueWatch(self, lambda: self.wall_clock())  # meters and receipts
        self._by_id: dict[str, BatchView] = {}
        self.jobs: dict[str, JobGroup] = {}  # the job rows shown, by row key
        self.expanded: set[str] = set()  # job ids whose parts are shown
        self._on_job = False  # the cursor is on a job's row or part (the key bar says Space)
        self.job_locals = JobLocals(self, self.render_table)  # what this machine's stores say
        self._select_next: str | None = None  # a batch to select once a poll shows it
        self._announcer: FinishAnnouncer | None = None
        self._records: dict[str, SubmissionRecord] | None = None  # this machine's, per poll
        self._detail = Debouncer(self, lambda: self._show_detail(self.selected_batch()))
        self._first_poll_done = False
        self._shown = 0  # rows in the table (the status line counts them every second)
        self._status_text: Text | None = None

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ModeBar("batches", id="mode-bar")
        yield Static("", id="poll-status", markup=False)
        yield QueueMeterView(id="queue-meter")
        yield SafeInput(placeholder="Filter by id, status, model, description…", id="batch-filter")
        with Horizontal(id="batches-body"):
            yield BatchTable(id="batch-table")
            yield BatchDetail(id="batch-side")
        yield ProgressBar(id="download-progress", show_eta=False)
        yield Footer()

    def on_mount(self) -> None:
        context = tui(self).context
        self.clock = context.clock
        self.wall_clock = context.wall_clock
        self.query_one("#batch-filter").display = False
        self.query_one("#download-progress").display = False
        self.query_one("#queue-meter").display = False
        self.set_interval(1.0, self.update_poll_status, name="poll-status")
        self.update_poll_status()
        self.query_one(BatchTable).focus()
        self.poll_now()

    @property
    def detail(self) -> BatchDetail:
        return self.query_one(BatchDetail)

    # -- services and polls --------------------------------------------------------------

    async def ensure_api(self) -> ApiLoop:
        """The app's API loop (made on first use); raises UserError without an API key."""
        if self.api is None:
            app = tui(self)
            self.api = await app.get_api()
            self.service = app.context.service
        assert self.api is not None
        return self.api

    def poll_now(self) -> None:
        self.polls.poll_now()

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
                    if self._announcer is None:
                        self._announcer = FinishAnnouncer(tui(self))
                    self._announcer.announce(finished)
            self._first_poll_done = True
        self.batches = result.batches
        self._by_id = {b.id: b for b in result.batches}
        self._records = None  # a submission from here shows up with the next poll
        self.render_table()
        self.update_poll_status()
        if result.ok:
            self.queue.refresh(result.batches)
            self.job_locals.refresh(result.batches)

    def show_queue(self, state: QueueState | None) -> None:
        """The queue meters (hidden while no limit is known)."""
        view = self.query_one(QueueMeterView)
        if state is None:
            view.display = False
            return
        view.show(*meters_of(state))

    def redraw_detail(self) -> None:
        self._show_detail(self.selected_batch())

    def show_setup_error(self, message: str) -> None:
        self.setup_error = message
        self._status_text = None
        self.query_one("#poll-status", Static).update(Text(safe(message), style="bold yellow"))
        self.detail.show_text(Text(safe(message, keep_newlines=True), style="yellow"))

    def update_poll_status(self) -> None:
        if self.setup_error:
            return
        text = self.polls.status(
            self.result, self._shown, len(self.batches), self.state_filter, self.text_filter
        )
        if text != self._status_text:  # it ticks every second; most ticks change nothing
            self._status_text = text
            self.query_one("#poll-status", Static).update(text, layout=False)  # one line

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place an unexpected worker failure surfaces, and the screen recovers:
        a failed poll keeps the last picture (marked stale) and polling stays on schedule."""
        message = failure_message(self, event)
        if message is None:
            return
        group = event.worker.group
        if group == "poll":
            self.result = self.polls.failed(message, self.result, self.batches)
            self.notify(f"Refreshing the batches failed: {message}", severity="error", timeout=10)
            self._status_text = None
            self.update_poll_status()
        elif group == "download":
            self.query_one("#download-progress").display = False
            self.notify(f"Download failed: {message}", severity="error", timeout=10)
        else:
            self.notify(message, severity="error", timeout=8)

    def on_download_progress(self, message: DownloadProgress) -> None:
        self.query_one("#download-progress", ProgressBar).update(
            total=message.total, progress=message.done
        )

    def on_screen_resume(self) -> None:
        self.render_table()

    def on_resize(self) -> None:
        # Columns follow the table's width, known once the new layout is done.
        self.call_after_refresh(self._relayout_columns)

    def _relayout_columns(self) -> None:
        table = self.query_one(BatchTable)
        if self.rows.columns and columns_for(table.size.width) != self.rows.columns:
            self.render_table()

    # -- table -------------------------------------------------------------------------

    def render_table(self) -> None:
        """Show the visible batches: only the rows a poll changed are drawn again (see
        ``dashboard/rows.py``); a new order, filter or width sets every row."""
        if not self.is_attached:
            return
        table = self.query_one(BatchTable)
        needle = self.text_filter.lower()
        # A job's batches are one row (and its parts under it when expanded): jobs.py.
        visible = group_entries(
            self.batches,
            lambda b: matches(b, self.state_filter, needle),
            needle,
            self.expanded,
            self.job_locals.found,
            cost_of(self.queue.book, self.queue.receipt),
        )
        self.jobs = {g.key: g for g in visible if isinstance(g, JobGroup)}
        self._shown = sum(1 for b in self.batches if matches(b, self.state_filter, needle))
        selected = self.selected_batch()
        now = self.clock()
        update = self.rows.update(visible, table.size.width or self.size.width, now)
        if not update.rebuild:
            for batch_id, row in update.rows.items():
                if row.changed:
                    table.update_row(batch_id, row.cells)
            # After a poll, redraw the detail pane only when its batch or minute changed
            # (a job's pane sums its parts up: drawn again after every poll).
            job = self.selected_job()
            if job is not None or (self.selected_batch(), int(now // 60)) != self.detail.shown:
                self._detail.poke()
            return
        keep = selected.id if selected else None
        if self._select_next is not None and self._select_next in update.rows:
            keep, self._select_next = self._select_next, None
        if update.columns_changed:
            table.set_columns(column_labels(self.rows.columns))
        table.set_rows([(batch_id, row.cells) for batch_id, row in update.rows.items()], keep=keep)
        self._show_detail(self.selected_batch())

    def select_batch(self, batch_id: str) -> None:
        """Put the cursor on ``batch_id`` now, or as soon as a poll brings it (a batch just
        submitted is not in the list until the next poll)."""
        self._select_next = batch_id
        self.rows.invalidate_order()  # the next render sets the rows (and the cursor) afresh
        self.render_table()

    def selected_batch(self) -> BatchView | None:
        """The batch under the cursor (a job's part too; None on a job's row)."""
        key = self.query_one(BatchTable).cursor_key
        return self._by_id.get(key) if key is not None else None

    def selected_job(self) -> JobGroup | None:
        """The job whose row is under the cursor."""
        key = self.query_one(BatchTable).cursor_key
        return self.jobs.get(key) if key is not None else None

    def _job_of_cursor(self) -> JobGroup | None:
        """The job of the row under the cursor: its own row, or one of its parts."""
        job = self.selected_job()
        if job is not None:
            return job
        batch = self.selected_batch()
        if batch is None:
            return None
        return next((g for g in self.jobs.values() if batch in g.parts), None)

    def flush_pending(self) -> None:
        self._detail.flush()

    @on(BatchTable.Highlighted)
    def _on_row(self, event: BatchTable.Highlighted) -> None:
        # The pane's title follows the cursor at once (a border repaint); its body waits
        # until the cursor rests.
        if event.key is not None:
            job = self.jobs.get(event.key)
            self.detail.set_title(f"job {job.name}" if job is not None else event.key)
        on_job = self._job_of_cursor() is not None
        if on_job != self._on_job:  # Space (expand/collapse) shows on job rows only
            self._on_job = on_job
            self.refresh_bindings()
        self._detail.poke()

    @on(BatchTable.Selected)
    def _on_row_selected(self, event: BatchTable.Selected) -> None:
        self.flush_pending()
        if self.selected_job() is not None:
            self.action_toggle_job()
            return
        batch = self.selected_batch()
        if batch is not None and batch.errors:
            self.action_focus_errors()
        elif batch is not None and batch.result_file_ids:
            self.action_open_results()

    # -- detail ------------------------------------------------------------------------

    def _show_detail(self, b: BatchView | None) -> None:
        detail = self.detail
        job = self.selected_job() if b is None else None
        if job is not None:
            detail.show(None, self.clock())
            detail.set_title(f"job {job.name}")
            detail.shown = (None, int(self.clock() // 60))
            detail.show_text(group_detail(job, self.tracker, self.clock()))  # type: ignore[arg-type]
            return
        local = self.local_record(b.id) if b is not None else None
        bill = self.queue.receipt(b, local) if b is not None else None
        detail.show(b, self.clock(), local, bill)
        if b is None and not self.setup_error:
            empty = "No batches yet." if not self.batches else "No batch matches the filter."
            detail.show_text(Text(empty if self.result else "", style="dim"))
        if not detail.errors.display and self.focused is detail.errors:
            self.query_one(BatchTable).focus()

    def local_record(self, batch_id: str) -> SubmissionRecord | None:
        """This machine's submission record of the batch; the file is read once per poll."""
        if self.service is None:
            return None
        if self._records is None:
            try:
                self._records = self.service.records.by_batch_id()
            except Exception:
                self._records = {}
        return self._records.get(batch_id)

    def on_descendant_focus(self) -> None:
        self._errors_mode()

    def on_descendant_blur(self) -> None:
        self.call_after_refresh(self._errors_mode)  # focus may be moving within the screen

    def _errors_mode(self) -> None:
        self.set_class(self.focused is self.detail.errors, "-errors")

    # -- keys --------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.poll_now()

    def action_cycle_filter(self) -> None:
        self.state_filter = FILTERS[(FILTERS.index(self.state_filter) + 1) % len(FILTERS)]
        self.render_table()
        self.update_poll_status()

    def action_filter_text(self) -> None:
        box = self.query_one("#batch-filter", Input)
        box.display = True
        box.value = self.text_filter
        box.focus()

    @on(Input.Changed, "#batch-filter")
    def _on_filter(self, event: Input.Changed) -> None:
        self.text_filter = event.value.strip()
        self.render_table()
        self.update_poll_status()

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
        errors = self.detail.errors
        if errors.display and errors.option_count:
            errors.focus()
            if errors.highlighted is None:
                errors.highlighted = 0

    @on(OptionList.OptionSelected, "#batch-errors")
    def _on_error_selected(self, event: OptionList.OptionSelected) -> None:
        batch = self.selected_batch()
        if batch is None or event.option.id is None:
            return
        self.open_input(batch, batch.errors[int(event.option.id)].line)

    def open_input(self, batch: BatchView, line: int | None) -> None:
        self.actions.open_input(batch, line)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_job":
            return self.is_attached and self._job_of_cursor() is not None
        return True

    def action_toggle_job(self) -> None:
        """Show a job's parts under its row, or fold them back (from a part too: the cursor
        goes back to the job's row)."""
        job = self._job_of_cursor()
        if job is None:
            return
        if job.job_id in self.expanded:
            self.expanded.discard(job.job_id)
        else:
            self.expanded.add(job.job_id)
        self.select_batch(job.key)

    def _with_local_job(self, job: JobGroup, doing: str, then: Callable[[str], object]) -> None:
        """``then(name)`` when this machine has the job's store, else say why not. The
        stores are read after each poll; a key pressed before that read looks for itself
        (so a job started here is never called someone else's for the first second)."""
        if job.local is not None:
            then(job.local.name)
            return

        async def look() -> None:
            import asyncio

            from batchtui.ui.dashboard.jobs import read_local

            local = await asyncio.to_thread(read_local, job.job_id, job.name)
            if local is not None:
                then(local.name)
                return
            self.notify(
                f"Job {safe(job.name)} was not started on this machine (no store here): "
                f"{doing} its parts one by one (Space shows them).",
                severity="warning",
                timeout=8,
            )

        self.run_worker(look(), group="job-local", exit_on_error=False)

    def action_copy_id(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.app.copy_to_clipboard(job.name)
            self.notify(f"Copied {safe(job.name)}")
            return
        batch = self.selected_batch()
        if batch is not None:
            self.actions.copy_id(batch)

    def action_cancel_batch(self) -> None:
        job = self.selected_job()
        if job is not None:
            from batchtui.ui.jobs.actions import confirm_cancel

            self._with_local_job(
                job, "cancel", lambda name: confirm_cancel(self, name, self.poll_now)
            )
            return
        batch = self.selected_batch()
        if batch is not None and self.api is not None:
            self.actions.cancel(batch)

    def action_download(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.notify(
                f"Job {safe(job.name)}: o opens its merged results (the Results view exports "
                "them), or Space shows its parts to download one by one.",
                timeout=8,
            )
            return
        batch = self.selected_batch()
        if batch is not None and self.api is not None:
            app = tui(self)
            self.actions.download(batch, Path(app.download_dir))

    def action_open_results(self) -> None:
        job = self.selected_job()
        if job is not None:
            from batchtui.ui.jobs.actions import open_results

            self._with_local_job(
                job,
                "open the results of",
                lambda name: self.run_worker(
                    open_results(self, name), group="job-results", exit_on_error=False
                ),
            )
            return
        batch = self.selected_batch()
        if batch is not None and self.api is not None:
            self.actions.open_results(batch)

    def action_submit(self) -> None:
        app = tui(self)
        app.action_submit_file()
