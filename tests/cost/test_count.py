"""Per-request token counts: the cookbook's worked examples, tiktoken itself on generated
messages, every endpoint, images, and output ceilings."""

from __future__ import annotations

import random
from typing import Any

import pytest

from batchtui.cost import encodings
from batchtui.cost.count import Approx, RequestCount, RequestCounter, endpoint_key
from tests.cost.helpers import png_url

CHAT = "/v1/chat/completions"

# The cookbook's example ("How to count tokens with tiktoken", section 6), with the prompt
# token counts OpenAI's API returned for it.
COOKBOOK_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful, pattern-following assistant that translates corporate "
        "jargon into plain English.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "New synergies will help drive top-line growth.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Things working well together will increase revenue.",
    },
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on "
        "opportunities for increased leverage.",
    },
    {
        "role": "system",
        "name": "example_assistant",
        "content": "Let's talk later when we're less busy about how to do better.",
    },
    {
        "role": "user",
        "content": "This late pivot means we don't have time to boil the ocean for the client "
        "deliverable.",
    },
]
# Section 7: tools.
COOKBOOK_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_current_weather",
            "description": "Get the current weather in a given location",
            "parameters": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "string",
                        "description": "The city and state, e.g. San Francisco, CA",
                    },
                    "unit": {
                        "type": "string",
                        "description": "The unit of temperature to return",
                        "enum": ["celsius", "fahrenheit"],
                    },
                },
                "required": ["location"],
            },
        },
    }
]
COOKBOOK_TOOL_MESSAGES = [
    {
        "role": "system",
        "content": "You are a helpful assistant that can answer to questions about the weather.",
    },
    {"role": "user", "content": "What's the weather like in San Francisco?"},
]


@pytest.fixture(scope="module")
def counter() -> RequestCounter:
    return RequestCounter()


def count(counter: RequestCounter, body: dict[str, Any], url: str = CHAT) -> RequestCount:
    result = counter.count(url, body)
    assert isinstance(result, RequestCount), result
    return result


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-3.5-turbo", 129),
        ("gpt-4-0613", 129),
        ("gpt-4", 129),
        ("gpt-4o", 124),
        ("gpt-4o-mini", 124),
        ("gpt-4o-mini-2024-07-18", 124),
    ],
)
def test_cookbook_messages(counter: RequestCounter, model: str, expected: int) -> None:
    result = count(counter, {"model": model, "messages": COOKBOOK_MESSAGES})
    assert result.input_tokens == expected
    assert result.approx == Approx.NONE


@pytest.mark.parametrize(
    ("model", "expected"),
    [("gpt-3.5-turbo", 105), ("gpt-4", 105), ("gpt-4o", 101), ("gpt-4o-mini", 101)],
)
def test_cookbook_tools(counter: RequestCounter, model: str, expected: int) -> None:
    body = {"model": model, "messages": COOKBOOK_TOOL_MESSAGES, "tools": COOKBOOK_TOOLS}
    result = count(counter, body)
    assert result.input_tokens == expected
    assert result.approx & Approx.TOOLS


# -- against tiktoken directly, on generated messages ------------------------------------

WORDS = [
    "hello",
    "world",
    "batch",
    "price",
    "안녕하세요",
    "서울은 맑습니다",
    "東京の天気",
    "お誕生日おめでとう",
    "请把这句话翻译成法语",
    "🍕",
    "👍🏽",
    "🇰🇷",
    "e\u0301",  # a combining accent
    "<|endoftext|>",  # special-token text is ordinary text in a request
    "  spaces  ",
    "line\nbreak",
    "tab\tthere",
    "1234567",
    "'s",
    "",
]


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randrange(0, 30)))


def _messages(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _ in range(rng.randrange(1, 6)):
        message: dict[str, Any] = {"role": rng.choice(["system", "user", "assistant"])}
        if rng.random() < 0.3:
            message["name"] = rng.choice(["alice", "bob_2", "예시"])
        if rng.random() < 0.3:
            message["content"] = [
                {"type": "text", "text": _text(rng)} for _ in range(rng.randrange(0, 4))
            ]
        else:
            message["content"] = _text(rng)
        out.append(message)
    return out


def _oracle(messages: list[dict[str, Any]], encoding: str) -> int:
    """The cookbook's num_tokens_from_messages, written out with tiktoken's own encode."""
    enc = encodings.get_encoding(encoding)
    n = 0
    for message in messages:
        n += 3
        for key, value in message.items():
            if isinstance(value, list):  # text parts, each encoded as its own string
                n += sum(len(enc.encode_ordinary(part["text"])) for part in value)
            else:
                n += len(enc.encode_ordinary(value))
                if key == "name":
                    n += 1
    return n + 3


@pytest.mark.parametrize(
    ("model", "encoding"), [("gpt-4o", "o200k_base"), ("gpt-4", "cl100k_base")]
)
def test_generated_messages_match_tiktoken(
    counter: RequestCounter, model: str, encoding: str
) -> None:
    rng = random.Random(13)
    for _ in range(300):
        messages = _messages(rng)
        result = count(counter, {"model": model, "messages": messages})
        assert result.input_tokens == _oracle(messages, encoding), messages


def test_long_and_repeated_texts_match_tiktoken(counter: RequestCounter) -> None:
    enc = encodings.get_encoding("o200k_base")
    long_text = "The quick brown fox 🦊 jumps. 素早い茶色の狐。" * 2000
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": long_text}] * 3}
    expected = 3 * (3 + len(enc.encode_ordinary("user")) + len(enc.encode_ordinary(long_text))) + 3
    assert count(counter, body).input_tokens == expected


def test_lone_surrogates_are_counted_like_tiktoken(counter: RequestCounter) -> None:
    enc = encodings.get_encoding("o200k_base")
    text = "broken \ud800 pair"
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}
    assert count(counter, body).input_tokens == 3 + 1 + len(enc.encode_ordinary(text)) + 3


