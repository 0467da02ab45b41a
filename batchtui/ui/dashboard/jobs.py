"""A job's batches under one row of the dashboard.

Every batch a job runner creates carries the job's tags in its metadata
(:data:`batchtui.jobs.options.TAG_JOB_ID`, ``TAG_JOB``, ``TAG_PART``). The dashboard shows
them as one :class:`JobGroup` row (name, parts done, progress over the job's requests, ETA,
cost so far, parts waiting for queue room) that expands to one :class:`JobPart` row per
batch. What only the job's local store knows (its total requests, the parts not submitted
yet and which of them wait for room) is read by :class:`JobLocals` in a thread after each
poll; a job started on another machine shows what its batches say, and nothing is guessed.

Metadata comes from the server: names and labels are data (``safe``), and a name is used to
open a store only when it is a valid job name whose store holds the same job id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from batchtui.api.eta import ThroughputTracker
from batchtui.api.models import BatchView
from batchtui.core.text import safe
from batchtui.jobs.options import TAG_JOB, TAG_JOB_ID, TAG_PART
from batchtui.ui.cells import drawable
from batchtui.ui.format import duration, progress_bar, relative, status_text

if TYPE_CHECKING:
    from textual.dom import DOMNode

JOB_KEY = "job:"  # row keys of job rows (batch ids never start so)


@dataclass(frozen=True)
class JobLocal:
    """What the job's store on this machine says (no network)."""

    name: str
    requests: int
    parts: int
    parts_done: int
    pending: int  # parts not submitted yet
    waiting: int  # of which wait for queue room
    runner_pid: int | None


@dataclass(frozen=True)
class JobPart:
    """A batch of a job, shown under its expanded job row."""

    batch: BatchView
    label: str
    last: bool  # the last part row under its job (drawn └)

    @property
    def key(self) -> str:
        return self.batch.id


@dataclass(frozen=True)
class JobGroup:
    """One job's row: its batches in the account, and its store's facts when local."""

    job_id: str
    name: str
    parts: tuple[BatchView, ...]
    labels: tuple[str, ...]  # each batch's part label (a part may have had several batches)
    local: JobLocal | None
    expanded: bool
    cost: str | None = None  # what its batches cost so far (batch price), when known

    @property
    def key(self) -> str:
        return JOB_KEY + self.job_id

    @property
    def completed(self) -> int:
        return sum(b.request_counts.completed or 0 for b in self.parts)

    @property
    def failed(self) -> int:
        return sum(b.request_counts.failed or 0 for b in self.parts)

    @property
    def total(self) -> int:
        """The job's requests (its store's), else those of the batches seen so far."""
        if self.local is not None:
            return self.local.requests
        return sum(b.request_counts.total or 0 for b in self.parts)

    @property
    def part_count(self) -> int:
        return self.local.parts if self.local is not None else len(self.parts)

    def newest(self) -> dict[str, BatchView]:
        """Each part's newest batch (a part turned away by a full queue, or expired, is sent
        again as a new batch: the old one no longer says how the part is doing)."""
        newest: dict[str, BatchView] = {}
        for b, label in zip(self.parts, self.labels, strict=True):
            old = newest.get(label)
            if old is None or (b.created_at or 0) >= (old.created_at or 0):
                newest[label] = b
        return newest

    @property
    def parts_done(self) -> int:
        """Parts finished. A part's batch can end and be followed by another (the queue was
        full, it expired): a part counts by its newest batch. The store knows best while its
        runner looks; the batches can be ahead of it (no runner at it)."""
        newest = self.newest()
        if self.local is not None:
            completed = sum(1 for b in newest.values() if b.status == "completed")
            return min(max(completed, self.local.parts_done), self.local.parts)
        return sum(1 for b in newest.values() if b.is_terminal)

    @property
    def active(self) -> bool:
        return any(b.is_active for b in self.parts) or bool(self.local and self.local.pending)

    @property
    def created_at(self) -> float | None:
        times = [b.created_at for b in self.parts if b.created_at is not None]
        return min(times) if times else None

    def status(self) -> str:
        """The batch status that sums the job up (for its colour)."""
        if any(b.status == "in_progress" for b in self.parts):
            return "in_progress"
        if self.active:
            return "validating"
        statuses = {b.status for b in self.newest().values()}
        for worst in ("failed", "expired", "cancelled"):
            if worst in statuses:
                return worst
        return "completed"


Entry = BatchView | JobGroup | JobPart


def job_tags(b: BatchView) -> tuple[str, str, str] | None:
    """(job id, job name, part label) of a job's batch, or None."""
    meta = b.metadata
    job_id = meta.get(TAG_JOB_ID)
    if not job_id:
        return None
    return job_id, meta.get(TAG_JOB) or job_id, meta.get(TAG_PART) or "?"


