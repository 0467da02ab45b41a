"""A one-line prompt docked at the bottom, like ``less``/vim: go to line, search, custom_id."""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets.input import Selection

from batchtui.ui.widgets.safe_input import SafeInput


class PromptBar(SafeInput):
    """Hidden until asked for; Enter submits, Escape cancels and hands focus back. A prompt
    asked with ``modes`` (a search: text, pattern, fields) switches between them with
    Ctrl+R; the screen shows which one is on."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
        Binding("ctrl+r", "cycle_mode", "Text / pattern / fields", id="prompt.mode"),
    ]

    class Submitted(Message):
        def __init__(self, kind: str, value: str, mode: str = "") -> None:
            super().__init__()
            self.kind = kind
            self.value = value
            self.mode = mode

    class Cancelled(Message):
        pass

    class ModeChanged(Message):
        def __init__(self, kind: str, mode: str) -> None:
            super().__init__()
            self.kind = kind
            self.mode = mode

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, select_on_focus=False)
        self.kind = ""
        self.modes: tuple[str, ...] = ()
        self.mode = ""
        self.display = False

    def ask(
        self,
        kind: str,
        placeholder: str,
        value: str = "",
        select: bool = True,
        *,
        modes: tuple[str, ...] = (),
        mode: str = "",
    ) -> None:
        """Show the prompt holding ``value``: selected (typing replaces it, End keeps it),
        or with the cursor at its end when ``select`` is False (a path to edit)."""
        self.modes = modes
        self.mode = mode if mode in modes else (modes[0] if modes else "")
        self.kind = kind
        self.placeholder = placeholder
        self.value = value
        self.selection = Selection(0, len(value)) if select else Selection.cursor(len(value))
        self.display = True
        self.focus()

    def close(self) -> None:
        self.display = False
        self.value = ""

    async def action_submit(self) -> None:
        kind, value = self.kind, self.value.strip()
        self.close()
        self.post_message(self.Submitted(kind, value, self.mode))

    def action_cycle_mode(self) -> None:
        if not self.modes:
            return
        self.mode = self.modes[(self.modes.index(self.mode) + 1) % len(self.modes)]
        self.post_message(self.ModeChanged(self.kind, self.mode))

    def action_cancel(self) -> None:
        self.close()
        self.post_message(self.Cancelled())
