"""Each kind of file judged by its own rules: from the sniff to a :class:`RuleSet`.

The sniff (:mod:`batchtui.jsonl.kinds`) names what a file is from its head; :func:`rules_for`
picks the rules that judge it (the seam is :mod:`batchtui.validation.ruleset`):

* an OpenAI batch **input** (also a mixed file that is mostly input, an empty file, one whose
  lines did not parse): :class:`InputFileRules`, the input rules plus one ``mixed_kinds``
  finding for a line of another kind (an output line, an Anthropic request...) instead of
  every field it lacks;
* an **output** or **error** file (and a mixed file that is mostly those):
  :class:`OutputRules`, the rules of :mod:`batchtui.validation.result_lines`; no limits
  (output files may be larger than any input), no one-endpoint-one-model rule;
* another provider's file, a fine-tuning file, lines of no batch kind at all, a Git LFS
  pointer: :class:`WholeFileRules`, ONE finding on line 1 that names the format, what
  differs and the fix (:mod:`batchtui.validation.foreign`); the lines are not reported one
  by one.

The validator sniffs the file itself when it is given no rules; the emulator passes
:class:`~batchtui.validation.ruleset.InputRules` to judge an upload line by line, as OpenAI
does whatever the file holds. :func:`final_kind` settles the kind over every line checked
(an error file whose line 739 is a success is an output file).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from batchtui.jsonl.kinds import Kind, LineKind, Sniff, decide, describe_counts, line_kind
from batchtui.validation.checks import LineFacts, RequestChecker
from batchtui.validation.findings import Finding
from batchtui.validation.foreign import whole_file_finding
from batchtui.validation.providers import OPENAI, Provider
from batchtui.validation.result_lines import KindCounter, ResultChecker, mixed_line
from batchtui.validation.ruleset import (
    InputRules,
    Judgement,
    Limits,
    LineChecker,
    add_empty_file,
)

if TYPE_CHECKING:
    from batchtui.validation.tally import Tally

_INPUTISH = (LineKind.INPUT, LineKind.UNKNOWN, LineKind.INVALID)


class InputLineChecker(KindCounter):
    """The input rules for one line, after a look at what the line is: a request is checked
    as one; a line of another kind gets one ``mixed_kinds`` finding."""

    def __init__(self, checker: RequestChecker) -> None:
        super().__init__()
        self._check = checker.check
        self._inputs = 0  # requests counted apart (the hot path keeps off the Counter)

    def check(self, obj: dict[str, Any], line: int, out: list[Finding]) -> LineFacts:
        if "body" in obj and "response" not in obj:  # a request (the common line): cheap
            if line > self.counted_to:
                self.counted_to = line
                self._inputs += 1
            return self._check(obj, line, out)
        found = line_kind(obj)
        if line > self.counted_to:
            self.counted_to = line
            self.tally.add(found)
        if found in _INPUTISH:
            return self._check(obj, line, out)
        mixed_line(line, found, Kind.INPUT, out)
        return None, None, None, 0

    @property
    def counts(self) -> dict[LineKind, int]:
        """Every line kind met so far (a copy)."""
        counts = dict(self.tally.counts)
        if self._inputs:
            counts[LineKind.INPUT] = counts.get(LineKind.INPUT, 0) + self._inputs
        return counts

    def export_state(self) -> tuple[dict[LineKind, int], int]:
        return self.counts, self.counted_to


@dataclass(frozen=True, slots=True)
class InputFileRules:
    """An OpenAI batch input, whose lines are first told apart from lines of other kinds."""

    provider: Provider = OPENAI

    @property
    def limits(self) -> Limits:
        return InputRules(self.provider).limits

    def line_checker(self) -> LineChecker:
        return InputLineChecker(RequestChecker(provider=self.provider))

    def judge(self, tally: Tally, size: int) -> Judgement:
        return InputRules(self.provider).judge(tally, size)


class _Unlined:
    """A file-level step that only has findings without a line."""

    def __init__(self, unlined: list[Finding]) -> None:
        self.unlined = unlined

    def on_lines(self, start: int, stop: int) -> Iterator[Finding]:
        return iter(())


@dataclass(frozen=True, slots=True)
class OutputRules:
    """An OpenAI batch output or error file (``kind``: which the sniff said)."""

    kind: Kind = Kind.OUTPUT

    @property
    def limits(self) -> Limits:
        return Limits()  # output files are not submitted: no limit applies

    def line_checker(self) -> LineChecker:
        return ResultChecker(self.kind)

    def judge(self, tally: Tally, size: int) -> Judgement:
        out: list[Finding] = []
        add_empty_file(out, tally, size, "The file has only blank lines.")
        return _Unlined(out)


class _NoLines:
    """The line checker of a file judged as a whole: never called (the engine reports
    no line one by one once a whole-file finding is set)."""

    def check(self, obj: dict[str, Any], line: int, out: list[Finding]) -> LineFacts:
        return None, None, None, 0


@dataclass(frozen=True, slots=True)
class WholeFileRules:
    """A file judged as a whole: :attr:`whole` stands for every line."""

    whole: Finding

    @property
    def limits(self) -> Limits:
        return Limits()

    def line_checker(self) -> LineChecker:
        return _NoLines()

    def judge(self, tally: Tally, size: int) -> Judgement:
        return _Unlined([])


def rules_for(found: Sniff, provider: Provider = OPENAI) -> Any:
    """The rule set that judges a file the sniff found to be ``found``."""
    whole = whole_file_finding(found)
    if whole is not None:
        return WholeFileRules(whole)
    kind = found.judged_as
    if kind.results:
        return OutputRules(kind)
    return InputFileRules(provider)


def final_kind(found: Sniff, checker: Any) -> Sniff:
    """``found`` settled over every line the line checker met (when it counts them): the
    output-versus-errors question, a file that turns out mixed, and the counts of all its
    lines instead of the sniffed ones."""
    counts = getattr(checker, "counts", None)
    if counts is None:
        tally = getattr(checker, "tally", None)
        counts = dict(tally.counts) if tally is not None else None
    if not counts:
        return found
    kind, mixed, dominant = decide(counts)
    if kind is Kind.UNKNOWN and not mixed:
        return found
    reason = found.reason
    if mixed:
        reason = "mixed: " + describe_counts(counts)
    elif not found.mixed and not found.guessed:
        reason = found.reason if found.kind is kind else None
    return dataclasses.replace(
        found,
        kind=kind,
        lines={k.value: n for k, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n},
        mixed=mixed,
        dominant=dominant,
        reason=reason,
    )
