"""Split a batch input file into numbered parts that each fit the Batch API limits.

``split_file("big.jsonl", max_requests=50_000, max_bytes=200 MiB)`` writes
``big.part001.jsonl``, ``big.part002.jsonl``... next to the input (or in ``out_dir``). Lines are
copied byte for byte and never cut; each part ends with a newline, and CRLF endings become LF
(the UTF-8 BOM, if any, is dropped: the Batch API wants plain UTF-8). The input is only read.
The parts appear all together or not at all (``batchtui.core.atomic``): each is written to a
temporary file in the target directory and flushed, and only when every part is complete are
they renamed into place; a full disk, Ctrl+C or a cancel leaves no part and no temp file. With
``overwrite``, the parts of an earlier run that this run does not replace are removed, so a
glob such as ``big.part*.jsonl`` never picks up a stale part. Parts follow the umask.

No Textual here: the TUI calls :func:`split_file` from a worker thread.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from batchtui.core.atomic import atomic_files
from batchtui.core.errors import UserError
from batchtui.jsonl.index import MAX_LINE_BYTES, FileChanged, LineIndex, Span
from batchtui.validation.facts import BOM
from batchtui.validation.providers import OPENAI

_OPENAI_REQUESTS, _OPENAI_BYTES = OPENAI.part_limits()  # the defaults; callers pass a profile's

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
WRITE_BUFFER = 4 * 1024 * 1024


def parse_size(text: str) -> int:
    """``"200MB"`` -> 209,715,200. Units are powers of 1024 (K, M, G, T; "B"/"iB" optional),
    matching OpenAI's "200 MB" = 209,715,200 bytes; a bare number is bytes."""
    m = _SIZE.match(text)
    if m is None:
        raise ValueError(f"not a size: {text!r} (try 200MB, 1.5G or 1048576)")
    value = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if value < 1:
        raise ValueError(f"size must be at least 1 byte: {text!r}")
    return int(value)


@dataclass(frozen=True, slots=True)
class Part:
    path: Path
    requests: int  # lines in the part
    bytes: int
    first_line: int  # 1-based line of the input where the part starts
    last_line: int


def _stem(path: Path) -> str:
    return path.name[: -len(path.suffix)] if path.suffix else path.name


def part_paths(path: Path, count: int, out_dir: Path) -> list[Path]:
    stem = _stem(path)
    width = max(3, len(str(count)))
    return [out_dir / f"{stem}.part{n:0{width}d}.jsonl" for n in range(1, count + 1)]


def existing_parts(path: Path, out_dir: Path) -> list[Path]:
    """Parts of ``path`` already in ``out_dir`` (from this run's naming or an earlier one)."""
    pattern = re.compile(re.escape(_stem(path)) + r"\.part\d{3,}\.jsonl")
    try:
        names = sorted(os.listdir(out_dir))
    except OSError:
        return []
    return [out_dir / n for n in names if pattern.fullmatch(n)]


class _Cancelled(Exception):
    pass


def plan(index: LineIndex, max_requests: int, max_bytes: int) -> list[tuple[int, int, int]]:
    """Line ranges ``(start, stop, bytes)`` (0-based, stop exclusive) of each part.

    Works from the newline offsets alone; raises UserError for a line that cannot fit.
    """
    if max_requests < 1:
        raise UserError("--max-requests must be at least 1")
    n = index.line_count
    parts: list[tuple[int, int, int]] = []
    start = 0
    size = 0
    has_bom = index.read(Span(0, min(3, index.size))) == BOM
    for i in range(n):
        need = index.span(i).length + 1  # content without CR, plus the '\n' we write
        if i == 0 and has_bom:
            need -= len(BOM)
        if need > max_bytes:
            raise UserError(
                f"{index.name}: line {i + 1:,} is {need:,} bytes, more than --max-bytes "
                f"({max_bytes:,}); it cannot go into any part"
            )
        if i > start and (i - start >= max_requests or size + need > max_bytes):
            parts.append((start, i, size))
            start, size = i, 0
        size += need
    if n > start:
        parts.append((start, n, size))
    return parts


def split_file(
    path: str | os.PathLike[str],
    *,
    max_requests: int = _OPENAI_REQUESTS,
    max_bytes: int = _OPENAI_BYTES,
    out_dir: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
    progress: Callable[[int, int], object] | None = None,
    cancelled: Callable[[], bool] | None = None,
    copy_of: str | None = None,
) -> list[Part]:
    """Write the parts; return them. ``progress(lines_written, total_lines)`` after each part.
    ``copy_of`` names what ``path`` is a private copy of (standard input, a gzip file): for
    messages; the parts are named after ``path``.

    Raises UserError (nothing written) when the file cannot be read, a line is larger than
    ``max_bytes``, a part would overwrite the input, parts of an earlier run exist and not
    ``overwrite``, or the disk refuses a write. If cancelled, nothing is written and the list
    is empty.
    """
    src = Path(path)
    with LineIndex(src, copy_of=copy_of) as index:
        if not index.scan():
            raise FileChanged(index.name)  # shrank while indexed: parts would miss lines
        if index.line_count == 0:
            raise UserError(f"{index.name}: the file is empty; nothing to split")
        ranges = plan(index, max_requests, max_bytes)
        target = Path(out_dir) if out_dir is not None else src.parent
        if not target.is_dir():
            raise UserError(f"{target}: no such directory")
        paths = part_paths(src, len(ranges), target)
        earlier = existing_parts(src, target)
        for p in [*paths, *earlier]:
            if p.exists() and os.path.samefile(p, src):
                raise UserError(f"{p}: a part would overwrite the input file")
        if earlier and not overwrite:
            more = f" and {len(earlier) - 1} more" if len(earlier) > 1 else ""
            raise UserError(
                f"{earlier[0]}{more} already exists (use --force to replace the parts of an "
                "earlier run)"
            )
        parts: list[Part] = []
        try:
            with atomic_files() as files:
                for (start, stop, size), out_path in zip(ranges, paths, strict=True):
                    if cancelled is not None and cancelled():
                        raise _Cancelled
                    with files.open(out_path, buffering=WRITE_BUFFER) as out:
                        _write_part(index, start, stop, out)
                    parts.append(Part(out_path, stop - start, size, start + 1, stop))
                    if progress is not None:
                        progress(stop, index.line_count)
        except _Cancelled:
            return []
        for stale in set(earlier) - set(paths):
            # An earlier run made more parts (or wider numbers): a glob must not find them.
            stale.unlink(missing_ok=True)
        return parts


def _write_part(index: LineIndex, start: int, stop: int, out: BinaryIO) -> None:
    for i, data in index.iter_lines(start, stop, max_line=MAX_LINE_BYTES):
        if data is None:
            # Too long to hold in memory: copied in blocks.
            span = index.span(i)
            skip = 3 if i == 0 and index.read(Span(0, 3)) == BOM else 0
            for _, block in index.read_blocks(span.start + skip, span.end):
                out.write(block)
        elif i == 0 and data.startswith(BOM):
            out.write(data[3:])
        else:
            out.write(data)
        out.write(b"\n")
