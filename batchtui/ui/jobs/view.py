"""What the Jobs view shows of a job: its row in the list and its detail pane (parts with
their batches, statuses, waits for queue room and retries).

Everything comes from the job's local store (:mod:`batchtui.jobs.status`, no network): it
reads the same while a runner is at it, after a crash, or offline. Job names, batch ids and
messages are data: they pass :func:`batchtui.core.text.safe` and go in as ``Text``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from batchtui.core.text import safe
from batchtui.ui.cells import drawable
from batchtui.ui.format import duration, local_time, progress_bar, relative, status_text

STATE_LOOK = {
    "running": ("▶", "bold blue"),
    "completed": ("✔", "green"),
    "failed": ("✖", "bold red"),
    "cancelled": ("⊘", "dim"),
}


@dataclass(frozen=True)
class Progress:
    """Requests answered across a job's parts."""

    completed: int
    failed: int
    total: int

    @property
    def done(self) -> int:
        return self.completed + self.failed


def progress_of(status: dict[str, Any]) -> Progress:
    """Answered requests of a job (``job_status`` data). A part whose failed requests were
    handed to a retry part counts them once: by the part that answered them last."""
    parents = {p["parent"] for p in status["parts"] if p.get("parent")}
    completed = failed = 0
    for p in status["parts"]:
        counts = p.get("counts") or {}
        completed += int(counts.get("completed") or 0)
        if p["part"] not in parents:
            failed += int(counts.get("failed") or 0)
    total = int(status.get("requests") or 0)
    return Progress(min(completed, total), min(failed, max(0, total - completed)), total)


ROOM = "waiting for queue room"  # how the runner words a part's wait (jobs/runner.py)


def waits_for_room(p: dict[str, Any]) -> bool:
    """A part not submitted because its model's queue has no room for it (the runner's meter
    said so, or the service turned it away with token_limit_exceeded)."""
    if p["state"] != "pending" or p["batch_id"]:
        return False
    return (p.get("message") or "").startswith(ROOM) or (p.get("queue_full") or 0) > 0


def waiting_parts(status: dict[str, Any]) -> int:
    """Parts that wait for queue room."""
    return sum(1 for p in status["parts"] if waits_for_room(p))


def pending_parts(status: dict[str, Any]) -> int:
    """Parts not submitted yet (waiting for their turn, queue room or a backoff)."""
    return sum(1 for p in status["parts"] if p["state"] == "pending" and not p["batch_id"])


def state_text(state: str | None, runner: bool | None = None) -> Text:
    if state is None:
        return Text("? broken", style="bold yellow")
    mark, style = STATE_LOOK.get(state, ("?", "yellow"))
    text = Text(f"{mark} {safe(state)}", style=style)
    if state == "running" and runner is False:
        text = Text(f"{mark} stopped", style="yellow")  # no runner at it: resume it
    return text


def list_columns(width: int) -> tuple[str, ...]:
    if width >= 100:
        return ("name", "state", "parts", "progress", "runner", "created", "input")
    if width >= 60:
        return ("name", "state", "parts", "progress", "runner")
    return ("name", "state", "parts")


COLUMN_LABELS = {"name": "Job", "parts": "Parts done", "runner": "Runner"}


def list_cells(job: dict[str, Any], columns: tuple[str, ...], now: float) -> tuple[Text, ...]:
    """One job of ``list_jobs`` as the list's cells; a broken job says its problem."""
    cells = []
    broken = job.get("error")
    for col in columns:
        if col == "name":
            cells.append(Text(drawable(safe(job["name"])), style="bold"))
        elif col == "state":
            cells.append(state_text(job.get("state"), job.get("runner_pid") is not None))
        elif broken:
            cells.append(Text(safe(broken), style="yellow") if col == "parts" else Text(""))
        elif col == "parts":
            cells.append(Text(f"{job['parts_done']}/{job['parts']}"))
        elif col == "progress":
            p = job.get("progress")
            cells.append(
                progress_bar(p.completed, p.failed, p.total) if p is not None else Text("—")
            )
        elif col == "runner":
            pid = job.get("runner_pid")
            cells.append(Text(f"pid {pid}") if pid else Text("—", style="dim"))
        elif col == "created":
            cells.append(Text(relative(job.get("created_at"), now)))
        elif col == "input":
            cells.append(Text(drawable(safe(job.get("input") or "")), style="cyan"))
    if broken and "parts" not in columns:
        cells[-1] = Text(safe(broken), style="yellow")
    return tuple(cells)


# A part's own state, while it has no batch status to show.
PART_LOOK = {
    "pending": ("·", "dim"),
    "uploading": ("↑", "cyan"),
    "creating": ("↑", "cyan"),
    "finishing": ("◐", "magenta"),
    "done": ("✔", "green"),
    "failed": ("✖", "bold red"),
    "cancelled": ("⊘", "dim"),
}


