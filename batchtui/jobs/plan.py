"""Planning a job: the input cut into parts that each fit one batch, in one streaming pass.

The input is read once, front to back, in blocks of a few MB; memory holds the blocks in flight
and the parts found so far, never the file or an entry per line. Each line is whole in exactly
one part, and parts are contiguous byte ranges of the input (the file's UTF-8 BOM, if any,
stays out of part 1: the Batch API wants plain UTF-8). A part closes before the line that would
take it past any of: ``max_requests`` lines, ``max_bytes`` bytes, ``max_embedding_inputs``
(embeddings batches count the items of each ``input``), ``max_tokens`` input tokens (so a part
fits an empty queue). Per part: first and last line (1-based), byte range, request count, the
SHA-256 of its bytes (what the upload must send), and its input tokens per model.

Tokens are counted with the cost layer's counter (:mod:`batchtui.cost`): exactly (every line,
on a pool of threads, ``tokens="exact"``), or scaled from a sample of the file by bytes
(``"sample"``: a second or so for any size, marked as estimated), or not at all (``"none"``).

``check`` (a :class:`~batchtui.validation.digest.DigestChecker`) is fed every byte read: when
it matches, the bytes that were cut into parts are the bytes the validator checked, so each
part's hash names validated bytes.

Pure computation over a local file: no network, no Textual.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson

from batchtui.core.errors import UserError
from batchtui.jsonl.files import open_regular

BOM = b"\xef\xbb\xbf"
BLOCK_BYTES = 4 * 1024 * 1024
TOKENS_EXACT = "exact"
TOKENS_SAMPLE = "sample"
TOKENS_NONE = "none"
TOKEN_MODES = (TOKENS_EXACT, TOKENS_SAMPLE, TOKENS_NONE)
NO_LIMIT = 1 << 62
SAMPLE_EXACT_BELOW = 4 * 1024 * 1024  # smaller files are counted exactly even when sampling

Progress = Callable[[int, int], None]  # (bytes read, file size)


@dataclass(frozen=True)
class PartLimits:
    """What one part may hold (None: no limit of that kind)."""

    max_requests: int
    max_bytes: int
    max_embedding_inputs: int | None = None
    max_tokens: int | None = None

    def __post_init__(self) -> None:
        if self.max_requests < 1:
            raise UserError("--max-requests must be at least 1")
        if self.max_bytes < 1:
            raise UserError("--max-bytes must be at least 1 byte")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise UserError("--max-tokens must be at least 1")


@dataclass(frozen=True)
class PlannedPart:
    number: int  # 1-based
    first_line: int  # 1-based line of the input
    last_line: int
    start: int  # byte range [start, end) of the input
    end: int
    requests: int
    sha256: str
    tokens: dict[str, int] | None  # input tokens per model; None: not counted

    @property
    def bytes(self) -> int:
        return self.end - self.start


@dataclass
class Plan:
    path: str
    size: int
    mtime_ns: int
    sha256: str  # of the whole file
    parts: list[PlannedPart] = field(default_factory=list)
    tokens_mode: str = TOKENS_NONE  # how the parts' tokens were found
    tokens_note: str | None = None  # why they are missing or estimated
    digest_matches: bool | None = None  # None: no digest to check against

    @property
    def requests(self) -> int:
        return sum(p.requests for p in self.parts)

    def tokens(self) -> dict[str, int] | None:
        out: dict[str, int] = {}
        for part in self.parts:
            if part.tokens is None:
                return None
            for model, n in part.tokens.items():
                out[model] = out.get(model, 0) + n
        return out


def embedding_inputs(data: bytes) -> int:
    """How many embedding inputs a ``/v1/embeddings`` line holds, as the validator counts
    them (batchtui.validation.checks ``_embeddings``): a string is one, an array of token ids
    is one, an array of strings or of token arrays is one per item."""
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        return 0
    body = obj.get("body") if isinstance(obj, dict) else None
    value = body.get("input") if isinstance(body, dict) else None
    if isinstance(value, str):
        return 1
    if not isinstance(value, list) or not value:
        return 0
    return 1 if isinstance(value[0], int) else len(value)


class _Cutter:
    """Decides where parts end, line by line, and hashes each part's bytes."""

    def __init__(self, limits: PartLimits, size: int, start: int, name: str = "") -> None:
        self.name = name
        self.limits = limits
        self.size = size
        self.parts: list[PlannedPart] = []
        self._start = start  # byte offset where the open part starts
        self._first = 1  # its first line (1-based)
        self._lines = 0
        self._bytes = 0
        self._tokens: dict[str, int] = {}
        self._token_sum = 0
        self._inputs = 0
        self._hash = hashlib.sha256()
        self._counted = True

    def line(
        self,
        number: int,
        start: int,
        length: int,
        model: str | None,
        tokens: int,
        inputs: int,
        feed: Callable[[int], None],
    ) -> None:
        """One more line: ``length`` bytes from ``start``; ``feed(offset)`` hashes the open
        part's bytes up to ``offset`` (called before a new part starts there)."""
        lim = self.limits
        if length > lim.max_bytes:
            raise UserError(
                f"{self.name}: line {number:,} is {length:,} bytes, more than a part may hold "
                f"({lim.max_bytes:,}); it cannot go into any batch"
            )
        if lim.max_tokens is not None and tokens > lim.max_tokens:
            raise UserError(
                f"{self.name}: line {number:,} has {tokens:,} input tokens, more than a part "
                "may hold "
                f"({lim.max_tokens:,}: the queue limit or --max-tokens)"
            )
        if self._lines and (
            self._lines + 1 > lim.max_requests
            or self._bytes + length > lim.max_bytes
            or (lim.max_tokens is not None and self._token_sum + tokens > lim.max_tokens)
            or (
                lim.max_embedding_inputs is not None
                and self._inputs + inputs > lim.max_embedding_inputs
            )
        ):
            feed(start)
            self.close(start)
        self._lines += 1
        self._bytes += length
        self._inputs += inputs
        if model is not None:
            self._tokens[model] = self._tokens.get(model, 0) + tokens
            self._token_sum += tokens

    def update(self, data: bytes | memoryview) -> None:
        self._hash.update(data)

    def close(self, end: int) -> None:
        if not self._lines:
            return
        self.parts.append(
            PlannedPart(
                number=len(self.parts) + 1,
                first_line=self._first,
                last_line=self._first + self._lines - 1,
                start=self._start,
                end=end,
                requests=self._lines,
                sha256=self._hash.hexdigest(),
                tokens=dict(self._tokens),
            )
        )
        self._first += self._lines
        self._start = end
        self._lines = self._bytes = self._token_sum = self._inputs = 0
        self._tokens = {}
        self._hash = hashlib.sha256()


