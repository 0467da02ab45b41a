"""The seam between the validator and the rules of one kind of file.

The :class:`~batchtui.validation.engine.Validator` knows JSONL (lines, blank and broken lines,
BOM, CRLF, duplicate ``custom_id``\\ s, the last newline: :mod:`batchtui.validation.syntax`)
and how to stream, resume, split across processes and re-derive findings. What a line must
hold, and what the file as a whole must satisfy, comes from a :class:`RuleSet`:

* :meth:`RuleSet.line_checker` gives the per-line step: ``check(obj, line, out)`` is called
  once for every line that parses to a JSON object, with its 1-based line number; it appends
  findings to ``out`` and returns the :data:`~batchtui.validation.checks.LineFacts` the
  engine carries across lines (``custom_id`` for uniqueness, ``url`` and ``model`` for the
  majorities, embedding ``inputs`` for the limit). It is also what re-derives a line's
  findings later (:meth:`Validator.findings_at`), so it must judge a line by its bytes alone:
  the same line, the same findings. Return ``None`` for a fact a kind does not have.
* :attr:`RuleSet.limits` are the counts the engine watches while it checks (the line where
  the file passed them is only known then).
* :meth:`RuleSet.judge` is the file-level step, run once every line is checked: from the
  :class:`~batchtui.validation.tally.Tally` (counts, majorities, per-line url and model ids)
  it returns a :class:`Judgement`: findings without a line (limits, empty file) and findings
  on lines judged against the whole file (a url or model that differs from the majority).

A rule set is pickled into the worker processes of :mod:`batchtui.validation.parallel`, so it
holds only plain data (a :class:`~batchtui.validation.providers.Provider`); a checker is
made per validator. :class:`InputRules` is the OpenAI Batch API input file; the rules of
other kinds of file (outputs, error files) plug in the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from batchtui.validation.checks import LineFacts, RequestChecker, add, quote
from batchtui.validation.findings import Finding
from batchtui.validation.providers import OPENAI, Provider

if TYPE_CHECKING:
    from batchtui.validation.tally import Tally

# A limit no file reaches: what an undocumented limit becomes.
NO_LIMIT = 1 << 62


class LineChecker(Protocol):
    def check(self, obj: dict[str, Any], line: int, out: list[Finding]) -> LineFacts:
        """Check one parsed line (1-based ``line``); append findings to ``out``."""
        ...


@dataclass(frozen=True, slots=True)
class Limits:
    """Counts watched while lines are checked; :data:`NO_LIMIT` where there is none."""

    requests: int = NO_LIMIT  # non-blank lines
    embedding_inputs: int = NO_LIMIT
    file_bytes: int = NO_LIMIT


class Judgement(Protocol):
    """What the file-level step found, valid until the next :meth:`RuleSet.judge`."""

    unlined: list[Finding]  # findings about the file as a whole, without a line

    def on_lines(self, start: int, stop: int) -> Iterator[Finding]:
        """Findings on lines [start, stop) (0-based) judged against the whole file."""
        ...


class RuleSet(Protocol):
    """The rules of one kind of file. Picklable."""

    @property
    def limits(self) -> Limits: ...

    def line_checker(self) -> LineChecker: ...

    def judge(self, tally: Tally, size: int) -> Judgement: ...


def _limit(value: int | None) -> int:
    return NO_LIMIT if value is None else value


@dataclass(frozen=True, slots=True)
class InputRules:
    """An OpenAI Batch API input file, under the limits and rules of ``provider``."""

    provider: Provider = OPENAI

    @property
    def limits(self) -> Limits:
        p = self.provider
        return Limits(
            _limit(p.max_requests.value),
            _limit(p.max_embedding_inputs.value),
            _limit(p.max_file_bytes.value),
        )

    def line_checker(self) -> LineChecker:
        return RequestChecker(provider=self.provider)

    def judge(self, tally: Tally, size: int) -> InputJudgement:
        return InputJudgement(self.provider, self.limits, tally, size)


class InputJudgement:
    """The file-level rules of an input file: limits, and one endpoint and one model."""

    def __init__(self, provider: Provider, limits: Limits, tally: Tally, size: int) -> None:
        self.provider = provider
        self.tally = tally
        self.url_major = tally.urls.majority()
        self.model_major = tally.models.majority()
        self.unlined = _unlined(limits, tally, size)

    def on_lines(self, start: int, stop: int) -> Iterator[Finding]:
        """Majority-based findings for lines [start, stop) (0-based)."""
        tally = self.tally
        url_major, model_major = self.url_major, self.model_major
        urls, models = tally.urls, tally.models
        url_ids, model_ids = tally.url_ids, tally.model_ids
        base = tally.base
        stop = min(stop, base + len(url_ids))
        check_urls = url_major and urls.distinct() > 1 and self.provider.one_url.value
        check_models = model_major and models.distinct() > 1 and self.provider.one_model.value
        if not (check_urls or check_models):
            return
        url_name = urls.names[url_major]
        model_name = models.names[model_major]
        total_urls = sum(urls.counts)
        total_models = sum(models.counts)
        for i in range(max(start, base), stop):
            u = url_ids[i - base]
            if check_urls and u and u != url_major:
                out: list[Finding] = []
                add(
                    out,
                    i + 1,
                    "invalid_url",
                    f"url {quote(urls.names[u])} differs from {quote(url_name)}, which "
                    f"{urls.counts[url_major]:,} of {total_urls:,} requests use; a batch has "
                    "one endpoint.",
                    "url",
                )
                yield out[0]
            m = model_ids[i - base]
            if check_models and m and m != model_major:
                out = []
                add(
                    out,
                    i + 1,
                    "model_mismatch",
                    f"model {quote(models.names[m])} differs from {quote(model_name)}, which "
                    f"{models.counts[model_major]:,} of {total_models:,} requests use; a "
                    "batch file can only include requests to a single model.",
                    "body.model",
                    "Move these lines to a file of their own.",
                )
                yield out[0]


def add_empty_file(out: list[Finding], tally: Tally, size: int, blank_only: str) -> None:
    """``empty_file`` when the file holds nothing to judge: no byte, or (``blank_only`` says
    it in the kind's words) only blank lines."""
    if tally.requests == 0 and tally.whole is None:
        add(out, None, "empty_file", "The file is empty." if size == 0 else blank_only)


def _unlined(limits: Limits, tally: Tally, size: int) -> list[Finding]:
    out: list[Finding] = []
    add_empty_file(out, tally, size, "The file has no requests, only blank lines.")
    max_bytes = limits.file_bytes
    if size > max_bytes:
        add(
            out,
            None,
            "file_too_large",
            f"The file is {size / 1048576:,.1f} MB ({size:,} bytes); a batch input file "
            f"may have at most {max_bytes / 1048576:,.0f} MB ({max_bytes:,} bytes).",
            None,
            "Split it: batchtui split FILE",
        )
    if tally.over_requests is not None:
        max_requests = limits.requests
        add(
            out,
            None,
            "too_many_tasks",
            f"The file has {tally.requests:,} requests; a batch takes at most "
            f"{max_requests:,} (request {max_requests + 1:,} is on line "
            f"{tally.over_requests + 1:,}).",
            None,
            "Split it: batchtui split FILE",
        )
    if tally.over_inputs is not None:
        max_inputs = limits.embedding_inputs
        add(
            out,
            None,
            "too_many_embedding_inputs",
            f"The embedding requests hold {tally.inputs:,} inputs; a batch takes at most "
            f"{max_inputs:,} (passed on line {tally.over_inputs + 1:,}).",
            None,
            f"Split the file so each part has at most {max_inputs:,} inputs.",
        )
    return out
