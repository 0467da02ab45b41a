"""Output and error files: the real line shapes, plausible bodies, shuffled order, and the
end states (all failed, expired, cancelled)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from emulator_helpers import API_KEY, chat_file, make_options, strict, submit
from openai import AsyncOpenAI
from openai.types import (
    Completion,
    CreateEmbeddingResponse,
    ImagesResponse,
    ModerationCreateResponse,
    Video,
)
from openai.types.chat import ChatCompletion
from openai.types.responses import Response

from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer

LINE_KEYS = ["id", "custom_id", "response", "error"]
# Fields real Responses bodies carry (FORMATS.md §4: billing and store from 2025-11, the
# penalties from 2026-01) that neither the SDK's Response model nor the spec declare.
RESPONSE_EXTRA = frozenset({"billing", "store", "frequency_penalty", "presence_penalty"})


async def run_to_end(emu: EmulatorServer, client: AsyncOpenAI, batch_id: str):
    for _ in range(50):
        b = await client.batches.retrieve(batch_id)
        if b.status in ("completed", "failed", "expired", "cancelled"):
            return b
        await emu.advance(600)
    raise AssertionError("batch never finished")


async def lines_of(client: AsyncOpenAI, file_id: str | None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    content = await client.files.content(file_id)
    raw = content.content
    assert raw.endswith(b"\n")
    return [orjson.loads(line) for line in raw.splitlines()]


def custom_ids(content: bytes) -> list[str]:
    return [orjson.loads(line)["custom_id"] for line in content.splitlines()]


@pytest.mark.parametrize(
    ("endpoint", "requests", "model_type"),
    [
        ("/v1/chat/completions", list(samples.chat_requests(15, max_tokens=40)), ChatCompletion),
        (
            "/v1/embeddings",
            list(samples.embedding_requests(6, dimensions=32)),
            CreateEmbeddingResponse,
        ),
        ("/v1/responses", list(samples.responses_requests(15)), Response),
        ("/v1/moderations", list(samples.moderation_requests(5)), ModerationCreateResponse),
        (
            "/v1/completions",
            [
                {
                    "custom_id": f"c{i}",
                    "method": "POST",
                    "url": "/v1/completions",
                    "body": {"model": "gpt-3.5-turbo-instruct", "prompt": "Say hi"},
                }
                for i in range(4)
            ],
            Completion,
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
            ImagesResponse,
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
            Video,
        ),
    ],
)
async def test_success_bodies_parse_with_the_sdk_types(
    emu: EmulatorServer, client: AsyncOpenAI, endpoint: str, requests: Any, model_type: type
) -> None:
    content = samples.to_jsonl(requests)
    batch = await run_to_end(emu, client, await submit(client, content, endpoint))
    assert batch.status == "completed" and batch.error_file_id is None
    out = await lines_of(client, batch.output_file_id)
    assert sorted(line["custom_id"] for line in out) == sorted(custom_ids(content))
    for line in out:
        assert list(line) == LINE_KEYS
        assert line["id"].startswith("batch_req_") and line["error"] is None
        assert line["response"]["status_code"] == 200
        # Real lines: 32 hex, no prefix (FORMATS.md §1.2).
        assert re.fullmatch(r"[0-9a-f]{32}", line["response"]["request_id"])
        extra = RESPONSE_EXTRA if model_type is Response else frozenset()
        strict(model_type, line["response"]["body"], allowed_extra=extra)
    body = out[0]["response"]["body"]
    if endpoint == "/v1/chat/completions":
        assert body["usage"]["total_tokens"] > 0
        assert body["choices"][0]["finish_reason"] in ("stop", "length")
    if endpoint == "/v1/embeddings":
        assert all(len(d["embedding"]) == 32 for d in body["data"])
    assert batch.usage is not None
    assert batch.usage.input_tokens > 0


async def test_answers_follow_the_prompt(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    def chat(cid: str, text: str, **body: Any) -> dict[str, Any]:
        return {
            "custom_id": cid,
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": text}],
                **body,
            },
        }

    content = samples.to_jsonl(
        [
            chat("ja", "日本語で答えてください 🌸"),
            chat("en", "Answer in English please"),
            chat("short", "Write an essay", max_tokens=5),
            chat("n3", "Give options", n=3),
        ]
    )
    batch = await run_to_end(emu, client, await submit(client, content))
    out = {
        line["custom_id"]: line["response"]["body"]
        for line in await lines_of(client, batch.output_file_id)
    }
    ja = out["ja"]["choices"][0]["message"]["content"]
    assert any("\u3040" <= ch <= "\u30ff" for ch in ja)
    en = out["en"]["choices"][0]["message"]["content"]
    assert not any("\u3040" <= ch <= "\u9fff" for ch in en)
    assert out["short"]["choices"][0]["finish_reason"] == "length"
    assert out["short"]["usage"]["completion_tokens"] == 5
    assert len(out["n3"]["choices"]) == 3


async def test_base64_embeddings_decode_to_the_requested_dimensions(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    req = {
        "custom_id": "b64",
        "method": "POST",
        "url": "/v1/embeddings",
        "body": {
            "model": "text-embedding-3-large",
            "input": ["a", "b"],
            "encoding_format": "base64",
        },
    }
    batch = await run_to_end(
        emu, client, await submit(client, samples.to_jsonl([req]), "/v1/embeddings")
    )
    (line,) = await lines_of(client, batch.output_file_id)
    data = line["response"]["body"]["data"]
    assert len(data) == 2
    assert len(base64.b64decode(data[0]["embedding"])) == 3072 * 4


async def test_failures_are_http_shaped_and_output_is_shuffled(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    content = chat_file(120)
    batch_id = await submit(client, content, metadata={"emulator.fail_fraction": "0.3"})
    batch = await run_to_end(emu, client, batch_id)
    out = await lines_of(client, batch.output_file_id)
    err = await lines_of(client, batch.error_file_id)
    assert batch.request_counts.completed == len(out) and batch.request_counts.failed == len(err)
    assert 15 < len(err) < 60, "about 30 % fail"
    every = [line["custom_id"] for line in out + err]
    assert sorted(every) == sorted(custom_ids(content)), "each custom_id exactly once"
    input_order = custom_ids(content)
    out_ids = [line["custom_id"] for line in out]
    assert out_ids != [c for c in input_order if c in set(out_ids)], "order is shuffled"
    statuses = set()
    for line in err:
        assert list(line) == LINE_KEYS and line["error"] is None
        resp = line["response"]
        statuses.add(resp["status_code"])
        assert resp["status_code"] in (400, 404, 429, 500)
        assert set(resp["body"]["error"]) == {"message", "type", "param", "code"}
    assert len(statuses) >= 3
    # usage only counts requests that succeeded
    assert batch.usage.input_tokens == sum(
        line["response"]["body"]["usage"]["prompt_tokens"] for line in out
    )


async def test_all_failed_is_completed_without_output_file(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    batch_id = await submit(client, chat_file(10), metadata={"emulator.fail_fraction": "1"})
    batch = await run_to_end(emu, client, batch_id)
    assert batch.status == "completed"
    assert batch.output_file_id is None and batch.error_file_id
    assert batch.request_counts.completed == 0 and batch.request_counts.failed == 10
    assert len(await lines_of(client, batch.error_file_id)) == 10


async def test_expiry_keeps_done_requests_and_writes_batch_expired(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    content = chat_file(40)
    batch_id = await submit(
        client, content, metadata={"emulator.expire": "0.5", "emulator.fail_fraction": "0"}
    )
    await emu.advance(12 * 3600)
    mid = await client.batches.retrieve(batch_id)
    assert mid.status == "in_progress"
    await emu.advance(13 * 3600)
    batch = await client.batches.retrieve(batch_id)
    assert batch.status == "expired" and batch.expired_at == batch.expires_at
    out = await lines_of(client, batch.output_file_id)
    err = await lines_of(client, batch.error_file_id)
    assert len(out) == 20 and len(err) == 20
    for line in err:
        assert line["response"] is None
        assert line["error"] == {
            "code": "batch_expired",
            "message": "This request could not be executed before the completion window expired.",
        }
    assert sorted(line["custom_id"] for line in out + err) == sorted(custom_ids(content))
    assert batch.request_counts.completed == 20 and batch.request_counts.failed == 20


async def test_cancel_keeps_partial_results_and_refuses_terminal(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    import openai

    content = chat_file(50)
    batch_id = await submit(client, content, metadata={"emulator.fail_fraction": "0"})
    await emu.advance(20 + (60 + 50 * 0.05) * 0.4)  # validation, then 40 % of the run
    b = await client.batches.cancel(batch_id)
    assert b.status == "cancelling" and b.cancelling_at is not None
    done = b.request_counts.completed
    assert 15 <= done <= 25
    await emu.advance(3600)
    b = await client.batches.retrieve(batch_id)
    assert b.status == "cancelled" and b.cancelled_at == b.cancelling_at + 10
    out = await lines_of(client, b.output_file_id)
    err = await lines_of(client, b.error_file_id)
    assert len(out) == done
    assert {line["error"]["code"] for line in err} == {"batch_cancelled"}
    assert sorted(line["custom_id"] for line in out + err) == sorted(custom_ids(content))
    again = await client.batches.cancel(batch_id)
    assert again.status == "cancelled"

    finished = await run_to_end(emu, client, await submit(client, chat_file(3)))
    with pytest.raises(openai.ConflictError) as info:
        await client.batches.cancel(finished.id)
    assert info.value.message.endswith("Cannot cancel a batch with status 'completed'.")
    assert info.value.response.headers["x-should-retry"] == "false"


async def test_cancel_while_validating_writes_nothing(
    emu: EmulatorServer, client: AsyncOpenAI
) -> None:
    batch_id = await submit(client, chat_file(5))
    b = await client.batches.cancel(batch_id)
    assert b.status == "cancelling"
    await emu.advance(60)
    b = await client.batches.retrieve(batch_id)
    assert b.status == "cancelled" and b.output_file_id is None and b.error_file_id is None
    assert b.in_progress_at is None


async def test_same_seed_same_everything(tmp_path: Path) -> None:
    results = []
    for run in range(2):
        opts = make_options(tmp_path / str(run), failure_rate=0.2, seed=42)
        async with EmulatorServer(opts) as emu:
            client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
            batch = await run_to_end(emu, client, await submit(client, chat_file(30, seed=5)))
            out = (await client.files.content(batch.output_file_id)).content
            results.append((batch.id, batch.output_file_id, out))
            await client.close()
    assert results[0] == results[1]


async def test_bodies_look_like_2026s(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    """Dated model names, service_tier, system_fingerprint, and the Responses fields of real
    2025-2026 output files (FORMATS.md §4)."""
    chat = await run_to_end(emu, client, await submit(client, chat_file(3)))
    body = (await lines_of(client, chat.output_file_id))[0]["response"]["body"]
    assert body["model"] == "gpt-4o-mini-2024-07-18"  # asked for gpt-4o-mini
    assert body["service_tier"] == "default"
    assert re.fullmatch(r"fp_[0-9a-f]{10}", body["system_fingerprint"])
    message = body["choices"][0]["message"]
    assert message["refusal"] is None and message["annotations"] == []

    def resp(cid: str, model: str, **extra: Any) -> dict[str, Any]:
        return {
            "custom_id": cid,
            "method": "POST",
            "url": "/v1/responses",
            "body": {"model": model, "input": "hi", **extra},
        }

    bodies = {}
    for model, extra in (
        ("gpt-5-nano", {}),
        ("gpt-5.1", {"temperature": 0}),
        ("gpt-4.1-nano", {"text": {"verbosity": "low"}}),
    ):
        content = samples.to_jsonl([resp("a", model, **extra)])
        batch = await run_to_end(emu, client, await submit(client, content, "/v1/responses"))
        (line,) = await lines_of(client, batch.output_file_id)
        bodies[model] = line["response"]["body"]
    nano = bodies["gpt-5-nano"]
    assert nano["model"] == "gpt-5-nano-2025-08-07"
    assert nano["billing"] == {"payer": "developer"} and nano["store"] is True
    assert nano["reasoning"]["effort"] == "medium"
    assert [item["type"] for item in nano["output"]] == ["reasoning", "message"]
    assert nano["text"] == {"format": {"type": "text"}, "verbosity": "medium"}
    assert nano["usage"]["output_tokens_details"]["reasoning_tokens"] > 0
    assert nano["completed_at"] >= nano["created_at"]
    # gpt-5.1 defaults to effort none: no reasoning item, the temperature echoed.
    g51 = bodies["gpt-5.1"]
    assert g51["model"] == "gpt-5.1-2025-11-13"
    assert g51["reasoning"]["effort"] == "none" and g51["temperature"] == 0.0
    assert [item["type"] for item in g51["output"]] == ["message"]
    nano41 = bodies["gpt-4.1-nano"]
    assert nano41["reasoning"]["effort"] is None and nano41["text"]["verbosity"] == "low"
    assert nano41["model"] == "gpt-4.1-nano-2025-04-14"