def part_status(p: dict[str, Any]) -> Text:
    if p["status"] and p["state"] not in ("done", "pending"):
        return status_text(p["status"], safe(p["status"]))
    if p["state"] == "done" and p["status"] and p["status"] != "completed":
        return status_text(p["status"], safe(p["status"]))  # expired, cancelled: settled
    mark, style = PART_LOOK.get(p["state"], ("?", "yellow"))
    return Text(f"{mark} {safe(p['state'])}", style=style)


def part_note(p: dict[str, Any]) -> Text:
    """Why a part waits, what it retried, what went wrong."""
    text = Text()
    message = p.get("message") or ""
    if waits_for_room(p):
        text.append(safe(message) if message.startswith(ROOM) else ROOM, style="yellow")
        message = "" if message.startswith(ROOM) else message
    elif p["state"] == "pending" and not p["batch_id"]:
        text.append("waits its turn", style="dim")
    if p["state"] == "pending" and not p["batch_id"] and p.get("waiting_seconds"):
        text.append(f" (next try in {duration(p['waiting_seconds'])})", style="dim")
    retries = max(0, int(p.get("attempts") or 0) - 1)
    if retries:
        text.append(("; " if text else "") + f"{retries} retr{'y' if retries == 1 else 'ies'}")
    if p.get("queue_full") and p["batch_id"]:
        text.append(("; " if text else "") + f"queue full {p['queue_full']}×", style="dim")
    if p.get("reason") and p["reason"] != "split":
        text.append(("; " if text else "") + f"{safe(p['reason'])} of {safe(p['parent'])}")
    if message and not message.startswith(ROOM):  # (a stale wait once it went in)
        text.append(("; " if text else "") + safe(message), style="italic")
    return text


def detail(status: dict[str, Any], now: float | None = None, *, wide: bool = True) -> Group:
    """The detail pane of one job: facts, then one row per part (``wide``: whole batch ids;
    else their tails, which tell them apart)."""
    from batchtui.ui.dashboard.rows import short_id

    now = time.time() if now is None else now
    facts = Table.grid(padding=(0, 1))
    facts.add_column(style="dim")
    facts.add_column()

    def row(label: str, value: Text | str | None) -> None:
        if value not in (None, ""):
            facts.add_row(label, value if isinstance(value, Text) else Text(safe(value)))

    runner = status["runner"]
    row("state", state_text(status["state"], runner["running"]))
    if runner["running"]:
        row("runner", f"pid {runner['pid']}" if runner["pid"] else "running")
    elif status["state"] == "running":
        row("runner", Text("none: r resumes it in the background", style="yellow"))
    if status.get("cancel_requested") and status["state"] == "cancelled":
        row("cancel", "requested")
    prog = progress_of(status)
    bar = progress_bar(prog.completed, prog.failed, prog.total, 16)
    bar.append(f" {prog.done:,}/{prog.total:,}")
    row("progress", bar)
    planned = status["parts_planned"]
    extra = len(status["parts"]) - planned
    parts = f"{planned:,} planned" + (f", {extra:,} more for leftovers/retries" if extra else "")
    waiting = waiting_parts(status)
    if waiting:
        parts += f"; {waiting} wait for queue room"
    row("parts", parts)
    row("input", Text(drawable(safe(status["input"])), style="cyan"))
    row("endpoint", status.get("endpoint"))
    row("model", status.get("model"))
    row("server", status.get("base_url"))
    created = status.get("created_at")
    row("created", f"{local_time(created)} ({relative(created, now)})" if created else None)
    if status.get("finished_at"):
        row("finished", local_time(status["finished_at"]))
    if status.get("message"):
        row("note", Text(safe(status["message"]), style="italic"))

    parts_table = Table(
        box=None, padding=(0, 1), show_edge=False, header_style="bold", expand=False
    )
    for label in ("Part", "Batch", "Status", "Done", "Note"):
        parts_table.add_column(label, no_wrap=label != "Note", overflow="ellipsis")
    for p in status["parts"]:
        counts = p.get("counts") or {}
        done = int(counts.get("completed") or 0) + int(counts.get("failed") or 0)
        total = int(counts.get("total") or p["requests"] or 0)
        parts_table.add_row(
            Text(safe(p["part"])),
            Text(
                safe(p["batch_id"] if wide else short_id(p["batch_id"])) if p["batch_id"] else "—",
                style="" if p["batch_id"] else "dim",
            ),
            part_status(p),
            Text(f"{done:,}/{total:,}" if counts else f"0/{p['requests']:,}"),
            part_note(p),
        )
    return Group(facts, Text(""), parts_table)
