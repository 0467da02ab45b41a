"""Start a job from the open file (File view, key J): the split and the estimate first, then
the job, run in the background.

The dialog plans the file in a worker (the same :func:`batchtui.jobs.prepare.prepare` as
``batchtui job start``: validate once, cut into parts that fit ``--max-requests`` /
``--max-bytes`` and the model's queue), shows the parts, the tokens and the cost at batch
price, and what the queue meter knows; the limits can be changed (Enter plans again) and Esc
stops the planning. Confirming writes the job and starts its runner as a process of its own
(:func:`batchtui.jobs.control.spawn_runner`: closing the TUI does not stop a job that may run
for days), then shows it in the Jobs view.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.ui.context import tui
from batchtui.ui.format import human_size
from batchtui.ui.widgets.safe_input import SafeInput
from batchtui.ui.worker_errors import failure_message

if TYPE_CHECKING:
    from textual.worker import Worker

    from batchtui.api.service import BatchService
    from batchtui.jobs.plan import PartLimits
    from batchtui.jobs.prepare import Prepared
    from batchtui.ui.app import BatchTUI
    from batchtui.ui.estimate import EstimateState


class _Stopped(Exception):
    """The dialog was closed (or the limits changed) while the file was planned."""


@dataclass(frozen=True)
class StartChoice:
    name: str
    prepared: Prepared


def free_name(path: str) -> str:
    """The CLI's default name for ``path`` (``name_from_path``), made unique with -2, -3…"""
    from batchtui.jobs.store import DB_NAME, JobStore, name_from_path

    base = name_from_path(path)
    name, n = base, 1
    while (JobStore.path_for(name) / DB_NAME).exists():
        n += 1
        name = f"{base[:60]}-{n}"
    return name


def size_text(n: int) -> str:
    """``n`` bytes as ``--max-bytes`` takes it, exactly (``200MB``, ``1536``)."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


def split_rows(prepared: Prepared) -> list[tuple[str, Text]]:
    """The split as the dialog's rows: parts, requests and bytes per part, the limits."""
    plan = prepared.plan
    parts = plan.parts
    limits = prepared.limits
    rows: list[tuple[str, Text]] = []
    sizes = [p.requests for p in parts]
    nbytes = [p.bytes for p in parts]
    rows.append(
        (
            "split",
            Text(
                f"{len(parts):,} part{'s' if len(parts) != 1 else ''} "
                f"of {plan.requests:,} requests ({human_size(plan.size)})",
                style="bold",
            ),
        )
    )
    if parts:
        req = f"{min(sizes):,}" if min(sizes) == max(sizes) else f"{min(sizes):,}–{max(sizes):,}"
        size = (
            human_size(nbytes[0])
            if min(nbytes) == max(nbytes)
            else f"{human_size(min(nbytes))}–{human_size(max(nbytes))}"
        )
        rows.append(("per part", Text(f"{req} requests, {size}")))
    limit = f"{limits.max_requests:,} requests, {human_size(limits.max_bytes)}"
    if limits.max_tokens:
        limit += f", {limits.max_tokens:,} input tokens (the queue)"
    rows.append(("limits", Text(limit)))
    if prepared.warnings:
        rows.append(("findings", Text(f"{prepared.warnings:,} warnings", style="yellow")))
    rows.append(("endpoint", Text(safe(prepared.endpoint))))
    if prepared.model:
        rows.append(("model", Text(safe(prepared.model))))
    tokens = plan.tokens()
    if tokens:
        about = "≈" if plan.tokens_mode == "sample" else ""
        rows.append(
            (
                "input tokens",
                Text(", ".join(f"{about}{n:,} {safe(m)}" for m, n in tokens.items())),
            )
        )
    for note in prepared.notes:
        rows.append(("note", Text(safe(note), style="dim")))
    return rows


