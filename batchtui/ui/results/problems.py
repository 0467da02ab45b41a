"""The Results view's list of broken lines (p): Enter opens one in the File view."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from batchtui.core.text import safe
from batchtui.ui.widgets.key_list import KeyList

if TYPE_CHECKING:
    from batchtui.results.result import JoinResult


class ProblemsScreen(ModalScreen[tuple[str, int] | None]):
    """The lines the join could not use; Enter opens one in the browser."""

    BINDINGS = [Binding("escape,q", "dismiss_none", "Close", id="results_problems.close")]

    def __init__(self, result: JoinResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        result = self.result
        with Vertical(id="problems-box", classes="dialog") as box:
            n = result.problem_count
            box.border_title = f"{n:,} line{'s' if n != 1 else ''} the join could not use"
            box.border_subtitle = "Enter opens the line · Esc closes"
            options = []
            for i, p in enumerate(result.problems):
                path = result.path(p.source) or p.source.label
                label = Text(f"{Path(path).name}:{p.line + 1:,} ", style="bold")
                label.append(safe(p.message), style="red" if p.skipped else "yellow")
                if not p.skipped:
                    label.append(" (used)", style="dim")
                options.append(Option(label, id=str(i)))
            yield KeyList(
                *options,
                help_title="Broken lines",
                enter_help="Open the line in the browser",
                id="problems-list",
            )
            shown = len(result.problems)
            if n > shown:
                yield Static(Text(f"… and {n - shown:,} more", style="dim"))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is None:
            return
        p = self.result.problems[int(event.option.id)]
        path = self.result.path(p.source)
        self.dismiss((path, p.line) if path else None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
