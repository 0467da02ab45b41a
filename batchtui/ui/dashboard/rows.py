"""The table's model: filtering, columns by width, cells, and the rows a poll changed.

Rebuilding 500 rows on every poll stalled keys for ~40 ms; :meth:`BatchRows.update` reuses
a row's cells when neither its batch nor its clock-driven text changed, and says which rows
changed so the table redraws only those.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text

from batchtui.api.eta import ThroughputTracker
from batchtui.api.models import BatchView
from batchtui.core.text import safe
from batchtui.ui.cells import drawable
from batchtui.ui.dashboard.jobs import (
    Entry,
    JobGroup,
    JobPart,
    group_cell,
    group_eta,
    group_expires,
    key_of,
    part_id_cell,
)
from batchtui.ui.format import duration, progress_bar, relative, status_text

FILTERS = ("all", "active", "finished")
# Less than this left before expiry is shown as a warning.
EXPIRY_WARNING_SECONDS = 2 * 3600
COLUMN_LABELS = {"eta": "ETA"}
# Columns whose text follows the clock; the others change only when their batch does.
TIMED_COLUMNS = frozenset({"created", "eta", "expires"})


@dataclass(frozen=True)
class Row:
    batch: Entry  # a batch, a job's row or a job's part
    timed: tuple[tuple[str, str] | None, ...]  # text and style of the clock-driven cells
    cells: tuple[Text, ...]
    changed: bool  # a cell differs from the previous poll's


@dataclass(frozen=True)
class Update:
    """What the table must do: ``changed`` rows only, or everything (``rebuild``)."""

    rebuild: bool
    columns_changed: bool
    rows: dict[str, Row]


def short_id(batch_id: str) -> str:
    """Batch ids share a ``batch_`` prefix; the tail is what tells them apart."""
    return batch_id if len(batch_id) <= 13 else "…" + batch_id[-12:]


def short_endpoint(endpoint: str | None) -> str:
    if not endpoint:
        return "—"
    return endpoint.removeprefix("/v1/").removeprefix("/")


def matches(b: BatchView, state_filter: str, needle: str) -> bool:
    """``state_filter`` is one of :data:`FILTERS`; ``needle`` lower-case text or ""."""
    if state_filter == "active" and not b.is_active:
        return False
    if state_filter == "finished" and b.is_active:
        return False
    if needle:
        fields = (b.id, b.display_status, b.model, b.endpoint, b.description, b.input_file_id)
        hay = " ".join(str(x) for x in fields if x).lower()
        if needle not in hay:
            return False
    return True


def columns_for(width: int) -> tuple[str, ...]:
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


def column_labels(columns: Sequence[str]) -> list[tuple[str, str]]:
    return [(col, COLUMN_LABELS.get(col, col.capitalize())) for col in columns]


class BatchRows:
    """The rows shown and their cells, kept from one poll to the next."""

    def __init__(self, tracker: ThroughputTracker, clock: Callable[[], float]) -> None:
        self.tracker = tracker
        self.clock = clock
        self.columns: tuple[str, ...] = ()
        self.order: list[str] = []
        self.rows: dict[str, Row] = {}

    def invalidate_order(self) -> None:
        """The next update sets every row afresh (and the cursor with it)."""
        self.order = []

    def update(self, visible: Sequence[Entry], width: int, now: float) -> Update:
        """The rows for ``visible`` (batches, and jobs with their parts: see ``jobs.py``) at
        this width and time. With the same rows in the same order, only rows whose batch or
        clock-driven text changed are rebuilt."""
        columns = columns_for(width)
        same_layout = columns == self.columns
        rows = {}
        for b in visible:
            key = key_of(b)
            rows[key] = self.row(b, columns, now, self.rows.get(key) if same_layout else None)
        order = list(rows)
        rebuild = not (same_layout and order == self.order)
        self.rows = rows
        self.columns = columns
        self.order = order
        return Update(rebuild, not same_layout, rows)

    def row(self, b: Entry, columns: tuple[str, ...], now: float, old: Row | None) -> Row:
        """The row's cells, reusing the old ones where neither the batch nor the
        clock-driven text changed."""
        timed = tuple(self.timed(b, col, now) if col in TIMED_COLUMNS else None for col in columns)
        if old is None:
            cells = tuple(self.cell(b, col, key) for col, key in zip(columns, timed, strict=True))
            return Row(b, timed, cells, True)
        same_batch = old.batch is b or old.batch == b
        if same_batch and old.timed == timed:
            return Row(b, timed, old.cells, False)
        new_cells = []
        changed = False
        for i, col in enumerate(columns):
            keep = timed[i] == old.timed[i] if col in TIMED_COLUMNS else same_batch
            if keep:
                new_cells.append(old.cells[i])
            else:
                cell = self.cell(b, col, timed[i])
                changed = changed or cell != old.cells[i] or cell.style != old.cells[i].style
                new_cells.append(cell)
        return Row(b, timed, tuple(new_cells), changed)

    def timed(self, b: Entry, col: str, now: float) -> tuple[str, str]:
        """Text and style of a cell that changes with the clock (cheap: no Text built)."""
        if isinstance(b, JobPart):
            b = b.batch
        elif isinstance(b, JobGroup):
            if col == "created":
                return relative(b.created_at, now), ""
            if col == "eta":
                return group_eta(b, self.tracker)
            return group_expires(b, now)
        if col == "created":
            if "created_at" in b.invalid:
                return "?", "bold yellow"  # the server sent no usable time
            return relative(b.created_at, now), ""
        if col == "eta":
            return self.eta(b)
        return expires(b, now)

    def cell(self, b: Entry, col: str, timed: tuple[str, str] | None) -> Text:
        if timed is not None:
            return Text(timed[0], style=timed[1])
        if isinstance(b, JobGroup):
            return group_cell(b, col)
        if isinstance(b, JobPart):
            if col == "id":
                return part_id_cell(b)
            b = b.batch
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

    def eta(self, b: BatchView) -> tuple[str, str]:
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


def expires(b: BatchView, now: float) -> tuple[str, str]:
    if b.is_active and "expires_at" in b.invalid:
        return "?", "bold yellow"
    if not b.is_active or b.expires_at is None:
        return "—", "dim"
    left = b.expires_at - now
    if left <= 0:
        return "overdue", "bold red"
    return duration(left), "bold red" if left < EXPIRY_WARNING_SECONDS else ""
