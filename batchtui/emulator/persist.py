"""Saving the emulator's state in ``--data-dir``, so files and batches survive a restart.

``state.json`` holds the files' and batches' metadata, the emulated clock, the id sequence
and the RNG state (so new ids never repeat old ones); file contents already live in
``files/``. It is written whole, to a temporary file in the same directory that is flushed
and renamed over the old one, so a crash leaves the old state or the new, never half of one.
(``batchtui.core.atomic`` is not on main yet; this is the minimal temp + fsync + rename.)
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

STATE_FILE = "state.json"
FORMAT = 1


def save(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps({"format": FORMAT, "saved_at": time.time(), **data}, separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def load(path: Path) -> dict[str, Any] | None:
    """The saved state, or None when there is none (or it is from another format)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    return data


def rng_state(state: tuple[Any, ...]) -> list[Any]:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def rng_restore(saved: list[Any]) -> tuple[Any, ...]:
    version, internal, gauss = saved
    return (version, tuple(internal), gauss)
