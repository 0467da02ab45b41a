"""`batchtui convert`: Anthropic and Gemini request files (and fine-tuning chat files) into
OpenAI batch input. Every mapped field, every reported loss, and round trips: the output of
each conversion validates clean with the project's own validator."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from batchtui.cli import main
from batchtui.convert import mapping
from batchtui.convert.run import convert_file
from batchtui.core.errors import UserError
from tests.jsonl import kind_samples as S
from tests.validation.helpers import validate

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()


def body(request: dict[str, Any] | None) -> dict[str, Any]:
    assert request is not None
    return request["body"]


def problems(path: Path) -> list[tuple[int | None, str, str]]:
    """Errors and warnings the validator finds in ``path`` (info is fine)."""
    return [
        (f.line, f.code, f.message)
        for f in validate(path).findings
        if f.severity.value in ("error", "warning")
    ]


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_bytes().splitlines()]


# -- Anthropic ------------------------------------------------------------------------------

ANTHROPIC_FULL = {  # CONSTRUCTED: every mapped field at once
    "custom_id": "full-1",
    "params": {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 512,
        "temperature": 0.7,
        "top_p": 0.9,
        "stop_sequences": ["END"],
        "system": [{"type": "text", "text": "You are terse."}],
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                    },
                ],
            },
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me look it up."},
                    {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {"q": "png"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a PNG header"},
                    {"type": "text", "text": "So?"},
                ],
            },
        ],
        "tools": [
            {
                "name": "lookup",
                "description": "Look a word up.",
                "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
            }
        ],
        "tool_choice": {"type": "auto"},
        "metadata": {"user_id": "user-42"},
    },
}


def test_anthropic_to_chat_maps_every_field() -> None:
    result = mapping.anthropic_request(ANTHROPIC_FULL, "chat", "gpt-4.1-mini")
    assert result.lost == []
    request = result.request
    assert request is not None
    assert (request["custom_id"], request["method"], request["url"]) == (
        "full-1",
        "POST",
        "/v1/chat/completions",
    )
    b = request["body"]
    assert b["model"] == "gpt-4.1-mini"
    assert b["max_completion_tokens"] == 512
    assert (b["temperature"], b["top_p"], b["stop"]) == (0.7, 0.9, ["END"])
    assert b["safety_identifier"] == "user-42"
    assert b["tool_choice"] == "auto"
    assert b["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "description": "Look a word up.",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
            },
        }
    ]
    system, user, assistant, tool, user2 = b["messages"]
    assert system == {"role": "system", "content": "You are terse."}
    assert user == {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        ],
    }
    assert assistant["tool_calls"] == [
        {
            "id": "toolu_1",
            "type": "function",
            "function": {"name": "lookup", "arguments": '{"q": "png"}'},
        }
    ]
    assert assistant["content"] == "Let me look it up."
    assert tool == {"role": "tool", "tool_call_id": "toolu_1", "content": "a PNG header"}
    assert user2 == {"role": "user", "content": "So?"}


def test_anthropic_to_responses() -> None:
    result = mapping.anthropic_request(ANTHROPIC_FULL, "responses", "gpt-4.1-mini")
    b = body(result.request)
    assert result.request is not None and result.request["url"] == "/v1/responses"
    assert b["instructions"] == "You are terse."
    assert b["max_output_tokens"] == 512
    assert "stop" not in b
    assert any("stop sequences" in x and "Responses API has no stop" in x for x in result.lost)
    user, assistant, call, output, user2 = b["input"]
    assert user["content"][1] == {
        "type": "input_image",
        "image_url": f"data:image/png;base64,{PNG}",
        "detail": "auto",
    }
    assert assistant == {"role": "assistant", "content": "Let me look it up."}
    assert call == {
        "type": "function_call",
        "call_id": "toolu_1",
        "name": "lookup",
        "arguments": '{"q": "png"}',
    }
    assert output == {
        "type": "function_call_output",
        "call_id": "toolu_1",
        "output": "a PNG header",
    }
    assert user2 == {"role": "user", "content": "So?"}
    assert b["tools"][0] == {
        "type": "function",
        "name": "lookup",
        "description": "Look a word up.",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        "strict": False,
    }


def test_anthropic_losses_are_named_per_item() -> None:
    obj = S.anthropic_request(1)
    obj["params"].update(
        top_k=40,
        thinking={"type": "enabled", "budget_tokens": 2000},
        tools=[{"type": "web_search_20250305", "name": "web_search"}],
        stop_sequences=["a", "b", "c", "d", "e"],
    )
    obj["params"]["messages"] = [
        {
            "role": "user",
            "content": [
                {"type": "document", "source": {"type": "base64"}},
                {"type": "text", "text": "Summarise"},
            ],
        },
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "...", "signature": "x"},
                {"type": "text", "text": "Ok"},
            ],
        },
    ]
    result = mapping.anthropic_request(obj, "chat", "gpt-4.1-mini")
    lost = " | ".join(result.lost)
    assert "top_k 40" in lost
    assert 'thinking {"type": "enabled"' in lost
    assert "server tool" in lost and "web_search" in lost
    assert "stop sequences beyond the first 4" in lost and '["e"]' in lost
    assert 'messages[0].content[0]: a "document" block' in lost
    assert "messages[1].content[0]: a thinking block" in lost
    b = body(result.request)
    assert b["stop"] == ["a", "b", "c", "d"]
    assert b["messages"][1] == {"role": "user", "content": "Summarise"}
    # A disabled thinking setting is the default: nothing is lost.
    quiet = S.anthropic_request(2)
    quiet["params"]["thinking"] = {"type": "disabled"}
    assert mapping.anthropic_request(quiet, "chat", "m").lost == []


def test_an_assistant_prefill_is_said() -> None:
    obj = S.anthropic_request(1)
    obj["params"]["messages"].append({"role": "assistant", "content": "{"})
    result = mapping.anthropic_request(obj, "chat", "gpt-4.1-mini")
    assert body(result.request)["messages"][-1] == {"role": "assistant", "content": "{"}
    assert any("assistant prefill" in x for x in result.lost)


def test_responses_minimum_output_tokens_is_said() -> None:
    obj = S.anthropic_request(1)
    obj["params"]["max_tokens"] = 8
    result = mapping.anthropic_request(obj, "responses", "gpt-4.1-mini")
    assert body(result.request)["max_output_tokens"] == 16
    assert any("raised to 16" in x for x in result.lost)


def test_a_system_role_inside_messages_becomes_a_system_message() -> None:
    # EXCERPT (shape) of anthropic-requests/impossiblebench-system-role.jsonl line 1
    # (L3G5/impossible-bench @ e55a2438e2ce, batch_input_a.jsonl): a converted OpenAI file
    # with {"role": "system"} inside params.messages; texts shortened.
    obj = {
        "custom_id": "b8f70acb-f3c2-4181-8afd-48b818f54311",
        "params": {
            "model": "claude-3-7-sonnet-20250219",
            "messages": [
                {
                    "role": "system",
                    "content": "You are Manus, an AI agent created by the Manus team.",
                },
                {
                    "role": "user",
                    "content": "Write a program that outputs the prime number that is larger",
                },
            ],
            "max_tokens": 32768,
            "thinking": {"type": "disabled"},
        },
    }
    result = mapping.anthropic_request(obj, "chat", "gpt-4.1")
    assert result.lost == []
    assert [m["role"] for m in body(result.request)["messages"]] == ["system", "user"]
    responses = body(mapping.anthropic_request(obj, "responses", "gpt-4.1").request)
    assert responses["instructions"].startswith("You are Manus")


# -- Gemini ---------------------------------------------------------------------------------


def gemini_line(casing: str) -> dict[str, Any]:
    """CONSTRUCTED: a Gemini API line in camelCase or snake_case (both are real)."""
    camel = casing == "camel"
    sys_key = "systemInstruction" if camel else "system_instruction"
    gen_key = "generationConfig" if camel else "generation_config"
    inline_key = "inlineData" if camel else "inline_data"
    mime_key = "mimeType" if camel else "mime_type"
    return {
        "key": f"k-{casing}",
        "request": {
            sys_key: {"parts": [{"text": "Be brief."}]},
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": "Describe"},
                        {inline_key: {mime_key: "image/png", "data": PNG}},
                    ],
                },
                {"role": "model", "parts": [{"text": "A header."}]},
                {"role": "user", "parts": [{"text": "Shorter, in JSON."}]},
            ],
            gen_key: {
                ("maxOutputTokens" if camel else "max_output_tokens"): 256,
                "temperature": 0.2,
                ("topP" if camel else "top_p"): 0.5,
                ("stopSequences" if camel else "stop_sequences"): ["\n\n"],
                ("responseMimeType" if camel else "response_mime_type"): "application/json",
                "seed": 7,
            },
        },
    }


@pytest.mark.parametrize("casing", ["camel", "snake"])
def test_gemini_both_casings_to_chat(casing: str) -> None:
    result = mapping.gemini_request(gemini_line(casing), "chat", "gpt-4o-mini", "unused")
    assert result.lost == [] and not result.json_prompt
    request = result.request
    assert request is not None and request["custom_id"] == f"k-{casing}"
    b = request["body"]
    assert (b["max_completion_tokens"], b["temperature"], b["top_p"], b["stop"], b["seed"]) == (
        256,
        0.2,
        0.5,
        ["\n\n"],
        7,
    )
    assert b["response_format"] == {"type": "json_object"}
    system, user, assistant, user2 = b["messages"]
    assert system == {"role": "system", "content": "Be brief."}
    assert user["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"data:image/png;base64,{PNG}"},
    }
    assert assistant == {"role": "assistant", "content": "A header."}
    assert user2 == {"role": "user", "content": "Shorter, in JSON."}


def test_gemini_to_responses_reports_what_the_responses_api_lacks() -> None:
    result = mapping.gemini_request(gemini_line("camel"), "responses", "gpt-4o-mini", "x")
    b = body(result.request)
    assert b["instructions"] == "Be brief."
    assert b["text"] == {"format": {"type": "json_object"}}
    assert b["max_output_tokens"] == 256
    lost = " | ".join(result.lost)
    assert "Responses API has no stop" in lost and "seed 7 (the Responses API has no seed)" in lost


def test_gemini_losses_and_vertex_lines_without_key() -> None:
    # EXCERPT (shape) of gemini-requests/retouchio-filedata-camelcase.jsonl line 1
    # (ardaozvural/retouchio @ 57626fce5474, batch_requests.jsonl), texts shortened.
    retouch = {
        "key": "Photo 17.01.2026, 14 19 56_result",
        "request": {
            "contents": [
                {
                    "role": "user",
                    "parts": [
                        {"text": "Target input image: Photo 17.01.2026, 14 19 56_result.jpg"},
                        {
                            "fileData": {
                                "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/jkwffck0o4d0",
                                "mimeType": "image/jpeg",
                            }
                        },
                    ],
                }
            ],
            "systemInstruction": {"parts": [{"text": "CORE RULES"}]},
            "generationConfig": {
                "responseModalities": ["IMAGE"],
                "imageConfig": {"aspectRatio": "4:5"},
            },
        },
    }
    result = mapping.gemini_request(retouch, "chat", "gpt-4.1-mini", "unused")
    lost = " | ".join(result.lost)
    assert "contents[0].parts[1]: file" in lost and "jkwffck0o4d0" in lost
    assert 'generationConfig.responseModalities ["IMAGE"]' in lost
    assert "generationConfig.imageConfig" in lost
    assert body(result.request)["messages"][1] == {
        "role": "user",
        "content": "Target input image: Photo 17.01.2026, 14 19 56_result.jpg",
    }
    # Vertex: no key, Google Search as a tool (gemini-requests/vertex-request-only-*.jsonl).
    vertex = {
        "request": {
            "contents": [{"role": "user", "parts": [{"text": "News?"}]}],
            "tools": [{"google_search": {}}],
        }
    }
    result = mapping.gemini_request(vertex, "chat", "gpt-4.1-mini", "line-3")
    assert result.request is not None and result.request["custom_id"] == "line-3"
    assert result.lost == ["tools: google_search (Gemini tools are not converted)"]
    # An embedding request is not a chat request: not converted, and said so.
    embed = {
        "key": "e",
        "request": {
            "model": "models/gemini-embedding-2-preview",
            "contents": "hi",
            "config": {"task_type": "X"},
        },
    }
    result = mapping.gemini_request(embed, "chat", "m", "x")
    assert result.request is None and "embedding" in result.lost[0]


def test_json_mode_gets_the_word_json() -> None:
    # EXCERPT (shape) of gemini-requests/7shi-structured-output.jsonl line 1 (7shi/gemini-batch
    # @ 76a89afd1c7d, examples/structured-output.jsonl): snake_case, schema shortened.
    obj = {
        "key": "request_1",
        "request": {
            "contents": [
                {"parts": [{"text": "The temperature in Tokyo is 90 degrees Fahrenheit."}]}
            ],
            "generation_config": {
                "response_mime_type": "application/json",
                "response_schema": {"type": "OBJECT", "properties": {"t": {"type": "NUMBER"}}},
            },
        },
    }
    result = mapping.gemini_request(obj, "chat", "gpt-4.1-mini", "x")
    assert result.json_prompt
    assert body(result.request)["messages"][0] == {"role": "system", "content": "Answer in JSON."}
    assert any("response_schema" in x and "schema dialect" in x for x in result.lost)


# -- files ----------------------------------------------------------------------------------


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("to", ["chat", "responses"])
@pytest.mark.parametrize(
    "objs",
    [
        [ANTHROPIC_FULL, S.anthropic_request(2), S.anthropic_request(3, system=None)],
        [gemini_line("camel"), gemini_line("snake"), S.gemini_request(3)],
        [S.FINETUNE, S.FINETUNE],
    ],
    ids=["anthropic", "gemini", "finetune"],
)
def test_round_trip_validates_clean(tmp_path: Path, objs: list[Any], to: str) -> None:
    src = write(tmp_path / "in.jsonl", S.jsonl(objs))
    before = src.read_bytes()
    out = tmp_path / "out.jsonl"
    report = convert_file(src, out, to=to, model="gpt-4.1-mini")
    assert src.read_bytes() == before  # the input is never modified
    assert report.requests == len(objs) and report.skipped == 0
    assert problems(out) == []
    assert {line["url"] for line in lines_of(out)} == {mapping.URLS[to]}


# EXCERPTS (shapes, texts shortened) of real request files, FORMATS.md / SOURCES.md:
# gemini-requests/retouchio-filedata-camelcase.jsonl (ardaozvural/retouchio @ 57626fce5474),
# gemini-requests/7shi-structured-output.jsonl (7shi/gemini-batch @ 76a89afd1c7d),
# gemini-requests/vertex-request-only-google-search.jsonl (kkrishnan90/gemini-batch-predictions
# @ 8ca4281c4c35), anthropic-requests/guardian-system-temperature.jsonl (FirebirdSolutions/
# Guardian @ 49f4b66cacde).
EXCERPTS = {
    "gemini": [
        {
            "key": "Photo 17.01.2026, 14 19 56_result",
            "request": {
                "contents": [
                    {
                        "role": "user",
                        "parts": [
                            {"text": "Target input image: Photo 17.01.2026, 14 19 56_result.jpg"},
                            {
                                "fileData": {
                                    "fileUri": "https://generativelanguage.googleapis.com/v1beta/files/jkwffck0o4d0",
                                    "mimeType": "image/jpeg",
                                }
                            },
                        ],
                    }
                ],
                "systemInstruction": {"parts": [{"text": "CORE RULES"}]},
                "generationConfig": {"responseModalities": ["IMAGE"]},
            },
        },
        {
            "key": "request_1",
            "request": {
                "contents": [{"parts": [{"text": "The temperature in Tokyo is 90 degrees."}]}],
                "generation_config": {
                    "response_mime_type": "application/json",
                    "response_schema": {"type": "OBJECT", "properties": {"t": {"type": "NUMBER"}}},
                },
            },
        },
    ],
    "vertex": [
        {
            "request": {
                "contents": [{"role": "user", "parts": [{"text": "Latest news on X?"}]}],
                "tools": [{"google_search": {}}],
                "generationConfig": {"temperature": 0.4},
            }
        }
    ],
    "anthropic": [
        {
            "custom_id": "guardian_0000",
            "params": {
                "model": "claude-sonnet-4-20250514",
                "max_tokens": 2048,
                "temperature": 0.7,
                "system": "You are helping create training data for Guardian.",
                "messages": [{"role": "user", "content": "Original message: ..."}],
            },
        }
    ],
}


@pytest.mark.parametrize("to", ["chat", "responses"])
@pytest.mark.parametrize("name", sorted(EXCERPTS))
def test_round_trip_of_real_shapes(tmp_path: Path, name: str, to: str) -> None:
    src = write(tmp_path / "in.jsonl", S.jsonl(EXCERPTS[name]))
    out = tmp_path / "out.jsonl"
    report = convert_file(src, out, to=to, model="gpt-4.1-mini")
    assert report.requests == len(EXCERPTS[name]) and report.skipped == 0
    assert problems(out) == []


def test_concatenated_and_pretty_printed_sources(tmp_path: Path) -> None:
    glued = b"".join(S.dumps(S.anthropic_request(i), compact=True) for i in range(1, 4))
    out = tmp_path / "a.out.jsonl"
    report = convert_file(write(tmp_path / "a.jsonl", glued), out, to="chat", model="gpt-4.1-mini")
    assert report.requests == 3 and [x["custom_id"] for x in lines_of(out)] == [
        "req-1",
        "req-2",
        "req-3",
    ]
    assert any("concatenated" in n for n in report.notes)
    pretty = b"".join(json.dumps(S.gemini_request(i), indent=2).encode() + b"\n" for i in (1, 2))
    out = tmp_path / "g.out.jsonl"
    report = convert_file(write(tmp_path / "g.jsonl", pretty), out, to="chat", model="gpt-4.1-mini")
    assert report.requests == 2 and problems(out) == []


def test_lines_that_cannot_be_converted_are_listed_and_the_rest_written(tmp_path: Path) -> None:
    data = S.jsonl([S.anthropic_request(1), S.anthropic_request(2)]) + b'{"custom_id": "x", "par\n'
    data += S.jsonl([{"custom_id": 5, "params": {}}])
    out = tmp_path / "out.jsonl"
    report = convert_file(write(tmp_path / "in.jsonl", data), out, to="chat", model="gpt-4.1-mini")
    assert (report.requests, report.skipped) == (2, 2)
    assert [(r.line, r.converted) for r in report.lines] == [(3, False), (4, False)]
    assert "not valid JSON" in report.lines[0].lost[0]
    assert len(lines_of(out)) == 2


def test_nothing_converted_writes_nothing(tmp_path: Path) -> None:
    embed = {"key": "e", "request": {"model": "m", "contents": "hi", "config": {}}}
    out = tmp_path / "out.jsonl"
    with pytest.raises(UserError, match=r"no line could be converted.*embedding"):
        convert_file(write(tmp_path / "in.jsonl", S.jsonl([embed])), out, to="chat", model="m")
    assert not out.exists() and list(tmp_path.iterdir()) == [tmp_path / "in.jsonl"]


@pytest.mark.parametrize(
    ("objs", "says"),
    [
        ([S.chat_input(1)], "already an OpenAI batch input"),
        ([S.chat_output(1)], "an OpenAI batch output file"),
        ([S.anthropic_result(1)], "Anthropic Message Batches results file"),
        ([S.LEGACY_FINETUNE], "unknown kind"),
    ],
)
def test_other_kinds_are_refused(tmp_path: Path, objs: list[Any], says: str) -> None:
    with pytest.raises(UserError, match=says):
        convert_file(
            write(tmp_path / "in.jsonl", S.jsonl(objs)), tmp_path / "o.jsonl", to="chat", model="m"
        )


# -- the command ----------------------------------------------------------------------------


def test_cli_writes_beside_the_file_reports_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    obj = S.anthropic_request(1)
    obj["params"]["top_k"] = 5
    src = write(tmp_path / "claude.jsonl", S.jsonl([obj, S.anthropic_request(2)]))
    code = main(
        [
            "convert",
            str(src),
            "--to",
            "chat",
            "--model",
            "gpt-4.1-mini",
            "--report",
            str(tmp_path / "r.json"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    out = tmp_path / "claude.openai-chat.jsonl"
    assert "wrote 2 request(s) for chat (gpt-4.1-mini)" in err and str(out) in err
    assert "line 1 (req-1): top_k 5" in err
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["from"] == "anthropic-requests" and report["lossy"] == 1
    assert report["lines"] == [
        {"line": 1, "object": None, "custom_id": "req-1", "converted": True, "lost": ["top_k 5"]}
    ]
    # The output exists now: not replaced without --force.
    assert main(["convert", str(src), "--to", "chat", "--model", "m"]) == 2
    assert "exists; --force replaces it" in capsys.readouterr().err
    assert main(["convert", str(src), "--to", "chat", "--model", "m", "--force"]) == 0
    # A line that could not be converted: exit 1, the rest written.
    write(src, S.jsonl([S.anthropic_request(1)]) + b"garbage\n")
    assert (
        main(
            [
                "convert",
                str(src),
                "--to",
                "responses",
                "--model",
                "m",
                "-o",
                str(tmp_path / "x.jsonl"),
            ]
        )
        == 1
    )
    assert "line 2: not converted: not valid JSON" in capsys.readouterr().err


def test_cli_needs_to_and_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write(tmp_path / "g.jsonl", S.jsonl([S.gemini_request(1)]))
    with pytest.raises(SystemExit) as exc:
        main(["convert", str(src), "--to", "chat"])
    assert exc.value.code == 2
    assert "--model" in capsys.readouterr().err
