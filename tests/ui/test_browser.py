"""Pilot tests: drive the file browser by keys and assert on what it shows."""

from __future__ import annotations

from pathlib import Path

from batchtui.ui.screens.file import FileScreen
from batchtui.ui.screens.help import HelpScreen
from batchtui.ui.widgets.bars import StatusBar
from batchtui.ui.widgets.detail import DetailView
from batchtui.ui.widgets.line_list import LineList
from tests.ui.conftest import FIXTURES, screen_text, settle


def write_lines(path: Path, n: int, start: int = 1) -> None:
    with path.open("a") as f:
        for i in range(start, start + n):
            f.write(f'{{"custom_id": "id-{i}", "method": "POST", "n": {i}}}\n')


async def test_navigation_keys(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_lines(path, 200)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        assert lines.cursor == 0
        await pilot.press("j", "j", "down")
        assert lines.cursor == 3
        await pilot.press("k")
        assert lines.cursor == 2
        await pilot.press("G")
        assert lines.cursor == 199
        await pilot.press("g")
        assert lines.cursor == 0
        await pilot.press("pagedown")
        assert lines.cursor > 5
        await pilot.press("end")
        await pilot.pause()
        assert lines.cursor == 199
        assert "id-200" in screen_text(app)
        assert "Ln 200/200" in str(app.screen.query_one(StatusBar).render())


async def test_detail_follows_cursor_and_toggles_raw(make_app) -> None:
    app = make_app(FIXTURES / "cjk.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        detail = app.screen.query_one(DetailView)
        assert detail.border_title.startswith("Line 2 ")
        text = screen_text(app)
        assert "user: 日本語のテキストを翻訳してください。東京🗼" in text
        await pilot.press("r")
        await settle(pilot)
        assert "raw" in detail.border_title


async def test_go_to_line(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_lines(path, 500)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"321", "enter")
        await pilot.pause()
        assert app.screen.query_one(LineList).cursor == 320
        await pilot.press("colon", "minus", "1", "enter")
        await pilot.pause()
        assert app.screen.query_one(LineList).cursor == 499
        await pilot.press("colon", *"abc", "enter")
        await pilot.pause()
        assert app.screen.query_one(LineList).cursor == 499  # a bad number changes nothing


async def test_search_next_previous_and_wrap(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_lines(path, 300)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        await pilot.press("slash", *'"n": 25', "enter")  # matches 25 and 250-259
        await settle(pilot)
        assert lines.cursor == 24  # "n": 25 on line 25
        await pilot.press("n")
        await settle(pilot)
        assert lines.cursor == 249  # "n": 250
        await pilot.press("G", "n")
        await settle(pilot)
        assert lines.cursor == 24  # wrapped around from the end
        await pilot.press("N")
        await settle(pilot)
        assert lines.cursor == 258  # previous match wraps to the bottom: "n": 259


async def test_search_finds_json_escaped_cjk(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"a": "x"}\n{"a": "\\ud55c\\uad6d\\uc5b4"}\n')  # json.dumps default output
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"한국어", "enter")
        await settle(pilot)
        assert app.screen.query_one(LineList).cursor == 1


async def test_jump_to_custom_id(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_lines(path, 300)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("i", *"id-17", "enter")
        await settle(pilot)
        # id-17 exactly: not id-170..179.
        assert app.screen.query_one(LineList).cursor == 16
        await pilot.press("i", *"nope", "enter")
        await settle(pilot)
        assert app.screen.query_one(LineList).cursor == 16


async def test_follow_tail_shows_appended_lines(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_lines(path, 10)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        lines = app.screen.query_one(LineList)
        assert lines.follow and lines.cursor == 9
        write_lines(path, 5, start=11)
        screen = app.screen
        assert isinstance(screen, FileScreen)
        screen.check_file()
        await settle(pilot)
        assert lines.index.line_count == 15
        assert lines.cursor == 14
        assert "id-15" in screen_text(app)


async def test_truncated_file_is_reopened_with_notice(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_lines(path, 50)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("G")
        path.write_text('{"custom_id": "fresh"}\n')
        screen = app.screen
        assert isinstance(screen, FileScreen)
        screen.check_file()
        await settle(pilot)
        lines = screen.query_one(LineList)
        assert lines.index.line_count == 1
        assert lines.cursor == 0
        assert "fresh" in screen_text(app)
        assert any("reloaded" in n.message for n in app._notifications)


async def test_end_before_index_complete_shows_last_line(make_app, tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    write_lines(path, 20_000)
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, FileScreen)
        screen.workers.cancel_group(screen, "scan")  # as if the scan were still far away
        await pilot.press("escape")
        await pilot.press("end")
        await pilot.pause()
        assert "id-20000" in screen_text(app)


async def test_user_content_is_not_markup_and_controls_are_escaped(make_app) -> None:
    app = make_app(FIXTURES / "controls.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold]not bold[/]" in text
        assert "\x1b" not in text and "\x07" not in text
        await pilot.press("j")
        await settle(pilot)
        text = screen_text(app)
        assert "\\e[31mRED" in text
        await pilot.press("j", "j")
        await settle(pilot)
        assert "\ufffd" in screen_text(app)  # invalid UTF-8 is shown with a replacement marker


async def test_help_and_quit(make_app) -> None:
    app = make_app(FIXTURES / "normal.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Go to line" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FileScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_empty_file(make_app) -> None:
    app = make_app(FIXTURES / "empty.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "G", "g", "slash", "x", "enter")
        await settle(pilot)
        assert "0 lines" in str(app.screen.query_one(StatusBar).render())


async def test_end_while_scanning_never_crashes(make_app, tmp_path: Path) -> None:
    # Big enough for several scan batches, so End lands while the estimate is still moving.
    path = tmp_path / "big.jsonl"
    line = b'{"custom_id": "id-%d", "method": "POST", "pad": "' + b"x" * 400 + b'"}\n'
    with path.open("wb") as f:
        for chunk in range(60):
            f.write(b"".join(line % (chunk * 1000 + i) for i in range(1000)))
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(5):
            await pilot.press("end", "up", "end")
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        assert lines.index.complete and lines.cursor == 59_999
        assert "id-59999" in screen_text(app)


async def test_command_palette_lists_screen_actions(make_app) -> None:
    app = make_app(FIXTURES / "normal.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "File: Go to line" in titles and "Go to: Batches" in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"go to line", "enter")
        await pilot.press(*"7", "enter")
        await pilot.pause()
        assert app.screen.query_one(LineList).cursor == 6
