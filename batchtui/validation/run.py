"""Headless helpers: validate a file by path."""

from __future__ import annotations

import os
from collections.abc import Callable

from batchtui.jsonl.index import LineIndex
from batchtui.validation.engine import FindingsCallback, Progress, Validator
from batchtui.validation.providers import OPENAI, Provider


def validate_path(
    path: str | os.PathLike[str],
    *,
    on_findings: FindingsCallback | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    provider: Provider = OPENAI,
) -> Validator:
    """Index and validate the file at ``path``; raises UserError if it cannot be opened."""
    index = LineIndex(path)
    validator = Validator(index, provider=provider)
    validator.run(on_findings=on_findings, on_progress=on_progress, cancelled=cancelled)
    return validator
