"""Validate emulator answers against OpenAI's published schemas (vendored in spec/).

``conforms(name, data)`` raises AssertionError naming the first few violations. The schemas
are OpenAPI 3.1, which is JSON Schema 2020-12 apart from what ``spec/vendor.py`` converts.

One known gap of the spec is bridged here, not in the emulator: ``Batch`` lists
``output_file_id``, ``errors``, ``failed_at``... as optional but types them without ``null``,
while OpenAI sends ``null`` for them (the GUIDE's sample batch; BATCH_API.md §2) and the SDK
types them ``Optional``; the same holds for a file's deprecated ``status_details``. For the
schemas in :data:`NULL_WHEN_OPTIONAL`, an optional property
may be null.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

_DOC = Path(__file__).with_name("spec") / "openapi_schemas.json"


NULL_WHEN_OPTIONAL = frozenset({"Batch", "OpenAIFile"})  # OpenAIFile: status_details


@functools.cache
def _components() -> dict[str, Any]:
    components = json.loads(_DOC.read_text())["components"]
    for name in NULL_WHEN_OPTIONAL:
        schema = components["schemas"][name]
        required = set(schema.get("required", ()))
        for key, sub in schema.get("properties", {}).items():
            if key not in required:
                schema["properties"][key] = {"anyOf": [sub, {"type": "null"}]}
    return components


@functools.cache
def validator(name: str) -> Draft202012Validator:
    components = _components()
    if name not in components["schemas"]:
        raise KeyError(f"schema {name!r} is not vendored; add it to spec/vendor.py ROOTS")
    # $refs are "#/components/schemas/X": resolved inside this one document.
    schema = {"$ref": f"#/components/schemas/{name}", "components": components}
    return Draft202012Validator(schema)


def errors(name: str, data: Any) -> list[str]:
    found = sorted(validator(name).iter_errors(data), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in found]


def conforms(name: str, data: Any) -> None:
    problems = errors(name, data)
    assert not problems, f"not a valid {name}:\n" + "\n".join(problems[:8])
