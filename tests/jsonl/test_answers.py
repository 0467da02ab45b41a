"""Reading every kind of answer: text, refusals, calls, reasoning, audio, built-in tools."""

from __future__ import annotations

import pytest

from batchtui.jsonl.bodies.answers import answer_parts, compact_arguments, preview
from tests.results.answer_samples import SAMPLES

# What a list row says for each sample: the answer, never just "finish completed".
PREVIEWS = {
    "chat-tool-call": '→ get_weather(city="Paris", unit="celsius")',
    "chat-parallel-calls": '→ get_weather(city="서울") → get_weather(city="부산")',
    "chat-refusal": "refusal: I'm sorry, but I can't help with that.",
    "chat-audio": "[audio] Hello! How can I help you today?",
    "chat-vllm-reasoning": "Paris.",
    "resp-nudge-function-call": (
        '→ send_nudge(user_id="u_4821", channel="email", days_overdue=12)'
    ),
    "resp-web-search": "[web_search_call search] The Batch API now accepts /v1/responses.",
    "resp-file-search": "[file_search_call] Refunds are accepted within 30 days.",
    "resp-computer": '→ computer_call click(button="left", x=412, y=96)',
    "resp-image": "[image_generation_call]",
    "resp-code": "[code_interpreter_call] The sum is 5050.",
    "resp-mcp": '[mcp_list_tools dice] → dice.roll(dice="2d6") You rolled 7.',
    "resp-encrypted-reasoning": "4",
    "resp-refusal": "refusal: I can't help with that.",
    "resp-future-kind": "[program]",
}


@pytest.mark.parametrize("cid", list(SAMPLES))
def test_every_sample_has_a_readable_preview(cid: str) -> None:
    _, body = SAMPLES[cid]
    assert preview(answer_parts(body)) == PREVIEWS[cid]


def test_parts_keep_names_arguments_and_status() -> None:
    parts = answer_parts(SAMPLES["resp-nudge-function-call"][1])
    assert [p.kind for p in parts] == ["reasoning", "call"]
    assert "The invoice is overdue" in parts[0].text
    call = parts[1]
    assert call.label == "send_nudge" and call.status == "completed"
    assert call.detail == "call_nW3X6f0D2mJ8"
    assert call.text.splitlines()[0] == "{" and '"days_overdue": 12' in call.text


def test_reasoning_content_of_vllm_and_encrypted_reasoning() -> None:
    vllm = answer_parts(SAMPLES["chat-vllm-reasoning"][1])
    assert [(p.kind, p.label) for p in vllm] == [("reasoning", "reasoning"), ("text", "assistant")]
    enc = answer_parts(SAMPLES["resp-encrypted-reasoning"][1])
    assert enc[0].kind == "reasoning" and enc[0].detail == "encrypted"


def test_tools_show_what_they_did() -> None:
    web = answer_parts(SAMPLES["resp-web-search"][1])
    assert web[0].text == "query: OpenAI Batch API news" and web[0].detail == "1 source(s)"
    assert web[1].detail == "1 citation(s)"
    code = answer_parts(SAMPLES["resp-code"][1])[0]
    assert code.text == "print(sum(range(1, 101)))\n→ 5050"
    image = answer_parts(SAMPLES["resp-image"][1])[0]
    assert "png" in (image.detail or "") and "bytes of image" in (image.detail or "")
    future = answer_parts(SAMPLES["resp-future-kind"][1])[0]
    assert future.label == "program" and "return 1 + 1;" in future.text


def test_bad_shapes_never_raise() -> None:
    for body in (None, [], {"choices": [None, 3]}, {"output": [None, {"type": 3}]}):
        answer_parts(body)
    weird = {"choices": [{"message": {"tool_calls": [{"type": "function", "function": 7}]}}]}
    assert answer_parts(weird)[0].kind == "call"
    assert compact_arguments("{not json") == "{not json"
    assert compact_arguments('{"a": "' + "x" * 200 + '"}').endswith("…")
