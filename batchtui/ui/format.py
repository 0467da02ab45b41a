"""Small formatting helpers shared by the screens (times, durations, statuses, bars).

Values come from servers: every helper draws "?" for a number it cannot show (a time beyond
year 9999, an infinite duration, a negative count) rather than raising in the middle of a
screen update.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich.text import Text

if TYPE_CHECKING:
    from batchtui.validation.providers import LimitNote
    from batchtui.validation.report import ReportSnapshot

STATUS_LOOK = {
    "validating": ("◌", "cyan"),
    "in_progress": ("▶", "bold blue"),
    "finalizing": ("◐", "magenta"),
    "completed": ("✔", "green"),
    "failed": ("✖", "bold red"),
    "expired": ("⌛", "yellow"),
    "cancelling": ("⊘", "yellow"),
    "cancelled": ("⊘", "dim"),
}


def duration(seconds: float) -> str:
    """``45s``, ``12m``, ``3h 05m``, ``2d 4h``: short and unambiguous."""
    if not math.isfinite(seconds):
        return "?"
    s = int(abs(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def relative(ts: float | None, now: float | None = None) -> str:
    if ts is None:
        return "—"
    now = time.time() if now is None else now
    delta = now - ts
    return f"{duration(delta)} ago" if delta >= 0 else f"in {duration(delta)}"


def local_time(ts: float | None) -> str:
    if ts is None:
        return "—"
    try:
        return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return "?"


def status_text(status: str, shown: str) -> Text:
    symbol, style = STATUS_LOOK.get(status, ("?", "bold yellow"))
    return Text(f"{symbol} {shown}", style=style)


def progress_bar(completed: int, failed: int, total: int | None, width: int = 10) -> Text:
    """``███▌░░░░ 45%``, completed in green and failed in red."""
    if not total:
        return Text("—".ljust(width + 5), style="dim")
    if total < 0 or completed < 0 or failed < 0:
        return Text("?".ljust(width + 5), style="bold yellow")
    completed, failed = min(completed, total), min(failed, total)
    done_cells = min(width, round(width * (completed + failed) / total))
    failed_cells = min(done_cells, round(width * failed / total))
    if failed and failed_cells == 0 and done_cells:
        failed_cells = 1
    text = Text()
    text.append("█" * (done_cells - failed_cells), style="green")
    text.append("█" * failed_cells, style="red")
    text.append("░" * (width - done_cells), style="dim")
    pct = min(100 * (completed + failed) / total, 100)
    text.append(f" {pct:3.0f}%")
    return text


def human_size(n: float) -> str:
    """``512 B``, ``12.3 KB``, ``1.0 GB`` (powers of 1024)."""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


# -- validation, in the status bar and the report ------------------------------------------

SEVERITY_LOOK = {"error": ("✖", "bold red"), "warning": ("⚠", "yellow"), "info": ("ℹ", "cyan")}


def severity_name(severity: Any) -> str:
    return getattr(severity, "value", str(severity))


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def summary_text(snap: ReportSnapshot | None, running: bool) -> Text:
    """Counts once validation is done; until then its progress and what it found so far
    (never "no errors" for a file not read to the end)."""
    if snap is None:
        return Text(" validation not started", style="dim")
    text = Text(" ")
    if not snap.done:
        pct = 100 * snap.bytes_checked // max(1, snap.total_bytes)
        state = "validating" if running else "validation paused at"
        text.append(f"{state} {pct}% ({snap.lines_checked:,} lines)", style="italic")
        if snap.errors:
            text.append(f"  ✖ {plural(snap.errors, 'error')} so far", style="bold red")
        if snap.warnings:
            text.append(f"  ⚠ {plural(snap.warnings, 'warning')} so far", style="yellow")
        return text
    if snap.errors:
        text.append(f"✖ {plural(snap.errors, 'error')}", style="bold red")
    else:
        text.append("✔ no errors", style="green")
    text.append(
        f"  ⚠ {plural(snap.warnings, 'warning')}", style="yellow" if snap.warnings else "dim"
    )
    text.append(f"  ℹ {snap.infos:,}", style="cyan" if snap.infos else "dim")
    return text


def limits_text(notes: Sequence[LimitNote], short: bool) -> Text:
    text = Text()
    for note in notes:
        text.append("  ✖ ", style="bold red")
        if short:
            text.append(note.short, style="bold red")  # the report says it in full
        else:
            text.append(note.code, style="bold red")
            text.append(f" {note.message}")
    return text
