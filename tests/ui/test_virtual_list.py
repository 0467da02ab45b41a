"""The one virtual list under the browser, the results list and the batch table."""

from __future__ import annotations

from pathlib import Path

from batchtui.ui.widgets.batch_table import BatchTable
from batchtui.ui.widgets.line_list import LineList
from batchtui.ui.widgets.results_list import ResultList
from batchtui.ui.widgets.virtual_list import VirtualList
from tests.ui.conftest import settle, wait_for


def lines_file(tmp_path: Path, n: int = 300) -> Path:
    path = tmp_path / "f.jsonl"
    path.write_text("".join(f'{{"custom_id": "id-{i}", "n": {i}}}\n' for i in range(n)))
    return path


def test_the_three_lists_share_one_base_and_one_set_of_keys() -> None:
    for cls, prefix in (
        (LineList, "browser"),
        (ResultList, "results"),
        (BatchTable, "batch_table"),
    ):
        assert issubclass(cls, VirtualList)
        ids = {b.id: b.key for b in cls.BINDINGS}  # type: ignore[union-attr]
        for name, key in (
            ("up", "up,k"),
            ("down", "down,j"),
            ("first", "home,g"),
            ("last", "end,G"),
        ):
            assert ids[f"{prefix}.{name}"] == key
        for name in ("page_up", "page_down"):
            assert f"{prefix}.{name}" in ids
    assert issubclass(LineList.CursorMoved, VirtualList.CursorMessage)
    assert issubclass(BatchTable.Highlighted, VirtualList.CursorMessage)


async def test_cursor_messages_coalesce_per_list(make_app, tmp_path: Path) -> None:
    app = make_app(lines_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        first, second = LineList.CursorMoved(lines, 1), LineList.CursorMoved(lines, 2)
        assert second.can_replace(first)
        other = LineList(lines.index)
        assert not LineList.CursorMoved(other, 3).can_replace(first)
        assert not BatchTable.Highlighted(BatchTable(), None).can_replace(first)


async def test_the_next_page_is_drawn_while_the_keys_rest(make_app, tmp_path: Path) -> None:
    app = make_app(lines_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        height = lines.body_height
        await pilot.press("j")
        await wait_for(
            pilot, lambda: (height + 5, False) in lines._strips, "the next page in the cache"
        )
        assert (3 * height, False) not in lines._strips, "one page ahead, not more"
        await pilot.press("pagedown")
        top = int(lines.scroll_offset.y)
        assert (top + 5, False) in lines._strips


async def test_a_theme_change_redraws_every_row(make_app, tmp_path: Path) -> None:
    app = make_app(lines_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        before = lines.render_line(3)
        assert (3, False) in lines._strips
        app.theme = "solarized-light"
        await pilot.pause()
        await pilot.pause()
        assert lines.render_line(3).text == before.text
        assert list(lines.render_line(3)) != list(before), "drawn again in the new colours"


async def test_a_click_selects_the_row(make_app, tmp_path: Path) -> None:
    app = make_app(lines_file(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        assert lines.cursor == 0
        await pilot.click(LineList, offset=(10, 4))
        border = lines.content_region.y - lines.region.y
        assert lines.cursor == 4 - border + int(lines.scroll_offset.y) > 0
