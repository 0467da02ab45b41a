"""The one way the command line prints: every line passes :func:`batchtui.core.text.safe`
on its way out, so no byte of data (a file name, a server message, a custom_id) reaches the
terminal as a control sequence, and no string makes ``print`` raise."""

from __future__ import annotations

import sys
from typing import Any

from batchtui.core.text import safe, safe_json


def echo(text: object = "", *, err: bool = False, keep_newlines: bool = False) -> None:
    """Print one line (to stderr with ``err``). A newline inside ``text`` is shown as ``\\n``
    unless ``keep_newlines`` (for a block whose data fields were made one-line already)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(safe(text, keep_newlines=keep_newlines) + "\n")


def echo_json(obj: Any, *, indent: int | None = 2) -> None:
    """Print ``obj`` as JSON (see :func:`batchtui.core.text.safe_json`)."""
    sys.stdout.write(safe_json(obj, indent=indent) + "\n")


def echo_table(rows: list[list[str]]) -> None:
    """Print ``rows`` (the first is the header) as columns two spaces apart. Each cell is
    made one-line first: a newline in a description must not start a row."""
    cells = [[safe(cell) for cell in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    for row in cells:
        echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
