"""The files that belong with an output or error file: the batch's input, and the other
result file, found beside it.

A user who opens ``batch_abc_output.jsonl`` usually has ``batch_abc_input.jsonl`` (or the
file they submitted) and ``batch_abc_error.jsonl`` next to it. Candidates come from, in
order of trust:

1. what this machine recorded when it submitted the batch (``recorded``: batch id -> input
   path; the caller reads the records, this module never touches the API's state);
2. the file's name with its result word swapped (``output``/``errors``/``results`` ->
   ``input``, or dropped: ``batch_abc_output.jsonl`` -> ``batch_abc_input.jsonl``,
   ``batch_abc.jsonl``; FORMATS.md §5 lists the names seen);
3. any other JSONL file in the same folder (at most ``MAX_NEIGHBOURS``) whose custom_ids
   meet the results' own.

A candidate is kept only if it is a regular file of the right kind (an input for the input,
an output or error file for the other result file), sniffed from its head; a neighbour found
by neither the records nor its name must also share a custom_id with the results (an output
and its error file share none, so the other result file is found by name only). The caller
asks the user before joining. Bounded work: heads only (``ID_BYTES``), so it is quick on
files of any size.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from batchtui.jsonl.kinds import Kind, sniff_path

ID_BYTES = 1 << 20  # bytes read from a file's head for its custom_ids
MAX_IDS = 2000  # custom_ids read from a head
MAX_NEIGHBOURS = 40  # other files of the folder looked at
_RESULT_WORDS = ("output", "outputs", "out", "results", "result", "errors", "error", "err")
_ERROR_WORDS = frozenset({"errors", "error", "err"})
_SEPARATORS = re.compile(r"([_.\-])")
_BATCH_ID = re.compile(r"batch_[A-Za-z0-9]+")
_SUFFIXES = (".jsonl", ".ndjson", ".json", ".txt", "")


@dataclass(frozen=True, slots=True)
class Companion:
    path: Path
    reason: str  # "recorded when batch_abc was submitted", "named like it", ...


@dataclass(slots=True)
class Companions:
    """What was found beside a result file."""

    input: Companion | None = None
    output: Companion | None = None  # the output file beside an error file
    errors: Companion | None = None  # the error file beside an output file
    looked_at: list[Path] = field(default_factory=list)


def batch_id_in(name: str) -> str | None:
    """The batch id in a file name (``batch_abc123_output.jsonl``), if there is one."""
    for match in _BATCH_ID.finditer(name):
        if match.group() not in ("batch_output", "batch_input", "batch_errors", "batch_error"):
            return match.group()
    return None


def _split(name: str) -> tuple[str, str]:
    for suffix in _SUFFIXES[:-1]:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], name[-len(suffix) :]
    return name, ""


def renamed(name: str, words: Iterable[str]) -> list[str]:
    """``name`` with a result word replaced by each of ``words`` ("" drops it with its
    separator): ``batch_x_output.jsonl`` -> ``batch_x_input.jsonl``, ``batch_x.jsonl``."""
    stem, suffix = _split(name)
    tokens = _SEPARATORS.split(stem)  # words and the separators between them
    out: list[str] = []
    for i, token in enumerate(tokens):
        if token.lower() not in _RESULT_WORDS:
            continue
        for word in words:
            if word:
                new = [*tokens[:i], _case_like(word, token), *tokens[i + 1 :]]
            elif i > 0:  # drop the word and the separator before it
                new = [*tokens[: i - 1], *tokens[i + 1 :]]
            elif len(tokens) > 2:  # first word: drop it and the separator after it
                new = tokens[2:]
            else:
                continue
            candidate = "".join(new) + suffix
            if candidate and candidate != name and candidate not in out:
                out.append(candidate)
    return out


def _case_like(word: str, like: str) -> str:
    return word.upper() if like.isupper() else word.capitalize() if like[:1].isupper() else word


def head_ids(path: Path, limit: int = MAX_IDS) -> set[str]:
    """custom_ids (or Gemini keys) of the first lines of ``path``; empty when unreadable."""
    try:
        with open(path, "rb") as f:
            data = f.read(ID_BYTES)
    except OSError:
        return set()
    ids: set[str] = set()
    for line in data.split(b"\n")[:limit]:
        if b"custom_id" not in line:
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        cid = obj.get("custom_id") if isinstance(obj, dict) else None
        if isinstance(cid, str):
            ids.add(cid)
    return ids


def _kind(path: Path) -> Kind | None:
    try:
        if not path.is_file():
            return None
        return sniff_path(path).kind
    except Exception:  # a neighbour that cannot be read (or sniffed) is no companion
        return None


def find_companions(
    path: str | os.PathLike[str],
    kind: Kind,
    recorded: Mapping[str, str] | None = None,
) -> Companions:
    """The input and the other result file that go with the output or error file ``path``
    of kind ``kind`` (``Kind.OUTPUT`` or ``Kind.ERRORS``); see the module's docstring."""
    here = Path(path)
    found = Companions()
    ids = head_ids(here)
    seen: set[Path] = {here.resolve()}

    def consider(candidate: Path, reason: str, want: set[Kind], need_ids: bool) -> bool:
        try:
            real = candidate.resolve()
        except OSError:
            return False
        if real in seen:
            return False
        seen.add(real)
        found.looked_at.append(candidate)
        if _kind(candidate) not in want:
            return False
        if need_ids and ids and not ids & head_ids(candidate):
            return False
        companion = Companion(candidate, reason)
        if Kind.INPUT in want:
            found.input = companion
        elif kind is Kind.ERRORS:
            found.output = companion
        else:
            found.errors = companion
        return True

    batch = batch_id_in(here.name)
    if batch and recorded and batch in recorded:
        consider(Path(recorded[batch]), f"recorded when {batch} was submitted", {Kind.INPUT}, False)
    if found.input is None:
        for name in renamed(here.name, ("input", "in", "")):
            if consider(here.with_name(name), "named like it", {Kind.INPUT}, False):
                break
    other_words = ("output", "") if kind is Kind.ERRORS else ("error", "errors", "")
    other_kinds = {Kind.OUTPUT} if kind is Kind.ERRORS else {Kind.ERRORS}
    for name in renamed(here.name, other_words):
        if consider(here.with_name(name), "named like it", other_kinds, False):
            break
    if found.input is None and ids:
        try:
            entries = sorted(here.parent.iterdir())
        except OSError:
            entries = []
        jsonl = [p for p in entries if p.suffix.lower() in (".jsonl", ".ndjson")]
        for candidate in jsonl[:MAX_NEIGHBOURS]:
            if consider(candidate, "its custom_ids match", {Kind.INPUT}, True):
                break
    return found
