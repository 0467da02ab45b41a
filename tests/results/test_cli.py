"""``batchtui results``: headless summary and exports, argument errors, the shipped sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import batchtui
from batchtui.cli import main

EXAMPLES = Path(batchtui.__file__).parent / "examples"
SAMPLE = [
    "--input",
    str(EXAMPLES / "results_input.jsonl"),
    "--output",
    str(EXAMPLES / "results_output.jsonl"),
    "--errors",
    str(EXAMPLES / "results_errors.jsonl"),
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["results", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_sample_set_has_every_class(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *SAMPLE, "--summary", "--format", "json")
    assert code == 0 and err == ""
    summary = json.loads(out)
    assert summary["counts"] | {} == summary["counts"]
    c = summary["counts"]
    assert {k: c[k] for k in ("succeeded", "failed", "expired", "missing", "unexpected")} == {
        "succeeded": 9,
        "failed": 4,
        "expired": 2,
        "missing": 1,
        "unexpected": 0,
    }
    assert (c["duplicates"], c["truncated"], c["content_filter"], c["refusal"]) == (0, 1, 1, 1)
    assert summary["failures_by_code"] == {
        "batch_expired": 2,
        "rate_limit_exceeded": 2,
        "context_length_exceeded": 1,
        "server_error": 1,
    }
    assert summary["usage"]["input_tokens"] == 1544
    assert summary["usage"]["cached_tokens"] == 1024
    statuses = {g["code"]: g["pattern"] for g in summary["histogram"]}
    assert "Used #" in statuses["rate_limit_exceeded"]
    assert summary["problems"] == {"count": 0, "lines": []}


def test_summary_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *SAMPLE, "--summary")
    assert code == 0
    assert out.startswith("16 requests in ")
    assert "expired                        2" in out
    assert "rate_limit_exceeded" in out and "failures by code and message:" in out
    assert "7 request(s) to retry" in out


def test_exports_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    retry, res = tmp_path / "retry.jsonl", tmp_path / "results.csv"
    code, out, err = run(
        capsys, *SAMPLE, "--export-retry", str(retry), "--export-results", str(res)
    )
    assert code == 0 and out == ""
    assert f"wrote 7 request(s) to retry to {retry}" in err
    assert "wrote 16 result record(s)" in err
    ids = [json.loads(line)["custom_id"] for line in retry.read_text("utf-8").splitlines()]
    assert ids == [f"ticket-0{n}" for n in ("06", "07", "08", "09", "10", "11", "12")]
    src = (EXAMPLES / "results_input.jsonl").read_bytes().splitlines(keepends=True)
    assert retry.read_bytes() == b"".join(src[5:12])
    assert res.read_text("utf-8").startswith("custom_id,class,status_code")

    code, _, err = run(capsys, *SAMPLE, "--export-retry", str(retry), "--retry-truncated")
    assert "wrote 8 request(s)" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--input", "nope.jsonl", "--summary"], "nope.jsonl: no such file"),
        ([], "give --input IN"),
        (["batch_1", "--input", "x"], "either BATCH_ID or --input"),
        (["batch_1", "--output", "x"], "come from the batch"),
        (["--input", "x", "--retry-truncated"], "needs --export-retry"),
        (["--input", "x", "--export-results", "r.txt"], "name the export .jsonl or .csv"),
        (["batch_abc", "--summary"], "no API key"),
        (["../etc", "--summary"], "not a valid batch id"),
        (["--input", "x", "--cache-dir", "d"], "go with BATCH_ID"),
    ],
)
def test_one_line_errors(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err


def test_export_over_the_input_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *SAMPLE, "--export-retry", str(EXAMPLES / "results_input.jsonl"))
    assert code == 2 and "refusing to overwrite" in err


def test_cli_module_imports_only_the_standard_library() -> None:
    code = (
        "import sys; import batchtui.cli.results\n"
        "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "orjson" not in out and "openai" not in out and "textual" not in out


def test_text_summary_shows_a_real_example_beside_each_pattern(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, *SAMPLE, "--summary")
    assert code == 0
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "context_length_exceeded" in line)
    assert "maximum context length is # tokens" in lines[at]  # the pattern groups them
    example = lines[at + 1].strip()
    assert example.startswith("e.g. ticket-006: ")
    assert "maximum context length is 128000 tokens" in example  # the real numbers
    # A message without anything normalised is not repeated.
    at = next(i for i, line in enumerate(lines) if "batch_expired" in line)
    assert not lines[at + 1].strip().startswith("e.g.")


@pytest.mark.parametrize("option", ["--export-retry", "--export-results"])
def test_a_full_disk_is_one_line_and_leaves_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    option: str,
) -> None:
    from tests.diskfull import disk_full_after

    dest = tmp_path / "out.jsonl"
    disk_full_after(monkeypatch, 1000)
    code, out, err = run(capsys, *SAMPLE, option, str(dest))
    assert (code, out) == (2, "")
    assert err == f"batchtui: cannot write {dest}: no space left on device\n"
    assert os.listdir(tmp_path) == [], "no partial export, no temp file"


# -- the output alone, and files of the wrong kind -------------------------------------------


def test_output_alone_prints_counts_failures_histogram_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_file, err_file = SAMPLE[3], SAMPLE[5]
    code, out, err = run(capsys, "--output", out_file, "--errors", err_file, "--summary")
    assert code == 0
    assert out.startswith("15 requests answered (no input file")
    assert "failures by code and message:" in out and "batch_expired" in out
    assert "tokens: input 1,544" in out and "missing" not in out
    code, out, _ = run(capsys, "--output", out_file, "--summary", "--format", "json")
    summary = json.loads(out)
    assert summary["files"]["input"] is None and summary["counts"]["missing"] == 0
    assert summary["counts"]["unexpected"] == 0 and summary["counts"]["succeeded"] == 9
    code, _, err = run(capsys, "--output", out_file, "--export-retry", "r.jsonl")
    assert code == 2 and "--export-retry needs --input IN" in err


def test_output_alone_opens_the_results_view(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --summary, the output alone opens the view (it used to print the summary:
    the view needed an input)."""
    import batchtui.cli.results as cli_results

    opened: list[tuple[str | None, str | None, str | None]] = []
    monkeypatch.setattr(
        cli_results,
        "launch_results",
        lambda args: opened.append((args.input, args.output, args.errors)) or 0,
    )
    code, out, err = run(capsys, "--output", SAMPLE[3])
    assert (code, out, err) == (0, "", "")
    assert opened == [(None, SAMPLE[3], None)]


