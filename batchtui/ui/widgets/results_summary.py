"""The results summary: counts per class with bars, and the failure histogram's rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from batchtui.core.text import safe
from batchtui.cost.receipt import tokens_text
from batchtui.ui.widgets.results_list import MARKS, one_line

if TYPE_CHECKING:
    from batchtui.results.model import FailureGroup
    from batchtui.results.result import JoinResult
    from batchtui.ui.costs import ResultCosts

# kind -> style, shared by the summary and the histogram (the list uses COMPONENT_CLASSES).
KIND_STYLES = {
    "ok": "green",
    "soft": "yellow",
    "fail": "red",
    "cancelled": "red",
    "expired": "dark_orange",
    "missing": "magenta",
    "unexpected": "cyan",
}
BAR_WIDTH = 16


def _bar(n: int, total: int, width: int, style: str) -> Text:
    """``████▌░░░`` with eighth-block precision; any non-zero count shows at least a sliver."""
    text = Text()
    if total <= 0:
        return Text("░" * width, style="dim")
    eighths = round(8 * width * n / total)
    if n and not eighths:
        eighths = 1
    full, part = divmod(eighths, 8)
    text.append("█" * full, style=style)
    if part:
        text.append(" ▏▎▍▌▋▊▉"[part], style=style)
    text.append("░" * (width - full - (1 if part else 0)), style="dim")
    return text


def class_lines(result: JoinResult) -> list[tuple[str, str, str, int]]:
    """(filter key, kind, label, count) for each class line of the summary."""
    c = result.counts()
    soft = c["truncated"] + c["content_filter"] + c["refusal"] + c["empty"]
    lines = [
        ("succeeded", "ok", "succeeded", c["succeeded"]),
        ("failed", "fail", "failed", c["failed"]),
        ("expired", "expired", "expired", c["expired"]),
    ]
    if result.input_index is not None:  # without the input, nothing can be seen missing
        lines.append(("missing", "missing", "missing", c["missing"]))
    if c["unexpected"]:
        lines.append(("unexpected", "unexpected", "unexpected", c["unexpected"]))
    if soft:
        lines.append(("flagged", "soft", "flagged answers", soft))
    return lines


def flag_notes(result: JoinResult) -> list[str]:
    """The finer counts worth a mention (truncated, filtered, refused, empty, twice)."""
    c = result.counts()
    notes = []
    for key, label in (
        ("truncated", "truncated"),
        ("content_filter", "content filter"),
        ("refusal", "refusal"),
        ("empty", "empty"),
        ("failed_http", "http errors"),
        ("cancelled", "cancelled"),
        ("duplicates", "answered twice"),
        ("duplicate_inputs", "ids repeated in input"),
    ):
        if c[key] and not (key == "failed_http" and c[key] == c["failed"]):
            notes.append(f"{label} {c[key]:,}")
    return notes


def tokens_note(result: JoinResult) -> str:
    return "tokens " + tokens_text(result.usage())


class ResultsSummary(Static):
    """Counts per class with bars. ``compact``: two lines (a stacked bar, then the notes)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.result: JoinResult | None = None
        self.active = "all"
        self.compact = False
        self.costs: ResultCosts | None = None  # priced after the join, in a worker

    def show(self, result: JoinResult | None, active: str = "all") -> None:
        if result is not self.result:
            self.costs = None
        self.result = result
        self.active = active
        self.refresh_summary()

    def set_costs(self, costs: ResultCosts | None) -> None:
        self.costs = costs
        self.refresh_summary()

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.refresh_summary()

    def on_resize(self) -> None:
        if self.compact:
            self.refresh_summary()

    def refresh_summary(self) -> None:
        result = self.result
        if result is None:
            self.update("")
            return
        self.update(self._compact(result) if self.compact else self._full(result))

    def _problems_note(self, result: JoinResult) -> Text | None:
        if not result.problem_count:
            return None
        n = result.problem_count
        return Text(f"⚠ {n:,} broken line{'s' if n != 1 else ''} (p)", style="bold yellow")

    def _full(self, result: JoinResult) -> Group:
        total = max(1, result.input_count)
        t = Table.grid(padding=(0, 1))
        t.add_column(no_wrap=True)
        t.add_column(justify="right", no_wrap=True)
        t.add_column(no_wrap=True)
        t.add_column(justify="right", no_wrap=True)
        t.add_row(Text(f"{result.input_count:,} requests", style="bold"), "", "", "")
        for key, kind, label, n in class_lines(result):
            style = KIND_STYLES[kind]
            name = Text(f"{MARKS[kind][0]} {label}", style=style)
            if key == self.active:
                name.stylize("reverse")
            t.add_row(
                name,
                Text(f"{n:,}", style="bold" if n else "dim"),
                _bar(n, total, BAR_WIDTH, style),
                Text(f"{100 * n / total:.0f}%", style="dim"),
            )
        parts: list[Text | Table] = [t]
        notes = flag_notes(result)
        if notes:
            parts.append(Text(" · ".join(notes), style="yellow"))
        problems = self._problems_note(result)
        if problems is not None:
            parts.append(problems)
        parts.append(Text(tokens_note(result), style="dim"))
        if self.costs is not None:
            parts.append(Text(self.costs.line()))
        return Group(*parts)

    def _compact(self, result: JoinResult) -> Text:
        total = max(1, result.input_count)
        width = self.size.width or 80
        lines = [line for line in class_lines(result) if line[0] != "flagged"]
        counts = Text()
        for key, kind, label, n in lines:
            counts.append("  ")
            part = Text(f"{MARKS[kind][0]} {n:,} {label}", style=KIND_STYLES[kind])
            if key == self.active:
                part.stylize("reverse")
            counts.append_text(part)
        first = Text(f"{result.input_count:,} requests", style="bold")
        # One stacked bar, each class its share of the cells, when there is room for it.
        bar_width = min(16, width - first.cell_len - counts.cell_len - 1)
        if bar_width >= 6:
            first.append(" ")
            cells = [(kind, round(bar_width * n / total)) for _, kind, _, n in lines]
            for kind, n in cells:
                first.append("█" * n, style=KIND_STYLES[kind])
            first.append("░" * max(0, bar_width - sum(n for _, n in cells)), style="dim")
        first.append_text(counts)
        second = Text()
        flagged = [line for line in class_lines(result) if line[0] == "flagged"]
        for key, kind, _label, n in flagged:
            part = Text(f"{MARKS[kind][0]} {n:,} flagged", style=KIND_STYLES[kind])
            if key == self.active:
                part.stylize("reverse")
            second.append_text(part)
            second.append(": ")
        notes = flag_notes(result)
        if notes:
            second.append(" · ".join(notes), style="yellow")
            second.append("  ")
        problems = self._problems_note(result)
        if problems is not None:
            second.append_text(problems)
            second.append("  ")
        if self.costs is not None:  # before the token counts: cut last at 80 columns
            second.append("cost " + self.costs.short() + "  ")
        second.append(tokens_note(result), style="dim")
        first.truncate(width, overflow="ellipsis")
        second.truncate(width, overflow="ellipsis")
        return Text("\n").join([first, second])


def group_label(
    group: FailureGroup, biggest: int, active: bool, width: int = 80, bar: int = 8
) -> Text:
    """One histogram row, cut to ``width`` cells: count, a bar scaled to the biggest group,
    code, message pattern."""
    from batchtui.ui.widgets.results_list import row_kind

    kind = row_kind(group.klass, 0)
    text = Text("▶ " if active else "  ", style="bold")
    text.append(f"{group.count:>6,} ", style="bold")
    text.append_text(_bar(group.count, biggest, bar, KIND_STYLES[kind]))
    text.append(" ")
    text.append(safe(group.code), style=f"bold {KIND_STYLES[kind]}")
    text.append("  ")
    text.append(one_line(group.pattern, 200), style="dim")
    text.truncate(max(10, width), overflow="ellipsis")
    return text
