"""The dashboard's side pane: one batch in full, its line errors, the selected error whole."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from batchtui.api.models import BatchView
from batchtui.core.text import safe
from batchtui.ui.format import local_time, progress_bar, relative, status_text
from batchtui.ui.widgets.key_list import KeyList
from batchtui.ui.widgets.queue_meter import receipt_text

# Line errors listed (a failed batch can have one per line of a 50,000-line file).
MAX_ERRORS = 500

# Detail-pane labels of the timestamps, and the fields they come from.
TIME_FIELDS = {
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


def raw(value: object) -> str:
    """A server's value as it came (for a "?" mark), short and safe to show."""
    text = repr(value)
    return safe(text if len(text) <= 60 else text[:57] + "...")


class BatchDetail(Vertical):
    """The pane beside the table. Its title follows the cursor at once (:meth:`set_title`);
    its body (:meth:`show`) is redrawn by the screen once the cursor rests."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.current: BatchView | None = None
        self.shown: tuple[BatchView | None, int] | None = None  # (batch, minute) drawn
        # The batch id and errors the line-error list shows: a poll that brings the same
        # errors again must not rebuild the list (that lost its cursor, and Enter with it).
        self._errors_shown: tuple[str, tuple[Any, ...]] | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="batch-detail"):
            yield Static("", id="batch-detail-text", markup=False)
        yield KeyList(
            help_title="Line errors",
            enter_help="Open the input file at this line",
            id="batch-errors",
        )
        yield Static("", id="batch-error-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#batch-errors").display = False
        self.query_one("#batch-error-message").display = False
        self.border_title = "Batch"

    @property
    def errors(self) -> KeyList:
        return self.query_one("#batch-errors", KeyList)

    def set_title(self, batch_id: str | None) -> None:
        # A str title would be parsed as markup: data goes in as Text.
        self.border_title = Text(safe(batch_id)) if batch_id is not None else "Batch"

    def show_text(self, text: Text) -> None:
        """A message in place of a batch (no API key, no batches, nothing matches)."""
        self.query_one("#batch-detail-text", Static).update(text)

    def show(self, b: BatchView | None, now: float, local: Any = None, bill: Any = None) -> None:
        """Draw ``b`` (``local``: this machine's submission record of it, if any; ``bill``:
        what it cost, a ``cost.receipt.Receipt``)."""
        self.current = b
        self.shown = (b, int(now // 60))
        if b is None:
            self.set_title(None)
            self.show_errors(None)
            return
        self.set_title(b.id)
        self.show_text(self.table(b, now, local, bill))  # type: ignore[arg-type]
        self.show_errors(b)

    def show_errors(self, b: BatchView | None) -> None:
        """The batch's line errors, one line each, and the selected one's whole message.

        Rebuilt only when the batch or its errors change, so the cursor stays where it is
        through every refresh."""
        errors = self.errors
        message = self.query_one("#batch-error-message", Static)
        if b is None or not b.errors:
            self._errors_shown = None
            errors.clear_options()
            errors.display = message.display = False
            return
        key = (b.id, b.errors)
        if key != self._errors_shown:
            same_batch = self._errors_shown is not None and self._errors_shown[0] == b.id
            keep = errors.highlighted if same_batch else None
            self._errors_shown = key
            errors.clear_options()
            errors.add_options(
                Option(error_label(e), id=str(i)) for i, e in enumerate(b.errors[:MAX_ERRORS])
            )
            errors.highlighted = min(keep or 0, errors.option_count - 1)
        errors.display = message.display = True
        self.show_error_message()

    def show_error_message(self) -> None:
        errors = self.errors
        batch = self.current
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

    @on(OptionList.OptionHighlighted, "#batch-errors")
    def _on_error_highlighted(self) -> None:
        self.show_error_message()

    @staticmethod
    def table(b: BatchView, now: float, local: Any = None, bill: Any = None) -> Table:
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
            row("requests", Text(f"? ({raw(b.raw.get('request_counts'))})", style="yellow"))
        elif counts.total:
            row(
                "requests",
                f"{counts.completed or 0:,} completed, {counts.failed or 0:,} failed of {counts.total or 0:,}",
            )
            row(
                "progress",
                progress_bar(counts.completed or 0, counts.failed or 0, counts.total, 16),
            )
        for label, field in TIME_FIELDS.items():
            ts = getattr(b, field)
            if ts is not None:
                row(label, f"{local_time(ts)} ({relative(ts, now)})")
            elif field in b.invalid:
                row(label, Text(f"? ({raw(b.raw.get(field))})", style="yellow"))
        if b.usage is not None and b.usage.total_tokens:
            u = b.usage
            row(
                "tokens",
                f"{u.input_tokens:,} in ({u.cached_tokens:,} cached), "
                f"{u.output_tokens:,} out ({u.reasoning_tokens:,} reasoning)",
            )
        if bill is not None and not bill.usage.empty:
            row("cost", receipt_text(bill, running=not b.is_terminal))
        row("input file", b.input_file_id)
        row("output file", b.output_file_id or "—")
        row("error file", b.error_file_id or "—")
        if local is not None:
            row("local file", Text(safe(local.input_path), style="cyan"))
        for key, value in sorted(b.metadata.items()):
            row(f"meta {key}", value)
        if "metadata" in b.invalid:
            row(
                "metadata",
                Text(f"? (not an object: {raw(b.raw.get('metadata'))})", style="yellow"),
            )
        if b.errors:
            row("line errors", Text(f"{len(b.errors):,} (Enter or e to browse)", style="red"))
        return t


def error_label(e: Any) -> Text:
    line = f"line {e.line:,}" if e.line is not None else "file"
    text = Text(f"{line}: ", style="bold", no_wrap=True, overflow="ellipsis")
    text.append(safe(e.code or "error"), style="red")
    if e.message:
        text.append(f" {safe(' '.join(e.message.split()))}")
    return text
