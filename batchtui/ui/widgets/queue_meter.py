"""The enqueued-token queue per model as bars, and a batch's receipt, for the dashboard.

The figures come from :mod:`batchtui.api.queue` (limits and what is queued) and
:mod:`batchtui.cost.receipt`; this module only draws them, as :class:`~rich.text.Text` (model
names come from servers and files: data, never markup).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from batchtui.core.text import safe

if TYPE_CHECKING:
    from batchtui.cost.queue import QueueMeter
    from batchtui.cost.receipt import Receipt

BAR_CELLS = 12
FULL_AT = 0.9  # a queue this full is shown in red: the next big batch will not fit


def meter_line(meter: QueueMeter, width: int = 80) -> Text:
    """``gpt-4o-mini ████████░░░░ 1.2M / 2M (60%), 3 batches``, cut to ``width``."""
    text = Text(" ")
    text.append(safe(meter.model), style="bold")
    text.append(" ")
    fraction = meter.fraction
    if fraction is None:
        text.append("·" * BAR_CELLS, style="dim")
    else:
        style = "red" if fraction >= FULL_AT else "yellow" if fraction >= 0.5 else "green"
        filled = min(BAR_CELLS, round(BAR_CELLS * fraction))
        if meter.tokens and not filled:
            filled = 1  # anything queued shows
        text.append("█" * filled, style=style)
        text.append("░" * (BAR_CELLS - filled), style="dim")
    text.append(" ")
    # The meter's own words, without the model name already shown.
    words = meter.text()[len(meter.model) + 1 :]
    text.append(safe(words), style="dim" if not meter.tokens else "")
    text.truncate(max(10, width), overflow="ellipsis")
    return text


def meters_text(
    meters: Sequence[QueueMeter], source: str, notes: Sequence[str] = (), width: int = 80
) -> Text:
    """Every model's meter, then where the limits come from (and what could not be read)."""
    lines = [meter_line(m, width) for m in meters]
    tail = Text(" queue limits: ", style="dim")
    tail.append(safe(source) if source else "unknown (set OPENAI_ADMIN_KEY)", style="dim")
    lines.append(tail)
    lines += [Text(" " + safe(note), style="yellow") for note in notes]
    return Text("\n").join(lines)


class QueueMeterView(Static):
    """The queue meters of the account (hidden until something is known)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.meters: list[QueueMeter] = []
        self.source = ""
        self.notes: list[str] = []

    def show(self, meters: Sequence[QueueMeter], source: str, notes: Sequence[str] = ()) -> None:
        self.meters, self.source, self.notes = list(meters), source, list(notes)
        self.display = bool(self.meters) or bool(self.source)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        width = self.size.width or 80
        self.update(meters_text(self.meters, self.source, self.notes, width))


def receipt_text(bill: Receipt, running: bool = False) -> Text:
    """The detail pane's cost line: ``$0.12 at batch price, $0.24 standard: saved $0.12``."""
    text = Text(bill.cost_line(), style="bold" if bill.known and not bill.usage.empty else "")
    if running and not bill.usage.empty:
        text.append(" so far", style="dim")
    for note in bill.notes:
        text.append("\n" + safe(note), style="dim")
    return text
