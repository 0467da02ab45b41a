"""Small modal dialogs: confirm an action, and confirm a submission with its facts."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from batchtui.core.text import safe
from batchtui.ui.widgets.safe_input import SafeInput


class ConfirmDialog(ModalScreen[bool]):
    """Yes/no. ``y``/Enter confirms, ``n``/Escape declines."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, body: str, confirm: str = "Yes", cancel: str = "Back") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm = confirm
        self.cancel = cancel

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = Text(safe(self.title_text))  # a str would be markup
            yield Static(Text(safe(self.body, keep_newlines=True)), classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm} (y)", variant="error", id="yes")
                yield Button(f"{self.cancel} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class SubmitDialog(ModalScreen[str | None]):
    """Shows what is about to be submitted; returns the description (or None to abort)."""

    BINDINGS = [Binding("escape", "abort", "Back", id="submit.abort")]

    def __init__(self, facts: list[tuple[str, str]], warning: str | None = None) -> None:
        super().__init__()
        self.facts = facts
        self.warning = warning

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="dim")
        table.add_column()
        for label, value in self.facts:
            table.add_row(label, Text(safe(value)))  # a str cell would be markup
        with Vertical(classes="dialog") as box:
            box.border_title = "Submit this file as a batch?"
            yield Static(table, classes="dialog-body")
            if self.warning:
                yield Static(Text(safe(self.warning), style="bold yellow"), classes="dialog-body")
            yield SafeInput(placeholder="Description (metadata, optional)", id="description")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Submit (Enter)", variant="primary", id="submit")
                yield Button("Back (Esc)", id="back")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.dismiss(self.query_one(Input).value.strip())

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "submit":
            self.dismiss(self.query_one(Input).value.strip())
        else:
            self.dismiss(None)

    def action_abort(self) -> None:
        self.dismiss(None)
