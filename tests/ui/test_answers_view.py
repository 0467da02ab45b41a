"""Every kind of answer item shows in Results (row and detail) and in the File view."""

from __future__ import annotations

import json
from pathlib import Path

from batchtui.ui.app import BatchTUI
from batchtui.ui.transcript import transcript
from batchtui.ui.widgets.results_list import ResultList
from tests.results.answer_samples import SAMPLES, write_set
from tests.ui.conftest import screen_text, settle
from tests.ui.test_results_view import detail_text


async def test_results_rows_and_detail_show_calls_reasoning_and_tools(tmp_path: Path) -> None:
    inp, out = write_set(tmp_path)
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {"input_path": inp, "output_path": out}
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        screen = app.screen
        lst = screen.query_one(ResultList)
        ids = list(SAMPLES)
        briefs = {cid: lst.brief(i) for i, cid in enumerate(ids)}
        nudge = briefs["resp-nudge-function-call"]
        assert nudge.text.startswith("→ send_nudge(user_id=") and not nudge.dim
        assert "finish" not in nudge.text
        assert briefs["chat-tool-call"].text == '→ get_weather(city="Paris", unit="celsius")'
        assert briefs["chat-refusal"].tag == "refusal"
        assert briefs["chat-refusal"].text == "I'm sorry, but I can't help with that."
        assert briefs["resp-image"].text == "[image_generation_call]"

        assert lst.select_row(ids.index("resp-nudge-function-call"))
        await settle(pilot)
        text = detail_text(screen)
        assert "reasoning:" in text and "The invoice is overdue" in text
        assert "→ send_nudge  completed · call_nW3X6f0D2mJ8" in text
        assert '"days_overdue": 12' in text  # arguments pretty-printed, one key a line

        assert lst.select_row(ids.index("resp-code"))
        await settle(pilot)
        text = detail_text(screen)
        assert "⚙ code_interpreter_call  completed" in text and "print(sum(range(1, 101)))" in text
        assert "→ 5050" in text and "assistant: The sum is 5050." in text


async def test_file_view_shows_a_function_call_answer(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, out = write_set(tmp_path)
    app = make_app(out)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*["j"] * list(SAMPLES).index("resp-nudge-function-call"))
        await settle(pilot)
        text = screen_text(app)
        assert "→ send_nudge(user_id=" in text  # the row
        assert "→ send_nudge  completed · call_nW3X6f0D2mJ8" in text  # the transcript
        assert '"channel": "email",' in text


def test_request_transcripts_show_earlier_calls_and_their_outputs() -> None:
    chat = {
        "custom_id": "c",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o-mini",
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "18°C, sunny"},
            ],
        },
    }
    text = "\n".join(t.plain for t in transcript(chat))
    assert "→ get_weather  call_1" in text and '"city": "Paris"' in text
    assert "tool call_1: 18°C, sunny" in text
    responses = {
        "custom_id": "r",
        "url": "/v1/responses",
        "body": {
            "model": "gpt-5-mini",
            "input": [
                {"role": "user", "content": "Weather in Paris?"},
                {
                    "type": "function_call",
                    "call_id": "call_9",
                    "name": "get_weather",
                    "arguments": json.dumps({"city": "Paris"}),
                },
                {"type": "function_call_output", "call_id": "call_9", "output": "18°C"},
            ],
        },
    }
    text = "\n".join(t.plain for t in transcript(responses))
    assert "→ get_weather  call_9" in text
    assert "⚙ function_call_output call_9\n  18°C" in text
