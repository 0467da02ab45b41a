"""An option list that moves like every other list in the app (j/k, g/G) and names itself in
the keys dialog (the line errors of a batch, the failure groups of a result)."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option


class KeyList(OptionList):
    """``OptionList`` with the app's list keys. ``help_title`` heads its keys in the help
    dialog, and ``enter_help`` says what Enter does here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="list.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="list.up"),
        Binding("home,g", "first", "First", show=False, id="list.first"),
        Binding("end,G", "last", "Last", show=False, id="list.last"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list.page_up"),
    ]

    def __init__(
        self,
        *content: Option,
        help_title: str,
        enter_help: str = "Select",
        id: str | None = None,
    ) -> None:
        super().__init__(*content, id=id)
        self.help_title = help_title
        self.enter_help = enter_help

    def help_rows(self) -> list[tuple[str, str]]:
        rows = [(b.key, b.description) for b in self.BINDINGS if isinstance(b, Binding)]
        return [*rows, ("enter", self.enter_help)]
