"""Planted-defect files: every rule at a known line; the exact (line, code) set is asserted."""

from __future__ import annotations

import gzip
import inspect
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from batchtui.validation import facts as F
from batchtui.validation.rules import RULES
from tests.validation.helpers import (
    CHAT,
    chat_body,
    line,
    request,
    small_limits,
    validate,
    write_lines,
)

COVERED: set[str] = set()


def check(run_codes: set[tuple[int | None, str]], expected: set[tuple[int | None, str]]) -> None:
    assert run_codes == expected
    COVERED.update(code for _, code in expected)


def test_chat_file_with_every_line_and_envelope_rule(tmp_path: Path) -> None:
    good = request("req-01")
    lines = [
        b"\xef\xbb\xbf" + line(good),  # 1 BOM
        line(request("req-02")) + b"\r",  # 2 CRLF
        b"   ",  # 3 blank
        b"not json",  # 4
        b"[1, 2]",  # 5
        line(request("req-06-BAD")).replace(b"BAD", b"\xff"),  # 6 bad UTF-8
        request(drop=("custom_id",)),  # 7
        request(17),  # 8 custom_id not a string
        request(""),  # 9
        request("x" * 513),  # 10
        request("req-01"),  # 11 duplicate of line 1
        request("req-12", method="GET"),  # 12
        request("req-13", url="/v1/chat/completion"),  # 13 not an endpoint
        request("req-14", metadata={"a": 1}),  # 14 unknown top-level key
        request("req-15", {"model": "gpt-4o-mini"}),  # 15 no messages
        request("req-16", chat_body() | {"messages": [{"role": "bot", "content": "hi"}]}),  # 16
        request("req-17", chat_body(temperature=3)),  # 17
        request("req-18", chat_body(stream=True)),  # 18
        request("req-19", chat_body(max_token=10)),  # 19 typo
        request("req-20", chat_body(model="o3-mini", max_tokens=10)),  # 20 + model mismatch
        request(  # 21 + majority url mismatch
            "req-21",
            {"model": "gpt-4o-mini", "input": "hi", "response_format": {"type": "json_object"}},
            url="/v1/responses",
        ),
        request("req-22"),  # 22, no final newline
    ]
    path = write_lines(tmp_path / "chat.jsonl", lines, final_newline=False)
    run = validate(path, provider=small_limits(requests=20, file_bytes=1000))
    check(
        run.codes(),
        {
            (1, "utf8_bom"),
            (2, "crlf_line_ending"),
            (3, "blank_line"),
            (4, "invalid_json_line"),
            (5, "invalid_json_line"),
            (6, "invalid_utf8"),
            (7, "missing_required_parameter"),
            (8, "invalid_type"),
            (9, "empty_custom_id"),
            (10, "custom_id_too_long"),
            (11, "duplicate_custom_id"),
            (12, "invalid_method"),
            (13, "invalid_url"),
            (14, "unknown_key"),
            (15, "invalid_request"),
            (16, "invalid_value"),
            (17, "value_out_of_range"),
            (18, "streaming_unsupported"),
            (19, "unknown_parameter"),
            (20, "max_tokens_reasoning_model"),
            (20, "model_mismatch"),
            (21, "unsupported_parameter"),
            (21, "invalid_url"),
            (22, "no_final_newline"),
            (None, "too_many_tasks"),
            (None, "file_too_large"),
        },
    )
    by_line = {(f.line, f.code): f for f in run.findings}
    assert by_line[(11, "duplicate_custom_id")].message.endswith("already used on line 1.")
    assert by_line[(16, "invalid_value")].path == "body.messages[0].role"
    assert by_line[(19, "unknown_parameter")].message == "Unknown parameter: 'max_token'."
    assert by_line[(19, "unknown_parameter")].hint == "Did you mean 'max_tokens'?"
    assert by_line[(19, "unknown_parameter")].severity.value == "error"
    assert by_line[(7, "missing_required_parameter")].path == "custom_id"
    assert "request 21 is on line 22" in by_line[(None, "too_many_tasks")].message
    assert run.validator.report.snapshot().endpoint == CHAT
    # Every finding can be re-derived for its line (the UI's detail view and paging).
    for line_no in {f.line for f in run.findings if f.line is not None}:
        streamed = sorted((f.code, f.message) for f in run.findings if f.line == line_no)
        again = sorted((f.code, f.message) for f in run.validator.findings_at(line_no))
        assert again == streamed, line_no


