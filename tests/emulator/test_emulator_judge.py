"""The emulator judges input files by the validator's rules: what OpenAI fails at validation
fails the batch (errors.data), what it rejects only when a request runs comes back as a
per-line 400 in the error file, with OpenAI's own messages. Every file here is constructed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from emulator_helpers import submit
from openai import AsyncOpenAI
from test_emulator_results import lines_of, run_to_end

from batchtui.emulator.server import EmulatorServer
from batchtui.jsonl.index import LineIndex
from batchtui.validation.engine import Validator
from batchtui.validation.rules import BATCH, REQUEST, openai_stage
from batchtui.validation.ruleset import InputRules


def chat(i: int, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": f"c{i}",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], **body},
    }


def resp(i: int, **body: Any) -> dict[str, Any]:
    return {
        "custom_id": f"r{i}",
        "method": "POST",
        "url": "/v1/responses",
        "body": {"model": "gpt-5-pro", "input": "hi", **body},
    }


def jsonl(rows: list[Any]) -> bytes:
    return b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in rows)


def validator_stages(tmp_path: Path, content: bytes) -> tuple[set, dict[int, str]]:
    """What the validator says OpenAI does: {(line, code)} failing the batch, and the first
    request-stage code per line."""
    path = tmp_path / "check.jsonl"
    path.write_bytes(content)
    validator = Validator(LineIndex(path), rules=InputRules())  # as the emulator judges
    validator.run()
    batch, request = set(), {}
    for finding in validator.iter_findings():
        stage = openai_stage(finding)
        if stage == BATCH:
            batch.add((finding.line, finding.code))
        elif stage == REQUEST:
            request.setdefault(finding.line, finding.code)
    return batch, request


async def test_per_request_rules_come_back_as_400s_with_openais_messages(
    emu: EmulatorServer, client: AsyncOpenAI, tmp_path: Path
) -> None:
    rows = [
        resp(1),  # fine
        resp(2, response_format={"type": "json_object"}),  # the real error file's case
        resp(3, max_tokens=100),
        resp(4, reasoning_effort="low"),
        resp(5, max_output_tokens=8),
        resp(6, temperature=0.7),  # gpt-5-pro always reasons
        resp(7, text={"format": {"type": "json_object"}}),  # where it belongs: fine
    ]
    content = jsonl(rows)
    batch = await run_to_end(emu, client, await submit(client, content, "/v1/responses"))
    # Before: every line completed with a 200.
    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (2, 5)
    out = {line["custom_id"] for line in await lines_of(client, batch.output_file_id)}
    assert out == {"r1", "r7"}
    errors = {
        line["custom_id"]: line["response"] for line in await lines_of(client, batch.error_file_id)
    }
    assert {cid: r["status_code"] for cid, r in errors.items()} == dict.fromkeys(
        ["r2", "r3", "r4", "r5", "r6"], 400
    )
    err = {cid: r["body"]["error"] for cid, r in errors.items()}
    # Exactly the real error file's line (FORMATS.md §3), param null.
    assert err["r2"] == {
        "message": "Unsupported parameter: 'response_format'. In the Responses API, this "
        "parameter has moved to 'text.format'. Try again with the new parameter. See the API "
        "documentation for more information: "
        "https://platform.openai.com/docs/api-reference/responses/create.",
        "type": "invalid_request_error",
        "param": None,
        "code": "unsupported_parameter",
    }
    assert (err["r3"]["message"], err["r3"]["code"]) == (
        "Unknown parameter: 'max_tokens'.",
        "unknown_parameter",
    )
    assert err["r4"]["code"] == "unsupported_parameter"
    assert err["r5"] == {
        "message": "Invalid 'max_output_tokens': integer below minimum value. Expected a value "
        ">= 16, but got 8 instead.",
        "type": "invalid_request_error",
        "param": "max_output_tokens",
        "code": "integer_below_min_value",
    }
    assert err["r6"]["message"] == (
        "Unsupported parameter: 'temperature' is not supported with this model."
    )
    # The same rules the validator reports, line by line.
    _, request = validator_stages(tmp_path, content)
    assert {f"r{line}" for line in request} == set(errors)


async def test_chat_rules_and_a_batch_alias(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    rows = [
        chat(1, model="o3-mini", max_tokens=100),
        chat(2, model="o3-mini", max_completion_tokens=100),
        chat(3, model="o3-mini", temperature=0.7),
        chat(4, model="o3-mini", max_token=5),
    ]
    batch = await run_to_end(emu, client, await submit(client, jsonl(rows)))
    errors = {
        line["custom_id"]: line["response"]["body"]["error"]
        for line in await lines_of(client, batch.error_file_id)
    }
    assert set(errors) == {"c1", "c3", "c4"}
    assert errors["c1"]["message"] == (
        "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
        "'max_completion_tokens' instead."
    )
    assert errors["c3"]["code"] == "unsupported_value"
    assert errors["c4"]["message"] == "Unknown parameter: 'max_token'."

    # A '-batch' alias passes validation and fails every request with a 403 (a real file).
    alias = [chat(i, model="gpt-4o-mini-2024-07-18-batch") for i in range(3)]
    batch = await run_to_end(emu, client, await submit(client, jsonl(alias)))
    assert batch.status == "completed" and batch.output_file_id is None
    lines = await lines_of(client, batch.error_file_id)
    assert {line["response"]["status_code"] for line in lines} == {403}
    assert lines[0]["response"]["body"]["error"] == {
        "message": "Project `proj_emulator` does not have access to model "
        "`gpt-4o-mini-2024-07-18-batch`",
        "type": "invalid_request_error",
        "param": None,
        "code": "model_not_found",
    }


async def test_validation_failures_are_the_validators(
    emu: EmulatorServer, client: AsyncOpenAI, tmp_path: Path
) -> None:
    missing_body = chat(4)
    del missing_body["body"]
    rows: list[Any] = [
        chat(1),
        b"",  # 2: a blank line: skipped before, an error for the validator
        chat(3, stream=True),
        missing_body,  # 4
        chat(1),  # 5: duplicate custom_id
        chat(6, model="gpt-4o"),  # mixed models
        {**chat(7), "method": "GET"},
        {**chat(8), "url": "/v1/chat/completion"},
        chat(9, temperature=5),  # a request-stage finding: not in errors.data
    ]
    content = jsonl(rows)
    batch_id = await submit(client, content)
    await emu.advance(emu.options.validation_seconds)
    batch = await client.batches.retrieve(batch_id)
    assert batch.status == "failed" and batch.errors is not None
    got = [(e.line, e.code, e.param) for e in batch.errors.data]
    assert got == [
        (2, "invalid_json_line", None),
        (3, "streaming_unsupported", "body.stream"),
        (4, "missing_required_parameter", "body"),
        (5, "duplicate_custom_id", "custom_id"),
        (6, "model_mismatch", "body.model"),
        (7, "invalid_method", "method"),
        (8, "invalid_url", "url"),
    ]
    messages = {e.code: e.message for e in batch.errors.data}
    assert messages["duplicate_custom_id"] == (
        "The custom_id for this request is a duplicate of another request. The custom_id "
        "parameter must be unique for each request in a batch."
    )
    assert messages["invalid_method"] == "Invalid value: 'GET'. Supported values are: 'POST'."
    expected, _ = validator_stages(tmp_path, content)
    wire = {"blank_line": "invalid_json_line"}
    assert {(line, wire.get(code, code)) for line, code in expected} == {
        (line, code) for line, code, _ in got
    }


async def test_an_unknown_model_is_model_not_found(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    batch_id = await submit(
        client, jsonl([chat(1, model="gpt-4o-minii"), chat(2, model="gpt-4o-minii")])
    )
    await emu.advance(emu.options.validation_seconds)
    batch = await client.batches.retrieve(batch_id)
    assert batch.status == "failed" and batch.errors is not None
    assert [(e.code, e.line, e.param, e.message) for e in batch.errors.data] == [
        (
            "model_not_found",
            line,
            "body.model",
            "The provided model 'gpt-4o-minii' is not supported by the Batch API.",
        )
        for line in (1, 2)
    ]


async def test_an_image_batch_without_prompt_fails(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    row = {"custom_id": "i1", "method": "POST", "url": "/v1/images/generations", "body": {}}
    batch_id = await submit(client, jsonl([row]), "/v1/images/generations")
    await emu.advance(emu.options.validation_seconds)
    batch = await client.batches.retrieve(batch_id)
    assert batch.status == "failed" and batch.errors is not None
    assert [(e.code, e.line, e.param) for e in batch.errors.data] == [
        ("invalid_request", 1, "body.prompt")
    ]


async def test_a_foreign_upload_fails_line_by_line_as_openai_fails_it(
    emu: EmulatorServer, client: AsyncOpenAI, tmp_path: Path
) -> None:
    # An Anthropic Message Batches request file (constructed): `batchtui validate` says so in
    # one finding; OpenAI, which knows nothing of it, fails every line for what it lacks.
    rows = [
        {
            "custom_id": f"req-{i}",
            "params": {
                "model": "claude-3-7-sonnet-20250219",
                "max_tokens": 100,
                "messages": [{"role": "user", "content": "hi"}],
            },
        }
        for i in (1, 2)
    ]
    content = jsonl(rows)
    batch_id = await submit(client, content)
    await emu.advance(emu.options.validation_seconds)
    batch = await client.batches.retrieve(batch_id)
    assert batch.status == "failed" and batch.errors is not None
    got = {(e.line, e.code, e.param) for e in batch.errors.data}
    assert {(1, "missing_required_parameter", p) for p in ("method", "url", "body")} <= got
    assert {(2, "missing_required_parameter", p) for p in ("method", "url", "body")} <= got
    path = tmp_path / "anthropic.jsonl"
    path.write_bytes(content)
    validator = Validator(LineIndex(path))
    validator.run()
    assert [(f.line, f.code) for f in validator.iter_findings()] == [(1, "foreign_format")]
