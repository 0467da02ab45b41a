"""Vocabulary of the results join: request classes, soft-failure flags, and small records.

Kept free of any parsing or I/O so the UI can import it cheaply for labels and filters.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from batchtui.core.usage import TokenUsage


class RequestClass(enum.IntEnum):
    """What happened to one request. Stored as one byte per row, so keep values < 256."""

    SUCCEEDED = 0  # a 2xx response
    FAILED_HTTP = 1  # a response with a non-2xx status (error in response.body.error)
    FAILED = 2  # no usable response, top-level `error` set (other than the two below)
    EXPIRED = 3  # error code batch_expired
    CANCELLED = 4  # error code batch_cancelled (or a cancelled-looking code)
    MISSING = 5  # in the input, in neither result file
    UNEXPECTED = 6  # a result whose custom_id is not in the input

    @property
    def label(self) -> str:
        return _CLASS_LABELS[self]


_CLASS_LABELS = {
    RequestClass.SUCCEEDED: "succeeded",
    RequestClass.FAILED_HTTP: "failed (http)",
    RequestClass.FAILED: "failed",
    RequestClass.EXPIRED: "expired",
    RequestClass.CANCELLED: "cancelled",
    RequestClass.MISSING: "missing",
    RequestClass.UNEXPECTED: "unexpected",
}

# Classes whose requests did not get an answer and are worth sending again.
FAILED_CLASSES = frozenset(
    {RequestClass.FAILED_HTTP, RequestClass.FAILED, RequestClass.EXPIRED, RequestClass.CANCELLED}
)
RETRY_CLASSES = FAILED_CLASSES | {RequestClass.MISSING}
# Everything a "next failure" key should stop at (soft failures are added by flag).
PROBLEM_CLASSES = RETRY_CLASSES | {RequestClass.UNEXPECTED}


class Flag(enum.IntFlag):
    """Soft failures and anomalies on a row, one byte per row."""

    NONE = 0
    TRUNCATED = 1  # finish_reason "length" / responses incomplete: max_output_tokens
    CONTENT_FILTER = 2  # finish_reason "content_filter" / incomplete: content_filter
    REFUSAL = 4  # message.refusal set / a "refusal" content part
    EMPTY = 8  # no text, no tool call, no embedding
    DUPLICATE = 16  # answered more than once (other answers kept in RowDetail.other_answers)
    DUPLICATE_INPUT = 32  # the custom_id appears on more than one input line


SOFT_FLAGS = Flag.TRUNCATED | Flag.CONTENT_FILTER | Flag.REFUSAL | Flag.EMPTY
FLAG_NAMES = {
    Flag.TRUNCATED: "truncated",
    Flag.CONTENT_FILTER: "content_filter",
    Flag.REFUSAL: "refusal",
    Flag.EMPTY: "empty",
    Flag.DUPLICATE: "duplicate",
    Flag.DUPLICATE_INPUT: "duplicate_input",
}


def flag_names(flags: int) -> list[str]:
    return [name for bit, name in FLAG_NAMES.items() if flags & bit]


class Source(enum.IntEnum):
    """Which file a line lives in (stored as one byte per row for the result side)."""

    NONE = 0
    OUTPUT = 1
    ERRORS = 2
    INPUT = 3

    @property
    def label(self) -> str:
        return self.name.lower()


Usage = TokenUsage  # one usage type for receipts, totals and rows (core.usage)


def stored_usage(input_tokens: int, output_tokens: int, cached: int, reasoning: int) -> Usage:
    """A usage from the four counts in the order the join stores them."""
    return Usage(
        input_tokens=input_tokens,
        cached_tokens=cached,
        output_tokens=output_tokens,
        reasoning_tokens=reasoning,
    )


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """An error as read from a result line, whatever shape it came in."""

    code: str
    message: str
    type: str | None = None
    param: str | None = None
    status_code: int | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """Everything the engine reads from one result line (built on demand, never stored)."""

    klass: RequestClass
    flags: int
    status_code: int | None
    usage: Usage
    error: ErrorInfo | None
    finish_reason: str | None = None
    content: str | None = None  # the text answer (chat, completions, responses, moderation)
    embedding_dims: int | None = None  # embeddings: length of the first vector
    embedding_count: int | None = None


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line the join could not (fully) use; ``line`` is 0-based."""

    source: Source
    line: int
    message: str
    skipped: bool = True  # False: the line was used anyway (e.g. read with replaced bytes)

    def describe(self, path: str | None = None) -> str:
        where = path or self.source.label
        return f"{where}:{self.line + 1}: {self.message}"


@dataclass(frozen=True, slots=True)
class Answer:
    """Where one answer for a request sits: a file and a 0-based line."""

    source: Source
    line: int


@dataclass(slots=True)
class FailureGroup:
    """One bar of the failure histogram: an error code and a normalised message."""

    id: int
    code: str
    pattern: str
    klass: RequestClass
    example: str  # the first full message seen (capped)
    count: int = 0
    first_row: int = -1


@dataclass(frozen=True, slots=True)
class RowDetail:
    """One request with both of its lines, for the detail pane (lines are 0-based)."""

    row: int
    custom_id: str
    klass: RequestClass
    flags: Flag
    input_line: int | None
    input_bytes: bytes | None
    result: Answer | None
    result_bytes: bytes | None
    outcome: Outcome | None  # None when missing, or the result line can no longer be read
    other_answers: tuple[Answer, ...] = field(default_factory=tuple)

    @property
    def error(self) -> ErrorInfo | None:
        return self.outcome.error if self.outcome else None


@dataclass(frozen=True, slots=True)
class Progress:
    """Join progress: ``done`` of ``total`` bytes (each file is counted once to index it and
    once to read it), and what is happening now."""

    phase: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return 1.0 if self.total <= 0 else min(1.0, self.done / self.total)
