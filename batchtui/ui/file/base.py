"""What the File view's parts use of one another: its state and the few methods they share.

Each part is a `Screen` subclass so that its message handlers (``@on``) and workers are the
screen's own; `FileScreen` combines them. Nothing here runs: it only names the contract.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual.screen import Screen

if TYPE_CHECKING:
    from batchtui.jsonl import LineIndex
    from batchtui.jsonl.kinds import Sniff
    from batchtui.query.expr import Query
    from batchtui.ui.file.filter import FilterState
    from batchtui.ui.widgets.detail import DetailView
    from batchtui.ui.widgets.line_list import LineList
    from batchtui.ui.widgets.prompt import PromptBar
    from batchtui.ui.widgets.report import ReportView
    from batchtui.validation.engine import Validator
    from batchtui.validation.providers import Provider


class FileScreenBase(Screen[None]):
    """The state of the File view (set in `FileScreen.__init__`) and the methods of it that
    its parts call."""

    index: LineIndex | None
    filter: FilterState | None
    validator: Validator | None
    validation_running: bool
    provider: Provider | None
    _scan_done: threading.Event
    _start_line: int | None
    _filter_done_pct: int
    _search_query: Query | None
    _search_text: str
    _search_status: str
    _prompt: PromptBar | None
    _report: ReportView | None

    if TYPE_CHECKING:

        @property
        def line_list(self) -> LineList: ...
        @property
        def detail(self) -> DetailView: ...
        @property
        def kind(self) -> Sniff | None: ...
        def update_status(self) -> None: ...
        def check_file(self) -> None: ...
        def go_to_line(self, line_number: int) -> None: ...
        def flush_pending(self) -> None: ...
        def show_detail(self, force: bool = False) -> None: ...
        def _restore_hints(self) -> None: ...
        def start_filter(self, query: Query, label: str) -> None: ...
        def _ask_export(self, dest: str) -> None: ...