def anthropic_results(tmp_path: Path) -> Path:
    from tests.jsonl import kind_samples as S

    path = tmp_path / "msgbatch_01_results.jsonl"
    objs = [
        S.anthropic_result(1),
        S.anthropic_result(2, "errored"),
        S.anthropic_result(3, "expired"),
    ]
    path.write_bytes(S.jsonl(objs, compact=True, final_newline=False))  # as results_url serves it
    return path


def test_anthropic_results_as_output_are_refused_with_a_pointer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Before: every line was counted as a failed request (no_result), exit 0.
    path = anthropic_results(tmp_path)
    for args in (
        ["--output", str(path)],
        ["--input", SAMPLE[1], "--output", str(path), "--summary"],
    ):
        code, out, err = run(capsys, *args)
        assert code == 2 and out == ""
        assert (
            "is an Anthropic Message Batches results file (1 succeeded, 1 errored, 1 expired)"
            in err
        )
        assert "not an OpenAI batch output file" in err and f"batchtui {path}" in err


@pytest.mark.parametrize(
    ("option", "sample", "says"),
    [
        (
            "--input",
            "output",
            "is an OpenAI batch output file, not a batch input: pass it as --output",
        ),
        (
            "--input",
            "errors",
            "is an OpenAI batch error file, not a batch input: pass it as --errors",
        ),
        (
            "--output",
            "input",
            "is an OpenAI batch input file, not an output file: pass it as --input",
        ),
        ("--errors", "gemini", "is a Gemini batch results file, not an OpenAI batch errors file"),
        ("--input", "anthropic", "batchtui convert"),
        ("--output", "lfs", "Git LFS pointer, not the data"),
        ("--output", "dpo", "not an OpenAI batch output file: the lines look like preference"),
    ],
)
def test_files_of_the_wrong_kind_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, sample: str, says: str
) -> None:
    from tests.jsonl import kind_samples as S

    data = {
        "output": S.jsonl([S.chat_output(1)]),
        "errors": S.jsonl([S.EXPIRED_LINE]),
        "input": S.jsonl([S.chat_input(1)]),
        "gemini": S.jsonl([S.gemini_result(1)]),
        "anthropic": S.jsonl([S.anthropic_request(1)]),
        "lfs": b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n",
        "dpo": S.jsonl([S.DPO]),
    }[sample]
    path = tmp_path / f"{sample}.jsonl"
    path.write_bytes(data)
    args = [option, str(path), "--summary"]
    if option != "--input":
        args += ["--input", SAMPLE[1]]
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert says in err and err.count("\n") == 1
