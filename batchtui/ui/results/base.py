"""What the Results view's parts use of one another: its state and the few methods they share.

Each part is a `Screen` subclass so that its message handlers (``@on``) and workers are the
screen's own; `ResultsScreen` combines them. Nothing here runs: it only names the contract.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from batchtui.results.result import JoinResult
    from batchtui.ui.widgets.results_list import ResultList


class ResultsScreenBase(Screen[None]):
    """The state of the Results view (set in `ResultsScreen.__init__`) and the methods of it
    that its parts call."""

    input_path: str | None
    output_path: str | None
    error_path: str | None
    result: JoinResult | None
    filter_key: str
    group_id: int | None
    retry_path: str | None
    _generation: int
    _pending: dict[str, Any]
    _search_text: str
    _search_status: str

    # Prompt kinds that find a request (the others ask for a file name to write).
    FIND_KINDS = frozenset({"search", "custom_id", "goto"})

    if TYPE_CHECKING:

        @property
        def results_list(self) -> ResultList: ...
        def update_status(self) -> None: ...
        def current_rows(self) -> array: ...
        def view_label(self) -> str: ...
        def _apply_view(self, first: bool = False) -> None: ...
        def retry_selection(self) -> tuple[list[int], str]: ...
        def _find(self, kind: str, value: str) -> None: ...