def test_azure_url_gets_a_hint_and_body_rules_still_apply(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "azure.jsonl",
        [request("a", chat_body(temperature=9), url="/chat/completions")],
    )
    run = validate(path)
    assert run.codes() == {(1, "invalid_url"), (1, "value_out_of_range")}
    hint = next(f.hint for f in run.findings if f.code == "invalid_url")
    assert hint is not None and "Azure" in hint and "/v1/chat/completions" in hint


def test_chat_message_shapes(tmp_path: Path) -> None:
    def body(*messages: object) -> dict[str, object]:
        return {"model": "gpt-4o-mini", "messages": list(messages)}

    lines = [
        request("1", body({"role": "tool", "content": "42"})),  # no tool_call_id
        request("2", body({"role": "assistant"})),  # no content/tool_calls
        request("3", body({"role": "user", "content": [{"type": "txt", "text": "x"}]})),
        request(
            "4",
            body(
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "image_url",
                            "image_url": {"url": "https://x/y.png", "detail": "huge"},
                        }
                    ],
                }
            ),
        ),
        request("5", body({"role": "user", "content": 5})),
        request("6", body({"role": "user", "contents": "hi"})),  # typo: unknown + missing
        request("7", body({"content": "hi"})),  # no role
        request("8", body("just a string")),
        request(
            "9",
            body({"role": "system", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}),
        ),
        request(
            "10",
            body(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                }
            ),
        ),
        request("11", body({"role": "tool", "content": "ok", "tool_call_id": "c"})),
        request(
            "12",
            body(
                {
                    "role": "user",
                    "content": [
                        {"type": "input_audio", "input_audio": {"data": "AAA", "format": "flac"}}
                    ],
                }
            ),
        ),
    ]
    run = validate(write_lines(tmp_path / "msgs.jsonl", lines))
    got = {(f.line, f.code, f.path) for f in run.findings}
    assert got == {
        (1, "invalid_request", "body.messages[0].tool_call_id"),
        (2, "invalid_request", "body.messages[0].content"),
        (3, "invalid_value", "body.messages[0].content[0].type"),
        (4, "invalid_value", "body.messages[0].content[0].image_url.detail"),
        (5, "invalid_type", "body.messages[0].content"),
        (6, "invalid_request", "body.messages[0].content"),
        (6, "unknown_parameter", "body.messages[0].contents"),
        (7, "invalid_request", "body.messages[0].role"),
        (8, "invalid_type", "body.messages[0]"),
        (9, "invalid_value", "body.messages[0].content[0].type"),
        (12, "invalid_value", "body.messages[0].content[0].input_audio.format"),
    }
    COVERED.update(code for _, code, _ in got)


def test_embeddings_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(F, "MAX_EMBEDDING_ARRAY", 4)
    url = "/v1/embeddings"

    def emb(cid: str, **body: object) -> dict[str, object]:
        return request(cid, {"model": "text-embedding-3-small", **body}, url=url)

    lines = [
        emb("1", input="one"),  # 1 input
        emb("2", input=["a", "b"]),  # 3
        emb("3", input=[1, 2, 3]),  # 4: token ids are one input
        emb("4", input=""),  # 5: empty
        emb("5", input=[]),  # empty array
        emb("6", input=["a", "b", "c", "d", "e"]),  # over the array limit; 10 inputs: passed
        emb("7"),  # no input
        emb("8", input="x", encoding_format="hex"),
        emb("9", input="x", dimensions=0),
        emb("10", input=["a", 3]),
        emb("11", input="x", user="u", inputs=["typo"]),
    ]
    run = validate(
        write_lines(tmp_path / "emb.jsonl", lines), provider=small_limits(embedding_inputs=6)
    )
    assert {(f.line, f.code, f.path) for f in run.findings} == {
        (4, "invalid_request", "body.input"),
        (5, "invalid_request", "body.input"),
        (6, "invalid_request", "body.input"),
        (7, "invalid_request", "body.input"),
        (8, "invalid_value", "body.encoding_format"),
        (9, "value_out_of_range", "body.dimensions"),
        (10, "invalid_type", "body.input[1]"),
        (11, "unknown_parameter", "body.inputs"),
        (None, "too_many_embedding_inputs", None),
    }
    over = next(f for f in run.findings if f.code == "too_many_embedding_inputs")
    assert "passed on line 6" in over.message
    COVERED.add("too_many_embedding_inputs")


