"""File names derived from values a server sends (batch ids, file ids): made safe.

A hostile or buggy OpenAI-compatible server may answer with ``../../x``, an absolute path, a
NUL or a newline as an id. Every path batchtui builds from such a value goes through
:func:`safe_filename` and, when it is joined to a directory, :func:`inside`.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from batchtui.core.errors import UserError

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]|\.\.+")  # and dot runs: no ".." anywhere
MAX_NAME = 100  # leaves room for suffixes such as ``_output.jsonl`` and temp-file marks


def safe_filename(text: str, *, max_length: int = MAX_NAME) -> str:
    """``text`` as a file name: only ``A-Z a-z 0-9 . _ -``, no leading or trailing dot, never
    empty, at most ``max_length`` characters.

    A value that is already safe is kept as it is (``batch_abc123``). One that had to change
    gets a short hash of the original, so two different ids never share a name
    (``a/b`` -> ``a_b-3f2a…``, while ``a_b`` stays ``a_b``).
    """
    cleaned = _UNSAFE.sub("_", text).strip(".")
    if cleaned == text and 0 < len(text) <= max_length:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    head = cleaned[: max(0, max_length - len(digest) - 1)].rstrip(".")
    return f"{head}-{digest}" if head else f"_{digest}"


def inside(directory: str | os.PathLike[str], name: str) -> Path:
    """``directory / name``, refused unless it is a plain entry of ``directory``."""
    base = Path(directory)
    path = base / name
    if (
        not name
        or name in (".", "..")
        or os.sep in name
        or (os.altsep and os.altsep in name)
        or "\x00" in name
        or os.path.realpath(path.parent) != os.path.realpath(base)
    ):
        raise UserError(f"refusing to write outside {base}: {name!r}")
    return path
