"""Token totals of a whole batch file: exact (every line) or a quick sample.

**Exact** (:func:`count_file`): the file is read in blocks of a few MB, cut at line ends, and
the blocks are counted on a pool of threads (one per CPU, at most 4). tiktoken encodes with the
GIL released, so the threads use every core while JSON parsing takes its turn; results are
merged in file order. Memory stays flat: only the blocks in flight are held, plus three compact
arrays with one entry per line (model, input tokens, output ceiling: 18 bytes a line), which the
queue and jobs use to sum any range of lines.

**Sample** (:func:`sample_file`): a few hundred lines at evenly spaced byte offsets (the first
whole line after each offset, which is as likely to be short as long), counted exactly, then
scaled by bytes: ``total = sampled tokens * file bytes / sampled bytes``. Small files are
counted exactly instead.

Lines that cannot be counted (not JSON, no body, no model, an endpoint without token prices)
are skipped and counted by reason; the first few are kept with their line numbers.
"""

from __future__ import annotations

import os
import time
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson

from batchtui.cost.count import Approx, RequestCount, RequestCounter
from batchtui.cost.encodings import EncodingChoice
from batchtui.jsonl.files import open_regular
from batchtui.jsonl.index import MAX_LINE_BYTES

BLOCK_BYTES = 1024 * 1024
SKIP_EXAMPLES = 20
BOM = b"\xef\xbb\xbf"
SAMPLE_LINES = 600
SAMPLE_SECONDS = 0.6  # time for gathering and counting the sample, after the tokenizer loads
SAMPLE_EXACT_BELOW = 4 * 1024 * 1024  # smaller files are counted exactly
_SAMPLE_WINDOW = 64 * 1024
_SAMPLE_LINE_CAP = 16 * 1024 * 1024
NO_CEILING = -1
SKIPPED = -1


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(slots=True)
class ModelTotals:
    """Everything counted for one model."""

    model: str
    requests: int = 0
    input_tokens: int = 0
    output_max: int = 0  # sum of the ceilings of the lines that have one
    without_ceiling: int = 0  # lines with no output ceiling
    images: int = 0
    image_tokens: int = 0
    not_counted: Counter[str] = field(default_factory=Counter)
    approx: Approx = Approx.NONE
    approx_lines: int = 0  # lines with any approximation

    def add(self, c: RequestCount) -> None:
        self.requests += 1
        self.input_tokens += c.input_tokens
        if c.output_max is None:
            self.without_ceiling += 1
        else:
            self.output_max += c.output_max
        self.images += c.images
        self.image_tokens += c.image_tokens
        if c.not_counted:
            self.not_counted.update(c.not_counted)
        if c.approx:
            self.approx |= c.approx
            self.approx_lines += 1

    def merge(self, other: ModelTotals) -> None:
        self.requests += other.requests
        self.input_tokens += other.input_tokens
        self.output_max += other.output_max
        self.without_ceiling += other.without_ceiling
        self.images += other.images
        self.image_tokens += other.image_tokens
        self.not_counted.update(other.not_counted)
        self.approx |= other.approx
        self.approx_lines += other.approx_lines

    def scaled(self, factor: float) -> ModelTotals:
        def s(n: int) -> int:
            return round(n * factor)

        return ModelTotals(
            self.model,
            s(self.requests),
            s(self.input_tokens),
            s(self.output_max),
            s(self.without_ceiling),
            s(self.images),
            s(self.image_tokens),
            Counter({k: s(v) for k, v in self.not_counted.items()}),
            self.approx,
            s(self.approx_lines),
        )


