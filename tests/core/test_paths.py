"""Names built from server values cannot leave their directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.core.errors import UserError
from batchtui.core.paths import inside, safe_filename

HOSTILE = [
    "..",
    ".",
    "../../x",
    "/etc/passwd",
    "a/../../b",
    "..\\..\\win",
    "",
    "\x00",
    "x\x00y",
    "line\nbreak",
    "\x1b]0;title\x07",
    "ü" * 300,
    "a" * 400,
    ".hidden",
    "trailing.",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_filename_is_a_plain_name(value: str, tmp_path: Path) -> None:
    name = safe_filename(value)
    assert name and name not in (".", "..")
    assert "/" not in name and "\\" not in name and not name.startswith(".") and ".." not in name
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    assert len(name) <= 100
    assert inside(tmp_path, name).parent == tmp_path


def test_safe_names_are_kept_and_changed_ones_do_not_collide() -> None:
    assert safe_filename("batch_abc123") == "batch_abc123"
    assert safe_filename("file-XyZ.1") == "file-XyZ.1"
    assert safe_filename("a/b") != safe_filename("a_b") == "a_b"
    assert safe_filename("a/b").startswith("a_b-")
    assert safe_filename("../../x") != safe_filename("../..x")


@pytest.mark.parametrize("name", ["", "..", "a/b", "/abs", "x\x00"])
def test_inside_refuses_anything_but_a_plain_entry(name: str, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="refusing to write outside"):
        inside(tmp_path, name)


def test_inside_refuses_a_directory_symlinked_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert (
        inside(tmp_path / "link", "x") == tmp_path / "link" / "x"
    )  # the base itself may be a link
    with pytest.raises(UserError):
        inside(tmp_path, "link/x")