def _label_order(label: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in label.split("."))
    except ValueError:
        return (1 << 30,)


def group_entries(
    batches: Sequence[BatchView],
    shown: Callable[[BatchView], bool],
    needle: str,
    expanded: set[str],
    locals_: dict[str, JobLocal],
    cost: Callable[[Sequence[BatchView]], str | None],
) -> list[Entry]:
    """The rows in order: plain batches as they are; a job's batches as one row where the
    first of them would be, followed (when expanded) by those that pass the filter."""
    jobs: dict[str, list[tuple[str, BatchView]]] = {}
    names: dict[str, str] = {}
    for b in batches:
        tags = job_tags(b)
        if tags is not None:
            jobs.setdefault(tags[0], []).append((tags[2], b))
            names.setdefault(tags[0], tags[1])
    out: list[Entry] = []
    placed: set[str] = set()
    for b in batches:
        tags = job_tags(b)
        if tags is None:
            if shown(b):
                out.append(b)
            continue
        job_id = tags[0]
        if job_id in placed:
            continue
        members = sorted(jobs[job_id], key=lambda lb: _label_order(lb[0]))
        visible = [(label, m) for label, m in members if shown(m)]
        name_hit = bool(needle) and needle in names[job_id].lower()
        if not visible and not name_hit:
            continue
        placed.add(job_id)
        parts = tuple(m for _, m in members)
        labels = tuple(label for label, _ in members)
        local = locals_.get(job_id)
        is_open = job_id in expanded
        out.append(JobGroup(job_id, names[job_id], parts, labels, local, is_open, cost(parts)))
        if is_open:
            rows = visible or members
            for i, (label, m) in enumerate(rows):
                out.append(JobPart(m, label, i == len(rows) - 1))
    return out


def key_of(entry: Entry) -> str:
    return entry.id if isinstance(entry, BatchView) else entry.key


# ------------------------------------------------------------------------ cells


def group_status(g: JobGroup) -> Text:
    text = status_text(g.status(), f"{g.parts_done}/{g.part_count} parts")
    if g.local is not None and g.local.waiting:
        text.append(f" · {g.local.waiting} wait", style="yellow")
    return text


def group_eta(g: JobGroup, tracker: ThroughputTracker) -> tuple[str, str]:
    if not g.active:
        return "—", "dim"
    etas = []
    for b in g.parts:
        if b.status != "in_progress":
            continue
        counts = b.request_counts
        est = tracker.estimate(b.id, counts.done, counts.total)
        if est is None:
            return "measuring", "dim"
        if est.eta_seconds is None:
            return "stalled", "yellow"
        etas.append(est.eta_seconds)
    more = g.local is not None and g.local.pending > 0
    if not etas:
        if any(b.is_active for b in g.parts):
            return "measuring", "dim"  # its batches are validating or finalizing
        return ("waiting", "yellow") if more else ("—", "dim")
    # Parts run side by side: the last to finish; parts not submitted yet come after it.
    return ("≥" if more else "") + duration(max(etas)), ""


def group_expires(g: JobGroup, now: float) -> tuple[str, str]:
    from batchtui.ui.dashboard.rows import EXPIRY_WARNING_SECONDS

    ends = [b.expires_at for b in g.parts if b.is_active and b.expires_at is not None]
    if not ends:
        return "—", "dim"
    left = min(ends) - now
    if left <= 0:
        return "overdue", "bold red"
    return duration(left), "bold red" if left < EXPIRY_WARNING_SECONDS else ""


def group_cell(g: JobGroup, col: str) -> Text:
    if col == "id":
        mark = "▾" if g.expanded else "▸"
        return Text(f"{mark} {drawable(safe(g.name))}", style="bold")
    if col == "status":
        return group_status(g)
    if col == "progress":
        return progress_bar(g.completed, g.failed, g.total)
    if col == "endpoint":
        from batchtui.ui.dashboard.rows import short_endpoint

        return Text(safe(short_endpoint(g.parts[0].endpoint)))
    if col == "model":
        return Text(drawable(safe(g.parts[0].model or "—")))
    if col == "description":
        text = Text(f"job · {g.part_count} parts", style="italic")
        if g.local is not None and g.local.waiting:
            text.append(f" · {g.local.waiting} wait for queue room", style="yellow")
        if g.cost:
            text.append(f" · {g.cost} so far")
        return text
    return Text("")


def part_id_cell(p: JobPart) -> Text:
    from batchtui.ui.dashboard.rows import short_id

    branch = "└" if p.last else "├"
    text = Text(f" {branch} ", style="dim")
    text.append(f"#{drawable(safe(p.label))} ", style="cyan")
    text.append(safe(short_id(p.batch.id)) or "?")
    return text


# ------------------------------------------------------------------------ detail pane


