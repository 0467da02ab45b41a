"""Shown for a mode whose screen is not available in this build."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from batchtui.ui.widgets.bars import ModeBar


class PlaceholderScreen(Screen[None]):
    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def compose(self) -> ComposeResult:
        yield ModeBar(self.mode)
        yield Static(f"The {self.mode} view is not available yet.", id="placeholder")
        yield Footer()