@dataclass
class _Block:
    base: int  # file offset of data[0]
    data: bytes
    lines: list[tuple[int, int]]  # (start offset, length incl. newline)
    first_number: int  # 1-based number of the first line
    counted: Future[Any] | None = None  # a cost _Part with per-line tokens


def plan_parts(
    path: str | os.PathLike[str],
    limits: PartLimits,
    *,
    tokens: str = TOKENS_EXACT,
    endpoint: str | None = None,
    check: Any = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    threads: int | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> Plan:
    """Cut ``path`` into parts (see the module docstring). Raises :class:`UserError` for a
    file that cannot be read, is empty, has a line no part can hold, or changes while read;
    returns an empty plan when ``cancelled()`` turns true."""
    if tokens not in TOKEN_MODES:
        raise ValueError(f"tokens must be one of {TOKEN_MODES}")
    name = os.fspath(path)
    fd, st = open_regular(name)
    counter = None
    note: str | None = None
    mode = tokens
    rate: tuple[str, float] | None = None  # sample mode: (model, tokens per byte)
    if tokens == TOKENS_SAMPLE and st.st_size < SAMPLE_EXACT_BELOW:
        mode = tokens = TOKENS_EXACT  # small enough to count every line at once
    if tokens == TOKENS_EXACT:
        from batchtui.cost.count import RequestCounter

        counter = RequestCounter()
    elif tokens == TOKENS_SAMPLE:
        rate, mode, note = _sample_rate(name)
    with open(fd, "rb", buffering=0) as f:
        size = st.st_size
        if size == 0:
            raise UserError(f"{name}: the file is empty; nothing to run")
        whole = hashlib.sha256()
        head = os.pread(f.fileno(), 3, 0)
        skip = len(BOM) if head == BOM else 0
        cutter = _Cutter(limits, size, skip, name)
        pending: deque[_Block] = deque()
        n_threads = threads or max(1, min(os.cpu_count() or 1, 4))
        pool = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="batchtui-plan")
        is_embeddings = endpoint == "/v1/embeddings"
        try:
            number = 1
            offset = 0
            carry = b""
            while True:
                if cancelled is not None and cancelled():
                    return Plan(name, size, st.st_mtime_ns, "", [], mode, "cancelled")
                chunk = f.read(block_bytes)
                if chunk:
                    whole.update(chunk)
                    if check is not None:
                        check.update(chunk)
                data = carry + chunk if carry else chunk
                base = offset - len(carry)
                offset += len(chunk)
                if chunk:
                    cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        if len(data) > limits.max_bytes:
                            raise UserError(
                                f"{name}: line {number:,} is more than {limits.max_bytes:,} "
                                "bytes; it cannot go into any batch"
                            )
                        carry = data
                        continue
                    body, carry = data[:cut], data[cut:]
                else:
                    body, carry = data, b""  # the last line, without a final newline
                if body:
                    block = _lines_of(body, base, number, skip if base == 0 else 0)
                    number += len(block.lines)
                    if counter is not None:
                        block.counted = pool.submit(_count_block, counter, block)
                    pending.append(block)
                    while len(pending) > n_threads * 2 or (pending and not chunk):
                        mode, note = _merge(
                            pending.popleft(), cutter, mode, note, is_embeddings, rate
                        )
                if progress is not None:
                    progress(offset, size)
                if not chunk:
                    break
            while pending:
                mode, note = _merge(pending.popleft(), cutter, mode, note, is_embeddings, rate)
        finally:
            for block in pending:
                if block.counted is not None:
                    block.counted.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
        if offset != size or os.fstat(f.fileno()).st_size != size:
            raise UserError(f"{name}: the file changed while it was read; try again")
    cutter.close(size)
    plan = Plan(name, size, st.st_mtime_ns, whole.hexdigest(), cutter.parts, mode, note)
    if not plan.parts:
        raise UserError(f"{name}: no requests in the file; nothing to run")
    if mode == TOKENS_NONE:
        plan.parts = [_without_tokens(p) for p in plan.parts]
    if check is not None:
        plan.digest_matches = bool(check.matches())
    return plan


