"""What the emulator refuses: uploads, batch creation, list parameters, auth, unknown ids;
and batch validation failures with 1-based lines and the real codes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import openai
import orjson
import pytest
from emulator_helpers import API_KEY, chat_file, make_options, submit, upload
from openai import AsyncOpenAI

from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer


def chat(i: int, **changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "custom_id": f"r{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    }
    line.update(changes)
    return line


async def failed_errors(emu: EmulatorServer, client: AsyncOpenAI, batch_id: str) -> list[Any]:
    await emu.advance(emu.options.validation_seconds)
    b = await client.batches.retrieve(batch_id)
    assert b.status == "failed" and b.failed_at == b.created_at + 20
    assert b.in_progress_at is None and b.output_file_id is None
    assert b.errors is not None and b.errors.object == "list"
    return [(e.code, e.line, e.param) for e in b.errors.data or []]


async def test_validation_reports_every_bad_line_one_based(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    lines = [orjson.dumps(chat(0))]  # line 1 fine
    lines.append(b'{"custom_id": "r1", "method": "POST",')  # 2: not JSON
    no_id = chat(2)
    del no_id["custom_id"], no_id["method"]
    lines.append(orjson.dumps(no_id))  # 3: two missing parameters
    lines.append(orjson.dumps(chat(3, url="/v1/responses")))  # 4
    streaming = chat(4)
    streaming["body"]["stream"] = True
    lines.append(orjson.dumps(streaming))  # 5
    lines.append(orjson.dumps(chat(0)))  # 6: duplicate of line 1
    other_model = chat(6)
    other_model["body"]["model"] = "gpt-4o"
    lines.append(orjson.dumps(other_model))  # 7
    no_messages = chat(7)
    del no_messages["body"]["messages"]
    lines.append(orjson.dumps(no_messages))  # 8
    lines.append(orjson.dumps(chat(8, method="GET")))  # 9
    batch_id = await submit(client, b"\n".join(lines) + b"\n")
    assert await failed_errors(emu, client, batch_id) == [
        ("invalid_json_line", 2, None),
        ("missing_required_parameter", 3, "custom_id"),
        ("missing_required_parameter", 3, "method"),
        ("invalid_url", 4, "url"),
        ("streaming_unsupported", 5, "body.stream"),
        ("duplicate_custom_id", 6, "custom_id"),
        ("model_mismatch", 7, "body.model"),
        ("invalid_request", 8, "body.messages"),
        ("invalid_method", 9, "method"),
    ]
    b = await client.batches.retrieve(batch_id)
    messages = {e.code: e.message for e in b.errors.data}
    assert messages["invalid_json_line"] == "This line is not parseable as valid JSON."
    assert messages["streaming_unsupported"] == (
        "Chat Completions: Streaming is not supported in the Batch API."
    )


async def test_file_level_validation_failures(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    token = await submit(client, chat_file(3), metadata={"emulator.fail_validation": "1"})
    assert await failed_errors(emu, client, token) == [("token_limit_exceeded", None, None)]

    missing = await client.batches.create(
        input_file_id="file-doesnotexist", endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert await failed_errors(emu, client, missing.id) == [("invalid_request", None, "file_id")]


async def test_too_many_requests_and_enqueued_token_limit(tmp_path: Path) -> None:
    opts = make_options(tmp_path, max_requests=5, enqueued_token_limit=2_000)
    async with EmulatorServer(opts) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        too_many = await submit(client, chat_file(6))
        assert await failed_errors(emu, client, too_many) == [("too_many_tasks", None, None)]
        big = chat_file(5, max_tokens=None)
        first = await submit(client, big)
        await emu.advance(20)
        assert (await client.batches.retrieve(first)).status == "in_progress"
        usage = (await client.batches.retrieve(first)).model_dump()
        assert usage["request_counts"]["total"] == 5
        # Enough queued tokens now that a long prompt (1,900 tokens as tiktoken counts them,
        # which is how the emulator counts) no longer fits under the limit.
        long_prompt = samples.to_jsonl(
            [
                chat(
                    i,
                    body={
                        "model": "gpt-4o-mini",
                        "messages": [{"role": "user", "content": " word" * 1900}],
                    },
                )
                for i in range(1)
            ]
        )
        second = await submit(client, long_prompt)
        assert await failed_errors(emu, client, second) == [("token_limit_exceeded", None, None)]
        await client.close()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("input.json", chat_file(1), "Invalid file format for Batch API. Must be .jsonl"),
        (
            "input.jsonl",
            b'{"a": "\xff\xfe"}\n',
            "Invalid file for Batch API. Must be utf-8 encoded",
        ),
        ("input.jsonl", b"", "The file is empty"),
        ("input.jsonl", b"\n  \n", "The file is empty"),
        ("input.jsonl", b"not json\n", "first line is not a valid JSON object"),
    ],
)
async def test_upload_rejects_bad_batch_files(
    client: AsyncOpenAI, name: str, content: bytes, message: str
) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        await client.files.create(file=(name, content), purpose="batch")
    assert message in info.value.message


async def test_upload_size_limit_purpose_and_expiry(tmp_path: Path) -> None:
    async with EmulatorServer(make_options(tmp_path, max_batch_file_bytes=1000)) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        with pytest.raises(openai.BadRequestError) as info:
            await client.files.create(file=("big.jsonl", chat_file(20)), purpose="batch")
        assert "larger than the 1000 maximum" in info.value.message
        with pytest.raises(openai.BadRequestError) as info:
            await client.files.create(file=("a.jsonl", chat_file(1)), purpose="nonsense")  # type: ignore[arg-type]
        assert info.value.code == "invalid_value" and info.value.param == "purpose"
        f = await client.files.create(
            file=("a.jsonl", chat_file(1)),
            purpose="batch",
            expires_after={"anchor": "created_at", "seconds": 7200},
        )
        assert f.expires_at == f.created_at + 7200
        with pytest.raises(openai.BadRequestError):
            await client.files.create(
                file=("a.jsonl", chat_file(1)),
                purpose="batch",
                expires_after={"anchor": "created_at", "seconds": 60},
            )
        listed = await client.files.list(purpose="batch", order="asc")
        assert [x.id for x in listed.data] == [f.id]
        assert (await client.files.content(f.id)).content == chat_file(1)
        await client.close()


@pytest.mark.parametrize(
    ("changes", "param", "code"),
    [
        ({"endpoint": "/v1/audio/speech"}, "endpoint", "invalid_value"),
        ({"completion_window": "48h"}, "completion_window", "invalid_value"),
        ({"completion_window": ""}, "completion_window", "invalid_value"),
        (
            {"metadata": {f"k{i}": "v" for i in range(17)}},
            "metadata",
            "object_above_max_properties",
        ),
        ({"metadata": {"tags": ["a"]}}, "metadata.tags", "invalid_type"),
        ({"metadata": {"k": "v" * 513}}, "metadata.k", "string_above_max_length"),
        ({"metadata": {"k" * 65: "v"}}, "metadata", "invalid_value"),
        (
            {"metadata": {"emulator.fail_fraction": "lots"}},
            "metadata.emulator.fail_fraction",
            "invalid_value",
        ),
        (
            {"output_expires_after": {"anchor": "created_at", "seconds": 10}},
            "output_expires_after.seconds",
            "invalid_value",
        ),
    ],
)
async def test_create_batch_checks(
    client: AsyncOpenAI, changes: dict[str, Any], param: str, code: str
) -> None:
    file_id = await upload(client, chat_file(1))
    params: dict[str, Any] = {
        "input_file_id": file_id,
        "endpoint": "/v1/chat/completions",
        "completion_window": "24h",
    }
    params.update(changes)
    with pytest.raises(openai.BadRequestError) as info:
        await client.batches.create(**params)
    assert (info.value.param, info.value.code) == (param, code)
    if param == "endpoint":
        assert "Supported values are: '/v1/responses', '/v1/chat/completions'" in info.value.message


@pytest.mark.parametrize("limit", [0, 101])
async def test_list_limit_bounds(client: AsyncOpenAI, limit: int) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        await client.batches.list(limit=limit)
    assert info.value.param == "limit"


async def test_unknown_ids_and_routes_get_the_real_404_shape(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        await client.batches.retrieve("batch_nope")
    assert info.value.body == {
        "message": "No batch found with id 'batch_nope'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    with pytest.raises(openai.NotFoundError) as info:
        await client.files.retrieve("file-nope")
    assert info.value.message.endswith("No such File object: file-nope")
    with pytest.raises(openai.NotFoundError):
        await client.batches.cancel("batch_nope")
    async with httpx2.AsyncClient() as http:
        r = await http.get(
            f"{emu.base_url}/fine_tuning/jobs", headers={"Authorization": f"Bearer {API_KEY}"}
        )
    assert r.status_code == 404
    assert r.json()["error"]["message"] == "Invalid URL (GET /v1/fine_tuning/jobs)"


async def test_auth_is_required(tmp_path: Path) -> None:
    secret = "sk-right-key-123456789"
    async with EmulatorServer(make_options(tmp_path, api_keys=(secret,))) as emu:
        async with httpx2.AsyncClient() as http:
            r = await http.get(f"{emu.base_url}/batches")
        assert r.status_code == 401 and "didn't provide an API key" in r.json()["error"]["message"]
        wrong = AsyncOpenAI(base_url=emu.base_url, api_key="sk-wrong-key-987654321", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as info:
            await wrong.batches.list()
        assert info.value.code == "invalid_api_key"
        assert "sk-wrong-key-987654321" not in info.value.message, "the key is masked"
        right = AsyncOpenAI(base_url=emu.base_url, api_key=secret, max_retries=0)
        assert (await right.batches.list()).data == []
        await wrong.close()
        await right.close()


async def test_a_lone_surrogate_line_is_invalid_here_as_in_the_validator(
    emu: EmulatorServer, client: AsyncOpenAI, tmp_path: Path
) -> None:
    import json

    from batchtui.jsonl.index import LineIndex
    from batchtui.validation.engine import Validator

    # (A first line like that is refused at upload: "The first line is not a valid JSON
    # object", which says the same.)
    lines = [
        orjson.dumps(chat(0)),
        json.dumps(chat(1, custom_id="a\ud800b")).encode(),  # a \ud800 escape, no low half
        orjson.dumps(chat(2, custom_id="pair \U0001f600")),
        json.dumps(chat(3, custom_id="c\udfff")).encode(),
    ]
    data = b"\n".join(lines) + b"\n"
    batch_id = await submit(client, data)
    assert await failed_errors(emu, client, batch_id) == [
        ("invalid_json_line", 2, None),
        ("invalid_json_line", 4, None),
    ]
    path = tmp_path / "s.jsonl"
    path.write_bytes(data)
    validator = Validator(LineIndex(path))
    validator.run()
    assert sorted((f.line, f.code) for f in validator.iter_findings()) == [
        (2, "invalid_json_line"),
        (4, "invalid_json_line"),
    ]
