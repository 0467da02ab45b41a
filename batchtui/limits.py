"""The Batch API's file-level limits, and those a file breaks before validation reads it.

The file's size is known when it is opened and its line count once indexing gets there, long
before the validator reaches the end (where it reports ``file_too_large`` and
``too_many_tasks`` with the exact request count). Showing them at once saves reading a
gigabyte to learn the file must be split anyway.

A module of its own, outside ``batchtui.validation``, so the browser can check at open
without importing the validator (~50 ms) on the UI thread.
"""

from __future__ import annotations

from dataclasses import dataclass

# SDK batch_create_params docstring; GUIDE "Rate limits" (source tags of BATCH_API.md).
MAX_REQUESTS = 50_000
MAX_FILE_BYTES = 200 * 1024 * 1024  # the quoted error text says 209,715,200 bytes


@dataclass(frozen=True, slots=True)
class LimitNote:
    code: str  # the rule the validator reports at the end
    message: str


def file_limits(size: int, lines: int, *, lines_final: bool = True) -> list[LimitNote]:
    """The limits ``size`` bytes and ``lines`` lines already break.

    ``lines_final`` is False while the line count is still growing (indexing); a count over
    the limit is over it whatever comes next. Lines stand in for requests here: a request
    takes one line, and only blank lines (rare) make the validator's final count lower.
    """
    out = []
    if size > MAX_FILE_BYTES:
        out.append(
            LimitNote(
                "file_too_large",
                f"{size / 1048576:,.1f} MB: over the 200 MB a batch input file may have",
            )
        )
    if lines > MAX_REQUESTS:
        count = f"{lines:,}" if lines_final else f"{lines:,}+"
        out.append(
            LimitNote(
                "too_many_tasks",
                f"{count} lines: over the {MAX_REQUESTS:,} requests a batch takes",
            )
        )
    return out