def _lines_of(body: bytes, base: int, number: int, skip: int) -> _Block:
    lines: list[tuple[int, int]] = []
    pos = skip
    n = len(body)
    find = body.find
    while pos < n:
        nl = find(b"\n", pos)
        end = n if nl < 0 else nl + 1
        lines.append((base + pos, end - pos))
        pos = end
    return _Block(base, body, lines, number)


def _count_block(counter: Any, block: _Block) -> Any:
    from batchtui.cost.scan import count_lines

    base = block.base
    data = block.data
    lines = []
    for k, (start, length) in enumerate(block.lines):
        a = start - base
        b = a + length
        if data[b - 1 : b] == b"\n":
            b -= 1
        lines.append((block.first_number + k, data[a:b]))
    return count_lines(counter, lines)


def _merge(
    block: _Block,
    cutter: _Cutter,
    mode: str,
    note: str | None,
    is_embeddings: bool,
    rate: tuple[str, float] | None = None,
) -> tuple[str, str | None]:
    """Run the cutter over one block's lines, in file order."""
    counted = None
    if block.counted is not None:
        try:
            counted = block.counted.result()
        except Exception as exc:  # no tokenizer data offline, say: plan without tokens
            from batchtui.cost.encodings import OfflineError

            if not isinstance(exc, OfflineError):
                raise
            mode, note = TOKENS_NONE, f"tokens not counted: {exc}"
    base = block.base
    data = block.data
    hashed = block.lines[0][0] - base if block.lines else 0

    def feed(upto: int) -> None:
        nonlocal hashed
        cutter.update(memoryview(data)[hashed : upto - base])
        hashed = upto - base

    for k, (start, length) in enumerate(block.lines):
        model = None
        tokens = 0
        if counted is not None and mode != TOKENS_NONE:
            m = counted.line_model[k]
            if m >= 0:
                model = counted.model_names[m]
                tokens = counted.line_input[k]
        elif rate is not None:
            model, tokens = rate[0], round(length * rate[1])
        inputs = 0
        if is_embeddings:
            a = start - base
            inputs = embedding_inputs(data[a : a + length])
        cutter.line(block.first_number + k, start, length, model, tokens, inputs, feed)
    feed(base + len(data))
    return mode, note


def _without_tokens(part: PlannedPart) -> PlannedPart:
    return PlannedPart(
        part.number,
        part.first_line,
        part.last_line,
        part.start,
        part.end,
        part.requests,
        part.sha256,
        None,
    )


def _sample_rate(path: str) -> tuple[tuple[str, float] | None, str, str | None]:
    """Input tokens per byte of the file's model, from a sample (a batch file has one
    model; with several, the largest share stands for all). ``(rate, mode, note)``."""
    from batchtui.cost.encodings import OfflineError
    from batchtui.cost.scan import sample_file

    try:
        sample = sample_file(path)
    except OfflineError as exc:
        return None, TOKENS_NONE, f"tokens not counted: {exc}"
    estimate = sample.estimated()
    if not estimate.models or not estimate.bytes:
        return None, TOKENS_NONE, "tokens not counted: no line could be counted"
    model = max(estimate.models.values(), key=lambda m: m.input_tokens)
    total = sum(m.input_tokens for m in estimate.models.values())
    note = None if not sample.approximate else "tokens estimated from a sample of the file"
    return (model.model, total / estimate.bytes), TOKENS_SAMPLE, note