def test_empty_content_and_null(counter: RequestCounter) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [
            {"role": "user", "content": ""},
            {"role": "assistant", "content": None},
            {"role": "user", "content": []},
        ],
    }
    # 3 per message + 1 per role word + 3 priming; empty and null contents add nothing.
    assert count(counter, body).input_tokens == 3 * 3 + 3 + 3


# -- images --------------------------------------------------------------------------------


def _image_message(url: str, detail: str | None = None) -> dict[str, Any]:
    image: dict[str, Any] = {"url": url}
    if detail:
        image["detail"] = detail
    return {"role": "user", "content": [{"type": "image_url", "image_url": image}]}


def test_data_url_image_on_gpt_4o(counter: RequestCounter) -> None:
    base = count(counter, {"model": "gpt-4o", "messages": [{"role": "user", "content": []}]})
    body = {"model": "gpt-4o", "messages": [_image_message(png_url(1024, 1024), "high")]}
    result = count(counter, body)
    assert result.input_tokens - base.input_tokens == 765
    assert (result.images, result.image_tokens, result.not_counted) == (1, 765, {})
    low = count(
        counter, {"model": "gpt-4o", "messages": [_image_message(png_url(1024, 1024), "low")]}
    )
    assert low.image_tokens == 85


def test_remote_and_file_images_are_not_counted(counter: RequestCounter) -> None:
    body = {
        "model": "gpt-4o",
        "messages": [
            _image_message("https://example.com/a.png"),
            _image_message("https://example.com/b.png"),
            _image_message("data:image/png;base64,????"),
            {"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x"}}]},
            {"role": "user", "content": [{"type": "file", "file": {"file_id": "file-1"}}]},
        ],
    }
    result = count(counter, body)
    assert result.not_counted == {"image_url": 2, "image_unreadable": 1, "audio": 1, "file": 1}
    assert result.images == 0


def test_responses_input_image(counter: RequestCounter) -> None:
    body = {
        "model": "gpt-4.1-mini",
        "input": [
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is this?"},
                    {"type": "input_image", "image_url": png_url(1800, 2400), "detail": "high"},
                    {"type": "input_image", "file_id": "file-abc"},
                ],
            }
        ],
    }
    result = count(counter, body, "/v1/responses")
    assert result.image_tokens == round(1452 * 1.62)
    assert result.not_counted == {"image_file_id": 1}


def test_image_on_an_unlisted_model_is_flagged(counter: RequestCounter) -> None:
    body = {"model": "my-deployment", "messages": [_image_message(png_url(512, 512))]}
    result = count(counter, body)
    assert result.image_tokens == 255 and result.approx & Approx.IMAGE_FORMULA


# -- endpoints -----------------------------------------------------------------------------


def test_responses_string_input_and_instructions(counter: RequestCounter) -> None:
    enc = encodings.get_encoding("o200k_base")

    def n(text: str) -> int:
        return len(enc.encode_ordinary(text))

    body = {"model": "gpt-4.1", "instructions": "Be brief.", "input": "Hello there"}
    result = count(counter, body, "/v1/responses")
    expected = (3 + n("developer") + n("Be brief.")) + (3 + n("user") + n("Hello there")) + 3
    assert result.input_tokens == expected
    assert result.output_max is None
    body["max_output_tokens"] = 500
    assert count(counter, body, "/v1/responses").output_max == 500


