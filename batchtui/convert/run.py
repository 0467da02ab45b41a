"""``batchtui convert``: a whole file of another format turned into an OpenAI batch input.

The input is never modified; the output appears whole or not at all (``core.atomic``); every
request that lost something in the conversion, and every line that could not become a
request, is in the :class:`ConvertReport` (printed as a summary, written in full as JSON with
``--report``). Files that are not JSONL as they should be but are common in the wild are read
anyway: objects concatenated without newlines, pretty-printed objects one after another, one
JSON array of requests (FORMATS.md §1.0).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from batchtui.convert import mapping
from batchtui.convert.mapping import CHAT, RESPONSES, Converted
from batchtui.core.atomic import atomic_write
from batchtui.core.errors import UserError
from batchtui.jsonl.index import MAX_LINE_BYTES, LineIndex, Span
from batchtui.jsonl.kinds import Kind, Layout, Sniff, decode_objects, sniff_index, sniff_path

TARGETS = (CHAT, RESPONSES)
SOURCES = (Kind.ANTHROPIC_REQUESTS, Kind.GEMINI_REQUESTS, Kind.FINETUNE_CHAT)
# A pretty-printed file is parsed whole: up to this size.
WHOLE_FILE_LIMIT = 256 * 1024 * 1024


@dataclass(slots=True)
class LineReport:
    """A request that lost something, or a line that could not become a request."""

    line: int  # 1-based line of the file where the object starts
    object: int | None  # 1-based position on that line, for objects glued together
    custom_id: str | None
    converted: bool
    lost: list[str]

    def where(self) -> str:
        text = f"line {self.line:,}"
        if self.object is not None:
            text += f" object {self.object:,}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class ConvertReport:
    source: str
    output: str
    kind: Kind
    to: str
    model: str
    layout: Layout
    requests: int = 0  # written to the output
    skipped: int = 0  # lines (objects) that could not become a request
    lossy: int = 0  # requests written that lost something
    lines: list[LineReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the whole file

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "output": self.output,
            "from": self.kind.value,
            "to": self.to,
            "url": mapping.URLS[self.to],
            "model": self.model,
            "layout": self.layout.value,
            "requests": self.requests,
            "skipped": self.skipped,
            "lossy": self.lossy,
            "notes": self.notes,
            "lines": [r.to_dict() for r in self.lines],
        }


def _objects_of_line(data: bytes) -> list[Any] | None:
    """A line holding several JSON objects glued together, or None."""
    found, whole = decode_objects(data, 1 << 30)
    return found if whole and len(found) > 1 else None


def _items(index: LineIndex, found: Sniff) -> Iterator[tuple[int, int | None, Any]]:
    """``(line, object on the line or None, parsed value or an error string)``, in order."""
    if found.layout is Layout.PRETTY:
        if index.size > WHOLE_FILE_LIMIT:
            raise UserError(
                f"{index.name}: a pretty-printed file over {WHOLE_FILE_LIMIT >> 20} MB; make "
                "it JSONL first: jq -c . FILE > FILE.jsonl"
            )
        whole = index.read_exact(0, index.size)
        values, _ = decode_objects(whole.removeprefix(b"\xef\xbb\xbf"), 1 << 30)
        if len(values) == 1 and isinstance(values[0], list):
            values = values[0]
        for k, value in enumerate(values, 1):
            yield 1, k, value
        return
    index.scan()
    for i, data in index.iter_lines(max_line=MAX_LINE_BYTES):
        line = i + 1
        if data is None:
            yield line, None, f"a line of {index.span(i).length:,} bytes, too long to read"
            continue
        if i == 0:
            data = data.removeprefix(b"\xef\xbb\xbf")
        if not data.strip():
            continue
        try:
            yield line, None, orjson.loads(data)
            continue
        except orjson.JSONDecodeError as exc:
            error = f"not valid JSON ({exc.msg})"
        glued = _objects_of_line(data) if data.lstrip()[:1] == b"{" else None
        if glued is None:
            yield line, None, error
            continue
        for k, value in enumerate(glued, 1):
            yield line, k, value


def source_models(path: str | os.PathLike[str]) -> list[str]:
    """The models the first requests of an Anthropic file ask for (for messages)."""
    found = sniff_path(path)
    if found.kind is not Kind.ANTHROPIC_REQUESTS:
        return []
    models: list[str] = []
    with LineIndex(path) as index:
        head = index.read(Span(0, min(index.size, 1 << 20)))
    for raw in head.split(b"\n")[:50]:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        model = obj.get("params", {}).get("model") if isinstance(obj, dict) else None
        if isinstance(model, str) and model not in models:
            models.append(model)
    return models


def convert_file(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    to: str,
    model: str,
    copy_of: str | None = None,
) -> ConvertReport:
    """Convert the Anthropic, Gemini or fine-tuning file at ``source`` into an OpenAI batch
    input at ``dest`` (written atomically; ``source`` is only read). Raises UserError for a
    file of another kind, or when nothing could be converted (then nothing is written)."""
    if to not in TARGETS:
        raise UserError(f"--to must be one of {', '.join(TARGETS)}")
    with LineIndex(source, copy_of=copy_of) as index:
        found = sniff_index(index)
        kind = found.kind
        if kind not in SOURCES:
            raise UserError(_refusal(index.name, found))
        report = ConvertReport(
            source=index.name,
            output=os.fspath(dest),
            kind=kind,
            to=to,
            model=model,
            layout=found.layout,
        )
        if kind is Kind.FINETUNE_CHAT:
            report.notes.append(
                "each example's final assistant message (the answer to train on) is left out: "
                "the requests ask the model for it"
            )
        no_key = json_prompts = 0
        with atomic_write(dest, protect=[source]) as out:
            for ordinal, (line, obj_no, value) in enumerate(_items(index, found), 1):
                fallback = f"line-{line}" if obj_no is None else f"object-{ordinal}"
                if isinstance(value, str):
                    result = Converted(None, [value])
                elif kind is Kind.ANTHROPIC_REQUESTS:
                    result = mapping.anthropic_request(value, to, model)
                elif kind is Kind.GEMINI_REQUESTS:
                    result = mapping.gemini_request(value, to, model, fallback)
                    has_key = isinstance(value, dict) and isinstance(value.get("key"), str)
                    no_key += result.request is not None and not has_key
                else:
                    result = mapping.finetune_request(value, to, model, fallback)
                json_prompts += result.json_prompt
                if result.request is not None:
                    out.write(orjson.dumps(result.request) + b"\n")
                    report.requests += 1
                    report.lossy += bool(result.lost)
                else:
                    report.skipped += 1
                if result.lost or result.request is None:
                    report.lines.append(
                        LineReport(
                            line, obj_no, result.custom_id, result.request is not None, result.lost
                        )
                    )
            if report.requests == 0:
                first = report.lines[0] if report.lines else None
                why = f" ({first.where()}: {'; '.join(first.lost)})" if first else ""
                raise UserError(f"{index.name}: no line could be converted{why}; nothing written")
        if no_key:
            report.notes.append(
                f"{no_key:,} request(s) had no key: their custom_id is made from their position "
                "(line-N, or object-N)"
            )
        if json_prompts:
            report.notes.append(
                f"{json_prompts:,} request(s) ask for JSON output without saying JSON in a "
                "message, which OpenAI's JSON mode requires: the system prompt got "
                f'"{mapping.JSON_PROMPT}"'
            )
        if found.layout in (Layout.CONCATENATED, Layout.PRETTY):
            report.notes.append(
                f"the source is not JSONL ({found.layout.value}); the output is one request a line"
            )
    return report


def _refusal(name: str, found: Sniff) -> str:
    what = found.describe()
    if found.kind is Kind.INPUT:
        return f"{name} is already an OpenAI batch input; nothing to convert"
    return (
        f"{name} is {what}; convert turns Anthropic Message Batches and Gemini batch request "
        "files (and fine-tuning chat files) into OpenAI batch input"
    )
