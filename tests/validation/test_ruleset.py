"""The seam for kinds of file: a rule set other than the input file's plugs into the engine,
single-process and on several processes, with the JSONL-level findings kept."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from batchtui.jsonl.kinds import Kind
from batchtui.validation import pieces
from batchtui.validation.checks import LineFacts, add
from batchtui.validation.engine import Validator
from batchtui.validation.findings import Finding
from batchtui.validation.kinds import InputFileRules, OutputRules
from batchtui.validation.parallel import validate_parallel
from batchtui.validation.ruleset import InputRules, Limits
from batchtui.validation.tally import PartState, Tally
from tests.validation.helpers import all_findings, validate, write_lines


class AnswerChecker:
    """A toy checker for an output-like file: every line needs a ``response``."""

    def check(self, obj: dict[str, Any], line: int, out: list[Finding]) -> LineFacts:
        if "response" not in obj:
            add(out, line, "missing_required_parameter", "No response.", "response")
        custom_id = obj.get("custom_id")
        return (custom_id if isinstance(custom_id, str) else None), None, None, 0


class AnswerJudgement:
    def __init__(self, tally: Tally) -> None:
        self.unlined: list[Finding] = []
        if tally.requests < 3:
            add(self.unlined, None, "empty_file", f"Only {tally.requests} answers.")

    def on_lines(self, start: int, stop: int) -> Iterator[Finding]:
        return iter(())


@dataclass(frozen=True)
class AnswerRules:
    limits: Limits = field(default_factory=Limits)

    def line_checker(self) -> AnswerChecker:
        return AnswerChecker()

    def judge(self, tally: Tally, size: int) -> AnswerJudgement:
        return AnswerJudgement(tally)


def answers(n: int) -> list[Any]:
    rows: list[Any] = []
    for i in range(n):
        if i % 50 == 7:
            rows.append({"custom_id": f"a-{i}"})  # no response
        elif i % 50 == 9:
            rows.append({"custom_id": "a-0", "response": {}})  # a duplicate id
        elif i % 50 == 11:
            rows.append(b"{broken")
        else:
            rows.append({"custom_id": f"a-{i}", "response": {"status_code": 200}})
    return rows


def test_a_rule_set_judges_lines_and_file(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "out.jsonl", answers(60))
    run = validate(path, rules=AnswerRules())
    codes = run.codes()
    assert (8, "missing_required_parameter") in codes and (
        58,
        "missing_required_parameter",
    ) in codes
    assert (10, "duplicate_custom_id") in codes  # JSONL-level rules hold for every kind
    assert (12, "invalid_json_line") in codes
    # None of the input file's rules: no envelope, no model, no url findings.
    assert {code for _, code in codes} == {
        "missing_required_parameter",
        "duplicate_custom_id",
        "invalid_json_line",
    }
    assert all_findings(run.validator) == sorted(
        ((f.line, f.code, f.path, f.message) for f in run.findings),
        key=lambda t: (t[0] or 0, t[1], t[2] or "", t[3]),
    )
    small = validate(write_lines(tmp_path / "two.jsonl", answers(2)), rules=AnswerRules())
    assert [(f.line, f.code) for f in small.file_findings] == [(None, "empty_file")]
    # By default the file is sniffed: this one is an output file, judged by its rules.
    assert validate(path).validator.rules == OutputRules(Kind.OUTPUT)
    inputs = write_lines(tmp_path / "in.jsonl", [{"custom_id": "a", "body": {}}])
    assert validate(inputs).validator.rules == InputFileRules(InputRules().provider)


def test_a_rule_set_on_several_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_lines(tmp_path / "out.jsonl", answers(900))
    absorbed: list[int] = []
    absorb = Validator.absorb_part

    def spy(self: Validator, part: PartState, *args: Any) -> None:
        absorbed.append(part.start)
        absorb(self, part, *args)

    monkeypatch.setattr(Validator, "absorb_part", spy)
    monkeypatch.setattr(pieces, "MIN_PIECE_BYTES", 1)
    multi = validate_parallel(path, processes=2, min_bytes=0, rules=AnswerRules())
    assert absorbed  # the worker's part (the rule set went to it), not a fallback
    assert all_findings(multi) == all_findings(validate(path, rules=AnswerRules()).validator)
    assert {f.code for f in multi.iter_findings()} == {
        "missing_required_parameter",
        "duplicate_custom_id",
        "invalid_json_line",
    }
