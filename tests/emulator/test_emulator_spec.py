"""Every emulator answer conforms to OpenAI's published OpenAPI schemas (vendored in spec/):
batches in every state, lists, files, deletions, errors, and the bodies of output and error
file lines for every endpoint."""

from __future__ import annotations

from typing import Any

import httpx2
import orjson
import pytest
from emulator_helpers import API_KEY, chat_file, submit
from jsonschema import Draft202012Validator
from openai import AsyncOpenAI
from spec_schemas import conforms
from test_emulator_results import run_to_end
from test_emulator_wire import ALL_STATES

from batchtui.emulator import samples
from batchtui.emulator.demo import seed_demo
from batchtui.emulator.server import EmulatorServer

# The spec dropped its batch line schemas (BatchRequestOutput, SPEC-old, BATCH_API.md §5);
# this one is constructed from that shape: the body inside is checked with the endpoint's
# own response schema, an HTTP error body with the spec's ErrorResponse.
OUTPUT_LINE = {
    "type": "object",
    "required": ["id", "custom_id", "response", "error"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^batch_req_[0-9a-f]{32}$"},
        "custom_id": {"type": "string"},
        "response": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["status_code", "request_id", "body"],
                    "additionalProperties": False,
                    "properties": {
                        "status_code": {"type": "integer"},
                        "request_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                        "body": {"type": "object"},
                    },
                },
            ]
        },
        "error": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["code", "message"],
                    "additionalProperties": False,
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                },
            ]
        },
    },
}
BODY_SCHEMA = {
    "/v1/chat/completions": "CreateChatCompletionResponse",
    "/v1/responses": "Response",
    "/v1/embeddings": "CreateEmbeddingResponse",
    "/v1/completions": "CreateCompletionResponse",
    "/v1/moderations": "CreateModerationResponse",
    "/v1/images/generations": "ImagesResponse",
    "/v1/videos": "VideoResource",
}


async def get(emu: EmulatorServer, path: str, **kwargs: Any) -> httpx2.Response:
    async with httpx2.AsyncClient() as http:
        headers = kwargs.pop("headers", {"Authorization": f"Bearer {API_KEY}"})
        return await http.request(
            kwargs.pop("method", "GET"), f"{emu.base_url}{path}", headers=headers, **kwargs
        )


def _range(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}", "Range": value}


def check_lines(content: bytes, endpoint: str) -> int:
    lines = [orjson.loads(x) for x in content.splitlines()]
    for line in lines:
        Draft202012Validator(OUTPUT_LINE).validate(line)
        response = line["response"]
        if response is None:
            continue
        if response["status_code"] == 200:
            conforms(BODY_SCHEMA[endpoint], response["body"])
        else:
            conforms("ErrorResponse", response["body"])
    return len(lines)