def test_responses_completions_moderations(tmp_path: Path) -> None:
    def resp(cid: str, **body: object) -> dict[str, object]:
        return request(cid, {"model": "gpt-4.1-mini", **body}, url="/v1/responses")

    lines = [
        resp(
            "1",
            input=[
                {
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "hi"},
                        {"type": "input_image", "image_url": "u"},
                    ],
                }
            ],
        ),
        resp("2", input=[{"role": "user", "content": [{"type": "text", "text": "hi"}]}]),
        resp("3", input=[{"type": "nonsense"}]),
        resp("4", input="hi", max_output_tokens=0, messages=[]),
        resp(
            "5",
            input=[
                {"role": "assistant", "content": [{"type": "output_text", "text": "ok"}]},
                {"type": "function_call_output", "call_id": "c", "output": "x"},
            ],
        ),
        request("6", {"model": "gpt-4.1-mini", "input": "x"}, url="/v1/responses", drop=()),
    ]
    run = validate(write_lines(tmp_path / "resp.jsonl", lines))
    assert {(f.line, f.code, f.path) for f in run.findings} == {
        (2, "invalid_value", "body.input[0].content[0].type"),
        (3, "invalid_value", "body.input[0].type"),
        (4, "value_out_of_range", "body.max_output_tokens"),
        (4, "unknown_parameter", "body.messages"),
    }
    moved = next(f for f in run.findings if f.code == "unknown_parameter")
    assert moved.message == "Unknown parameter: 'messages'."
    assert moved.hint is not None and moved.hint.startswith("Use input")

    comp = [
        request(
            "1", {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"}, url="/v1/completions"
        ),
        request("2", {"model": "gpt-3.5-turbo-instruct"}, url="/v1/completions"),
        request(
            "3",
            {"model": "gpt-3.5-turbo-instruct", "prompt": "x", "best_of": 30},
            url="/v1/completions",
        ),
    ]
    run = validate(write_lines(tmp_path / "comp.jsonl", comp))
    assert {(f.line, f.code, f.path) for f in run.findings} == {
        (2, "invalid_request", "body.prompt"),
        (3, "value_out_of_range", "body.best_of"),
    }

    mod = [
        request("1", {"input": "text"}, url="/v1/moderations"),
        request("2", {"model": "omni-moderation-latest"}, url="/v1/moderations"),
        request("3", {"input": [{"type": "video", "url": "x"}]}, url="/v1/moderations"),
        request(
            "4",
            {"input": [{"type": "image_url", "image_url": {"url": "u"}}], "stream": True},
            url="/v1/moderations",
        ),
    ]
    run = validate(write_lines(tmp_path / "mod.jsonl", mod))
    assert {(f.line, f.code, f.path) for f in run.findings} == {
        (2, "invalid_request", "body.input"),
        (3, "invalid_value", "body.input[0].type"),
        (4, "streaming_unsupported", "body.stream"),
    }


def test_invalid_types_of_body_parameters(tmp_path: Path) -> None:
    lines = [
        request("1", chat_body(temperature="0.5")),
        request("2", chat_body(max_tokens=10.5)),
        request("3", chat_body(model=4)),
        request("4", "not an object"),
        request("5", chat_body(reasoning_effort="extreme")),
        request("6", chat_body(n=0, top_p=1.5)),
        request("7", chat_body(model="")),
        request("8", {"messages": [{"role": "user", "content": "hi"}]}),
        request("9", chat_body(stream=False, max_completion_tokens=5, seed=1)),
    ]
    run = validate(write_lines(tmp_path / "types.jsonl", lines))
    assert {(f.line, f.code, f.path) for f in run.findings} == {
        (1, "invalid_type", "body.temperature"),
        (2, "invalid_type", "body.max_tokens"),
        (3, "invalid_type", "body.model"),
        (4, "invalid_type", "body"),
        (5, "invalid_value", "body.reasoning_effort"),
        (6, "value_out_of_range", "body.n"),
        (6, "value_out_of_range", "body.top_p"),
        (7, "invalid_request", "body.model"),
        (8, "invalid_request", "body.model"),
    }


def test_reasoning_model_names() -> None:
    for name in (
        "o1",
        "o3-mini",
        "o4-mini-2025-04-16",
        "gpt-5",
        "gpt-5-mini",
        "gpt-5.1",
        "ft:o4-mini-2025-04-16:org::abc",
        "gpt-6-sol",
    ):
        assert F.is_reasoning_model(name), name
    for name in (
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1",
        "gpt-5-chat-latest",
        "gpt-5.2-chat-latest",
        "omni-moderation-latest",
        "my-o3-deployment",
    ):
        assert not F.is_reasoning_model(name), name


def test_responses_parameters_that_openai_refuses(tmp_path: Path) -> None:
    """Constructed lines; the messages are OpenAI's own (FORMATS.md §3)."""

    def resp(cid: str, **body: object) -> dict[str, object]:
        return request(cid, {"model": "gpt-4.1-mini", "input": "hi", **body}, url="/v1/responses")

    lines = [
        resp("1", response_format={"type": "json_object"}),
        resp("2", reasoning_effort="low"),
        resp("3", max_tokens=100),
        resp("4", max_output_tokens=15),
        resp("5", max_output_tokens=16),  # the minimum itself is fine
        resp("6", text={"format": {"type": "json_object"}}),  # where it belongs: fine
    ]
    run = validate(write_lines(tmp_path / "resp.jsonl", lines))
    got = {(f.line, f.code): f for f in run.findings}
    assert set(got) == {
        (1, "unsupported_parameter"),
        (2, "unsupported_parameter"),
        (3, "unknown_parameter"),
        (4, "value_out_of_range"),
    }
    assert got[(1, "unsupported_parameter")].message.startswith(
        "Unsupported parameter: 'response_format'. In the Responses API, this parameter has "
        "moved to 'text.format'."
    )
    assert "'reasoning.effort'" in got[(2, "unsupported_parameter")].message
    assert got[(3, "unknown_parameter")].message == "Unknown parameter: 'max_tokens'."
    assert "max_output_tokens" in (got[(3, "unknown_parameter")].hint or "")
    assert got[(4, "value_out_of_range")].message == (
        "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but "
        "got 15 instead."
    )
    COVERED.update(code for _, code in got)


def test_reasoning_models_temperature_by_family_and_effort(tmp_path: Path) -> None:
    def chat(cid: str, model: str, **params: object) -> dict[str, object]:
        return request(cid, chat_body(model=model, **params))

    def resp(cid: str, model: str, **params: object) -> dict[str, object]:
        return request(cid, {"model": model, "input": "x", **params}, url="/v1/responses")

    chats = [
        chat("1", "o3-mini", temperature=0.7),  # o-series always reasons
        chat("2", "gpt-5-nano", temperature=0),  # gpt-5 always reasons
        chat("3", "gpt-5.1", temperature=0),  # default effort none: accepted (FORMATS §2.1)
        chat("4", "gpt-6-luna", temperature=0.7),  # default medium (smoke test 2026-09-24)
        chat("5", "gpt-6-luna", temperature=0.7, reasoning_effort="none"),  # accepted
        chat("6", "gpt-5.1", top_p=0.5, reasoning_effort="high"),  # effort set: refused
        chat("7", "gpt-5.2", temperature=0.2),  # default unknown: a warning
        chat("8", "gpt-4o", temperature=0.2),  # not a reasoning model
        chat("9", "o3-mini", temperature=1),  # the default value is always fine
    ]
    run = validate(write_lines(tmp_path / "chat.jsonl", chats))
    got = {(f.line, f.code): f for f in run.findings if f.code != "model_mismatch"}
    assert set(got) == {
        (1, "temperature_reasoning_model"),
        (2, "temperature_reasoning_model"),
        (4, "temperature_reasoning_model"),
        (6, "temperature_reasoning_model"),
        (7, "temperature_effort_unknown"),
    }
    assert got[(1, "temperature_reasoning_model")].message == (
        "Unsupported value: 'temperature' does not support 0.7 with this model. Only the "
        "default (1) value is supported."
    )
    assert got[(7, "temperature_effort_unknown")].severity.value == "warning"
    responses = [resp("1", "gpt-6-sol", temperature=0.2), resp("2", "gpt-5.1", temperature=0)]
    run = validate(write_lines(tmp_path / "resp.jsonl", responses))
    (finding,) = [f for f in run.findings if f.code != "model_mismatch"]
    assert (finding.line, finding.message) == (
        1,
        "Unsupported parameter: 'temperature' is not supported with this model.",
    )
    COVERED.update(code for _, code in got)


def test_model_names_come_from_the_sdk(tmp_path: Path) -> None:
    lines = [
        request("1", chat_body(model="gpt-4o-mini")),
        request("2", chat_body(model="gpt-4o-mini-2024-07-18")),
        request("3", chat_body(model="ft:gpt-4o-mini-2024-07-18:acme::abc123")),
        request("4", chat_body(model="gpt-4o-mini-batch")),  # an Azure deployment habit
        request("5", chat_body(model="gpt4o-mini")),  # a typo
    ]
    path = write_lines(tmp_path / "models.jsonl", lines)
    run = validate(path)
    got = {(f.line, f.code): f for f in run.findings if f.code != "model_mismatch"}
    assert set(got) == {(4, "batch_model_alias"), (5, "unknown_model")}
    assert got[(5, "unknown_model")].severity.value == "warning"
    assert "403" in (got[(4, "batch_model_alias")].hint or "")
    assert got[(5, "unknown_model")].hint == "Did you mean 'gpt-4o-mini'?"
    # Azure's model is a deployment name: nothing to compare.
    from batchtui.validation.providers import AZURE

    azure = validate(path, provider=AZURE)
    assert not [f for f in azure.findings if f.code in ("unknown_model", "batch_model_alias")]
    COVERED.update(code for _, code in got)


def test_image_and_video_bodies_from_the_sdk_types(tmp_path: Path) -> None:
    """Constructed lines (no real images or videos batch file was found: FORMATS.md §6)."""

    def gen(cid: str, **body: object) -> dict[str, object]:
        return request(cid, body, url="/v1/images/generations")

    def edit(cid: str, **body: object) -> dict[str, object]:
        return request(cid, body, url="/v1/images/edits")

    def video(cid: str, **body: object) -> dict[str, object]:
        return request(cid, body, url="/v1/videos")

    ref = {"image_url": "https://example.com/a.png"}
    cases = [
        (gen("1"), {("invalid_request", "body.prompt")}),  # {"body": {}} passed before
        (gen("2", prompt="a kite", model="gpt-image-1", size="1024x1024", n=2), set()),
        (gen("3", prompt="a kite", quality="ultra"), {("invalid_value", "body.quality")}),
        (gen("4", prompt="a kite", n=11), {("value_out_of_range", "body.n")}),
        (gen("5", prompt=7), {("invalid_type", "body.prompt")}),
        (gen("6", prompt="a kite", colour="red"), {("unknown_parameter", "body.colour")}),
        (edit("7", prompt="add a hat", images=[ref]), set()),
        (edit("8", prompt="add a hat"), {("invalid_request", "body.images")}),
        (edit("9", prompt="x", images=[ref] * 17), {("value_out_of_range", "body.images")}),
        (edit("10", prompt="x", images=[ref], tint=1), {("unlisted_parameter", "body.tint")}),
        (video("11", prompt="waves", model="sora-2", seconds="8", size="1280x720"), set()),
        (video("12", prompt="waves", seconds=8), {("invalid_type", "body.seconds")}),
        (video("13", prompt="waves", seconds="5"), {("invalid_value", "body.seconds")}),
        (video("14", prompt=""), {("value_out_of_range", "body.prompt")}),
        (video("15", seconds="4"), {("invalid_request", "body.prompt")}),
    ]
    for i, (obj, expected) in enumerate(cases):
        run = validate(write_lines(tmp_path / f"{i}.jsonl", [obj]))
        got = {(f.code, f.path) for f in run.findings}
        assert got == expected, (i + 1, run.findings)
        COVERED.update(code for code, _ in got)


def test_limits_are_the_documented_ones() -> None:
    from batchtui.validation.providers import OPENAI

    assert OPENAI.max_requests.value == 50_000
    assert OPENAI.max_file_bytes.value == 209_715_200
    assert OPENAI.max_embedding_inputs.value == 50_000
    assert OPENAI.max_custom_id.value == 512
    assert F.MAX_EMBEDDING_ARRAY == 2048


def test_empty_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert validate(empty).codes() == {(None, "empty_file")}
    blanks = tmp_path / "blanks.jsonl"
    blanks.write_bytes(b"\n\n")
    assert validate(blanks).codes() == {(1, "blank_line"), (2, "blank_line"), (None, "empty_file")}
    COVERED.add("empty_file")


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ('[\n  {"custom_id": "a", "method": "POST"},\n  {"custom_id": "b"}\n]\n', "array of 2"),
        ('{\n  "custom_id": "a",\n  "method": "POST"\n}\n', "one JSON object"),
        ('{\n  "custom_id": "a"\n}\n{\n  "custom_id": "b"\n}\n', "several lines"),
        ('[{"custom_id": "a"},\n{"custom_id": "b"}]\n', "array of 2"),
    ],
)
def test_pretty_printed_json_is_reported_once(tmp_path: Path, text: str, what: str) -> None:
    path = tmp_path / "pretty.json"
    path.write_text(text)
    run = validate(path)
    assert run.codes() == {(1, "multiline_json")}
    message = run.findings[0].message
    assert what in message
    assert message.count("several lines") == 1, message  # said once, not twice
    assert run.validator.findings_at(1)[0].code == "multiline_json"
    assert run.validator.findings_at(2) == []
    COVERED.add("multiline_json")


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda text: gzip.compress(text), "gzip-compressed"),
        (lambda text: text.decode().encode("utf-16"), "UTF-16"),
        (lambda text: b"\x00\x01\x02garbage\n" + text, "binary"),
    ],
)
def test_compressed_utf16_and_binary_files_are_reported_once(
    tmp_path: Path, make: Callable[[bytes], bytes], what: str
) -> None:
    text = b"".join(line(request(f"r{i}")) + b"\n" for i in range(200))
    path = tmp_path / "f.jsonl"
    path.write_bytes(make(text))
    run = validate(path)
    assert run.codes() == {(1, "not_text")}
    assert what in run.findings[0].message
    COVERED.add("not_text")


