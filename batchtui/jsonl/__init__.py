"""JSONL access: the line index (read with pread, never mapped) and file watching (no
Textual). Making its text safe to show is :mod:`batchtui.core.text`'s job."""

from batchtui.jsonl.index import Change, LineIndex, Span

__all__ = ["Change", "LineIndex", "Span"]
