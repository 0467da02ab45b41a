"""The Results screen: inputs joined to outputs and errors (being built)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from batchtui.ui.widgets.bars import ModeBar


class ResultsScreen(Screen[None]):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__()
        self.args = kwargs

    def compose(self) -> ComposeResult:
        yield ModeBar("results", id="mode-bar")
        yield Static("No results open. In Batches (2), press o on a finished batch.", id="results-empty")
        yield Footer()
