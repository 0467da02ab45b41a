from batchtui.jsonl.text import decode, escape_controls, safe_text


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    text, bad = decode(b"ok \xff\xfe end")
    assert bad and "\ufffd" in text and text.startswith("ok ")
    assert decode("한국어 日本語 中文 😀".encode()) == ("한국어 日本語 中文 😀", False)


def test_controls_become_visible_escapes() -> None:
    raw = "a\x1b[31mred\x07\r\x00\x7f\x9b\u202e"
    out = escape_controls(raw)
    assert out == "a\\e[31mred\\a\\r\\x00\\x7f\\x9b\\u202e"
    assert all(ord(c) >= 0x20 for c in out)


def test_markup_is_left_alone_here() -> None:
    # Markup safety is the UI's job (it builds Text objects); the text layer must not mangle it.
    assert safe_text(b"[bold]x[/]") == ("[bold]x[/]", False)