async def test_batches_in_every_state_files_and_lists(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    await seed_demo(emu, seed=3)
    page = (await get(emu, "/batches?limit=100")).json()
    conforms("ListBatchesResponse", page)
    assert {b["status"] for b in page["data"]} == ALL_STATES
    file_ids = set()
    for batch in page["data"]:
        one = (await get(emu, f"/batches/{batch['id']}")).json()
        conforms("Batch", one)
        file_ids.update(one[k] for k in ("input_file_id", "output_file_id", "error_file_id"))
    file_ids.discard(None)
    files = (await get(emu, "/files")).json()
    conforms("ListFilesResponse", files)
    for file_id in file_ids:
        conforms("OpenAIFile", (await get(emu, f"/files/{file_id}")).json())
    running = next(b for b in page["data"] if b["status"] == "in_progress")
    cancelled = (await get(emu, f"/batches/{running['id']}/cancel", method="POST")).json()
    conforms("Batch", cancelled)

    fresh = await client.files.create(file=("x.jsonl", chat_file(2)), purpose="batch")
    conforms("OpenAIFile", (await get(emu, f"/files/{fresh.id}")).json())
    conforms("DeleteFileResponse", (await get(emu, f"/files/{fresh.id}", method="DELETE")).json())


async def test_error_answers(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    answers = [
        await get(emu, "/batches", headers={}),  # 401
        await get(emu, "/batches/batch_nope"),  # 404
        await get(emu, "/fine_tuning/jobs"),  # 404, unknown route
        await get(emu, "/batches?limit=0"),  # 400
        await get(
            emu,
            "/batches",
            method="POST",
            json={"input_file_id": "f", "endpoint": "/v1/nope", "completion_window": "24h"},
        ),  # 400 invalid_value
    ]
    finished = await run_to_end(emu, client, await submit(client, chat_file(2)))
    answers.append(await get(emu, f"/batches/{finished.id}/cancel", method="POST"))  # 409
    emu.faults.rate_limit(1, path="/v1/batches")
    answers.append(await get(emu, "/batches"))  # 429
    emu.faults.server_error(1, path="/v1/batches")
    answers.append(await get(emu, "/batches"))  # 500
    answers.append(
        await get(
            emu,
            "/files",
            method="POST",
            files={"file": ("in.json", chat_file(1))},
            data={"purpose": "batch"},
        )
    )  # 400: not .jsonl
    answers.append(
        await get(emu, f"/files/{finished.input_file_id}/content", headers=_range("bytes=999999-"))
    )  # 416
    assert [r.status_code for r in answers] == [401, 404, 404, 400, 400, 409, 429, 500, 400, 416]
    for r in answers:
        conforms("ErrorResponse", r.json())


@pytest.mark.parametrize(
    ("endpoint", "requests"),
    [
        ("/v1/chat/completions", list(samples.chat_requests(12, max_tokens=40))),
        ("/v1/responses", list(samples.responses_requests(12))),
        ("/v1/embeddings", list(samples.embedding_requests(4, dimensions=8))),
        ("/v1/moderations", list(samples.moderation_requests(4))),
        (
            "/v1/completions",
            [
                {
                    "custom_id": f"c{i}",
                    "method": "POST",
                    "url": "/v1/completions",
                    "body": {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"},
                }
                for i in range(3)
            ],
        ),
        (
            "/v1/images/generations",
            [
                {
                    "custom_id": f"i{i}",
                    "method": "POST",
                    "url": "/v1/images/generations",
                    "body": {"model": "gpt-image-1", "prompt": "a red kite"},
                }
                for i in range(2)
            ],
        ),
        (
            "/v1/videos",
            [
                {
                    "custom_id": f"v{i}",
                    "method": "POST",
                    "url": "/v1/videos",
                    "body": {"model": "sora-2", "prompt": "waves", "seconds": "4"},
                }
                for i in range(2)
            ],
        ),
    ],
)
async def test_output_and_error_lines(
    emu: EmulatorServer, client: AsyncOpenAI, endpoint: str, requests: list[Any]
) -> None:
    content = samples.to_jsonl(requests)
    batch_id = await submit(client, content, endpoint, metadata={"emulator.fail_fraction": "0.3"})
    batch = await run_to_end(emu, client, batch_id)
    conforms("Batch", (await get(emu, f"/batches/{batch.id}")).json())
    seen = 0
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            seen += check_lines((await client.files.content(file_id)).content, endpoint)
    assert seen == len(requests)


async def test_rejected_requests_and_expired_lines(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    rows = [
        {
            "custom_id": f"r{i}",
            "method": "POST",
            "url": "/v1/responses",
            "body": {"model": "gpt-5-nano", "input": "hi", **extra},
        }
        for i, extra in enumerate(
            [{}, {"max_tokens": 5}, {"max_output_tokens": 4}, {"reasoning_effort": "low"}] * 5
        )
    ]
    batch_id = await submit(
        client, samples.to_jsonl(rows), "/v1/responses", metadata={"emulator.expire": "0.5"}
    )
    await emu.advance(25 * 3600)
    batch = await client.batches.retrieve(batch_id)
    assert batch.status == "expired"
    n = 0
    for file_id in (batch.output_file_id, batch.error_file_id):
        if file_id:
            n += check_lines((await client.files.content(file_id)).content, "/v1/responses")
    assert n == len(rows)
