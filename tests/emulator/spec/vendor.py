"""Re-vendor ``openapi_schemas.json`` from OpenAI's published spec (run by hand).

    python tests/emulator/spec/vendor.py /path/to/openai-openapi.json

Copies the schemas the emulator's answers must satisfy, with every schema they reference,
from openai/openai-openapi (the copy used: 2026-08-21), and trims what validation does not
need: descriptions, examples, titles and ``x-`` extensions. OpenAPI's ``nullable: true`` (the
3.0 spelling some schemas still use) becomes JSON Schema's ``null`` type; ``discriminator`` is
dropped (``anyOf``/``oneOf`` already say the same).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOTS = (
    "Batch",
    "ListBatchesResponse",
    "OpenAIFile",
    "ListFilesResponse",
    "DeleteFileResponse",
    "ErrorResponse",
    "CreateChatCompletionResponse",
    "Response",
    "CreateEmbeddingResponse",
    "CreateCompletionResponse",
    "CreateModerationResponse",
    "ImagesResponse",
    "VideoResource",
    "ProjectListResponse",
    "ProjectRateLimitListResponse",
)
DROP = {"description", "example", "examples", "title", "discriminator", "deprecated"}


def trim(node: Any) -> Any:
    if isinstance(node, list):
        return [trim(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: trim(v) for k, v in node.items() if k not in DROP and not k.startswith("x-")}
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def main(spec_path: str) -> None:
    schemas = json.loads(Path(spec_path).read_text())["components"]["schemas"]
    keep: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in keep:
                    keep[name] = schemas[name]
                    walk(schemas[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for root in ROOTS:
        keep[root] = schemas[root]
        walk(schemas[root])
    doc = {
        "_source": "openai/openai-openapi openapi.yaml (2026-08-21), components.schemas: "
        + ", ".join(ROOTS)
        + " and what they reference; trimmed by tests/emulator/spec/vendor.py",
        "components": {"schemas": {k: trim(keep[k]) for k in sorted(keep)}},
    }
    out = Path(__file__).with_name("openapi_schemas.json")
    out.write_text(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {out} ({len(keep)} schemas)")


if __name__ == "__main__":
    main(sys.argv[1])
