"""The dashboard's BatchTable on its own: keys, messages, the per-row cache, widths."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import App, ComposeResult

from batchtui.ui.widgets.batch_table import BatchTable

COLUMNS = [("id", "Id"), ("status", "Status"), ("description", "Description")]


def rows(n: int, prefix: str = "b") -> list[tuple[str, tuple[Text, ...]]]:
    return [
        (f"{prefix}{i}", (Text(f"{prefix}{i}"), Text("done", style="green"), Text(f"job {i}")))
        for i in range(n)
    ]


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.highlighted: list[str | None] = []
        self.selected: list[str] = []

    def compose(self) -> ComposeResult:
        yield BatchTable(id="t")

    def on_mount(self) -> None:
        table = self.query_one(BatchTable)
        table.set_columns(COLUMNS)
        table.set_rows(rows(100))
        table.focus()

    def on_batch_table_highlighted(self, event: BatchTable.Highlighted) -> None:
        self.highlighted.append(event.key)

    def on_batch_table_selected(self, event: BatchTable.Selected) -> None:
        self.selected.append(event.key)


def lines(table: BatchTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


async def test_keys_move_the_cursor_and_the_header_stays() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(BatchTable)
        await pilot.pause()
        assert table.cursor_key == "b0" and app.highlighted == ["b0"]
        await pilot.press("j", "j", "k")
        await pilot.pause()
        assert table.cursor_key == "b1" and app.highlighted[-1] == "b1"
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_key == "b99"
        shown = lines(table)
        assert shown[0].split() == ["Id", "Status", "Description"]  # the header stays on top
        assert shown[-1].split()[0] == "b99"  # the cursor row is in view, not under the edge
        await pilot.press("g", "pagedown")
        await pilot.pause()
        assert table.cursor == table.size.height - 2  # a page less one row of overlap
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [table.cursor_key]


async def test_a_click_selects_and_a_double_click_opens() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(BatchTable)
        await pilot.click(BatchTable, offset=(2, 3))  # header at y=0, so row 2
        await pilot.pause()
        assert table.cursor_key == "b2" and app.selected == []
        await pilot.click(BatchTable, offset=(2, 0))  # the header does nothing
        await pilot.pause()
        assert table.cursor_key == "b2"
        await pilot.double_click(BatchTable, offset=(2, 3))
        await pilot.pause()
        assert app.selected == ["b2"]


async def test_update_row_redraws_one_line_and_widens_when_needed(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(BatchTable)
        await pilot.pause()
        drawn: list[str] = []
        real = table._render_cells
        monkeypatch.setattr(
            table,
            "_render_cells",
            lambda cells, w, s: (drawn.append(cells[0].plain), real(cells, w, s))[1],
        )
        table.update_row("b3", (Text("b3"), Text("fail", style="red"), Text("job 3, again")))
        await pilot.pause()
        assert drawn == ["b3"]  # the other rows come from the cache
        assert "job 3, again" in lines(table)[4]
        drawn.clear()
        table.update_row("b4", (Text("b4"), Text("in_progress"), Text("job 4")))
        await pilot.pause()
        assert len(drawn) > 1, "a wider status widens its column: every line is drawn again"
        assert lines(table)[1].index("done") == lines(table)[5].index("in_progress")


async def test_set_rows_keeps_the_cursor_on_its_batch() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(BatchTable)
        table.cursor = 5
        await pilot.pause()
        table.set_rows([("new", rows(1)[0][1]), *rows(100)], keep="b5")
        assert table.cursor_key == "b5" and table.cursor == 6
        table.set_rows(rows(3), keep="b50")  # filtered out: the position is clamped
        assert table.cursor_key == "b2"
        table.set_rows([])
        await pilot.pause()
        assert table.cursor_key is None and app.highlighted[-1] is None
        assert lines(table)[1].strip() == ""


async def test_wide_text_is_cut_with_an_ellipsis_to_the_exact_width() -> None:
    app = TableApp()
    async with app.run_test(size=(30, 6)) as pilot:
        table = app.query_one(BatchTable)
        cjk = "中文翻译数据集：产品描述与用户评论"
        table.set_rows([("b0", (Text("b0"), Text("✔ done"), Text(cjk))), *rows(3, "c")])
        await pilot.pause()
        width = table.scrollable_content_region.width
        for line in lines(table):
            assert cell_len(line) == width
        assert "…" in lines(table)[1] and "中文" in lines(table)[1]
