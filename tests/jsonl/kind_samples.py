"""One or more lines of every file kind, for the sniffer, the validator, convert and results.

Most are CONSTRUCTED here from the field structures in /work/realfiles/FORMATS.md §2; the
lines marked EXCERPT are short quotes of real files (repository, commit and path given), cut
to the fields that matter and with long texts shortened.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(obj: Any, compact: bool = False) -> bytes:
    if compact:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    return json.dumps(obj, ensure_ascii=False).encode()


def jsonl(objs: list[Any], compact: bool = False, final_newline: bool = True) -> bytes:
    data = b"\n".join(dumps(o, compact) for o in objs)
    return data + b"\n" if final_newline else data


# -- OpenAI batch input (constructed) ----------------------------------------------------


def chat_input(i: int = 1, model: str = "gpt-4o-mini") -> dict[str, Any]:
    return {
        "custom_id": f"request-{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": model,
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": f"Question {i}?"},
            ],
            "max_tokens": 100,
        },
    }


# -- OpenAI batch output and error lines -------------------------------------------------


def chat_output(i: int = 1, *, runner: str = "openai") -> dict[str, Any]:
    """A 200 line as OpenAI writes it (constructed; FORMATS.md §2.2 key order)."""
    body = {
        "id": f"chatcmpl-{i:08d}",
        "object": "chat.completion",
        "created": 1736583630,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": f"Answer {i}.", "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23},
        "service_tier": "default",
        "system_fingerprint": "fp_0123456789",
    }
    if runner == "azure":  # no id, keys inside response in alphabetical order
        return {
            "custom_id": f"request-{i}",
            "response": {
                "body": body,
                "request_id": f"{i:08x}-0000-4000-8000-000000000000",
                "status_code": 200,
            },
            "error": None,
        }
    ids = {
        "openai": (f"batch_req_{i:032x}", f"{i:032x}"),
        "vllm": (f"vllm-{i:032x}", f"vllm-batch-{i:032x}"),
        "groq": (
            f"batch_req_out_01jpthgypde739skmk9d2p7f{i:02d}",
            "req_01jpthgyahed0r94pxxy0bjbvr",
        ),
        "zhipu": ("batch_1960185474727145472", None),
        "doubleword": (f"batch_req_{i:08x}-3fad-41c6-9a92-a1fe57d8dc84", None),
    }
    line_id, request_id = ids[runner]
    response: dict[str, Any] = {"status_code": 200, "request_id": request_id, "body": body}
    if runner == "zhipu":
        del response["request_id"]
    return {"id": line_id, "custom_id": f"request-{i}", "response": response, "error": None}


def responses_output(i: int = 1) -> dict[str, Any]:
    """A /v1/responses 200 line (constructed, fields of FORMATS.md §4)."""
    return {
        "id": f"batch_req_{i:032x}",
        "custom_id": f"request-{i}",
        "response": {
            "status_code": 200,
            "request_id": f"{i:032x}",
            "body": {
                "id": f"resp_{i:08d}",
                "object": "response",
                "status": "completed",
                "model": "gpt-5-nano-2025-08-07",
                "output": [
                    {"id": "rs_1", "type": "reasoning", "summary": []},
                    {
                        "type": "message",
                        "role": "assistant",
                        "content": [{"type": "output_text", "text": f"Answer {i}."}],
                    },
                ],
                "usage": {"input_tokens": 10, "output_tokens": 30, "total_tokens": 40},
            },
        },
        "error": None,
    }


def http_error_line(i: int = 1, status: int = 400) -> dict[str, Any]:
    """EXCERPT (shape and message) of errors/responses-response_format-moved.jsonl, from
    a public repository's OpenAI error file (SOURCES.md); ids constructed."""
    return {
        "id": f"batch_req_{i:032x}",
        "custom_id": f"annotation:{i}",
        "response": {
            "status_code": status,
            "request_id": f"{i:032x}",
            "body": {
                "error": {
                    "message": "Unsupported parameter: 'response_format'. In the Responses API, "
                    "this parameter has moved to 'text.format'.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "unsupported_parameter",
                }
            },
        },
        "error": None,
    }


