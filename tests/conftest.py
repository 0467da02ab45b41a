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


def _quicker_pilot() -> None:
    """Pilot waits ~40 ms after every key for the app to go idle (two ``wait_for_idle`` rounds
    of 20 ms each), so typing a path costs seconds. The same idle test on a 4 ms slice (idle
    still means "under 5 % of the slice on the CPU") keeps its meaning at a tenth the wait.
    Tests still await workers or poll with a bound; nothing here is a timing assumption."""
    try:
        from textual import _wait
    except ImportError:  # a layer's tests run without Textual installed
        return
    _wait.SLEEP_GRANULARITY = 0.004
    _wait.SLEEP_IDLE = _wait.SLEEP_GRANULARITY / 20.0


_quicker_pilot()