@dataclass
class FileTokens:
    """Token counts of one file (exact, or scaled from a sample when ``approximate``)."""

    path: str
    bytes: int
    lines: int = 0  # lines read (sampled lines when approximate)
    models: dict[str, ModelTotals] = field(default_factory=dict)
    endpoints: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    skip_examples: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, reason)
    encodings: dict[str, EncodingChoice] = field(default_factory=dict)
    # One entry per line read, in file order (per sampled line when approximate): the index in
    # ``model_names`` (SKIPPED for a skipped line), input tokens, output ceiling (NO_CEILING).
    model_names: list[str] = field(default_factory=list)
    line_model: array = field(default_factory=lambda: array("h"))
    line_input: array = field(default_factory=lambda: array("q"))
    line_output: array = field(default_factory=lambda: array("q"))
    approximate: bool = False
    scale: float = 1.0  # multiply sampled figures by this to estimate the file
    complete: bool = True  # False when cancelled before the end
    seconds: float = 0.0

    # -- totals ----------------------------------------------------------------------

    @property
    def requests(self) -> int:
        return sum(m.requests for m in self.models.values())

    @property
    def input_tokens(self) -> int:
        return sum(m.input_tokens for m in self.models.values())

    @property
    def output_max(self) -> int:
        return sum(m.output_max for m in self.models.values())

    @property
    def without_ceiling(self) -> int:
        return sum(m.without_ceiling for m in self.models.values())

    @property
    def skipped_lines(self) -> int:
        return sum(self.skipped.values())

    def estimated(self) -> FileTokens:
        """The file-level figures: the counts themselves, or the sample scaled to the file."""
        if not self.approximate:
            return self
        out = FileTokens(
            self.path,
            self.bytes,
            lines=round(self.lines * self.scale),
            endpoints=self.endpoints,
            skipped=Counter({k: round(v * self.scale) for k, v in self.skipped.items()}),
            skip_examples=self.skip_examples,
            encodings=self.encodings,
            approximate=True,
            scale=1.0,
            complete=self.complete,
            seconds=self.seconds,
        )
        out.models = {name: m.scaled(self.scale) for name, m in self.models.items()}
        return out

    def range_input_tokens(self, start: int, stop: int) -> dict[str, int]:
        """Input tokens per model of lines ``[start, stop)`` (0-based; exact counts only):
        what a part of a split file puts in the queue."""
        if self.approximate:
            raise ValueError("line ranges need an exact count")
        out: dict[str, int] = {}
        names = self.model_names
        models, inputs = self.line_model, self.line_input
        for i in range(max(0, start), min(stop, len(models))):
            m = models[i]
            if m >= 0:
                out[names[m]] = out.get(names[m], 0) + inputs[i]
        return out

    # -- building --------------------------------------------------------------------

    def _model_index(self, name: str) -> int:
        try:
            return self.model_names.index(name)
        except ValueError:
            self.model_names.append(name)
            return len(self.model_names) - 1

    def absorb(self, part: _Part) -> None:
        index = [self._model_index(name) for name in part.model_names]
        self.line_model.extend(index[m] if m >= 0 else SKIPPED for m in part.line_model)
        self.line_input.extend(part.line_input)
        self.line_output.extend(part.line_output)
        for name, totals in part.models.items():
            mine = self.models.get(name)
            if mine is None:
                self.models[name] = totals
            else:
                mine.merge(totals)
        self.endpoints.update(part.endpoints)
        self.skipped.update(part.skipped)
        room = SKIP_EXAMPLES - len(self.skip_examples)
        if room > 0:
            self.skip_examples.extend(part.skip_examples[:room])
        self.lines += part.lines


@dataclass
class _Part:
    """The counts of one block of lines (built by a worker thread, merged in order)."""

    lines: int = 0
    model_names: list[str] = field(default_factory=list)
    models: dict[str, ModelTotals] = field(default_factory=dict)
    endpoints: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    skip_examples: list[tuple[int, str]] = field(default_factory=list)
    line_model: array = field(default_factory=lambda: array("h"))
    line_input: array = field(default_factory=lambda: array("q"))
    line_output: array = field(default_factory=lambda: array("q"))
    bytes: int = 0


def parse_line(data: bytes) -> tuple[str, dict[str, Any]] | str:
    """``(url, body)`` of one input line, or why it cannot be counted."""
    if not data.strip():
        return "blank line"
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        import json

        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return "not valid UTF-8"
        try:  # lone surrogate escapes (orjson refuses them, the API may not)
            obj = json.loads(text)
        except (ValueError, RecursionError):
            return "not valid JSON"
    if not isinstance(obj, dict):
        return "not a JSON object"
    url = obj.get("url")
    body = obj.get("body")
    if not isinstance(url, str):
        return "no url"
    if not isinstance(body, dict):
        return "no body"
    return url, body


