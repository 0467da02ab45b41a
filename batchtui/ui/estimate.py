"""Cost in the File screen: the whole file's estimate for the report header, one line's tokens
for the detail pane, and the figures the submit dialog shows.

The counting is :mod:`batchtui.cost`'s; this module runs it in the background and words the
result. Nothing here delays the first screen: the File screen starts :func:`run_estimate` in a
thread worker once the index is complete, the sample first (under a second), then the exact
count of every line with one thread fewer than there are cores, so the UI and the validator
keep theirs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text

from batchtui.core.text import safe

if TYPE_CHECKING:
    from batchtui.cost.estimate import Estimate
    from batchtui.cost.prices import PriceBook

SAMPLE = "sample"
COUNTING = "counting"
DONE = "done"
FAILED = "failed"
# Seconds the counting thread steps aside after each block: keys stay responsive.
COUNT_YIELD = 0.002
LINE_CAP = 8 * 1024 * 1024  # longer lines are not counted in the detail pane


@dataclass
class EstimateState:
    """Where the background estimate of a file stands."""

    phase: str  # SAMPLE, COUNTING, DONE or FAILED
    estimate: Estimate | None = None  # the latest: the sample's, then the exact count's
    fraction: float = 0.0  # of the exact count
    error: str | None = None
    # Input tokens per model of the exact count (what the submit check reuses).
    tokens: dict[str, int] = field(default_factory=dict)

    @property
    def exact(self) -> bool:
        return self.phase == DONE and self.estimate is not None


def price_book(app: Any = None) -> PriceBook:
    """genai-prices with the config file's ``[prices]`` overrides (the app's settings when
    they are loaded, else loaded here: call it off the UI thread)."""
    from batchtui.core.errors import UserError
    from batchtui.cost.prices import PriceBook

    settings = getattr(app, "settings", None)
    if settings is None:
        from batchtui.core.settings import load_settings

        try:
            settings = load_settings()
        except UserError:
            return PriceBook()  # the app says what is wrong with the settings
    try:
        return PriceBook(settings.price_overrides())
    except ValueError:
        return PriceBook()


def exact_estimate(
    app: Any,
    path: str,
    *,
    threads: int | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> EstimateState | None:
    """The file's exact estimate: the File screen's when its background count is done, else
    counted here (call it off the UI thread); None when it cannot be (no tokenizer data for
    its models, an unreadable file, ``cancelled``)."""
    from batchtui.core.errors import UserError
    from batchtui.cost.encodings import OfflineError
    from batchtui.cost.estimate import estimate
    from batchtui.cost.scan import count_file

    screen = getattr(app, "file_screen", None)
    state = screen.estimate_state if screen is not None else None
    if state is not None and state.exact:
        return state
    try:
        tokens = count_file(path, threads=threads, cancelled=cancelled)
    except (UserError, OfflineError, OSError):
        return None
    if not tokens.complete:
        return None
    return EstimateState(
        DONE, estimate(tokens, price_book(app)), 1.0, tokens=input_tokens_of(tokens)
    )


def count_threads() -> int:
    """One thread fewer than the cores (the UI thread needs one), at least one, at most 4."""
    return max(1, min((os.cpu_count() or 2) - 1, 4))


def run_estimate(
    path: str,
    report: Callable[[EstimateState], object],
    cancelled: Callable[[], bool],
    *,
    book: PriceBook | None = None,
    exact_after: Callable[[], bool] | None = None,
    exact_below: int | None = None,
) -> EstimateState | None:
    """The sample, then the exact count of ``path``, each ``report``-ed; None if cancelled.

    ``exact_after`` is polled before the exact count starts (the File screen waits for the
    validator to finish, so the two do not fight over the cores). Files under ``exact_below``
    bytes (default: the sampler's threshold) are counted exactly at once."""
    from batchtui.core.errors import UserError
    from batchtui.cost.encodings import OfflineError
    from batchtui.cost.estimate import estimate
    from batchtui.cost.prices import PriceBook
    from batchtui.cost.scan import count_file, sample_file

    book = book or PriceBook()
    try:
        if exact_below is None:
            sampled = sample_file(path, threads=1)
        else:
            sampled = sample_file(path, threads=1, exact_below=exact_below)
        state = EstimateState(SAMPLE if sampled.approximate else DONE, estimate(sampled, book))
        if not sampled.approximate:  # a small file: the "sample" was the exact count
            state.tokens = input_tokens_of(sampled)
            report(state)
            return state
        report(state)
        if exact_after is not None and not wait_until(exact_after, cancelled):
            return None

        def progress(done: int, total: int) -> None:
            state.fraction = done / max(total, 1)
            report(EstimateState(COUNTING, state.estimate, state.fraction))
            time.sleep(COUNT_YIELD)

        exact = count_file(path, threads=count_threads(), progress=progress, cancelled=cancelled)
        if not exact.complete:
            return None
        done = EstimateState(DONE, estimate(exact, book), 1.0, tokens=input_tokens_of(exact))
        report(done)
        return done
    except (UserError, OfflineError, OSError) as exc:
        message = exc.message if isinstance(exc, UserError) else str(exc)
        failed = EstimateState(FAILED, error=message)
        report(failed)
        return failed


# How long the keys must rest before work that holds the interpreter for a moment starts.
INPUT_IDLE = 0.4


def wait_until(ready: Callable[[], bool], cancelled: Callable[[], bool]) -> bool:
    """Poll ``ready`` (from a worker thread); False if ``cancelled`` first."""
    while not ready():
        if cancelled():
            return False
        time.sleep(0.05)
    return True


def line_counter_ready() -> bool:
    """Has this process counted a line (its tokenizer loaded, so the next count is cheap)?"""
    return _COUNTER is not None


def input_tokens_of(tokens: Any) -> dict[str, int]:
    """Input tokens per model of a ``cost.scan.FileTokens``."""
    return {name: m.input_tokens for name, m in tokens.models.items()}


def estimate_text(state: EstimateState | None) -> Text | None:
    """The report header's cost lines (None: nothing to say, e.g. not a request file)."""
    from batchtui.cost.estimate import saving_line
    from batchtui.cost.queue import short_tokens

    if state is None:
        return None
    if state.phase == FAILED:
        return Text(f" cost: not estimated ({safe(state.error or '?')})", style="dim")
    est = state.estimate
    if est is None or not est.models:
        return None
    t = est.tokens
    text = Text(" ")
    about = "" if state.exact else "≈"
    if est.cost.batch_max or est.cost.standard_max:
        text.append(saving_line(est.cost), style="bold")
        if est.unpriced:
            text.append(" (priced models only)", style="dim")
    else:
        text.append(
            "no known price for " + ", ".join(safe(m) for m in est.unpriced), style="yellow"
        )
    text.append(f"\n {about}{short_tokens(t.input_tokens)} input tokens", style="dim")
    if t.output_max:
        text.append(f", output at most {about}{short_tokens(t.output_max)}", style="dim")
    if t.without_ceiling:
        n = t.without_ceiling
        text.append(f", {n:,} request{'s' if n != 1 else ''} without an output limit", style="dim")
    if state.phase == SAMPLE:
        text.append(f" · from {est.sampled_lines:,} sampled lines, counting…", style="italic")
    elif state.phase == COUNTING:
        text.append(f" · from a sample, counting {100 * state.fraction:.0f}%", style="italic")
    return text


@dataclass(frozen=True)
class LineTokens:
    """One request's tokens, for the detail pane's title."""

    input_tokens: int
    output_max: int | None
    model: str

    def label(self) -> str:
        """``57 tokens in, ≤256 out`` (or ``no output limit``)."""
        out = "no output limit" if self.output_max is None else f"≤{self.output_max:,} out"
        return f"{self.input_tokens:,} tokens in, {out}"


def count_line(data: bytes) -> LineTokens | None:
    """The tokens of one input line (None: not a request that can be counted)."""
    from batchtui.cost.count import RequestCounter
    from batchtui.cost.encodings import OfflineError
    from batchtui.cost.scan import parse_line

    parsed = parse_line(data.rstrip(b"\r"))
    if isinstance(parsed, str):
        return None
    url, body = parsed
    try:
        result = _line_counter(RequestCounter).count(url, body)
    except (OfflineError, RecursionError, ValueError, TypeError):
        return None
    if isinstance(result, str):
        return None
    return LineTokens(result.input_tokens, result.output_max, result.model)


_COUNTER: Any = None


_COUNTER_LOCK = threading.Lock()


def _line_counter(factory: Any) -> Any:
    global _COUNTER
    with _COUNTER_LOCK:  # two first counts at once would load the tokenizer twice
        if _COUNTER is None:
            _COUNTER = factory()  # one per process: encodings and repeated strings cached
    return _COUNTER


def submit_facts(state: EstimateState) -> list[tuple[str, str]]:
    """The submit dialog's cost rows: the tokens, then the batch price, the standard price
    and the saving on one line (the dialog must fit 24 rows)."""
    from batchtui.cost.estimate import saving_line

    est = state.estimate
    if est is None:
        return []
    t = est.tokens
    tokens = f"{t.input_tokens:,} input, at most {t.output_max:,} output"
    if t.without_ceiling:
        tokens += f" ({t.without_ceiling:,} requests without an output limit)"
    rows = [("tokens", tokens)]
    if est.cost.batch_max or est.cost.standard_max:
        rows.append(("cost", saving_line(est.cost)))
    for model in est.unpriced:
        rows.append(("cost", f"no known price for {model}"))
    return rows
