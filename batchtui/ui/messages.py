"""Messages that cross widgets and screens. High-rate ones coalesce (``can_replace``).

Each is a dataclass (Textual initialises a dataclass message through ``__post_init__``);
``eq=False`` keeps messages compared, and hashed, by identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from batchtui.jsonl import LineIndex

if TYPE_CHECKING:  # the validator loads in its thread, never before the first frame
    from batchtui.ui.estimate import EstimateState, LineTokens
    from batchtui.validation.engine import RunStatus, Validator
    from batchtui.validation.report import ReportSnapshot


@dataclass(eq=False)
class ScanProgress(Message):
    """The line index grew (posted from the scan thread, once per batch)."""

    index: LineIndex
    scanned_bytes: int
    lines: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScanProgress) and message.index is self.index


@dataclass(eq=False)
class ScanFinished(Message):
    index: LineIndex


@dataclass(eq=False)
class SearchProgress(Message):
    done: int
    total: int

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SearchProgress)


@dataclass(eq=False)
class SearchDone(Message):
    index: LineIndex
    label: str
    line: int | None
    start: int


@dataclass(eq=False)
class FilterProgress(Message):
    """A filter's scan found more lines (``count`` so far) or moved on (``done`` bytes);
    ``final`` when it ended."""

    token: object
    count: int
    done: int
    total: int
    final: bool = False

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, FilterProgress)
            and message.token is self.token
            and not message.final
        )


@dataclass(eq=False)
class ExportDone(Message):
    """Filtered lines were written to ``path`` (or ``error`` says why not)."""

    path: str
    lines: int
    size: int
    error: str | None = None


@dataclass(eq=False)
class ValidatorReady(Message):
    """A validator was made for ``index`` (in the validation thread)."""

    index: LineIndex
    validator: Validator


@dataclass(eq=False)
class ValidationProgress(Message):
    """A fresh report snapshot; ``final`` when the run ended (done, cancelled or file changed)."""

    index: LineIndex
    snapshot: ReportSnapshot
    final: bool
    status: RunStatus | None = None

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, ValidationProgress)
            and message.index is self.index
            and not message.final
        )


@dataclass(eq=False)
class EstimateProgress(Message):
    """The background cost estimate of ``index`` moved on."""

    index: LineIndex
    state: EstimateState

    def can_replace(self, message: Message) -> bool:
        # Counting progress coalesces; a sample or a final figure is never dropped.
        return (
            isinstance(message, EstimateProgress)
            and message.index is self.index
            and message.state.phase == "counting"
        )


@dataclass(eq=False)
class LineTokensCounted(Message):
    """The tokens of the line starting at byte ``start``."""

    index: LineIndex
    start: int
    tokens: LineTokens