def count_lines(
    counter: RequestCounter,
    lines: Sequence[tuple[int, bytes | int]],
    part: _Part | None = None,
) -> _Part:
    """Count ``(1-based line number, bytes)`` lines into a part (a line given as an int is
    that many bytes, too long to read: skipped)."""
    part = part or _Part()
    names: dict[str, int] = {name: i for i, name in enumerate(part.model_names)}
    for number, data in lines:
        part.lines += 1
        parsed: tuple[str, dict[str, Any]] | str
        if isinstance(data, int):  # never read whole: gigabytes to parse
            part.bytes += data + 1
            parsed = f"longer than {MAX_LINE_BYTES // 1024**2} MB (not read)"
        else:
            part.bytes += len(data) + 1
            if data.endswith(b"\r"):
                data = data[:-1]
            if data.startswith(BOM):  # line 1 of a file saved with a BOM (validate flags it)
                data = data[len(BOM) :]
            parsed = parse_line(data)
        result: RequestCount | str
        if isinstance(parsed, str):
            result = parsed
        else:
            url, body = parsed
            try:
                result = counter.count(url, body)
            except (RecursionError, ValueError, TypeError) as exc:  # hostile shapes
                result = f"cannot be counted ({type(exc).__name__})"
            if not isinstance(result, str):
                part.endpoints[url] += 1
        if isinstance(result, str):
            part.skipped[result] += 1
            if len(part.skip_examples) < SKIP_EXAMPLES:
                part.skip_examples.append((number, result))
            part.line_model.append(SKIPPED)
            part.line_input.append(0)
            part.line_output.append(0)
            continue
        index = names.get(result.model)
        if index is None:
            index = names[result.model] = len(part.model_names)
            part.model_names.append(result.model)
            part.models[result.model] = ModelTotals(result.model)
        part.models[result.model].add(result)
        part.line_model.append(index)
        part.line_input.append(result.input_tokens)
        part.line_output.append(NO_CEILING if result.output_max is None else result.output_max)
    return part


def _open(path: str) -> Any:
    # Non-blocking open + fstat: a FIFO is refused at once instead of waiting for a writer.
    fd, _st = open_regular(path)
    return os.fdopen(fd, "rb", buffering=0)


def _blocks(f: Any, block_bytes: int) -> Iterator[tuple[list[tuple[int, bytes | int]], int]]:
    """``([(line number, line bytes)], bytes read so far)`` per block of whole lines. A line
    longer than :data:`MAX_LINE_BYTES` comes as its length (an int), never held whole."""
    carry: list[bytes] = []  # the start of a line that continues in the next block
    carried = 0
    too_long = False
    number = 1
    done = 0
    while True:
        data = f.read(block_bytes)
        if not data:
            break
        done += len(data)
        cut = data.rfind(b"\n")
        if cut < 0:
            carried += len(data)
            if not too_long:
                carry.append(data)  # a line longer than a block: joined once, when it ends
                if carried > MAX_LINE_BYTES:
                    carry, too_long = [], True
            continue
        head = data[:cut]
        if carry:
            head = b"".join(carry) + head
        parts = head.split(b"\n")
        lines: list[bytes | int] = list(parts)
        if too_long:
            lines[0] = carried + len(parts[0])
        rest = data[cut + 1 :]
        carry, carried, too_long = ([rest] if rest else []), len(rest), False
        yield list(enumerate(lines, number)), done
        number += len(lines)
    if too_long:
        yield [(number, carried)], done
    elif carry:
        yield [(number, b"".join(carry))], done


def count_file(
    path: str | os.PathLike[str],
    *,
    threads: int | None = None,
    counter: RequestCounter | None = None,
    progress: Callable[[int, int], object] | None = None,
    cancelled: Callable[[], bool] | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> FileTokens:
    """Count every line of the file (see the module doc). ``progress(bytes_done, size)`` is
    called after each block; when ``cancelled()`` turns true the result has
    ``complete=False``. Raises UserError if the file cannot be opened."""
    start = time.perf_counter()
    path = os.fspath(path)
    counter = counter or RequestCounter()
    n = threads or default_threads()
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        result = FileTokens(path, size)
        pending: deque[tuple[Future[_Part], int]] = deque()
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="batchtui-count") as pool:
            try:
                for lines, done in _blocks(f, block_bytes):
                    if cancelled is not None and cancelled():
                        result.complete = False
                        break
                    pending.append((pool.submit(count_lines, counter, lines), done))
                    while len(pending) >= n * 2:
                        _merge(result, pending.popleft(), progress, size)
                while pending:
                    _merge(result, pending.popleft(), progress, size)
            finally:
                for future, _done in pending:
                    future.cancel()
    result.encodings = counter.choices()
    result.seconds = time.perf_counter() - start
    return result


