"""Helpers for the emulator tests (strict SDK validation, uploads, sample files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openai import AsyncOpenAI
from pydantic import BaseModel

from batchtui.emulator import samples
from batchtui.emulator.options import EmulatorOptions
from tests.emulated import emulator_options

API_KEY = "sk-test-emulator-0123456789"


def make_options(tmp_path: Path, **overrides: Any) -> EmulatorOptions:
    return emulator_options(tmp_path, **{"seed": 1, **overrides})


def strict(model: type[BaseModel], data: Any, *, allowed_extra: frozenset[str] = frozenset()):
    """Strict validation against an SDK model, and no keys the model does not know."""
    obj = model.model_validate(data, strict=True)
    _no_extra(obj, model.__name__, allowed_extra)
    return obj


def _no_extra(obj: Any, path: str, allowed: frozenset[str] = frozenset()) -> None:
    if isinstance(obj, BaseModel):
        extra = set(obj.model_extra or {}) - allowed
        assert not extra, f"{path}: keys the SDK model does not declare: {sorted(extra)}"
        for name in type(obj).model_fields:
            _no_extra(getattr(obj, name), f"{path}.{name}")
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            _no_extra(item, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key, item in obj.items():
            _no_extra(item, f"{path}.{key}")


async def upload(client: AsyncOpenAI, content: bytes, name: str = "input.jsonl") -> str:
    f = await client.files.create(file=(name, content), purpose="batch")
    return f.id


async def submit(
    client: AsyncOpenAI,
    content: bytes,
    endpoint: str = "/v1/chat/completions",
    metadata: dict[str, str] | None = None,
) -> str:
    file_id = await upload(client, content)
    batch = await client.batches.create(
        input_file_id=file_id,
        endpoint=endpoint,  # type: ignore[arg-type]
        completion_window="24h",
        metadata=metadata,
    )
    return batch.id


def chat_file(n: int = 20, **kwargs: Any) -> bytes:
    return samples.to_jsonl(samples.chat_requests(n, **kwargs))
