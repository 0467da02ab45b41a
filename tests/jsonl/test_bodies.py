"""The one walker over bodies: every OpenAI endpoint's requests and answers, and the foreign
formats (Anthropic, Gemini, fine-tuning), as turns, settings, parts, usage and errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from batchtui.jsonl import bodies
from batchtui.jsonl.kinds import LineKind
from tests.jsonl import kind_samples as k


def turns(obj: dict[str, Any], limit: int | None = 20) -> list[tuple[str, list[tuple[str, str]]]]:
    request = bodies.read_request(obj)
    assert request is not None
    return [(t.role, [(p.kind, p.text) for p in t.parts]) for t in request.turns(limit)]


def envelope(url: str, body: dict[str, Any], cid: str = "r1") -> dict[str, Any]:
    return {"custom_id": cid, "method": "POST", "url": url, "body": body}


# -- OpenAI requests ---------------------------------------------------------------------


def test_chat_turns_with_calls_tool_results_and_attachments() -> None:
    obj = envelope(
        "/v1/chat/completions",
        {
            "model": "gpt-4o",
            "max_completion_tokens": 50,
            "max_tokens": 9,  # max_completion_tokens wins, as on the API
            "temperature": 0.2,
            "tools": [{"type": "function", "function": {"name": "get_weather"}}],
            "messages": [
                {"role": "system", "content": "Be brief."},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://x/y.png", "detail": "low"},
                        },
                        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}},
                        {"type": "file", "file": {"file_id": "file-1", "filename": "a.pdf"}},
                    ],
                },
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
                {"role": "tool", "tool_call_id": "call_1", "content": "18°C"},
                "not a message",
            ],
        },
    )
    got = turns(obj)
    assert got[0] == ("system", [("text", "Be brief.")])
    assert [kind for kind, _ in got[1][1]] == ["text", "media", "media", "media"]
    assert got[1][1][1] == ("media", "https://x/y.png")
    assert got[2][0] == "assistant" and got[2][1][0][0] == "call"
    assert got[3] == ("tool call_1", [("text", "18°C")])
    assert got[4] == ("", [("other", '"not a message"')])
    request = bodies.read_request(obj)
    assert request is not None and request.format == "chat" and request.id == "r1"
    media = list(request.turns())[1].parts
    assert (media[1].label, media[1].detail) == ("image", "low")
    assert (media[2].label, media[2].detail) == ("audio", "wav")
    assert (media[3].label, media[3].text) == ("file", "a.pdf")
    settings = request.settings()
    assert (settings.model, settings.max_tokens, settings.max_tokens_key) == (
        "gpt-4o",
        50,
        "max_completion_tokens",
    )
    assert settings.temperature == 0.2 and settings.tools == ("get_weather",)
    assert ("max_tokens", 9) in settings.params and all(k != "model" for k, _ in settings.params)
    assert request.prompt() == "What is this?"  # the last user turn's first text


def test_responses_turns_instructions_items_and_builtin_tools() -> None:
    obj = envelope(
        "/v1/responses",
        {
            "model": "gpt-5-mini",
            "instructions": "Answer in French.",
            "max_output_tokens": 300,
            "tools": [{"type": "web_search"}, {"type": "function", "name": "lookup"}],
            "input": [
                {"role": "user", "content": [{"type": "input_text", "text": "Weather?"}]},
                {"type": "function_call", "call_id": "c9", "name": "lookup", "arguments": "{}"},
                {"type": "function_call_output", "call_id": "c9", "output": "sunny"},
                {"role": "assistant", "content": [{"type": "output_text", "text": "Sunny."}]},
                {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
                "and tomorrow?",
            ],
        },
    )
    got = turns(obj)
    assert got[0] == ("developer", [("text", "Answer in French.")])
    assert got[1] == ("user", [("text", "Weather?")])
    assert got[2][0] == "assistant" and got[2][1][0][0] == "call"
    assert got[3] == ("tool", [("tool", "sunny")])
    assert got[4] == ("assistant", [("text", "Sunny.")])
    assert got[6] == ("user", [("text", "and tomorrow?")])
    request = bodies.read_request(obj)
    assert request is not None
    settings = request.settings()
    assert settings.max_tokens_key == "max_output_tokens" and settings.tools == (
        "web_search",
        "lookup",
    )
    assert bodies.input_item_kind(obj["body"]["input"][1]) == "call"
    assert bodies.input_item_kind(obj["body"]["input"][2]) == "output"


def test_prompt_lists_token_ids_and_the_more_note() -> None:
    many = envelope(
        "/v1/embeddings", {"model": "text-embedding-3-small", "input": [f"t{i}" for i in range(25)]}
    )
    got = turns(many)
    assert got[0] == ("input[0]", [("text", "t0")]) and len(got) == 21
    note = list(bodies.read_request(many).turns())[-1]  # type: ignore[union-attr]
    assert note.role == "" and note.parts[0].label == "… 5 more inputs"
    request = bodies.read_request(many)
    assert request is not None
    assert len(list(request.turns(limit=None))) == 25
    assert request.prompt() == "t0 (+24 more)"
    ids = envelope("/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": [1, 2, 3]})
    assert turns(ids) == [("prompt", [("other", "[1,2,3]")])]
    assert bodies.prompt_items([[1, 2], [3]]) == [[1, 2], [3]]
    assert bodies.prompt_items("x") == ["x"] and bodies.prompt_items(None) == []
    assert bodies.request_texts("completions", ids["body"]) == []  # token ids are not text


def test_moderations_images_and_videos() -> None:
    moderation = envelope(
        "/v1/moderations",
        {
            "model": "omni-moderation-latest",
            "input": [
                {"type": "text", "text": "hello"},
                {"type": "image_url", "image_url": {"url": "https://x/a.png"}},
            ],
        },
    )
    assert [t[1][0][0] for t in turns(moderation)] == ["text", "media"]
    image = envelope(
        "/v1/images/edits", {"model": "gpt-image-1", "prompt": "Add a hat", "image": ["file-a"]}
    )
    assert turns(image) == [("prompt", [("text", "Add a hat"), ("media", "file-a")])]
    video = envelope("/v1/videos", {"model": "sora-2", "prompt": "A cat"})
    request = bodies.read_request(video)
    assert request is not None and request.format == "videos"
    assert turns(video) == [("prompt", [("text", "A cat")])]


@pytest.mark.parametrize(
    ("url", "fmt"),
    [
        ("/v1/chat/completions", "chat"),
        ("/chat/completions", "chat"),  # Azure
        ("/v4/chat/completions", "chat"),  # Zhipu
        ("/v1/completions", "completions"),
        ("/v1/responses", "responses"),
        ("/v1/embeddings?api-version=x", "embeddings"),
        ("/v1/score", "other"),  # vLLM
    ],
)
def test_endpoint_format(url: str, fmt: str) -> None:
    assert bodies.endpoint_format(url) == fmt


def test_part_type_and_image_source_agree_for_chat_and_responses() -> None:
    chat = {"type": "image_url", "image_url": {"url": "u", "detail": "high"}}
    resp = {"type": "input_image", "image_url": "u", "detail": "low"}
    by_id = {"type": "input_image", "file_id": "file-1"}
    assert [bodies.part_type(p) for p in (chat, resp, by_id)] == ["image"] * 3
    assert bodies.image_source(chat) == ("u", None, "high")
    assert bodies.image_source(resp) == ("u", None, "low")
    assert bodies.image_source(by_id) == (None, "file-1", None)
    assert bodies.part_type("plain") == "text"
    assert bodies.part_type({"type": "refusal", "refusal": "no"}) == "refusal"
    assert bodies.part_type({"type": "mystery"}) == "other"
    assert bodies.part_type(7) == "other"


# -- OpenAI results ------------------------------------------------------------------------


def test_output_line_answer_usage_and_finish() -> None:
    result = bodies.read_result(k.chat_output(3))
    assert isinstance(result, bodies.Result) and result.ok
    assert (result.id, result.status, result.finish_reason) == ("request-3", "200", "stop")
    assert result.preview() == "Answer 3."
    assert result.model == "gpt-4o-mini-2024-07-18" and result.usage is not None


@pytest.mark.parametrize(
    ("line", "status", "code", "message"),
    [
        (k.http_error_line(1), "400", "unsupported_parameter", "Unsupported parameter"),
        (k.EXPIRED_LINE, "expired", "batch_expired", "could not be executed"),
        (k.AZURE_ERROR_LINE, "400", "BadRequest", "Value of max_tokens"),
        (k.VLLM_ERROR_LINE, "400", "http_400", "does not exist"),
    ],
)
def test_error_lines_of_every_shape(
    line: dict[str, Any], status: str, code: str, message: str
) -> None:
    result = bodies.read_result(line)
    assert result is not None and not result.ok and result.error is not None
    assert result.status == status and result.error.code == code
    assert message in result.error.message and result.parts == ()


def test_embeddings_and_moderation_answers_are_data_parts() -> None:
    emb = {"object": "list", "data": [{"embedding": [0.1] * 8}, {"embedding": [0.2] * 8}]}
    assert bodies.preview(bodies.answer_parts(emb)) == "2 embedding(s) of 8 dimensions"
    mod = {"results": [{"flagged": True, "categories": {"violence": True, "hate": False}}]}
    assert bodies.preview(bodies.answer_parts(mod)) == "flagged: violence"


# -- foreign formats -----------------------------------------------------------------------


def test_anthropic_request_turns_and_settings() -> None:
    obj = k.anthropic_request(2)
    obj["params"]["temperature"] = 0.7
    obj["params"]["thinking"] = {"type": "enabled", "budget_tokens": 2048}
    obj["params"]["tools"] = [{"name": "get_weather", "input_schema": {}}]
    obj["params"]["messages"] += [
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "Hmm.", "signature": "sig"},
                {
                    "type": "tool_use",
                    "id": "toolu_1",
                    "name": "get_weather",
                    "input": {"city": "Oslo"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "-3°C"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"},
                },
                {"type": "text", "text": "And tomorrow?"},
            ],
        },
    ]
    got = turns(obj)
    assert got[0] == ("system", [("text", "Be brief.")])
    assert got[1] == ("user", [("text", "Question 2?")])
    assert [kind for kind, _ in got[2][1]] == ["reasoning", "call"]
    assert [kind for kind, _ in got[3][1]] == ["tool", "media", "text"]
    request = bodies.read_request(obj)
    assert request is not None and request.format == "anthropic" and request.id == "req-2"
    settings = request.settings()
    assert (settings.model, settings.max_tokens, settings.temperature) == (
        "claude-3-7-sonnet-20250219",
        1024,
        0.7,
    )
    assert settings.tools == ("get_weather",) and ("thinking", "enabled 2048") in settings.params
    assert request.prompt() == "And tomorrow?"


@pytest.mark.parametrize(
    ("kind", "code", "ok"),
    [
        ("succeeded", None, True),
        ("errored", "invalid_request_error", False),
        ("canceled", "canceled", False),
        ("expired", "expired", False),
    ],
)
def test_anthropic_results_of_every_type(kind: str, code: str | None, ok: bool) -> None:
    result = bodies.read_result(k.anthropic_result(1, kind))
    assert result is not None and result.ok is ok and result.status == kind
    if ok:
        assert result.preview() == "Answer 1." and result.finish_reason == "end_turn"
        assert result.usage == (12, 4, 0, 0)
    else:
        assert result.error is not None and result.error.code == code and result.error.message


def test_anthropic_error_flattened_by_scripts_and_thinking_blocks() -> None:
    flat = {
        "custom_id": "x",
        "result": {"type": "errored", "error": {"type": "overloaded_error", "message": "busy"}},
    }
    result = bodies.read_result(flat)
    assert result is not None and result.error == bodies.Failure(
        "overloaded_error", "busy", "overloaded_error"
    )
    thinking = k.anthropic_result(1)
    thinking["result"]["message"]["content"].insert(
        0, {"type": "thinking", "thinking": "Let me see.", "signature": "s"}
    )
    result = bodies.read_result(thinking)
    assert result is not None and [p.kind for p in result.parts] == ["reasoning", "text"]
    assert result.preview() == "Answer 1."


def test_gemini_requests_in_both_casings_and_without_key() -> None:
    obj = {
        "key": "photo 1, front.jpg",
        "request": {
            "system_instruction": {"parts": [{"text": "Describe."}]},
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": "What is this?"},
                        {"fileData": {"fileUri": "https://g/files/abc", "mimeType": "image/jpeg"}},
                        {"inline_data": {"mime_type": "audio/wav", "data": "AAAA"}},
                    ],
                },
                {"role": "model", "parts": [{"functionCall": {"name": "look", "args": {"q": 1}}}]},
            ],
            "generationConfig": {"temperature": 0.5, "maxOutputTokens": 64},
            "tools": [{"google_search": {}}, {"functionDeclarations": [{"name": "look"}]}],
        },
    }
    got = turns(obj)
    assert got[0] == ("system", [("text", "Describe.")])
    assert got[1][1] == [("text", "What is this?"), ("media", "https://g/files/abc"), ("media", "")]
    assert got[2][0] == "model" and got[2][1][0][0] == "call"
    request = bodies.read_request(obj)
    assert request is not None and request.id == "photo 1, front.jpg"
    settings = request.settings()
    assert (settings.max_tokens, settings.max_tokens_key, settings.temperature) == (
        64,
        "maxOutputTokens",
        0.5,
    )
    assert settings.tools == ("google_search", "look")
    assert request.prompt() == "What is this?"
    vertex = bodies.read_request(k.VERTEX_REQUEST)
    assert vertex is not None and vertex.id is None and vertex.prompt() == "Hi"


def test_gemini_results_answers_failures_and_the_echoed_request() -> None:
    result = bodies.read_result(k.gemini_result(4))
    assert result is not None and result.ok and result.id == "request_4"
    assert (result.status, result.preview(), result.usage) == ("STOP", "Answer 4.", (5, 3, 0, 0))
    vertex = bodies.read_result(k.VERTEX_PREDICTION)
    assert vertex is not None and vertex.request is not None
    assert vertex.request.prompt() == "Hi"
    failed = bodies.read_result(
        {"key": "k", "error": {"code": 400, "message": "Bad", "status": "INVALID_ARGUMENT"}}
    )
    assert failed is not None and failed.error == bodies.Failure("INVALID_ARGUMENT", "Bad")
    vertex_failed = dict(k.VERTEX_PREDICTION, status="Quota exceeded")
    result = bodies.read_result(vertex_failed)
    assert (
        result is not None and result.error is not None and result.error.message == "Quota exceeded"
    )


def test_finetune_examples_read_as_chat() -> None:
    request = bodies.read_request(k.FINETUNE)
    assert request is not None and request.kind is LineKind.FINETUNE_CHAT and request.id is None
    assert [t.role for t in request.turns()] == ["system", "user", "assistant"]
    assert request.prompt() == "Hi"


def test_read_line_names_nothing_for_other_shapes() -> None:
    for obj in (k.LEGACY_FINETUNE, k.DPO, k.FLATTENED_ANTHROPIC, k.BARE_CHAT_BODY, [1], "x", None):
        assert bodies.read_line(obj) is None
    assert isinstance(bodies.read_line(k.chat_input()), bodies.Request)
    assert isinstance(bodies.read_line(k.chat_output()), bodies.Result)


# Every value a field can hold in a hostile file, in every field the walker reads.
WEIRD = [None, 0, -1, 2**70, 1.5, True, "", "x", [], [None], {}, {"type": 3}, [{"type": None}]]


def _variants(obj: Any) -> list[Any]:
    """``obj`` with each of its values (recursively, a few levels down) replaced by each
    weird value, one at a time."""
    out: list[Any] = []

    def walk(node: Any, rebuild: Any, depth: int) -> None:
        if depth > 5:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                for weird in WEIRD:
                    out.append(rebuild({**node, key: weird}))
                walk(value, lambda v, key=key, node=node: rebuild({**node, key: v}), depth + 1)
        elif isinstance(node, list):
            for i, value in enumerate(node[:3]):
                for weird in WEIRD:
                    out.append(rebuild([*node[:i], weird, *node[i + 1 :]]))
                walk(
                    value,
                    lambda v, i=i, node=node: rebuild([*node[:i], v, *node[i + 1 :]]),
                    depth + 1,
                )

    walk(obj, lambda v: v, 0)
    return out


SHAPES = [
    k.chat_input(),
    k.chat_output(),
    k.responses_output(),
    k.http_error_line(),
    k.AZURE_ERROR_LINE,
    k.anthropic_request(),
    k.anthropic_result(),
    k.anthropic_result(kind="errored"),
    k.gemini_request(),
    k.gemini_result(),
    k.VERTEX_PREDICTION,
    k.FINETUNE,
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: json.dumps(s)[:40])
def test_hostile_values_never_raise(shape: dict[str, Any]) -> None:
    for obj in _variants(shape):
        line = bodies.read_line(obj)
        if isinstance(line, bodies.Request):
            list(line.turns())
            line.settings()
            line.prompt()
        elif isinstance(line, bodies.Result):
            line.preview()
