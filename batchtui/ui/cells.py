"""Fitting user text into terminal cells: one notion of width for every row the app pads or
cuts, and cuts that keep what tells two ids apart.

Emoji presentation (U+FE0F, "VS16") is dropped before text is measured or drawn. Rich counts
``☀️`` as two cells, tmux and many terminals as one, and others as two: whichever way it is
measured, some terminal draws the row one cell off and leaves stale cells behind. Without the
selector every terminal and Rich agree (the symbol's text form, one cell), so nothing is
left over. The data itself is untouched; this is only how it is drawn.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

VS16 = "\ufe0f"
ELLIPSIS = "…"


def drawable(text: str) -> str:
    """``text`` as the app draws it: without emoji-presentation selectors (see above)."""
    return text.replace(VS16, "") if VS16 in text else text


def fit_end(text: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut at the end with an ellipsis."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + ELLIPSIS


def cut_middle(text: str, width: int) -> str:
    """At most ``width`` cells: ``text`` whole, or its start and its end around an ellipsis.

    Ids often differ only at the end (``… no: 1`` / ``… no: 2``) or only at the start, so a
    cut keeps both; the end gets the larger half. Measured in cells, so CJK and emoji are
    never split (the result may be a cell short when a wide character does not fit).
    """
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    if width == 1:
        return ELLIPSIS
    room = width - 1
    tail_room = (room + 1) // 2
    head_room = room - tail_room
    head, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > head_room:
            break
        head.append(ch)
        used += w
    tail_room = room - used  # a wide character that did not fit leaves its cell to the end
    tail, used = [], 0
    for ch in reversed(text):
        w = cell_len(ch)
        if used + w > tail_room:
            break
        tail.append(ch)
        used += w
    return "".join(head) + ELLIPSIS + "".join(reversed(tail))


def fit_middle(text: str, width: int) -> str:
    """Exactly ``width`` cells: padded, or cut in the middle (see :func:`cut_middle`)."""
    return set_cell_size(cut_middle(text, width), width) if width > 0 else ""
