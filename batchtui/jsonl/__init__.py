"""Memory-mapped JSONL access: the line index and file watching (no Textual). Making its
text safe to show is :mod:`batchtui.core.text`'s job."""

from batchtui.jsonl.index import Change, LineIndex, Span

__all__ = ["Change", "LineIndex", "Span"]
