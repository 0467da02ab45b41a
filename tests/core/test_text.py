"""The one sanitiser: what it escapes, what it leaves alone, and its JSON twin."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchtui.core.text import decode, mask, safe, safe_json

# Every kind of character the rule is about, plus the ones it must leave alone.
DANGEROUS = [
    "\x1b",  # ESC: starts CSI/OSC sequences
    "\x07",  # BEL
    "\r",
    "\x08",
    "\x00",
    "\x7f",
    "\x85",  # NEL (C1)
    "\x9b",  # CSI (C1)
    "\x9d",  # OSC (C1)
    "\u061c",
    "\u200b",
    "\u200e",
    "\u200f",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202e",
    "\u2060",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\ufff9",
    "\ud800",  # lone high surrogate
    "\udfff",  # lone low surrogate
    "\udc80",  # what surrogateescape makes of a non-UTF-8 file name byte
    "\U000e0041",  # a tag character (invisible "A")
]
KEPT = "plain [bold]markup[/] \\e 한국어 日本語 😀 👨\u200d👩\u200d👧 ☀️ café \u200c"

hostile_text = st.text(
    alphabet=st.one_of(
        st.sampled_from([*DANGEROUS, "\n", "\t", "[", "]", "/", "@", "\\", "é", "😀"]),
        st.characters(),
    ),
    max_size=40,
)


def is_display_safe(text: str) -> bool:
    return not any(ch in text for ch in DANGEROUS) and not any(
        ord(c) < 0x20 and c != "\n" for c in text
    )


def test_controls_become_visible_escapes() -> None:
    raw = "a\x1b[31mred\x07\r\x00\x7f\x9b\u202e\t"
    assert safe(raw) == "a\\e[31mred\\a\\r\\x00\\x7f\\x9b\\u202e\\t"


@pytest.mark.parametrize("ch", DANGEROUS)
def test_every_dangerous_character_is_escaped(ch: str) -> None:
    out = safe(f"x{ch}y")
    assert ch not in out and out.startswith("x\\") and out.endswith("y")
    out.encode("utf-8")  # a lone surrogate would raise here


def test_astral_and_surrogate_escapes_name_the_code_point() -> None:
    assert safe("\ud800") == "\\ud800"
    assert safe("\U000e0041") == "\\U000e0041"


def test_newlines_escaped_in_one_line_contexts_and_kept_on_request() -> None:
    assert safe("a\nb") == "a\\nb"
    assert safe("a\r\nb\x1b", keep_newlines=True) == "a\\r\nb\\e"


def test_readable_text_and_markup_are_left_alone() -> None:
    # Markup safety is the UI's job (it never parses data as markup); this must not mangle it.
    assert safe(KEPT) == KEPT


def test_bytes_are_decoded_with_replacement_and_other_values_stringified() -> None:
    assert safe(b"ok \xff \x1b") == "ok \ufffd \\e"
    assert safe(17) == "17" and safe(None) == "None"


def test_decode_flags_invalid_utf8() -> None:
    text, bad = decode(b"ok \xff\xfe end")
    assert bad and "\ufffd" in text and text.startswith("ok ")
    assert decode("한국어 日本語 中文 😀".encode()) == ("한국어 日本語 中文 😀", False)


@given(hostile_text, st.booleans())
def test_safe_is_display_safe_encodable_and_idempotent(text: str, keep: bool) -> None:
    out = safe(text, keep_newlines=keep)
    assert is_display_safe(out)
    assert ("\n" in out) == (keep and "\n" in text)
    out.encode("utf-8")
    assert safe(out, keep_newlines=keep) == out


@given(
    st.recursive(
        hostile_text,
        lambda kids: st.lists(kids, max_size=3) | st.dictionaries(hostile_text, kids, max_size=3),
        max_leaves=6,
    )
)
def test_safe_json_is_valid_display_safe_and_equal_but_for_surrogates(obj: object) -> None:
    text = safe_json(obj, indent=2)
    assert is_display_safe(text)
    text.encode("utf-8")
    # Strict parsers take it; values are the same, except lone surrogates, which become
    # the visible text "\udXXX".
    assert orjson.loads(text) == json.loads(text)
    assert json.loads(text) == json.loads(safe_json_reference(obj))


def safe_json_reference(obj: object) -> str:
    """What safe_json promises, written the slow way."""

    def fix(v: object) -> object:
        if isinstance(v, str):
            return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in v)
        if isinstance(v, list):
            return [fix(x) for x in v]
        if isinstance(v, dict):
            return {fix(k): fix(x) for k, x in v.items()}
        return v

    return json.dumps(fix(obj))


def test_safe_json_keeps_cjk_readable_and_escapes_c1_and_bidi() -> None:
    assert safe_json({"d": "한국어\x85\u202e"}) == '{"d": "한국어\\u0085\\u202e"}'
    assert safe_json(["a\ud800b"]) == '["a\\\\ud800b"]'


@given(hostile_text)
def test_mask_keeps_positions_and_hides_the_same_characters(text: str) -> None:
    out = mask(text)
    assert len(out) == len(text) and is_display_safe(out) and "\n" not in out
    out.encode("utf-8")
    assert [a == b for a, b in zip(out, text, strict=True)] == [safe(c) == c for c in text]


def test_mask_shows_control_pictures() -> None:
    assert mask("a\x1b\x07\x7f\u202e\ud800\n") == "a␛␇\u2421\ufffd\ufffd␊"
