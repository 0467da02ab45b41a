"""Memory-mapped JSONL access: the line index, safe decoding, and file watching (no Textual)."""

from batchtui.jsonl.index import Change, LineIndex, Span
from batchtui.jsonl.text import decode, escape_controls, safe_text

__all__ = ["Change", "LineIndex", "Span", "decode", "escape_controls", "safe_text"]