class StartJobDialog(ModalScreen["StartChoice | None"]):
    """The split and the estimate of the open file, a name, and Start."""

    help_title = "Start a job"

    BINDINGS = [Binding("escape", "abort", "Back", id="start_job.abort")]

    CSS_PATH = "../jobs.tcss"  # with the Jobs view's styles

    def __init__(self, path: str, errors: int = 0) -> None:
        super().__init__()
        self.path = path
        self.errors = errors  # validation errors the user chose to start despite
        self.prepared: Prepared | None = None
        self.planned_for: tuple[int, int] | None = None  # the limits of ``prepared``
        self._stop = threading.Event()
        self._facts: list[tuple[str, Text]] = []
        self._stage = ""

    def compose(self) -> ComposeResult:
        from batchtui.jobs.prepare import default_limits
        from batchtui.validation.providers import OPENAI

        app = tui(self)
        limits = default_limits(app.provider or OPENAI)
        with Vertical(classes="dialog", id="start-job") as box:
            box.border_title = Text(f"Start a job: {safe(Path(self.path).name)}")
            yield Static(Text("Planning…", style="dim"), classes="dialog-body", id="job-plan")
            if self.errors:
                yield Static(
                    Text(
                        f"{self.errors:,} validation errors: the parts holding a bad line "
                        "will fail as a whole.",
                        style="bold yellow",
                    ),
                    classes="dialog-body",
                )
            with Grid(id="job-fields"):
                yield Label("name")
                yield SafeInput(free_name(self.path), id="job-name")
                yield Label("max requests")
                yield SafeInput(str(limits.max_requests), id="job-max-requests")
                yield Label("max bytes")
                yield SafeInput(size_text(limits.max_bytes), id="job-max-bytes")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Start (Enter)", variant="primary", id="start", disabled=True)
                yield Button("Back (Esc)", id="back")

    def on_mount(self) -> None:
        self.query_one("#job-name", Input).focus()
        self.replan()

    # -- planning ------------------------------------------------------------------------

    def limits(self) -> PartLimits:
        """The limits of the fields (UserError for a value that is not one)."""
        from batchtui.jobs.prepare import default_limits
        from batchtui.validation.providers import OPENAI
        from batchtui.validation.split import parse_size

        requests_text = self.query_one("#job-max-requests", Input).value.strip()
        bytes_text = self.query_one("#job-max-bytes", Input).value.strip()
        try:
            requests = int(requests_text.replace(",", "").replace("_", ""))
            if requests <= 0:
                raise ValueError
        except ValueError:
            raise UserError(f"max requests: not a positive number: {requests_text!r}") from None
        try:
            size = parse_size(bytes_text)
        except ValueError as exc:
            raise UserError(f"max bytes: {exc}") from None
        provider = tui(self).provider or OPENAI
        return default_limits(provider, max_requests=requests, max_bytes=size)

    def replan(self) -> None:
        try:
            limits = self.limits()
        except UserError as exc:
            self._show(Text(safe(exc.message), style="bold red"))
            return
        self._stop.set()  # a planning still going is for the old limits
        self._stop = threading.Event()
        self.prepared = None
        self.query_one("#start", Button).disabled = True
        self._show(Text("Planning: validating the file…", style="dim"))
        self._plan(limits, self._stop)

    @work(exclusive=True, group="job-plan", exit_on_error=False)
    async def _plan(self, limits: PartLimits, stop: threading.Event) -> None:
        app = tui(self)
        token_limits, queue_note = await _token_limits(app)
        from batchtui.jobs.prepare import Refused

        try:
            prepared = await asyncio.to_thread(self._prepare, limits, token_limits, stop)
        except Refused as exc:
            if self.errors or not all("validation error" in r for r in exc.reasons):
                raise
            # Found by the planning (the File view had not validated it): ask, as submit does.
            if not await self._insist(exc.reasons[0]):
                self.dismiss(None)
                return
            self.errors = -1
            self._show(Text("Planning again…", style="dim"))
            prepared = await asyncio.to_thread(self._prepare, limits, token_limits, stop)
        if prepared is None or stop.is_set():
            return
        self.prepared = prepared
        self.planned_for = (limits.max_requests, limits.max_bytes)
        rows = split_rows(prepared)
        self._facts = rows
        self._show(self._table([*rows, ("cost", Text("estimating…", style="dim"))]))
        from batchtui.ui.estimate import exact_estimate

        cost = await asyncio.to_thread(
            exact_estimate, app, self.path, threads=1, cancelled=stop.is_set
        )
        if stop.is_set():
            return
        rows = rows + _cost_rows(cost)
        self._show(self._table([*rows, ("queue", Text("checking…", style="dim"))]))
        self.query_one("#start", Button).disabled = False
        tokens = prepared.plan.tokens() or (dict(cost.tokens) if cost is not None else {})
        rows += await _queue_rows(app, tokens, queue_note)
        if not stop.is_set():
            self._facts = rows
            self._show(self._table(rows))

    async def _insist(self, reason: str) -> bool:
        from batchtui.ui.screens.dialogs import ConfirmDialog

        answer: bool | None = await tui(self).push_screen_wait(
            ConfirmDialog(
                "This file has errors",
                f"{reason}. The Batch API rejects a whole batch for one bad line: the "
                "parts that hold one will fail. Start the job anyway?",
                confirm="Start anyway",
            )
        )
        return bool(answer)

    def _prepare(
        self, limits: PartLimits, token_limits: dict[str, int], stop: threading.Event
    ) -> Prepared | None:
        from batchtui.jobs.prepare import prepare_isolated

        def stage(name: str, fraction: float | None) -> None:
            if stop.is_set():
                raise _Stopped
            text = f"Planning: {name} the file" + (
                f" {fraction:.0%}" if fraction is not None else ""
            )
            if text != self._stage:
                self._stage = text
                self.app.call_from_thread(self._show, Text(text, style="dim"))

        try:
            return prepare_isolated(
                self.path,
                limits,
                provider=tui(self).provider,
                token_limits=token_limits,
                processes=1,  # no worker processes forked from the TUI's threads
                on_stage=stage,
                allow_errors=bool(self.errors),
            )
        except _Stopped:
            return None

    def _show(self, body: Any) -> None:
        if self.is_attached:
            self.query_one("#job-plan", Static).update(body)

    @staticmethod
    def _table(rows: list[tuple[str, Text]]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim")
        table.add_column()
        for label, value in rows:
            table.add_row(label, value)
        return table

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        message = failure_message(self, event)
        if message is not None:
            self._show(Text(f"Cannot start a job: {safe(message)}", style="bold red"))

    # -- answers ---------------------------------------------------------------------------

    @on(Input.Submitted, "#job-max-requests, #job-max-bytes")
    def _limits_entered(self) -> None:
        self.replan()

    @on(Input.Submitted, "#job-name")
    def _name_entered(self) -> None:
        self._start()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self._start()
        else:
            self.action_abort()

    def _start(self) -> None:
        from batchtui.jobs.store import DB_NAME, JobStore, check_name

        if self.prepared is None:
            self.notify("The split is not ready yet.", severity="warning")
            return
        try:
            limits = self.limits()
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        if (limits.max_requests, limits.max_bytes) != self.planned_for:
            self.notify("The limits changed: planning again (Enter starts once it is done).")
            self.replan()
            return
        name = self.query_one("#job-name", Input).value.strip()
        try:
            check_name(name)
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        if (JobStore.path_for(name) / DB_NAME).exists():
            self.notify(
                f"A job named {name} exists already: choose another name.", severity="error"
            )
            return
        self._stop.set()
        self.dismiss(StartChoice(name, self.prepared))

    def action_abort(self) -> None:
        self._stop.set()  # the planning stops at its next step
        self.dismiss(None)


async def _token_limits(app: BatchTUI) -> tuple[dict[str, int], str | None]:
    """The queue limits per model (Admin API or the config's ``[queue]``) that size the
    parts, as ``batchtui job start`` reads them; and why they could not be read."""
    from batchtui.api.queue import load_limits
    from batchtui.ui.submit import queue_settings

    try:
        queue = await queue_settings(app)
    except UserError as exc:
        return {}, exc.message
    limits = dict(queue.config_limits)
    if queue.admin_key:
        try:
            api = await app.get_api()
            found = await api.run(load_limits(api.service, queue))
        except UserError as exc:
            return limits, exc.message
        limits = dict(found.limits)
    return limits, None


def _cost_rows(state: EstimateState | None) -> list[tuple[str, Text]]:
    from batchtui.ui.estimate import submit_facts

    if state is None:
        return [("cost", Text("not estimated (no tokenizer data for its models)", style="dim"))]
    return [(label, Text(safe(value))) for label, value in submit_facts(state)]


async def _queue_rows(
    app: BatchTUI, tokens: dict[str, int], note: str | None
) -> list[tuple[str, Text]]:
    """What the queue meter knows: room for the whole file now or not (the parts go in as
    room frees either way)."""
    from batchtui.ui.submit import queue_check

    if note:
        return [("queue", Text(f"not checked: {safe(note)}", style="dim"))]
    if not tokens:
        return [("queue", Text("not checked: the parts' tokens are not counted", style="dim"))]
    checked, unchecked = await queue_check(app, tokens)
    if checked is None:
        return [("queue", Text(f"not checked: {safe(unchecked or '')}", style="yellow"))]
    if not checked.known:
        return [("queue", Text("no limit known (Admin API or [queue] in the config)", style="dim"))]
    rows = [("queue", Text(safe(line))) for line in checked.lines()]
    if not checked.ok:
        rows.append(("", Text("parts wait and go in as room frees", style="yellow")))
    return rows


# ------------------------------------------------------------------------ the flow


async def start_job_flow(app: BatchTUI) -> None:
    """J in the File view: ask about validation errors, show the split and the estimate,
    then write the job, start its runner in the background and show it in the Jobs view."""
    from batchtui.ui.screens.dialogs import ConfirmDialog

    screen = app.file_screen
    if screen is None or screen.index is None:
        app.notify("Open a file first: batchtui FILE.jsonl, then press J.", severity="warning")
        return
    path = screen.index.path
    if str(path).endswith(".gz"):
        app.notify("Decompress the file first: a job reads its parts from it.", severity="error")
        return
    errors = 0
    snapshot = screen.validation_snapshot
    if snapshot is not None and snapshot.done and snapshot.errors:
        errors = snapshot.errors
        insist = await app.push_screen_wait(
            ConfirmDialog(
                f"{errors:,} errors in this file",
                "The Batch API rejects a whole batch for one bad line: the parts that hold "
                "one will fail. Press v in the File view to see them. Start the job anyway?",
                confirm="Start anyway",
            )
        )
        if not insist:
            return
    choice = await app.push_screen_wait(StartJobDialog(str(path), errors))
    if choice is None:
        return
    try:
        service = await app.get_service()  # the runner needs a key: said now, not in its log
        pid = await asyncio.to_thread(_create_and_run, app, service, choice)
    except UserError as exc:
        app.notify(exc.message, severity="error", timeout=15)
        return
    app.notify(
        f"Job {choice.name} started: its runner (pid {pid}) works in the background and "
        "goes on when batchtui closes.",
        timeout=8,
    )
    await app.open_job(choice.name)


def _create_and_run(app: BatchTUI, service: BatchService, choice: StartChoice) -> int:
    """Write the job (as ``batchtui job start`` does) and start its runner."""
    from batchtui.jobs.control import spawn_runner
    from batchtui.jobs.prepare import create_job
    from batchtui.ui.jobs.actions import runner_setup

    prepared = choice.prepared
    options = prepared.options()
    # The job belongs to the server the TUI talks to (the dashboard's), where its batches
    # will live: a resume talks to the same one.
    base_url = service.settings.effective_base_url
    store = create_job(choice.name, prepared, options, base_url=base_url)
    directory = store.directory
    store.close()
    connection, env = runner_setup(app)
    return spawn_runner(choice.name, directory, connection, env).pid
