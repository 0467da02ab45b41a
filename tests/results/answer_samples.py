"""Answers of every kind, shaped after the openai SDK's own types (``ChatCompletion``,
``ChatCompletionMessage``, ``Response`` and its ``ResponseOutputItem`` union, read from the
installed wheel) and the vLLM/DeepSeek ``reasoning_content`` extension.

``SAMPLES`` maps a custom_id to ``(request, response body)``; :func:`write_set` writes an
input and an output file the results view can join.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def chat_request(cid: str, text: str, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": cid,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **body},
    }


def responses_request(cid: str, text: str, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": cid,
        "method": "POST",
        "url": "/v1/responses",
        "body": {"model": "gpt-5-mini", "input": text, **body},
    }


def chat(message: dict[str, Any], finish: str = "stop", model: str = "gpt-4o-mini") -> dict:
    return {
        "id": "chatcmpl-CAbx31Zq8k1",
        "object": "chat.completion",
        "created": 1760000100,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": None,
                    "annotations": [],
                    **message,
                },
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 91, "completion_tokens": 18, "total_tokens": 109},
    }


def response(output: list[dict[str, Any]], status: str = "completed") -> dict:
    return {
        "id": "resp_68af0c1e2b3c8190a1b2c3d4e5f6a7b8",
        "object": "response",
        "created_at": 1760000200,
        "status": status,
        "model": "gpt-5-mini-2025-08-07",
        "output": output,
        "parallel_tool_calls": True,
        "usage": {
            "input_tokens": 120,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 64,
            "output_tokens_details": {"reasoning_tokens": 32},
            "total_tokens": 184,
        },
    }


def message(text: str, annotations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "id": "msg_68af0c2a1b2c",
        "type": "message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": annotations or []}],
    }


SAMPLES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "chat-tool-call": (
        chat_request("chat-tool-call", "Weather in Paris?", tools=[WEATHER_TOOL]),
        chat(
            {
                "tool_calls": [
                    {
                        "id": "call_qOfTGgDrItLORNfC6VwUbyLL",
                        "type": "function",
                        "function": {
                            "name": "get_weather",
                            "arguments": '{"city":"Paris","unit":"celsius"}',
                        },
                    }
                ]
            },
            finish="tool_calls",
        ),
    ),
    "chat-parallel-calls": (
        chat_request("chat-parallel-calls", "Weather in Seoul and Busan", tools=[WEATHER_TOOL]),
        chat(
            {
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"서울"}'},
                    },
                    {
                        "id": "call_def456",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"부산"}'},
                    },
                ]
            },
            finish="tool_calls",
        ),
    ),
    "chat-refusal": (
        chat_request("chat-refusal", "Write malware for me"),
        chat({"refusal": "I'm sorry, but I can't help with that."}),
    ),
    "chat-audio": (
        chat_request(
            "chat-audio",
            "Say hello",
            model="gpt-4o-audio-preview",
            modalities=["text", "audio"],
            audio={"voice": "alloy", "format": "wav"},
        ),
        chat(
            {
                "audio": {
                    "id": "audio_68af0d1e",
                    "data": "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=",
                    "expires_at": 1760003800,
                    "transcript": "Hello! How can I help you today?",
                }
            },
            model="gpt-4o-audio-preview",
        ),
    ),
    "chat-vllm-reasoning": (
        chat_request("chat-vllm-reasoning", "Capital of France?"),
        chat(
            {
                "content": "Paris.",
                "reasoning_content": "The user asks for the capital of France. That is Paris.",
            },
            model="deepseek-ai/DeepSeek-R1",
        ),
    ),
    "resp-nudge-function-call": (
        responses_request("resp-nudge-function-call", "Remind the user about the invoice"),
        response(
            [
                {
                    "id": "rs_68af0c1f00a48190",
                    "type": "reasoning",
                    "summary": [
                        {
                            "type": "summary_text",
                            "text": "**Deciding to nudge**\n\nThe invoice is overdue; a nudge fits.",
                        }
                    ],
                },
                {
                    "id": "fc_68af0c2000b08190",
                    "type": "function_call",
                    "status": "completed",
                    "call_id": "call_nW3X6f0D2mJ8",
                    "name": "send_nudge",
                    "arguments": '{"user_id":"u_4821","channel":"email","days_overdue":12}',
                },
            ]
        ),
    ),
    "resp-web-search": (
        responses_request(
            "resp-web-search", "Latest Batch API news", tools=[{"type": "web_search"}]
        ),
        response(
            [
                {
                    "id": "ws_68af0c3000c0",
                    "type": "web_search_call",
                    "status": "completed",
                    "action": {
                        "type": "search",
                        "query": "OpenAI Batch API news",
                        "sources": [{"type": "url", "url": "https://openai.com/news"}],
                    },
                },
                message(
                    "The Batch API now accepts /v1/responses.",
                    [
                        {
                            "type": "url_citation",
                            "start_index": 0,
                            "end_index": 41,
                            "url": "https://openai.com/news",
                            "title": "News",
                        }
                    ],
                ),
            ]
        ),
    ),
    "resp-file-search": (
        responses_request("resp-file-search", "What is our refund policy?"),
        response(
            [
                {
                    "id": "fs_68af0c40",
                    "type": "file_search_call",
                    "status": "completed",
                    "queries": ["refund policy"],
                    "results": [
                        {
                            "file_id": "file-2dtbBZdjtDKS8eqWxqbgDi",
                            "filename": "policy.pdf",
                            "score": 0.92,
                            "text": "Refunds within 30 days.",
                        }
                    ],
                },
                message("Refunds are accepted within 30 days."),
            ]
        ),
    ),
    "resp-computer": (
        responses_request("resp-computer", "Open the settings"),
        response(
            [
                {
                    "id": "cu_68af0c50",
                    "type": "computer_call",
                    "status": "completed",
                    "call_id": "call_cu7Q",
                    "action": {"type": "click", "button": "left", "x": 412, "y": 96},
                    "pending_safety_checks": [],
                }
            ]
        ),
    ),
    "resp-image": (
        responses_request("resp-image", "Draw a cat", tools=[{"type": "image_generation"}]),
        response(
            [
                {
                    "id": "ig_68af0c60",
                    "type": "image_generation_call",
                    "status": "completed",
                    "result": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
                    "revised_prompt": "A ginger cat on a windowsill",
                    "size": "1024x1024",
                    "output_format": "png",
                }
            ]
        ),
    ),
    "resp-code": (
        responses_request("resp-code", "Sum 1..100"),
        response(
            [
                {
                    "id": "ci_68af0c70",
                    "type": "code_interpreter_call",
                    "status": "completed",
                    "container_id": "cntr_68af0c7",
                    "code": "print(sum(range(1, 101)))",
                    "outputs": [{"type": "logs", "logs": "5050"}],
                },
                message("The sum is 5050."),
            ]
        ),
    ),
    "resp-mcp": (
        responses_request("resp-mcp", "Roll 2d6"),
        response(
            [
                {
                    "id": "mcpl_68af0c80",
                    "type": "mcp_list_tools",
                    "server_label": "dice",
                    "tools": [{"name": "roll", "input_schema": {"type": "object"}}],
                },
                {
                    "id": "mcp_68af0c81",
                    "type": "mcp_call",
                    "server_label": "dice",
                    "name": "roll",
                    "arguments": '{"dice":"2d6"}',
                    "output": "7",
                    "status": "completed",
                },
                message("You rolled 7."),
            ]
        ),
    ),
    "resp-encrypted-reasoning": (
        responses_request("resp-encrypted-reasoning", "2+2?"),
        response(
            [
                {
                    "id": "rs_68af0c90",
                    "type": "reasoning",
                    "summary": [],
                    "encrypted_content": "gAAAAABoryEncrypted==",
                },
                message("4"),
            ]
        ),
    ),
    "resp-refusal": (
        responses_request("resp-refusal", "Help me pick a lock"),
        response(
            [
                {
                    "id": "msg_68af0ca0",
                    "type": "message",
                    "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "refusal", "refusal": "I can't help with that."}],
                }
            ]
        ),
    ),
    "resp-future-kind": (
        responses_request("resp-future-kind", "Run the program"),
        response(
            [
                {
                    "id": "prog_68af0cb0",
                    "type": "program",
                    "call_id": "call_prog1",
                    "code": "return 1 + 1;",
                    "fingerprint": "fp_1",
                }
            ]
        ),
    ),
}


def result_line(cid: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"batch_req_{abs(hash(cid)) % 10**12:012d}",
        "custom_id": cid,
        "response": {"status_code": 200, "request_id": f"req_{cid}", "body": body},
        "error": None,
    }


def write_set(directory: Path) -> tuple[str, str]:
    """``answers_input.jsonl`` and ``answers_output.jsonl`` in ``directory``."""
    inp = directory / "answers_input.jsonl"
    out = directory / "answers_output.jsonl"
    inp.write_text(
        "".join(json.dumps(req, ensure_ascii=False) + "\n" for req, _ in SAMPLES.values()),
        "utf-8",
    )
    out.write_text(
        "".join(
            json.dumps(result_line(cid, body), ensure_ascii=False) + "\n"
            for cid, (_, body) in SAMPLES.items()
        ),
        "utf-8",
    )
    return str(inp), str(out)
