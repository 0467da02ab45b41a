"""Turning file bytes into text that is safe to put on a terminal (no Textual here)."""

from __future__ import annotations

import re

REPLACEMENT = "\ufffd"

# C0 and C1 controls, DEL, and the bidi overrides/isolates used in "Trojan source" tricks.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e", "\x07": "\\a"}


def decode(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8, replacing bad bytes with U+FFFD. Returns ``(text, had_invalid_bytes)``."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """Show control characters as visible escapes (``\\e``, ``\\x07``) so they never reach
    the terminal as commands."""
    return _UNSAFE.sub(_escape, text)


def safe_text(data: bytes) -> tuple[str, bool]:
    """Decode and escape one line for display. Returns ``(text, had_invalid_bytes)``."""
    text, bad = decode(data)
    return escape_controls(text), bad