def group_detail(g: JobGroup, tracker: ThroughputTracker, now: float) -> Table:
    t = Table.grid(padding=(0, 1))
    t.add_column(style="dim", max_width=18)
    t.add_column()

    def row(label: str, value: Text | str | None) -> None:
        if value not in (None, ""):
            t.add_row(label, value if isinstance(value, Text) else Text(safe(value)))

    row("job", Text(safe(g.name), style="bold"))
    row("status", group_status(g))
    done = g.completed + g.failed
    bar = progress_bar(g.completed, g.failed, g.total, 16)
    bar.append(f" {done:,}/{g.total:,}")
    row("progress", bar)
    row("requests", f"{g.completed:,} completed, {g.failed:,} failed of {g.total:,}")
    eta, style = group_eta(g, tracker)
    row("ETA", Text(eta, style=style))
    row("cost", f"{g.cost} at batch price so far" if g.cost else "—")
    if g.local is not None:
        waiting = g.local.waiting
        row(
            "queue room",
            Text(f"{waiting} part(s) wait for it", style="yellow") if waiting else "no part waits",
        )
        pending = g.local.pending - waiting
        if pending > 0:
            row("not yet sent", f"{pending} part(s) wait their turn")
        pid = g.local.runner_pid
        row("runner", f"pid {pid}" if pid else Text("none: 4 Jobs, r resumes it", style="yellow"))
    else:
        row("this machine", Text("has no store of this job: its batches only", style="dim"))
    created = g.created_at
    row("first batch", relative(created, now) if created is not None else None)
    row("model", g.parts[0].model)
    row(
        "keys",
        Text(
            ("Space collapses" if g.expanded else "Space expands")
            + " · o merged results · x cancel the job",
            style="dim",
        ),
    )
    return t


def cost_of(book: Any, receipt: Callable[[BatchView], Any]) -> Callable[..., str | None]:
    """``cost(parts)``: what the parts cost so far at batch price ("$1.23"), None unknown."""

    def cost(parts: Iterable[BatchView]) -> str | None:
        if book is None:
            return None
        from batchtui.cost.estimate import usd

        total = Decimal(0)
        known = False
        for b in parts:
            bill = receipt(b)
            if bill is not None and bill.batch_usd is not None:
                total += bill.batch_usd
                known = True
        return usd(total) if known else None

    return cost


# ------------------------------------------------------------------------ local stores


def read_local(job_id: str, name: str) -> JobLocal | None:
    """The job's store on this machine, if it holds job ``job_id`` (a name from a server
    opens nothing unless it is a valid job name)."""
    from batchtui.core.errors import UserError
    from batchtui.jobs import store as st
    from batchtui.jobs.status import job_status

    try:
        st.check_name(name)
        if not (st.JobStore.path_for(name) / st.DB_NAME).exists():
            return None
        with st.JobStore.open(name) as store:
            if store.job().job_id != job_id:
                return None
            data = job_status(store)  # with its runner's pid (the lock's)
    except (UserError, OSError, ValueError, KeyError):
        return None
    except Exception:  # a broken store: the batches alone are shown
        return None
    from batchtui.ui.jobs.view import pending_parts, waiting_parts

    parts = data["parts"]
    return JobLocal(
        name=data["name"],
        requests=int(data["requests"] or 0),
        parts=len(parts),
        parts_done=sum(1 for p in parts if p["state"] in st.PART_TERMINAL),
        pending=pending_parts(data),
        waiting=waiting_parts(data),
        runner_pid=data["runner"]["pid"],
    )


def read_locals(jobs: dict[str, str]) -> dict[str, JobLocal]:
    """:func:`read_local` of every ``{job id: name}``."""
    found = {}
    for job_id, name in jobs.items():
        local = read_local(job_id, name)
        if local is not None:
            found[job_id] = local
    return found


class JobLocals:
    """The local facts of the jobs a poll shows, read in a thread (one read at a time)."""

    def __init__(self, node: DOMNode, done: Callable[[], None]) -> None:
        self.node = node
        self.done = done
        self.found: dict[str, JobLocal] = {}
        self.running = False
        self._again: dict[str, str] | None = None

    def refresh(self, batches: Iterable[BatchView]) -> None:
        jobs: dict[str, str] = {}
        for b in batches:
            tags = job_tags(b)
            if tags is not None:
                jobs.setdefault(tags[0], tags[1])
        if not jobs and not self.found:
            return
        if self.running:
            self._again = jobs
            return
        self.running = True
        self.node.run_worker(self._read(jobs), group="job-locals", exit_on_error=False)

    async def _read(self, jobs: dict[str, str]) -> None:
        try:
            while True:
                found = await asyncio.to_thread(read_locals, jobs)
                if found != self.found:
                    self.found = found
                    self.done()
                if self._again is None:
                    return
                jobs, self._again = self._again, None
        finally:
            self.running = False