def test_broken_first_line_of_jsonl_is_not_taken_for_pretty_json(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [b'{"custom_id": "a", ', request("b"), request("c")])
    assert validate(path).codes() == {(1, "invalid_json_line")}


def test_json_hints(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "a.jsonl",
        [line(request("a")) + b",", b"{'custom_id': 'b'}", b'{"custom_id": "c", "body": {}'],
    )
    hints = [f.hint or "" for f in validate(path).findings]
    assert "trailing comma" in hints[0]
    assert "Python dict" in hints[1]
    assert "not closed" in hints[2]


def test_big_integers_and_deep_nesting_parse_like_json(tmp_path: Path) -> None:
    body = chat_body(seed=2**70)
    deep = "[" * 2000 + "]" * 2000
    path = write_lines(tmp_path / "a.jsonl", [request("a", body), deep.encode(), b"NaN"])
    codes = validate(path).codes()
    # 2**70 is valid JSON (orjson alone would reject it); NaN is not JSON.
    assert (1, "invalid_json_line") not in codes
    assert (2, "invalid_json_line") in codes
    assert (3, "invalid_json_line") in codes


def test_lone_surrogates_make_a_line_invalid(tmp_path: Path) -> None:
    # One rule for the fast path (orjson refuses the line), the fallback parser (Python's
    # json would accept it), the TUI and the emulator: a \ud800-\udfff escape without its
    # other half is invalid JSON. A pair, or an escaped backslash before "ud800", is fine.
    def ascii_line(obj: object) -> bytes:
        return json.dumps(obj).encode()  # lone halves come out as \udXXX escapes

    lines = [
        ascii_line(request("a\ud800b")),  # 1: line 1 goes through the fallback parser
        ascii_line(request("ok-2", chat_body(seed=2**70))),  # 2: fallback (seed too big)
        ascii_line(request("c", chat_body("x\udfff"))),  # 3: a lone low half, in a message
        ascii_line(request("d", chat_body(seed=2**70, user="\ud83d"))),  # 4: after a big int
        ascii_line(request("e") | {"k\udc80": 1}),  # 5: in a key
        ascii_line(request("ok-6", chat_body("😀 \ud83d\ude00"))),  # 6: a pair
        line(request("ok-7", chat_body("\\ud800 is text"))),  # 7: a backslash, then text
        ascii_line(request("a\ud800b")),  # 8: same id as line 1, but never a duplicate
    ]
    run = validate(write_lines(tmp_path / "s.jsonl", lines))
    lone = {(n, "invalid_json_line") for n in (1, 3, 4, 5, 8)}
    check(run.codes(), lone | {(2, "invalid_type")})
    by_line = {f.line: f for f in run.findings}
    assert by_line[1].path == "custom_id" and "\\ud800" in by_line[1].message
    assert by_line[3].path == "body.messages[1].content" and "\\udfff" in by_line[3].message
    assert by_line[4].path == "body.user" and by_line[5].path == "'k\\udc80'"
    assert "both halves" in (by_line[1].hint or "")
    for f in run.findings:
        f.message.encode("utf-8"), (f.hint or "").encode("utf-8"), (f.path or "").encode()


