"""What a validation rule reports: one :class:`Finding` per problem found."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(str, enum.Enum):
    """How bad a finding is. ``error``: the batch (or that request) will fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """3 for errors, 2 for warnings, 1 for info (0 is "no finding" in line marks)."""
        return _RANK[self]

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}
SEVERITY_BY_RANK = {rank: sev for sev, rank in _RANK.items()}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem. ``line`` is 1-based like OpenAI's ``errors.data[].line``; ``None`` for a
    finding about the whole file. ``path`` names the field (``body.messages[2].role``), like
    OpenAI's ``param``. User data quoted in ``message`` is truncated and control characters
    are escaped, so the text is safe to print."""

    line: int | None
    severity: Severity
    code: str
    message: str
    path: str | None = None
    hint: str | None = None

    def sort_key(self) -> tuple[int, int, str]:
        # File-level findings (no line) sort after the lines.
        return (1 << 62 if self.line is None else self.line, -self.severity.rank, self.code)

    def to_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "hint": self.hint,
        }
