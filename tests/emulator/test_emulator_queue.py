"""The enqueued-token limit per model (--queue-limit), counted with batchtui's own counter, and
the Admin API routes that publish it (--admin-key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from emulator_helpers import API_KEY, chat_file, make_options, submit
from openai import AsyncOpenAI
from spec_schemas import conforms

from batchtui.cost.scan import count_file
from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer

ADMIN_KEY = "sk-admin-test-0123456789"
MESSAGE = (
    "Enqueued token limit reached for gpt-4o-mini in organization org-emulator. Limit: {:,} "
    "enqueued tokens. Please try again once some in_progress batches have been completed."
)


def tokens_of(tmp_path: Path, content: bytes, name: str) -> int:
    """Input tokens as `batchtui estimate` counts them."""
    path = tmp_path / name
    path.write_bytes(content)
    return count_file(path).input_tokens


async def status_after_validation(emu: EmulatorServer, client: AsyncOpenAI, batch_id: str) -> Any:
    await emu.advance(emu.options.validation_seconds)
    return await client.batches.retrieve(batch_id)


async def test_a_batch_that_would_overfill_its_models_queue_fails_validation(
    tmp_path: Path,
) -> None:
    first, second = chat_file(5, seed=1), chat_file(7, seed=2)
    one = samples.to_jsonl(samples.chat_requests(1, seed=3))
    t1, t2 = tokens_of(tmp_path, first, "a.jsonl"), tokens_of(tmp_path, second, "b.jsonl")
    limit = t1 + t2  # the two fit exactly; one token more does not
    opts = make_options(tmp_path, queue_limits={"gpt-4o-mini": limit}, processing_seconds=600)
    async with EmulatorServer(opts) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        a = await submit(client, first)
        assert (await status_after_validation(emu, client, a)).status == "in_progress"
        b = await submit(client, second)
        assert (await status_after_validation(emu, client, b)).status == "in_progress"
        assert emu.state.lifecycle.enqueued("gpt-4o-mini-2024-07-18") == limit

        c = await submit(client, one)
        failed = await status_after_validation(emu, client, c)
        assert failed.status == "failed"
        (error,) = failed.errors.data
        assert (error.code, error.line, error.param) == ("token_limit_exceeded", None, None)
        assert error.message == MESSAGE.format(limit)

        # Another model has its own queue (and no limit here).
        other = samples.to_jsonl(samples.chat_requests(3, model="gpt-4o", seed=4))
        d = await submit(client, other)
        assert (await status_after_validation(emu, client, d)).status == "in_progress"

        # Room frees when a batch finishes: the same file now goes in.
        await emu.advance(3600)
        assert (await client.batches.retrieve(a)).status == "completed"
        e = await submit(client, one)
        assert (await status_after_validation(emu, client, e)).status == "in_progress"
        await client.close()


async def test_a_file_bigger_than_the_whole_queue_fails_alone(tmp_path: Path) -> None:
    content = chat_file(3)
    needed = tokens_of(tmp_path, content, "a.jsonl")
    opts = make_options(tmp_path, enqueued_token_limit=needed - 1)  # every model
    async with EmulatorServer(opts) as emu:
        client = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        batch = await status_after_validation(emu, client, await submit(client, content))
        assert batch.status == "failed"
        assert batch.errors.data[0].message == MESSAGE.format(needed - 1)
        await client.close()


def test_cli_parses_queue_limits() -> None:
    from batchtui.cli.emulator import parse_queue_limits
    from batchtui.core.errors import UserError

    assert parse_queue_limits(["gpt-4o-mini=2,000,000", "*=90_000", "o3=5"]) == (
        {"gpt-4o-mini": 2_000_000, "o3": 5},
        90_000,
    )
    for bad in ("gpt-4o-mini", "=5", "m=-1", "m=lots"):
        with pytest.raises(UserError, match="MODEL=TOKENS"):
            parse_queue_limits([bad])


# ----------------------------------------------------------------------- Admin API


async def admin_get(client: AsyncOpenAI, path: str, **params: Any) -> httpx2.Response:
    return await client.get(path, cast_to=httpx2.Response, options={"params": params})


async def test_admin_api_lists_the_project_and_its_batch_queue_limits(tmp_path: Path) -> None:
    opts = make_options(
        tmp_path,
        queue_limits={"gpt-4o-mini": 2_000_000, "o3": 500_000},
        enqueued_token_limit=90_000,
        admin_keys=(ADMIN_KEY,),
    )
    async with EmulatorServer(opts) as emu:
        admin = AsyncOpenAI(base_url=emu.base_url, api_key=ADMIN_KEY, max_retries=0)
        projects = (await admin_get(admin, "/organization/projects")).json()
        conforms("ProjectListResponse", projects)
        assert [p["id"] for p in projects["data"]] == ["proj_emulator"]

        path = "/organization/projects/proj_emulator/rate_limits"
        page = (await admin_get(admin, path)).json()
        conforms("ProjectRateLimitListResponse", page)
        limits = {r["model"]: r["batch_1_day_max_input_tokens"] for r in page["data"]}
        assert limits["gpt-4o-mini"] == 2_000_000 and limits["o3"] == 500_000
        assert limits["gpt-4o"] == 90_000  # the limit for every other model
        # Pages follow `after`, as the spec's cursor says.
        first = (await admin_get(admin, path, limit=2)).json()
        rest = (await admin_get(admin, path, after=first["last_id"], limit=100)).json()
        assert first["has_more"] and not rest["has_more"]
        assert [r["id"] for r in first["data"] + rest["data"]] == [r["id"] for r in page["data"]]

        with pytest.raises(openai.NotFoundError, match="proj_other was not found"):
            await admin_get(admin, "/organization/projects/proj_other/rate_limits")
        # A project key cannot read the Admin API; an admin key can still use batches.
        project_key = AsyncOpenAI(base_url=emu.base_url, api_key=API_KEY, max_retries=0)
        with pytest.raises(openai.PermissionDeniedError, match=r"api\.management\.read"):
            await admin_get(project_key, path)
        await project_key.batches.list()
        await admin.close()
        await project_key.close()


async def test_no_admin_api_without_admin_keys(emu: EmulatorServer, client: AsyncOpenAI) -> None:
    with pytest.raises(openai.NotFoundError, match="Invalid URL"):
        await admin_get(client, "/organization/projects")
