"""Builders for planted-defect files and a validation runner that records everything."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchtui.jsonl.index import LineIndex
from batchtui.validation.engine import Progress, RunStatus, Validator
from batchtui.validation.findings import Finding
from batchtui.validation.providers import OPENAI, Provider, Sourced


def small_limits(
    requests: int | None = None,
    file_bytes: int | None = None,
    embedding_inputs: int | None = None,
    base: Provider = OPENAI,
) -> Provider:
    """``base`` with smaller limits, so a test file can break them (constructed profile)."""
    from dataclasses import replace

    changes: dict[str, Any] = {}
    if requests is not None:
        changes["max_requests"] = Sourced(requests, "test")
    if file_bytes is not None:
        changes["max_file_bytes"] = Sourced(file_bytes, "test")
    if embedding_inputs is not None:
        changes["max_embedding_inputs"] = Sourced(embedding_inputs, "test")
    return replace(base, **changes)


CHAT = "/v1/chat/completions"


def request(
    custom_id: Any = "req-1",
    body: Any = None,
    *,
    url: Any = CHAT,
    method: Any = "POST",
    drop: tuple[str, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    obj: dict[str, Any] = {"custom_id": custom_id, "method": method, "url": url, "body": body}
    if body is None:
        obj["body"] = chat_body()
    obj.update(extra)
    for key in drop:
        obj.pop(key, None)
    return obj


def chat_body(text: str = "hello", model: str = "gpt-4o-mini", **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": text},
        ],
    }
    body.update(params)
    return body


def line(obj: Any) -> bytes:
    if isinstance(obj, bytes):
        return obj
    if isinstance(obj, str):
        return obj.encode()
    return json.dumps(obj, ensure_ascii=False).encode()


def write_lines(path: Path, lines: list[Any], final_newline: bool = True) -> Path:
    data = b"\n".join(line(x) for x in lines)
    if final_newline:
        data += b"\n"
    path.write_bytes(data)
    return path


@dataclass
class Run:
    validator: Validator
    status: RunStatus
    line_findings: list[Finding] = field(default_factory=list)
    file_findings: list[Finding] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)
    file_started: bool = False  # a run's file-level findings replace the previous run's

    @property
    def findings(self) -> list[Finding]:
        return self.line_findings + self.file_findings

    def codes(self) -> set[tuple[int | None, str]]:
        return {(f.line, f.code) for f in self.findings}


def validate(path: Path, **kwargs: Any) -> Run:
    validator = Validator(LineIndex(path), **kwargs)
    return run_again(validator)


def run_again(validator: Validator, run: Run | None = None, **kwargs: Any) -> Run:
    if run is None:
        run = Run(validator, RunStatus.DONE)

    def on_findings(batch: list[Finding], file_level: bool) -> None:
        if file_level:
            run.file_findings = run.file_findings + batch if run.file_started else list(batch)
            run.file_started = True
        else:
            run.line_findings.extend(batch)

    run.file_started = False
    run.status = validator.run(on_findings=on_findings, on_progress=run.progress.append, **kwargs)
    return run


def all_findings(validator: Validator) -> list[tuple[int | None, str, str | None, str]]:
    """Every finding, re-derived, as comparable tuples."""
    return sorted(
        ((f.line, f.code, f.path, f.message) for f in validator.iter_findings()),
        key=lambda t: (t[0] or 0, t[1], t[2] or "", t[3]),
    )
