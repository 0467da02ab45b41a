"""Small formatting helpers shared by the screens (times, durations, statuses, bars).

Values come from servers: every helper draws "?" for a number it cannot show (a time beyond
year 9999, an infinite duration, a negative count) rather than raising in the middle of a
screen update.
"""

from __future__ import annotations

import math
import time
from datetime import datetime

from rich.text import Text

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