def _merge(
    result: FileTokens,
    item: tuple[Future[_Part], int],
    progress: Callable[[int, int], object] | None,
    size: int,
) -> None:
    future, done = item
    result.absorb(future.result())
    if progress is not None:
        progress(done, size)


def _line_after(f: Any, offset: int, size: int) -> tuple[int, bytes] | None:
    """The first whole line starting at or after ``offset`` (``offset`` 0: line 1), as
    ``(start, bytes)``, or None past the end or for a line over the cap."""
    fd = f.fileno()
    pos = offset
    if offset > 0:
        # A line starts right after a newline; look from offset-1 so that a line starting
        # exactly at ``offset`` is found.
        pos = offset - 1
        while True:
            window = os.pread(fd, _SAMPLE_WINDOW, pos)
            if not window:
                return None
            i = window.find(b"\n")
            if i >= 0:
                pos += i + 1
                break
            pos += len(window)
            if pos - offset > _SAMPLE_LINE_CAP:
                return None
    if pos >= size:
        return None
    start = pos
    chunks = []
    while True:
        window = os.pread(fd, _SAMPLE_WINDOW, pos)
        if not window:
            break
        i = window.find(b"\n")
        if i >= 0:
            chunks.append(window[:i])
            break
        chunks.append(window)
        pos += len(window)
        if pos - start > _SAMPLE_LINE_CAP:
            return None
    return start, b"".join(chunks)


def sample_file(
    path: str | os.PathLike[str],
    *,
    lines: int = SAMPLE_LINES,
    seconds: float = SAMPLE_SECONDS,
    threads: int | None = None,
    counter: RequestCounter | None = None,
    exact_below: int = SAMPLE_EXACT_BELOW,
) -> FileTokens:
    """A quick estimate from ``lines`` evenly spaced lines (fewer if ``seconds`` run out);
    files under ``exact_below`` bytes are counted exactly. Check ``approximate`` on the
    result and use :meth:`FileTokens.estimated` for file-level figures."""
    path = os.fspath(path)
    counter = counter or RequestCounter()
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
    if size < exact_below:
        return count_file(path, threads=threads, counter=counter)
    start = time.perf_counter()
    # Load the tokenizer for the first line's model before the clock for sampling starts:
    # it is a fixed cost (~0.5 s for o200k_base), not a per-line one.
    with _open(path) as f:
        first = _line_after(f, 0, size)
        if first is not None:
            count_lines(counter, [(1, first[1])])
        # Half the budget for reading lines (random reads on a cold disk can be slow), the
        # rest for counting them.
        read_deadline = time.perf_counter() + seconds / 2
        sampled: list[tuple[int, bytes]] = []
        seen: set[int] = set()
        for k in range(lines):
            if k % 16 == 0 and time.perf_counter() > read_deadline:
                break
            found = _line_after(f, k * size // lines, size)
            if found is None or found[0] in seen:
                continue
            seen.add(found[0])
            sampled.append((0, found[1]))  # line numbers are unknown in a sample
    n = threads or default_threads()
    part_size = max(1, -(-len(sampled) // n))
    with ThreadPoolExecutor(max_workers=n, thread_name_prefix="batchtui-sample") as pool:
        parts = list(
            pool.map(
                lambda i: count_lines(counter, sampled[i : i + part_size]),
                range(0, len(sampled), part_size),
            )
        )
    result = FileTokens(path, size, approximate=True)
    sampled_bytes = 0
    for part in parts:
        result.absorb(part)
        sampled_bytes += part.bytes
    result.skip_examples = []  # no line numbers to show
    result.scale = size / sampled_bytes if sampled_bytes else 0.0
    result.encodings = counter.choices()
    result.seconds = time.perf_counter() - start
    return result