def test_a_line_over_the_cap_is_reported_without_being_read(tmp_path: Path) -> None:
    # The cap is lowered so a small file plants it; the real one is 64 MiB.
    huge = b'{"custom_id": "big", "body": "' + b"x" * 5000  # not even valid JSON
    path = write_lines(tmp_path / "a.jsonl", [request("a"), huge, request("c")])
    run = validate(path, max_line=1000)
    assert run.codes() == {(2, "line_too_long")}  # not judged as JSON: it was never parsed
    assert "5,030 bytes" in run.findings[0].message
    assert [f.code for f in run.validator.findings_at(2)] == ["line_too_long"]
    # Its bytes are still covered by the digest of what was validated.
    digest = run.validator.digest()
    assert digest is not None and digest.matches(path)
    assert run.validator.report.snapshot().digest == digest
    COVERED.add("line_too_long")


def test_an_overlong_binary_first_line_is_not_text(tmp_path: Path) -> None:
    # `truncate -s 2G x.jsonl`, in small: one line of NUL bytes, longer than the cap.
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\x00" * 4000)
    run = validate(path, max_line=1000)
    assert {code for _, code in run.codes()} == {"not_text"}
    assert run.validator.findings_at(1)[0].code == "not_text"


# -- files of other kinds (tests/jsonl/kind_samples.py: constructed lines and excerpts) ----


