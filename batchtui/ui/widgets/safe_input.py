"""An ``Input`` that never sends what is typed or pasted to the terminal raw."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from batchtui.core.text import mask


class SafeInput(Input):
    """Textual draws an Input's value as it is, so a pasted ``\\x1b]0;…\\x07`` or U+202E
    reached the terminal. The value stays what the user gave (a search may look for it); it
    is drawn with each such character as one visible stand-in (``␛``, ``�``), one character
    for one, so the cursor and the selection still line up."""

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(mask(self.value), no_wrap=True, overflow="ignore", end="")
        return self.highlighter(text) if self.highlighter is not None else text