def test_responses_items_tools_and_schema(counter: RequestCounter) -> None:
    body = {
        "model": "gpt-4.1",
        "input": [
            {"type": "message", "role": "user", "content": "Weather in Paris?"},
            {"type": "function_call", "call_id": "c1", "name": "weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
        ],
        "tools": [
            {"type": "function", "name": "weather", "description": "Look it up.", "parameters": {}},
            {"type": "web_search"},
        ],
        "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}}},
    }
    result = count(counter, body, "/v1/responses")
    assert result.input_tokens > 0
    assert result.approx & Approx.TOOL_CALLS
    assert result.approx & Approx.TOOLS
    assert result.approx & Approx.BUILTIN_TOOLS
    assert result.approx & Approx.SCHEMA


def test_embeddings_inputs(counter: RequestCounter) -> None:
    enc = encodings.get_encoding("cl100k_base")
    model = "text-embedding-3-small"
    url = "/v1/embeddings"

    def tokens(value: Any) -> int:
        return count(counter, {"model": model, "input": value}, url).input_tokens

    assert tokens("hello world") == len(enc.encode_ordinary("hello world"))
    assert tokens(["a cat", "a dog 🐕"]) == sum(
        len(enc.encode_ordinary(t)) for t in ["a cat", "a dog 🐕"]
    )
    assert tokens([15339, 1917, 0]) == 3  # token ids count one each
    assert tokens([[1, 2, 3], [4, 5]]) == 5
    assert count(counter, {"model": model, "input": "x"}, url).output_max == 0


def test_completions_prompt_and_default_ceiling(counter: RequestCounter) -> None:
    url = "/v1/completions"
    body: dict[str, Any] = {"model": "gpt-3.5-turbo-instruct", "prompt": ["Say hi", [1, 2]]}
    result = count(counter, body, url)
    enc = encodings.get_encoding("cl100k_base")
    assert result.input_tokens == len(enc.encode_ordinary("Say hi")) + 2
    assert result.output_max == 16  # the API's default max_tokens
    body.update(max_tokens=100, n=2, best_of=3)
    assert count(counter, body, url).output_max == 300


def test_moderations_default_model(counter: RequestCounter) -> None:
    result = count(counter, {"input": ["one", {"type": "text", "text": "two"}]}, "/v1/moderations")
    assert result.model == "omni-moderation-latest"
    assert result.input_tokens > 0 and result.output_max == 0


def test_chat_output_ceilings(counter: RequestCounter) -> None:
    def ceiling(**extra: Any) -> int | None:
        body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], **extra}
        return count(counter, body).output_max

    assert ceiling() is None
    assert ceiling(max_tokens=100) == 100
    assert ceiling(max_completion_tokens=200, max_tokens=100) == 200
    assert ceiling(max_tokens=100, n=3) == 300
    assert ceiling(max_tokens=True) is None  # not a number
    assert ceiling(max_tokens=-5) is None


def test_history_tool_calls_are_counted(counter: RequestCounter) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
    with_call = {
        "model": "gpt-4o",
        "messages": [{"role": "assistant", "content": None, "tool_calls": [call]}],
    }
    without = {"model": "gpt-4o", "messages": [{"role": "assistant", "content": None}]}
    assert count(counter, with_call).input_tokens > count(counter, without).input_tokens
    assert count(counter, with_call).approx & Approx.TOOL_CALLS


def test_response_format_schema(counter: RequestCounter) -> None:
    base = {"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]}
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}}
    with_schema = count(counter, {**base, "response_format": fmt})
    assert with_schema.input_tokens > count(counter, base).input_tokens
    assert with_schema.approx & Approx.SCHEMA
    json_mode = count(counter, {**base, "response_format": {"type": "json_object"}})
    assert json_mode.input_tokens == count(counter, base).input_tokens


@pytest.mark.parametrize(
    ("url", "body", "reason"),
    [
        (CHAT, {"messages": []}, "no body.model"),
        (CHAT, {"model": 5, "messages": []}, "no body.model"),
        ("/v1/images/generations", {"model": "gpt-image-1"}, "not estimated"),
        ("/v1/chat/completion", {"model": "gpt-4o"}, "not estimated"),
    ],
)
def test_requests_that_cannot_be_counted(
    counter: RequestCounter, url: str, body: dict[str, Any], reason: str
) -> None:
    result = counter.count(url, body)
    assert isinstance(result, str) and reason in result


def test_hostile_shapes_do_not_raise(counter: RequestCounter) -> None:
    bodies: list[dict[str, Any]] = [
        {"model": "gpt-4o", "messages": "not a list"},
        {"model": "gpt-4o", "messages": [1, None, "x", {"role": 5, "content": {"a": 1}}]},
        {"model": "gpt-4o", "messages": [{"content": [1, None, {"type": "image_url"}]}]},
        {"model": "gpt-4o", "messages": [], "tools": [{"function": {"parameters": 5}}]},
        {"model": "gpt-4o", "messages": [], "tools": "x", "functions": [{"name": 3}]},
    ]
    for body in bodies:
        count(counter, body)
    for body in ({"model": "gpt-4.1", "input": [1, {"type": "reasoning", "summary": []}]},):
        count(counter, body, "/v1/responses")


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/v1/chat/completions", "/v1/chat/completions"),
        ("/chat/completions", "/v1/chat/completions"),  # Azure's dated API versions
        ("/v1/embeddings/", "/v1/embeddings"),
        ("v1/responses", "/v1/responses"),
    ],
)
def test_endpoint_key(url: str, key: str) -> None:
    assert endpoint_key(url) == key