def test_output_file_with_every_output_rule(tmp_path: Path) -> None:
    from batchtui.jsonl.kinds import Kind
    from tests.jsonl import kind_samples as S

    no_id = S.chat_output(2)
    del no_id["custom_id"]
    no_status = S.chat_output(3)
    del no_status["response"]["status_code"]
    lines = [
        S.chat_output(1),  # 1
        no_id,  # 2
        no_status,  # 3
        S.chat_output(1),  # 4: request-1 again
        S.chat_input(5),  # 5: a request among the answers
        b"<<<<<<< HEAD",  # 6
        b'{"custom_id": "request-7", "response": {"status_co',  # 7: cut short
        S.http_error_line(8),  # 8: a failure is no finding
        S.AZURE_ERROR_LINE,  # 9
        S.VLLM_ERROR_LINE,  # 10
        *[S.chat_output(i) for i in range(11, 16)],  # 11-15
    ]
    run = validate(write_lines(tmp_path / "out.jsonl", lines))
    check(
        run.codes(),
        {
            (2, "result_custom_id"),
            (3, "result_shape"),
            (4, "duplicate_custom_id"),
            (5, "mixed_kinds"),
            (6, "merge_conflict_marker"),
            (7, "invalid_json_line"),
        },
    )
    kind = run.validator.kind
    assert kind is not None and kind.kind is Kind.UNKNOWN and kind.mixed
    assert kind.dominant is Kind.OUTPUT
    assert kind.lines == {"output": 8, "error": 3, "unknown": 1, "input": 1}  # 2 has no id
    assert run.validator.report.snapshot().kind == kind
    assert run.validator.endpoint == "/v1/chat/completions"
    for line_no in {f.line for f in run.findings if f.line is not None}:
        streamed = sorted((f.code, f.message) for f in run.findings if f.line == line_no)
        again = sorted((f.code, f.message) for f in run.validator.findings_at(line_no))
        assert again == streamed, line_no


