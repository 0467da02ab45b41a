"""Fixtures for every test: the developer's own batchtui config never reaches a test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _no_user_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``~/.config/batchtui/config.toml`` (or ``$BATCHTUI_CONFIG``) would change themes, keys
    and waits under a test: point the config directory at an empty one."""
    monkeypatch.delenv("BATCHTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(_empty_dir(tmp_path_factory)))
    for var in ("BATCHTUI_THEME", "BATCHTUI_PROVIDER", "BATCHTUI_DOWNLOAD_DIR"):
        monkeypatch.delenv(var, raising=False)


_EMPTY: list[Path] = []


def _empty_dir(factory: pytest.TempPathFactory) -> Path:
    if not _EMPTY:
        _EMPTY.append(factory.mktemp("no-user-config"))
    return _EMPTY[0]
