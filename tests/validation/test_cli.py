"""`batchtui validate`, `rules` and `split` from the command line: formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from batchtui.cli import main
from batchtui.validation.rules import RULES
from tests.validation.helpers import chat_body, request, write_lines

EXAMPLES = Path(__file__).parents[2] / "batchtui" / "examples"


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "good.jsonl", [request("a"), request("b")])


@pytest.fixture
def warn(tmp_path: Path) -> Path:
    # An Azure-style deployment name under the OpenAI profile: a warning, not an error.
    return write_lines(tmp_path / "warn.jsonl", [request("a", chat_body(model="my-deploy"))])


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return write_lines(
        tmp_path / "bad.jsonl",
        [request("a"), request("a", chat_body(stream=True)), b"oops"],
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_text_format_and_exit_codes(good: Path, warn: Path, bad: Path, capsys) -> None:
    code, out, _ = run(["validate", str(good)], capsys)
    assert code == 0
    assert (
        out
        == f"{good}: 2 lines, batch input (/v1/chat/completions, gpt-4o-mini): no problems found\n"
    )

    code, out, _ = run(["validate", str(warn)], capsys)
    assert code == 0
    assert f"{warn}:1: warning[unknown_model]: " in out
    assert run(["validate", "--strict", str(warn)], capsys)[0] == 1

    code, out, _ = run(["validate", str(bad)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{bad}:2: error[streaming_unsupported]: ")
    assert f"{bad}:2: error[duplicate_custom_id]: custom_id 'a' is already used on line 1." in lines
    assert any(x.startswith(f"{bad}:3: error[invalid_json_line]: ") for x in lines)
    assert (
        lines[-1]
        == f"{bad}: 3 lines, batch input (/v1/chat/completions, gpt-4o-mini): 3 errors, 0 warnings, 0 info"
    )


def test_json_format(good: Path, bad: Path, capsys) -> None:
    code, out, _ = run(["validate", "--format", "json", str(bad)], capsys)
    assert code == 1
    doc = json.loads(out)
    assert doc["file"] == str(bad)
    assert doc["lines"] == 3
    assert doc["endpoint"] == "/v1/chat/completions"
    assert doc["model"] == "gpt-4o-mini"
    assert doc["summary"] == {"errors": 3, "warnings": 0, "info": 0}
    assert {(f["line"], f["code"]) for f in doc["findings"]} == {
        (2, "streaming_unsupported"),
        (2, "duplicate_custom_id"),
        (3, "invalid_json_line"),
    }
    assert set(doc["findings"][0]) >= {"line", "severity", "code", "message", "path"}

    code, out, _ = run(["validate", "--format", "json", str(good), str(bad)], capsys)
    docs = json.loads(out)
    assert code == 1
    assert [d["file"] for d in docs] == [str(good), str(bad)]
    assert docs[0]["findings"] == []

    code, out, _ = run(["validate", "--format", "json", "--max-findings", "1", str(bad)], capsys)
    doc = json.loads(out)
    assert len(doc["findings"]) == 1 and doc["findings_total"] == 3 and doc["truncated"]


def test_github_format(bad: Path, warn: Path, capsys) -> None:
    code, out, _ = run(["validate", "--format", "github", str(bad), str(warn)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"::error file={bad},line=2,title=streaming_unsupported::")
    assert any(x.startswith(f"::warning file={warn},line=1,title=unknown_model::") for x in lines)


def test_github_escaping_and_control_characters(tmp_path: Path, capsys) -> None:
    # A custom_id with an escape sequence and a newline, and a file name with a comma.
    path = write_lines(tmp_path / "a,b.jsonl", [request("x\x1b[31m\n"), request("x\x1b[31m\n")])
    code, out, _ = run(["validate", "--format", "github", str(path)], capsys)
    assert code == 1
    assert "\x1b" not in out
    first = out.splitlines()[0]
    assert first.startswith("::error file=") and "a%2Cb.jsonl" in first
    assert "\\e[31m\\n" in first  # escaped, not interpreted
    code, out, _ = run(["validate", str(path)], capsys)
    assert "\x1b" not in out and "\\e[31m" in out


def test_missing_files_and_usage_errors(good: Path, tmp_path: Path, capsys) -> None:
    code, out, err = run(["validate", str(tmp_path / "nope.jsonl")], capsys)
    assert code == 2 and out == ""
    assert err == f"batchtui: {tmp_path / 'nope.jsonl'}: no such file\n"
    code, out, err = run(["validate", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in err and "Traceback" not in err
    # Several files: the others are still checked; the status says an I/O error happened.
    code, out, err = run(["validate", str(good), str(tmp_path / "nope.jsonl")], capsys)
    assert code == 2 and "no problems found" in out and "no such file" in err
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--format", "xml", str(good)])
    assert exc.value.code == 2
    capsys.readouterr()


def test_rules_reference(capsys) -> None:
    code, out, _ = run(["rules"], capsys)
    assert code == 0
    for rule in RULES.values():
        assert f"{rule.code} ({rule.severity.value}, {rule.scope})" in out
    code, out, _ = run(["rules", "--format", "json"], capsys)
    data = json.loads(out)
    assert {r["code"] for r in data} == set(RULES)
    assert all(r["source"] and r["why"] and r["what"] for r in data)
    code, out, _ = run(["rules", "--format", "markdown"], capsys)
    assert (
        out.startswith("# batchtui validation rules")
        and "| `streaming_unsupported` | error |" in out
    )


def test_shipped_sample_files(capsys) -> None:
    for name in ("chat.jsonl", "embeddings.jsonl", "responses.jsonl"):
        assert run(["validate", str(EXAMPLES / name)], capsys)[0] == 0
    code, out, _ = run(
        ["validate", "--format", "json", str(EXAMPLES / "chat_mistakes.jsonl")], capsys
    )
    assert code == 1
    codes = {(f["line"], f["code"]) for f in json.loads(out)["findings"]}
    assert codes == {
        (3, "streaming_unsupported"),
        (4, "missing_required_parameter"),
        (5, "invalid_url"),
        (6, "duplicate_custom_id"),
        (7, "model_mismatch"),
        (8, "max_tokens_reasoning_model"),
        (8, "model_mismatch"),
        (9, "value_out_of_range"),
        (10, "unknown_parameter"),
        (11, "invalid_request"),
        (12, "invalid_json_line"),
        (13, "blank_line"),
    }


def test_subprocess_entry_point(bad: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", "validate", "--format", "json", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["summary"]["errors"] == 3
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", "validate", str(bad) + ".missing"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "no such file" in proc.stderr


def test_split_cli(tmp_path: Path, capsys) -> None:
    path = write_lines(tmp_path / "big.jsonl", [request(f"r{i}") for i in range(10)])
    code, out, _ = run(
        ["split", str(path), "--max-requests", "4", "--out-dir", str(tmp_path)], capsys
    )
    assert code == 0
    assert out.count("wrote ") == 3
    assert sorted(p.name for p in tmp_path.glob("big.part*.jsonl")) == [
        "big.part001.jsonl",
        "big.part002.jsonl",
        "big.part003.jsonl",
    ]
    code, _, err = run(["split", str(path), "--max-requests", "4"], capsys)
    assert code == 2 and "already exists" in err
    code, _, err = run(["split", str(path), "--max-bytes", "10"], capsys)
    assert code == 2 and "line 1 is" in err and "--max-bytes" in err
    with pytest.raises(SystemExit):
        main(["split", str(path), "--max-bytes", "lots"])
    capsys.readouterr()


@pytest.mark.parametrize(
    ("sample", "kind", "label", "code"),
    [
        ("input", "input", "batch input", 0),
        ("output", "output", "batch output", 0),
        ("vllm", "output", "batch output from vLLM", 0),
        ("errors", "errors", "batch error file", 0),
        ("anthropic-requests", "anthropic-requests", "Anthropic batch requests", 1),
        ("anthropic-results", "anthropic-results", "Anthropic batch results", 1),
        ("gemini-requests", "gemini-requests", "Gemini batch requests", 1),
        ("gemini-results", "gemini-results", "Gemini batch results", 1),
        ("finetune-chat", "finetune-chat", "fine-tuning chat data", 1),
        ("mixed", "unknown", "unknown kind (mixed)", 1),
        ("legacy", "unknown", "unknown kind", 1),
    ],
)
def test_every_file_names_its_kind(
    tmp_path: Path, capsys, sample: str, kind: str, label: str, code: int
) -> None:
    from tests.jsonl import kind_samples as S

    objs = {
        "input": [S.chat_input(1), S.chat_input(2)],
        "output": [S.chat_output(1), S.http_error_line(2)],
        "vllm": [S.chat_output(1, runner="vllm"), S.VLLM_ERROR_LINE],
        "errors": [S.http_error_line(1), S.EXPIRED_LINE, S.AZURE_ERROR_LINE],
        "anthropic-requests": [S.anthropic_request(1), S.anthropic_request(2)],
        "anthropic-results": [S.anthropic_result(1), S.anthropic_result(2, "errored")],
        "gemini-requests": [S.gemini_request(1), S.VERTEX_REQUEST],
        "gemini-results": [S.gemini_result(1), S.VERTEX_PREDICTION],
        "finetune-chat": [S.FINETUNE, S.FINETUNE],
        "mixed": [S.chat_input(1), S.chat_output(2)],
        "legacy": [S.LEGACY_FINETUNE, S.LEGACY_FINETUNE],
    }[sample]
    path = tmp_path / f"{sample}.jsonl"
    path.write_bytes(S.jsonl(objs))
    status, out, _ = run(["validate", str(path)], capsys)
    assert status == code
    assert out.splitlines()[-1].startswith(f"{path}: {len(objs)} lines, {label}")
    status, out, _ = run(["validate", "--format", "json", str(path)], capsys)
    doc = json.loads(out)
    assert status == code and doc["kind"] == kind
    assert doc["kind_detail"]["mixed"] is (sample == "mixed")
    assert sum(doc["kind_detail"]["lines"].values()) == len(objs)
    if code:  # a foreign file: one finding, not six a line
        assert doc["summary"]["errors"] == 1  # (mixed: the output line, in an input)
    status, out, _ = run(["validate", "--format", "github", str(path)], capsys)
    assert f", {label}" in out.splitlines()[-1]


def test_kind_detail_of_an_output_file(tmp_path: Path, capsys) -> None:
    from tests.jsonl import kind_samples as S

    path = tmp_path / "out.jsonl"
    path.write_bytes(S.jsonl([S.chat_output(i, runner="groq") for i in range(3)]))
    _, out, _ = run(["validate", "--format", "json", str(path)], capsys)
    doc = json.loads(out)
    assert doc["kind"] == "output" and doc["findings"] == []
    assert doc["endpoint"] == "/v1/chat/completions" and doc["model"] == "gpt-4o-mini-2024-07-18"
    assert doc["kind_detail"] == {
        "lines": {"output": 3},
        "sniffed": 3,
        "layout": "jsonl",
        "runner": "groq",
        "mixed": False,
        "dominant": None,
        "guessed": False,
        "shape": None,
        "reason": None,
    }