def test_well_formed_output_and_error_files_have_no_findings(tmp_path: Path) -> None:
    from batchtui.jsonl.kinds import Kind
    from tests.jsonl import kind_samples as S

    out = [S.chat_output(i, runner="azure") for i in range(60)]  # > the 50 lines sniffed
    out.append(S.http_error_line(99))
    run = validate(write_lines(tmp_path / "azure.jsonl", out, final_newline=False))
    assert run.codes() == {(61, "no_final_newline")}  # info, as raw downloads often are
    kind = run.validator.kind
    assert kind is not None and (kind.kind, kind.runner) == (Kind.OUTPUT, "azure")
    errors = [S.http_error_line(i) for i in range(60)] + [S.EXPIRED_LINE]
    run = validate(write_lines(tmp_path / "errors.jsonl", errors))
    assert run.codes() == set()
    assert run.validator.kind is not None and run.validator.kind.kind is Kind.ERRORS
    # Sniffed as an error file (its first 50 lines), settled as an output file at line 61.
    late = [S.http_error_line(i) for i in range(60)] + [S.chat_output(1)]
    run = validate(write_lines(tmp_path / "late.jsonl", late))
    assert run.codes() == set()
    assert run.validator.sniffed is not None and run.validator.sniffed.kind is Kind.ERRORS
    kind = run.validator.kind
    assert kind is not None and kind.kind is Kind.OUTPUT
    assert kind.lines == {"error": 60, "output": 1}


