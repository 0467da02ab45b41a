"""The keys, generated from the bindings of what is on screen, so it never goes stale."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

_KEY_NAMES = {
    "colon": ":",
    "slash": "/",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "escape": "Esc",
    "enter": "Enter",
    "home": "Home",
    "end": "End",
    "space": "Space",
    "tab": "Tab",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
    "at": "@",
    "ampersand": "&",
    "f1": "F1",
}


def key_label(keys: str) -> str:
    out = []
    for key in keys.split(","):
        key = key.strip()
        name = _KEY_NAMES.get(key, key)
        if name.startswith("ctrl+"):
            name = "Ctrl+" + name[5:].upper()
        elif name.startswith("shift+"):
            name = "Shift+" + _KEY_NAMES.get(name[6:], name[6:])
        out.append(name)
    return " ".join(out)


Section = tuple[str, list[tuple[str, str]]]  # heading, then (keys, what they do)


def bindings_table(sections: list[Section]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for title, rows in sections:
        if not rows:
            continue
        table.add_row(Text(title, style="bold underline"), "")
        for keys, description in rows:
            table.add_row(key_label(keys), description)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Modal list of keys for the current screen and the app."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close", id="help.close")]

    def __init__(self, sections: list[Section]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "Esc closes"
            yield Static(bindings_table(self.sections))
