"""Messages that cross widgets and screens. High-rate ones coalesce (``can_replace``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

from batchtui.jsonl import LineIndex

if TYPE_CHECKING:  # the validator loads in its thread, never before the first frame
    from batchtui.validation.engine import RunStatus, Validator
    from batchtui.validation.report import ReportSnapshot


class ScanProgress(Message):
    """The line index grew (posted from the scan thread, once per batch)."""

    def __init__(self, index: LineIndex, scanned_bytes: int, lines: int) -> None:
        super().__init__()
        self.index = index
        self.scanned_bytes = scanned_bytes
        self.lines = lines

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ScanProgress) and message.index is self.index


class ScanFinished(Message):
    def __init__(self, index: LineIndex) -> None:
        super().__init__()
        self.index = index


class SearchProgress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SearchProgress)


class SearchDone(Message):
    def __init__(self, index: LineIndex, label: str, line: int | None, start: int) -> None:
        super().__init__()
        self.index = index
        self.label = label
        self.line = line
        self.start = start


class ValidatorReady(Message):
    """A validator was made for ``index`` (in the validation thread)."""

    def __init__(self, index: LineIndex, validator: Validator) -> None:
        super().__init__()
        self.index = index
        self.validator = validator


class ValidationProgress(Message):
    """A fresh report snapshot; ``final`` when the run ended (done, cancelled or file changed)."""

    def __init__(
        self,
        index: LineIndex,
        snapshot: ReportSnapshot,
        final: bool,
        status: RunStatus | None = None,
    ) -> None:
        super().__init__()
        self.index = index
        self.snapshot = snapshot
        self.final = final
        self.status = status

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, ValidationProgress)
            and message.index is self.index
            and not message.final
        )
