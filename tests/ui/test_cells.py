"""Cell fitting: middle cuts that keep both ends, CJK-safe, and no VS16 width disagreement."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from batchtui.ui.cells import cut_middle, drawable, fit_end, fit_middle


def test_middle_cut_keeps_both_ends_apart() -> None:
    a = cut_middle("üsküdar mahkemesi_403_hüküm no: 1", 16)
    b = cut_middle("üsküdar mahkemesi_403_hüküm no: 2", 16)
    assert a != b
    assert a.startswith("üsküd") and a.endswith("no: 1") and "…" in a
    assert cell_len(a) == 16


@pytest.mark.parametrize("width", range(0, 24))
def test_middle_cut_never_exceeds_the_width_with_wide_characters(width: int) -> None:
    text = "東京の天気について一文で説明してください-001"
    cut = cut_middle(text, width)
    assert cell_len(cut) <= width
    assert cell_len(fit_middle(text, width)) == width
    assert cell_len(fit_end(text, width)) == width
    if width >= 6:
        assert cut.endswith("001") or cut == text


def test_short_text_is_untouched() -> None:
    assert cut_middle("req-1", 10) == "req-1"
    assert fit_middle("req-1", 8) == "req-1   "


def test_vs16_is_dropped_so_every_terminal_agrees_on_the_width() -> None:
    text = "sunny ☀️ rain 🌧️"
    shown = drawable(text)
    assert "\ufe0f" not in shown
    assert cell_len(shown) == len(shown)  # one cell a character: what tmux and Rich both say


# -- the rows that use them --------------------------------------------------------------

IDS = ("üsküdar mahkemesi_403_hüküm no: 1", "üsküdar mahkemesi_403_hüküm no: 2")
SUNNY = "東京の天気について一文で説明してください。☀️🌧️ 晴れ☀️"


def _request(cid: str, text: str = "hello") -> dict:
    return {
        "custom_id": cid,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
    }


def _answer(cid: str, text: str) -> dict:
    return {
        "id": f"batch_req_{abs(hash(cid))}",
        "custom_id": cid,
        "response": {
            "status_code": 200,
            "request_id": "req_1",
            "body": {
                "object": "chat.completion",
                "model": "gpt-4o-mini",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
            },
        },
        "error": None,
    }


def _write(path, rows) -> str:  # type: ignore[no-untyped-def]
    import json

    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return str(path)


def _rows_drawn(widget, width: int) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for y in range(widget.size.height):
        strip = widget.render_line(y)
        out.append(strip.text)
        assert "\ufe0f" not in strip.text
        assert cell_len(strip.text) == strip.cell_length == width
    return out


async def test_file_rows_cut_ids_in_the_middle_and_draw_no_vs16(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from batchtui.ui.widgets.line_list import LineList
    from tests.ui.conftest import settle

    path = _write(tmp_path / "ids.jsonl", [_request(IDS[0], SUNNY), _request(IDS[1], SUNNY)])
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        rows = _rows_drawn(lines, lines.scrollable_content_region.width)
        assert "no: 1" in rows[0] and "no: 2" in rows[1], rows[:2]
        assert "…" in rows[0].split("gpt-4o-mini")[0]


async def test_results_rows_cut_ids_in_the_middle_and_draw_no_vs16(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from batchtui.ui.app import BatchTUI
    from batchtui.ui.widgets.results_list import ResultList
    from tests.ui.conftest import settle

    ids = [f"{IDS[0][:-2]} {'x' * 30} no: {i}" for i in (1, 2)]
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {
        "input_path": _write(tmp_path / "in.jsonl", [_request(i) for i in ids]),
        "output_path": _write(tmp_path / "out.jsonl", [_answer(i, SUNNY) for i in ids]),
    }
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = app.screen.query_one(ResultList)
        rows = _rows_drawn(lst, lst.scrollable_content_region.width)
        assert "no: 1" in rows[0] and "no: 2" in rows[1], rows[:2]


async def test_no_vs16_reaches_the_screen_in_any_pane(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.ui.conftest import screen_text, settle

    path = _write(tmp_path / "sunny.jsonl", [_request("sun-☀️", SUNNY)])
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "晴れ☀" in screen_text(app)  # the transcript and the JSON are on screen
        assert "\ufe0f" not in screen_text(app)
        await pilot.press("r")  # the raw line too
        await settle(pilot)
        assert "\ufe0f" not in screen_text(app)


async def test_file_rows_keep_one_id_column_for_ids_of_any_length(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from batchtui.ui.widgets.line_list import LineList
    from tests.ui.conftest import settle

    ids = ["a-1", "chat-tool-call", "chat-parallel-calls-x"]  # 14 cells fit a 14-cell id
    path = _write(tmp_path / "ids.jsonl", [_request(i) for i in ids])
    app = make_app(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(LineList)
        rows = _rows_drawn(lines, lines.scrollable_content_region.width)[:3]
        assert {row.index("gpt-4o-mini") for row in rows} == {rows[0].index("gpt-4o-mini")}
        for cid, row in zip(ids, rows, strict=True):
            assert cid in row  # whole: the column is as wide as the widest id
