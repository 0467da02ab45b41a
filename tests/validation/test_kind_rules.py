"""The rules of output and error files, line by line, and the one finding that stands for a
foreign file (constructed lines from tests/jsonl/kind_samples.py)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from batchtui.jsonl.kinds import Kind, LineKind, sniff
from batchtui.validation.findings import Finding
from batchtui.validation.foreign import whole_file_finding
from batchtui.validation.result_lines import ResultChecker
from tests.jsonl import kind_samples as S


def check(obj: Any, line: int = 1, checker: ResultChecker | None = None) -> list[Finding]:
    out: list[Finding] = []
    (checker or ResultChecker()).check(obj, line, out)
    return out


@pytest.mark.parametrize(
    "obj",
    [
        S.chat_output(1),
        S.responses_output(1),
        S.chat_output(1, runner="azure"),
        S.chat_output(1, runner="vllm"),
        S.chat_output(1, runner="groq"),
        S.chat_output(1, runner="zhipu"),
        S.chat_output(1, runner="doubleword"),
        S.http_error_line(1),
        S.http_error_line(1, 403),
        S.EXPIRED_LINE,
        S.AZURE_ERROR_LINE,
        S.VLLM_ERROR_LINE,
    ],
)
def test_well_formed_lines_have_no_findings(obj: dict[str, Any]) -> None:
    assert check(obj) == []


def test_the_answers_endpoint_and_model_are_the_line_facts() -> None:
    out: list[Finding] = []
    assert ResultChecker().check(S.chat_output(1), 1, out) == (
        "request-1",
        "/v1/chat/completions",
        "gpt-4o-mini-2024-07-18",
        0,
    )
    assert ResultChecker().check(S.responses_output(1), 1, out)[1:3] == (
        "/v1/responses",
        "gpt-5-nano-2025-08-07",
    )
    assert ResultChecker().check(S.EXPIRED_LINE, 1, out) == ("2", None, None, 0)
    odd = S.chat_output(1)
    odd["response"]["body"]["object"] = ["not", "a", "string"]
    assert ResultChecker().check(odd, 1, out)[1] is None and out == []


def broken(edit: Any) -> dict[str, Any]:
    obj = copy.deepcopy(S.chat_output(1))
    edit(obj)
    return obj


@pytest.mark.parametrize(
    ("obj", "code", "path", "says"),
    [
        (broken(lambda o: o.pop("custom_id")), "result_custom_id", "custom_id", "no custom_id"),
        (broken(lambda o: o.update(custom_id=7)), "result_custom_id", "custom_id", "an integer"),
        (broken(lambda o: o.update(custom_id="")), "result_custom_id", "custom_id", "empty"),
        (
            broken(lambda o: (o.pop("response"), o.pop("error"))),
            "result_shape",
            "response",
            "no response and no error",
        ),
        (broken(lambda o: o.update(response=None)), "result_shape", "response", "null"),
        (broken(lambda o: o.update(response="ok")), "result_shape", "response", "a string"),
        (
            broken(lambda o: o["response"].pop("status_code")),
            "result_shape",
            "response.status_code",
            "no status_code",
        ),
        (
            broken(lambda o: o["response"].update(status_code="200")),
            "result_shape",
            "response.status_code",
            "expected an integer",
        ),
        (
            broken(lambda o: o["response"].pop("body")),
            "result_shape",
            "response.body",
            "status-200 answer",
        ),
        (
            broken(lambda o: o["response"].update(status_code=500, body={})),
            "result_shape",
            "response",
            "status-500 response with no error",
        ),
        (broken(lambda o: o.update(error=5)), "result_shape", "error", "an integer"),
    ],
)
def test_broken_output_lines(obj: dict[str, Any], code: str, path: str, says: str) -> None:
    findings = check(obj)
    assert [(f.code, f.path) for f in findings] == [(code, path)]
    assert says in findings[0].message
    assert findings[0].severity.value == "error"


@pytest.mark.parametrize(
    ("obj", "title"),
    [
        (S.chat_input(1), "an OpenAI batch request"),
        (S.anthropic_result(1), "an Anthropic Message Batches result"),
        (S.gemini_result(1), "a Gemini batch result"),
    ],
)
def test_a_line_of_another_kind_gets_one_finding(obj: dict[str, Any], title: str) -> None:
    findings = check(obj)
    assert [f.code for f in findings] == ["mixed_kinds"]
    assert findings[0].message == f"This line is {title}, in an OpenAI batch output file."


def test_the_tally_counts_each_line_once() -> None:
    checker = ResultChecker(Kind.ERRORS)
    for line, obj in enumerate([S.EXPIRED_LINE, S.http_error_line(2), S.chat_output(3)], 1):
        check(obj, line, checker)
    check(S.chat_output(3), 3, checker)  # re-deriving line 3's findings: not counted again
    check(S.EXPIRED_LINE, 1, checker)
    assert checker.tally.counts == {LineKind.ERROR: 2, LineKind.OUTPUT: 1}
    assert checker.tally.decide() == (Kind.OUTPUT, False, None)


# -- foreign files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("objs", "says", "hint"),
    [
        (
            [S.anthropic_request(1)],
            'This is an Anthropic Message Batches request file ({"custom_id", "params"} '
            "lines), not an OpenAI batch input",
            "batchtui convert FILE --to chat",
        ),
        ([S.anthropic_result(1)], "it holds answers, not requests", "batchtui FILE"),
        ([S.gemini_request(1)], "a Gemini batch request file", "batchtui convert FILE"),
        ([S.gemini_result(1)], "a Gemini batch results file", "batchtui FILE"),
        ([S.FINETUNE], "an OpenAI fine-tuning (chat) training file", "purpose fine-tune"),
    ],
)
def test_foreign_files_get_one_finding_naming_the_format(
    objs: list[Any], says: str, hint: str
) -> None:
    finding = whole_file_finding(sniff(S.jsonl(objs)))
    assert finding is not None and finding.code == "foreign_format" and finding.line == 1
    assert says in finding.message and "not reported one by one" in finding.message
    assert finding.hint is not None and hint in finding.hint


def test_layout_of_a_foreign_file_is_said() -> None:
    glued = b"".join(S.dumps(S.anthropic_request(i), compact=True) for i in range(3))
    finding = whole_file_finding(sniff(glued))
    assert finding is not None and "glued together without newlines" in finding.message


def test_unknown_lines_and_lfs_pointers() -> None:
    finding = whole_file_finding(sniff(S.jsonl([S.BARE_CHAT_BODY])))
    assert finding is not None and finding.code == "unknown_format"
    assert "without the batch envelope" in finding.message
    assert finding.hint is not None and finding.hint.startswith('Wrap each body: {"custom_id"')
    finding = whole_file_finding(sniff(S.jsonl([S.LEGACY_FINETUNE])))
    assert finding is not None and "legacy fine-tuning examples" in finding.message
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 10\n"
    finding = whole_file_finding(sniff(pointer))
    assert finding is not None and finding.code == "lfs_pointer"
    assert finding.hint is not None and "git lfs pull" in finding.hint


@pytest.mark.parametrize(
    "data",
    [
        S.jsonl([S.chat_input(1)]),
        S.jsonl([S.chat_output(1)]),
        S.jsonl([S.EXPIRED_LINE]),
        S.jsonl([S.chat_input(1), S.chat_output(2)]),  # mixed: judged line by line
        b"",
        b"not json\n",
    ],
)
def test_files_checked_line_by_line_have_no_whole_file_finding(data: bytes) -> None:
    assert whole_file_finding(sniff(data)) is None


def test_the_kind_is_settled_across_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Error lines first (the sniff says "errors"), a success in the last part, checked by a
    # worker process: the counts come back with the part and make it an output file.
    from batchtui.validation.engine import Validator
    from batchtui.validation.parallel import validate_parallel

    absorbed: list[int] = []
    absorb = Validator.absorb_part

    def spy(self: Validator, part: Any, *args: Any) -> None:
        absorbed.append(part.start)
        absorb(self, part, *args)

    monkeypatch.setattr(Validator, "absorb_part", spy)
    lines = [S.http_error_line(i) for i in range(900)] + [S.chat_output(1)]
    path = tmp_path / "late.jsonl"
    path.write_bytes(S.jsonl(lines))
    validator = validate_parallel(path, processes=2, min_bytes=0, digest=False)
    assert absorbed
    assert validator.sniffed is not None and validator.sniffed.kind is Kind.ERRORS
    kind = validator.report.snapshot().kind
    assert kind is not None and kind.kind is Kind.OUTPUT
    assert kind.lines == {"error": 900, "output": 1}
    assert validator.report.snapshot().total == 0
