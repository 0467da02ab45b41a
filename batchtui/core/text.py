"""One rule for every string that came from a user, a file, a server or a file name.

:func:`safe` turns any such value into text that can be put on a terminal (or into a Textual
widget) as it is: every character that could act on the terminal, reorder or hide what is
shown, or fail to encode becomes a visible escape (``\\e``, ``\\x9b``, ``\\u202e``). It does
not touch Rich/Textual markup: the UI never parses data as markup (it builds ``Text`` objects
and notifies with ``markup=False``), so ``[b]`` stays two brackets and a letter.

:func:`safe_json` is the same rule for JSON output: the text stays valid JSON with the same
values (the dangerous characters become ``\\uXXXX`` escapes), except that a lone surrogate,
which no UTF-8 output can carry and strict parsers reject, is written as the visible text
``\\ud800`` (a backslash and five characters), as the text formats show it.
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"

# What never reaches the screen as itself:
# - C0 controls, DEL, C1 controls: ESC, CSI (\x9b) and OSC start terminal commands, BEL
#   rings, CR and BS overwrite what is already shown;
# - bidi embeddings, overrides, isolates and marks: they reorder what is shown ("Trojan
#   source"), so a custom_id or file name reads differently from what it is;
# - line and paragraph separators (U+2028/9): line breaks to some renderers;
# - invisible characters that make two different strings look the same and serve no script:
#   zero width space, word joiner and invisible operators, BOM/zero width no-break space,
#   interlinear annotation marks, and the tag characters (U+E0000-E007F) used to hide
#   instructions inside prompts. ZWJ/ZWNJ (U+200C/D) stay: emoji and several scripts need them;
# - surrogates: a Python str holds them only unpaired (a JSON "\ud800" escape, a file name
#   that is not UTF-8); they cannot be encoded as UTF-8, so printing one raises.
_C0 = "\x00-\x09\x0b-\x1f"  # all but the newline, which the callers choose
_OTHERS = (
    "\x7f-\x9f"
    "\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ufff9-\ufffb"
    "\ud800-\udfff"
    "\U000e0000-\U000e007f"
)
_UNSAFE_LINE = re.compile(f"[{_C0}\n{_OTHERS}]")  # one-line contexts: newlines too
_UNSAFE_KEEP_NEWLINES = re.compile(f"[{_C0}{_OTHERS}]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\x1b": "\\e", "\x07": "\\a"}

# In JSON text, C0 controls are already escaped by the encoder; the rest of the set is not.
_JSON_UNSAFE = re.compile(f"[{_OTHERS}]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def safe(value: object, *, keep_newlines: bool = False) -> str:
    """``value`` as display-safe text: controls, bidi, invisible format characters and lone
    surrogates shown as visible escapes. Bytes are decoded as UTF-8 (bad bytes become
    U+FFFD); anything else goes through ``str()``.

    Newlines are escaped too (``\\n``), so a value never starts a new row of a list or a
    table; ``keep_newlines=True`` keeps them for multi-line views (a message body, pretty
    JSON). Idempotent: ``safe(safe(x)) == safe(x)``.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        text = decode(bytes(value))[0]
    else:
        text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text  # nothing to escape (every unsafe ASCII character is unprintable): fast
    pattern = _UNSAFE_KEEP_NEWLINES if keep_newlines else _UNSAFE_LINE
    return pattern.sub(_escape, text)


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␛ for ESC, ␇ for BEL
    return "\u2421" if code == 0x7F else REPLACEMENT


def mask(text: str) -> str:
    """The same characters as :func:`safe` (newlines too), each shown as one visible
    character instead of an escape, so character positions still line up: for text being
    edited, where a cursor and a selection point into the real value."""
    return _UNSAFE_LINE.sub(_picture, text)


def decode(data: bytes) -> tuple[str, bool]:
    """Decode UTF-8, replacing bad bytes with U+FFFD. Returns ``(text, had_invalid_bytes)``."""
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xD800 <= code <= 0xDFFF:
        return f"\\\\u{code:04x}"  # the visible text \udXXX: no parser can take it as is
    if code > 0xFFFF:  # JSON spells astral characters as a UTF-16 pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def safe_json(obj: Any, *, indent: int | None = None, **kwargs: Any) -> str:
    """``json.dumps`` whose text is display-safe and valid UTF-8: non-ASCII text stays
    readable, C1 controls, DEL, bidi and invisible format characters become ``\\uXXXX``
    escapes (same value), lone surrogates the visible text ``\\udXXX``."""
    text = json.dumps(obj, ensure_ascii=False, indent=indent, **kwargs)
    # Those characters can only occur inside JSON strings (the syntax is ASCII), where an
    # escape means the same character.
    return _JSON_UNSAFE.sub(_json_escape, text)
