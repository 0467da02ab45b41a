"""The TUI follows the settings: theme, rebound keys, notifications, download directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from batchtui.ui.preferences import bindings
from batchtui.ui.widgets.line_list import LineList
from tests.ui.conftest import screen_text, settle


def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("BATCHTUI_CONFIG", str(path))
    return path


def lines_file(tmp_path: Path, n: int = 30) -> Path:
    path = tmp_path / "f.jsonl"
    path.write_text("".join(f'{{"custom_id": "id-{i}", "n": {i}}}\n' for i in range(n)))
    return path


def toasts(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_theme_keys_and_downloads_come_from_the_config_file(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(
        tmp_path,
        monkeypatch,
        f'theme = "nord"\ndownload_dir = "{tmp_path / "dl"}"\n'
        '[keys]\n"browser.down" = "n"\n[notify]\ndesktop = true\ncommand = "true"\n',
    )
    app = make_app(lines_file(tmp_path))
    assert app.theme == "nord", "the theme is set before the first frame"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        await pilot.press("n", "n")
        assert lines.cursor == 2, "n is the rebound 'down'"
        await pilot.press("j")
        assert lines.cursor == 2, "the keymap replaces the binding's keys"
        assert app.download_dir == str(tmp_path / "dl")
        assert (app.notify_desktop, app.notify_cmd) == (True, "true")
        assert toasts(app) == []


async def test_a_flag_wins_over_the_file(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(tmp_path, monkeypatch, f'download_dir = "{tmp_path / "file"}"\n')
    app = make_app(lines_file(tmp_path), download_dir=str(tmp_path / "flag"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.download_dir == str(tmp_path / "flag")
        assert (await app.get_settings()).source("download_dir").name == "--download-dir"


async def test_an_unknown_binding_id_or_theme_is_a_toast_and_the_rest_applies(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = config(
        tmp_path,
        monkeypatch,
        'theme = "nordd"\n[keys]\n"browser.dwn" = "n"\n"browser.up" = "p"\n',
    )
    app = make_app(lines_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        messages = toasts(app)
        assert f"{path}:1: unknown theme 'nordd' (did you mean 'nord'?)" in messages
        assert (
            f"{path}:3: unknown binding id 'keys.browser.dwn' (did you mean 'browser.down'?)"
            in messages
        )
        assert app.theme == "textual-dark"
        lines = app.screen.query_one(LineList)
        await pilot.press("j", "j", "p")
        assert lines.cursor == 1, "the good binding applies"


async def test_a_broken_config_file_is_said_and_the_dashboard_says_it_too(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = config(tmp_path, monkeypatch, "[network]\ntimout = 5\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    app = make_app(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        message = f"{path}:2: unknown key 'network.timout' (did you mean 'network.timeout'?)"
        assert message in toasts(app)
        assert "unknown key 'network.timout'" in screen_text(app)


def test_every_binding_has_an_id_and_ids_are_unique() -> None:
    from textual.binding import Binding
    from textual.dom import DOMNode

    found = bindings()
    assert "browser.down" in found and "batches.refresh" in found and "app.quit" in found
    stack: list[type] = [DOMNode]
    ids: dict[str, str] = {}
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("batchtui."):
            continue
        for binding in cls.__dict__.get("BINDINGS", ()):
            assert isinstance(binding, Binding) and binding.id, (cls, binding)
            assert ids.setdefault(binding.id, cls.__qualname__) == cls.__qualname__, binding.id


def test_browsing_does_not_load_pydantic_before_the_first_frame(tmp_path: Path) -> None:
    """pydantic(-settings) costs ~90 ms after Textual: the browser builds its app without it
    (the settings model loads in a worker after the first frame)."""
    (tmp_path / "config.toml").write_text('theme = "nord"\n')
    code = (
        "import sys, argparse\n"
        "from batchtui.cli.entry import _browse_parser, COMMANDS\n"
        "from batchtui.cli.browse import build_app\n"
        f"app = build_app(_browse_parser(COMMANDS).parse_args([{str(lines_file(tmp_path))!r}]))\n"
        "assert app.theme == 'nord', app.theme\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'openai')))\n"
    )
    env = {"BATCHTUI_CONFIG": str(tmp_path / "config.toml"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"


async def test_without_a_config_file_the_model_is_not_loaded_at_start(
    make_app, tmp_path: Path
) -> None:
    """Nothing for the TUI to apply: the ~90 ms model load waits until the API needs it."""
    app = make_app(lines_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.settings is None
        assert (await app.get_settings()).source("theme").kind == "default"


async def test_the_theme_from_the_environment_without_a_file(
    make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHTUI_THEME", "dracula")
    app = make_app(lines_file(tmp_path))
    assert app.theme == "dracula"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "dracula" and app.settings is not None
        assert app.settings.source("theme").name == "BATCHTUI_THEME"