def test_a_request_file_with_an_answer_in_it(tmp_path: Path) -> None:
    from tests.jsonl import kind_samples as S

    lines = [request(f"r{i}") for i in range(5)] + [S.chat_output(9), S.anthropic_request(1)]
    run = validate(write_lines(tmp_path / "in.jsonl", lines))
    # One finding a line, not four (missing method, url, body, unknown key).
    check(run.codes(), {(6, "mixed_kinds"), (7, "mixed_kinds")})
    by_line = {f.line: f.message for f in run.findings}
    assert by_line[6] == "This line is an OpenAI batch output line, in an OpenAI batch input file."
    assert "an Anthropic Message Batches request" in by_line[7]
    kind = run.validator.kind
    assert kind is not None and kind.mixed and kind.reason is not None
    assert kind.reason.startswith("mixed: 5 OpenAI batch requests")


@pytest.mark.parametrize(
    ("data", "code", "says"),
    [
        ("anthropic", "foreign_format", "an Anthropic Message Batches request file"),
        ("anthropic_results", "foreign_format", "an Anthropic Message Batches results file"),
        ("gemini", "foreign_format", "a Gemini batch request file"),
        ("gemini_results", "foreign_format", "a Gemini batch results file"),
        ("finetune", "foreign_format", "an OpenAI fine-tuning (chat) training file"),
        ("glued", "foreign_format", "glued together without newlines"),
        ("legacy", "unknown_format", "legacy fine-tuning examples (prompt/completion)"),
        ("lfs", "lfs_pointer", "a Git LFS pointer, not the data"),
    ],
)
def test_a_foreign_file_gets_one_finding(tmp_path: Path, data: str, code: str, says: str) -> None:
    from tests.jsonl import kind_samples as S

    content = {
        "anthropic": lambda: S.jsonl([S.anthropic_request(i) for i in range(30)]),
        "anthropic_results": lambda: S.jsonl([S.anthropic_result(i) for i in range(3)]),
        "gemini": lambda: S.jsonl([S.gemini_request(i) for i in range(3)]),
        "gemini_results": lambda: S.jsonl([S.gemini_result(i) for i in range(3)]),
        "finetune": lambda: S.jsonl([S.FINETUNE] * 3),
        "glued": lambda: b"".join(S.dumps(S.anthropic_request(i)) for i in range(3)),
        "legacy": lambda: S.jsonl([S.LEGACY_FINETUNE] * 3),
        "lfs": lambda: b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n",
    }[data]()
    path = tmp_path / "f.jsonl"
    path.write_bytes(content)
    run = validate(path)
    check(run.codes(), {(1, code)})  # not six findings a line
    assert says in run.findings[0].message
    assert [f.code for f in run.validator.findings_at(1)] == [code]
    assert run.validator.findings_at(2) == []


def test_glued_request_objects_get_a_hint(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [line(request("a")) + line(request("b"))])
    (finding,) = validate(path).findings
    assert finding.code == "invalid_json_line"
    assert finding.hint is not None and finding.hint.startswith("Several JSON objects on one line")


def _planting_tests() -> Iterator[tuple[str, Callable[..., None], dict[str, object]]]:
    """Every other test of this module with each of its parametrized cases."""
    for name, fn in list(globals().items()):
        if not name.startswith("test_") or name == "test_every_rule_is_planted_somewhere":
            continue
        cases: list[dict[str, object]] = [{}]
        for mark in getattr(fn, "pytestmark", []):
            if mark.name == "parametrize":
                names = mark.args[0]
                names = names.split(",") if isinstance(names, str) else list(names)
                cases = [dict(zip(names, values, strict=True)) for values in mark.args[1]]
        for case in cases:
            yield name, fn, case


def test_every_rule_is_planted_somewhere(tmp_path: Path) -> None:
    # Stands alone (with -k, or run by itself): runs every planting test of this module here,
    # with fresh fixtures, and counts what they planted; a rule nobody plants fails here.
    COVERED.clear()
    for i, (name, fn, case) in enumerate(_planting_tests()):
        params = inspect.signature(fn).parameters
        with pytest.MonkeyPatch.context() as mp:
            kwargs: dict[str, object] = dict(case)
            if "tmp_path" in params:
                kwargs["tmp_path"] = tmp_path / f"{i}-{name}"
                kwargs["tmp_path"].mkdir()  # type: ignore[attr-defined]
            if "monkeypatch" in params:
                kwargs["monkeypatch"] = mp
            fn(**kwargs)
    assert len(COVERED) >= 10
    assert set(RULES) - COVERED == set()