EXPIRED_LINE = {  # EXCERPT: errors/curator-403-batch-alias-and-expired.jsonl line 2
    # (bespokelabsai/curator, an OpenAI error file fixture; FORMATS.md §2.2)
    "id": "batch_req_123",
    "custom_id": "2",
    "response": None,
    "error": {
        "code": "batch_expired",
        "message": "This request could not be executed before the completion window expired.",
    },
}

AZURE_ERROR_LINE = {  # EXCERPT: errors/azure-error-message-object.jsonl line 1 (FORMATS.md §2.2)
    "custom_id": "id1",
    "response": {"request_id": "", "status_code": 400},
    "error": {
        "code": None,
        "message": {
            "error": {
                "code": "BadRequest",
                "message": "Value of max_tokens must be less than or equal to 4096.",
                "param": None,
                "type": None,
            }
        },
    },
}

VLLM_ERROR_LINE = {  # CONSTRUCTED from vLLM run_batch.py make_error_request_output (code only)
    "id": "vllm-00000000000000000000000000000009",
    "custom_id": "request-9",
    "response": {
        "status_code": 400,
        "request_id": "vllm-batch-0000000000000000000000000009",
        "body": None,
    },
    "error": "The model `llava` does not exist.",
}

# -- Anthropic Message Batches ----------------------------------------------------------


def anthropic_request(i: int = 1, *, system: str | None = "Be brief.") -> dict[str, Any]:
    """CONSTRUCTED (FORMATS.md §2.3)."""
    params: dict[str, Any] = {
        "model": "claude-3-7-sonnet-20250219",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": f"Question {i}?"}],
    }
    if system is not None:
        params["system"] = system
    return {"custom_id": f"req-{i}", "params": params}


def anthropic_result(i: int = 1, kind: str = "succeeded") -> dict[str, Any]:
    """CONSTRUCTED (FORMATS.md §2.4; the errored shape nests the error twice)."""
    result: dict[str, Any] = {"type": kind}
    if kind == "succeeded":
        result["message"] = {
            "id": f"msg_{i:020d}",
            "type": "message",
            "role": "assistant",
            "model": "claude-3-7-sonnet-20250219",
            "content": [{"type": "text", "text": f"Answer {i}."}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 12, "output_tokens": 4, "service_tier": "batch"},
        }
    elif kind == "errored":
        result["error"] = {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": "You have reached your specified API usage limits.",
                "details": {"error_visibility": "user_facing"},
            },
            "request_id": None,
        }
    return {"custom_id": f"req-{i}", "result": result}


# -- Gemini ------------------------------------------------------------------------------


def gemini_request(i: int = 1) -> dict[str, Any]:
    """CONSTRUCTED (FORMATS.md §2.5, the Gemini API's {key, request})."""
    return {
        "key": f"request_{i}",
        "request": {"contents": [{"parts": [{"text": f"Question {i}?"}], "role": "user"}]},
    }


def gemini_result(i: int = 1) -> dict[str, Any]:
    """CONSTRUCTED (FORMATS.md §2.6: key last, as 7shi/gemini-batch's results have it)."""
    return {
        "response": {
            "candidates": [
                {
                    "content": {"parts": [{"text": f"Answer {i}."}], "role": "model"},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3},
            "modelVersion": "gemini-2.5-flash",
        },
        "key": f"request_{i}",
    }


VERTEX_REQUEST = {"request": {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}}
VERTEX_PREDICTION = {  # CONSTRUCTED (FORMATS.md §2.6 Vertex predictions.jsonl)
    "status": "",
    "processed_time": "2025-08-14T16:29:54.123+00:00",
    "request": VERTEX_REQUEST["request"],
    "response": gemini_result()["response"],
}
CURATOR_VERTEX = {  # near-miss: custom_id + response, but a Gemini response (curator)
    "custom_id": "0",
    "status": "",
    "processed_time": "2025-02-04T00:00:00+00:00",
    "request": VERTEX_REQUEST["request"],
    "response": gemini_result()["response"],
}

# -- fine-tuning and look-alikes -------------------------------------------------------------

FINETUNE = {
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello."},
    ]
}
BARE_CHAT_BODY = {"model": "gpt-4o-mini", "messages": FINETUNE["messages"][:2]}
LEGACY_FINETUNE = {"prompt": "Q:", "completion": " A"}
DPO = {"prompt": "Q", "chosen": "good", "rejected": "bad"}
FLATTENED_ANTHROPIC = {"custom_id": "a", "type": "succeeded", "content": "text"}
