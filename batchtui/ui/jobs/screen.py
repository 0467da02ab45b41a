"""The Jobs view (mode ``jobs``, key 4): every job in the state directory, and the selected
one's parts in a detail pane; resume, cancel, open the merged results.

The jobs are read from their local stores (SQLite; no network) in a thread worker, every
:data:`REFRESH_SECONDS` while the view is shown, one read at a time: a slow disk delays the
picture, never a key.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, get_current_worker

from batchtui.core.text import safe
from batchtui.ui.context import tui
from batchtui.ui.jobs import actions
from batchtui.ui.jobs.view import COLUMN_LABELS, detail, list_cells, list_columns, progress_of
from batchtui.ui.widgets.bars import ModeBar
from batchtui.ui.widgets.batch_table import BatchTable
from batchtui.ui.widgets.virtual_list import cursor_bindings
from batchtui.ui.worker_errors import failure_message

REFRESH_SECONDS = 2.0


class JobTable(BatchTable):
    help_title = "Job list"

    BINDINGS = [
        *cursor_bindings("job_table", "First job", "Last job", space=False),
        Binding("enter", "select", "Its merged results", show=False, id="job_table.select"),
    ]


class JobsScreen(Screen[None]):
    help_title = "Jobs"
    CSS_PATH = "../jobs.tcss"  # loaded when the screen is first shown

    BINDINGS = [
        Binding("r", "resume", "Resume (in the background)", id="jobs.resume"),
        Binding("x", "cancel_job", "Cancel job", id="jobs.cancel"),
        Binding("o", "open_results", "Merged results", id="jobs.results"),
        Binding("y", "copy_name", "Copy name", show=False, id="jobs.copy_name"),
    ]

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[dict[str, Any]] = []
        self.status: dict[str, Any] | None = None  # the selected job's, in full
        self.loaded = False
        self._select_next: str | None = None
        self._rows: list[tuple[str, tuple[Text, ...]]] = []
        self._again = False

    def compose(self) -> ComposeResult:
        yield ModeBar("jobs", id="mode-bar")
        yield Static("", id="jobs-status", markup=False)
        with Horizontal(id="jobs-body"):
            yield JobTable(id="job-table")
            with VerticalScroll(id="job-side"):
                yield Static("", id="job-detail-text", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#job-side").border_title = "Job"
        self.query_one(JobTable).focus()
        self.set_interval(REFRESH_SECONDS, self.refresh_jobs, name="jobs-refresh")
        self.refresh_jobs()

    def on_screen_resume(self) -> None:
        self.refresh_jobs()

    def on_resize(self) -> None:
        self.call_after_refresh(self._render_list)

    # -- reading -------------------------------------------------------------------------

    def refresh_jobs(self) -> None:
        """Read the jobs again (one read at a time; one more after it if asked meanwhile)."""
        if not self.is_attached or (self.app.screen is not self and self.loaded):
            return  # hidden: nothing to draw
        if any(w.is_running for w in self.workers if w.group == "jobs-load"):
            self._again = True
            return
        self._load(self._selected_name())

    @work(thread=True, group="jobs-load", exit_on_error=False)
    def _load(self, selected: str | None) -> None:
        from batchtui.jobs.status import list_jobs

        jobs = list_jobs(with_status=True)  # one look at each store, with its parts
        worker = get_current_worker()
        want = self._select_next or selected
        names = [j["name"] for j in jobs if not j.get("error")]
        if want not in names:
            want = names[0] if names and selected is None else want
        status = None
        for job in jobs:
            data = job.pop("status", None)
            if data is None:
                continue  # broken: listed with its problem
            job["progress"] = progress_of(data)  # the progress column needs the parts' counts
            if job["name"] == want:
                status = data
        if not worker.is_cancelled:
            self.app.call_from_thread(self._loaded, jobs, status)

    def _loaded(self, jobs: list[dict[str, Any]], status: dict[str, Any] | None) -> None:
        self.jobs = jobs
        self.loaded = True
        if status is not None:
            self.status = status  # drawn only while its job is the selected one
        self._render_list()
        if self._again:
            self._again = False
            self.call_later(self.refresh_jobs)

    # -- drawing -------------------------------------------------------------------------

    def _render_list(self) -> None:
        if not self.is_attached:
            return
        table = self.query_one(JobTable)
        columns = list_columns(table.size.width or self.size.width)
        now = self._now()
        rows = [(job["name"], list_cells(job, columns, now)) for job in self.jobs]
        keep = self._select_next or self._selected_name()
        if [k for k, _ in table.columns] != list(columns):
            table.set_columns([(c, COLUMN_LABELS.get(c, c.capitalize())) for c in columns])
            self._rows = []
        if rows != self._rows or (keep is not None and keep != table.cursor_key):
            self._rows = rows
            table.set_rows(rows, keep=keep)
        if self._select_next is not None and table.cursor_key == self._select_next:
            self._select_next = None
        self._status_line()
        self._render_detail()

    def _status_line(self) -> None:
        n = len(self.jobs)
        running = sum(1 for j in self.jobs if j.get("runner_pid"))
        text = Text(f"{n} job{'s' if n != 1 else ''}", style="bold")
        if running:
            text.append(f" · {running} running here", style="blue")
        text.append(f" · read from the state directory every {REFRESH_SECONDS:.0f}s", style="dim")
        self.query_one("#jobs-status", Static).update(text)

    def _render_detail(self) -> None:
        side = self.query_one("#job-side")
        body = self.query_one("#job-detail-text", Static)
        name = self._selected_name()
        if name is None:
            side.border_title = "Job"
            body.update(
                Text(
                    "No jobs yet. Open a file and press J to start one, or run "
                    "`batchtui job start FILE`."
                    if self.loaded
                    else "Reading the jobs…",
                    style="dim",
                )
            )
            return
        side.border_title = Text(safe(name))  # a str title would be markup
        job = self._job(name)
        if job is not None and job.get("error"):
            body.update(Text(f"This job cannot be read: {safe(job['error'])}", style="yellow"))
            return
        if self.status is None or self.status["name"] != name:
            body.update(Text("Reading…", style="dim"))
            return
        body.update(detail(self.status, self._now(), wide=body.size.width >= 90))

    def _now(self) -> float:
        return tui(self).context.wall_clock()  # (tests pin it)

    def _job(self, name: str) -> dict[str, Any] | None:
        return next((j for j in self.jobs if j["name"] == name), None)

    def _selected_name(self) -> str | None:
        if not self.is_attached:
            return None
        return self.query_one(JobTable).cursor_key

    def select_job(self, name: str) -> None:
        """Put the cursor on job ``name`` as soon as a read brings it."""
        self._select_next = name
        self.refresh_jobs()

    @on(BatchTable.Highlighted)
    def _on_row(self, event: BatchTable.Highlighted) -> None:
        if self.status is None or self.status["name"] != event.key:
            self._render_detail()
            self.refresh_jobs()

    @on(BatchTable.Selected)
    def _on_selected(self) -> None:
        self.action_open_results()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = failure_message(self, event)
        if message is not None:
            self.notify(f"Jobs: {message}", severity="error", timeout=10)

    # -- keys ----------------------------------------------------------------------------

    def _usable(self) -> str | None:
        name = self._selected_name()
        job = self._job(name) if name is not None else None
        if job is None:
            return None
        if job.get("error"):
            self.notify(f"Job {safe(name)} cannot be read: {job['error']}", severity="warning")
            return None
        return name

    def action_resume(self) -> None:
        name = self._usable()
        if name is not None:
            self.run_worker(self._resume(name), group="job-resume", exit_on_error=False)

    async def _resume(self, name: str) -> None:
        await actions.resume(self, name)
        self.refresh_jobs()

    def action_cancel_job(self) -> None:
        name = self._usable()
        if name is not None:
            actions.confirm_cancel(self, name, self.refresh_jobs)

    def action_open_results(self) -> None:
        name = self._usable()
        if name is not None:
            self.run_worker(
                actions.open_results(self, name), group="job-results", exit_on_error=False
            )

    def action_copy_name(self) -> None:
        name = self._selected_name()
        if name is not None:
            self.app.copy_to_clipboard(name)
            self.notify(f"Copied {safe(name)}")
