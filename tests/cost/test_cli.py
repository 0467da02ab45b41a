"""``batchtui estimate``: the JSON keys scripts read, the text summary, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from batchtui.cli import main
from batchtui.cost.estimate import estimate, saving_line, to_json, usd
from batchtui.cost.prices import Cost, PriceBook, cost_of_totals
from batchtui.cost.scan import count_file
from tests.cost.helpers import line, png_url, write_lines

EXAMPLES = Path(__file__).resolve().parents[2] / "batchtui" / "examples"


def chat(content: Any, model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


@pytest.fixture
def batch_file(tmp_path: Path) -> Path:
    image = {"type": "image_url", "image_url": {"url": png_url(1024, 1024), "detail": "high"}}
    remote = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    lines = [line(chat(f"Summarize item {n}", max_tokens=100), n=n) for n in range(8)]
    lines.append(line(chat([{"type": "text", "text": "what is it?"}, image, remote]), n=8))
    lines.append(line(chat("no ceiling here", model="gpt-4o"), n=9))
    lines.append("{broken")
    return write_lines(tmp_path / "batch.jsonl", lines)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["estimate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_keys_scripts_read(
    batch_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(batch_file), "--format", "json")
    assert code == 0
    data = json.loads(out)
    tokens = count_file(batch_file)
    assert data["file"] == str(batch_file)
    assert data["requests"] == 10 and data["skipped_lines"] == 1
    assert data["models"] == ["gpt-4o-mini", "gpt-4o"]
    assert data["input_tokens"] == tokens.input_tokens
    assert data["output_tokens_max"] == 800
    assert data["lines_without_ceiling"] == 2
    assert data["images_counted"] == 1 and data["image_tokens"] == 2833 + 4 * 5667
    assert data["images_not_counted"] == 1 and data["not_counted"] == {"image_url": 1}
    assert data["skipped_examples"] == [{"line": 11, "reason": "not valid JSON"}]
    assert data["price_source"].startswith("genai-prices ")
    assert data["approximate"] is False
    cost = data["cost_usd"]
    assert set(cost) >= {"batch_max", "standard_max", "saving_max", "complete"}
    assert cost["complete"] is False  # lines without a ceiling, an image not counted
    book = PriceBook()
    by_model = data["by_model"]
    expected = Decimal(0)
    for model, entry in by_model.items():
        totals = tokens.models[model]
        assert entry["requests"] == totals.requests
        want = cost_of_totals(book.price(model), totals.input_tokens, totals.output_max)
        assert entry["cost_usd"]["batch_max"] == pytest.approx(float(want.batch_max))
        assert entry["price"]["batch_rate"] == "listed"
        assert entry["encoding"] == "o200k_base"
        expected += want.batch_max
    assert cost["batch_max"] == pytest.approx(float(expected))
    assert cost["standard_max"] == pytest.approx(2 * cost["batch_max"])


def test_text_shows_the_saving_and_what_is_left_out(
    batch_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(batch_file))
    assert code == 0
    assert out.startswith(f"{batch_file}: 10 requests to /v1/chat/completions\n")
    assert "at batch price" in out and "standard, you save $" in out
    assert "output: at most 800 tokens, and 2 requests without an output limit" in out
    table = [row.split() for row in out.splitlines() if row.startswith("  gpt-4o")]
    assert [row[:2] for row in table] == [["gpt-4o-mini", "9"], ["gpt-4o", "1"]]
    assert "of which 1 image: 25,501" in out
    assert "not counted: 1 image at a remote URL" in out
    assert "skipped 1 line: not valid JSON (1); first at line 11" in out
    assert "prices: genai-prices" in out
    assert "Traceback" not in out


def test_several_files_give_a_json_list(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(EXAMPLES / "chat.jsonl"), str(EXAMPLES / "embeddings.jsonl")]
    code, out, _ = run(capsys, *files, "--format", "json")
    data = json.loads(out)
    assert code == 0 and [d["file"] for d in data] == files
    embeddings = data[1]
    assert embeddings["output_tokens_max"] == 0 and embeddings["lines_without_ceiling"] == 0
    assert embeddings["by_model"]["text-embedding-3-small"]["price"]["batch_rate"] == "assumed"


def test_missing_file_alone_is_a_one_line_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", "estimate", str(tmp_path / "nope.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("batchtui: ") and proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr


def test_missing_tokenizer_data_is_a_clear_error(
    batch_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from batchtui.cost import count, encodings

    def missing(name: str) -> None:
        raise encodings.OfflineError("the o200k_base tokenizer data is not installed")

    monkeypatch.setattr(count.encodings, "get_encoding", missing)
    code, out, err = run(capsys, str(batch_file))
    assert code == 2 and out == ""
    assert err == "batchtui: the o200k_base tokenizer data is not installed\n"


def test_missing_file_among_several_continues(
    batch_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(tmp_path / "nope.jsonl"), str(batch_file), "--format", "json")
    assert code == 2 and "nope.jsonl: no such file" in err
    assert [d["file"] for d in json.loads(out)] == [str(batch_file)]


def test_price_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_lines(
        tmp_path / "azure.jsonl",
        [line(chat("hello", model="my-deploy", max_tokens=1_000_000), n=n) for n in range(2)],
    )
    _, out, _ = run(capsys, str(path), "--format", "json")
    data = json.loads(out)
    assert data["prices_unknown"] == ["my-deploy"] and data["cost_usd"]["complete"] is False
    assert data["by_model"]["my-deploy"]["encoding_assumed"] is True
    _, out, _ = run(capsys, str(path), "--format", "json", "--price", "my-deploy=1,2")
    data = json.loads(out)
    assert data["prices_unknown"] == []
    assert data["cost_usd"]["standard_max"] == pytest.approx(2 * 2 + data["input_tokens"] / 1e6)
    assert data["cost_usd"]["batch_max"] == pytest.approx(data["cost_usd"]["standard_max"] / 2)
    _, out, _ = run(capsys, str(path), "--format", "json", "--price", "my-deploy=gpt-4o-mini")
    assert json.loads(out)["by_model"]["my-deploy"]["price"]["matched"] == "gpt-4o-mini"
    _, text, _ = run(capsys, str(path))
    assert "no known price for my-deploy" in text and "--price my-deploy=" in text


@pytest.mark.parametrize("option", ["my-deploy", "m=1,2,3", "m=a,b", "=1,2", "m=-1,2"])
def test_bad_price_options(option: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["estimate", str(EXAMPLES / "chat.jsonl"), "--price", option])
    assert code == 2
    assert capsys.readouterr().err.startswith("batchtui: --price")


def test_control_characters_in_data_never_reach_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path / "evil.jsonl", [line(chat("x", model="gpt\x1b[31m-evil\x07"))])
    _, out, _ = run(capsys, str(path))
    assert "\x1b" not in out and "\x07" not in out and "gpt\\e[31m-evil\\a" in out
    _, out, _ = run(capsys, str(path), "--format", "json")
    assert "\x1b" not in out and json.loads(out)["models"] == ["gpt\x1b[31m-evil\x07"]


def test_a_file_with_nothing_to_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(bytes(range(256)) * 20)
    code, out, _ = run(capsys, str(empty), str(binary))
    assert code == 0
    assert out == (
        f"{empty}: 0 requests\n  nothing to estimate\n"
        f"{binary}: 0 requests\n  nothing to estimate\n"
        "  skipped 21 lines: not valid UTF-8 (20), not valid JSON (1); first at line 1, 2, 3, 4, 5\n"
    )


def test_sample_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_lines(tmp_path / "small.jsonl", [line(chat("hi", max_tokens=5))])
    _, out, _ = run(capsys, str(path), "--sample", "--format", "json")
    assert json.loads(out)["approximate"] is False  # small files are counted exactly


def test_sampled_estimate_is_marked(tmp_path: Path) -> None:
    from batchtui.cost.scan import sample_file

    path = write_lines(
        tmp_path / "s.jsonl",
        [line(chat(f"text {n} " * 50, max_tokens=10), n=n) for n in range(400)],
    )
    est = estimate(sample_file(path, lines=50, exact_below=0, seconds=30))
    data = to_json(est)
    assert data["approximate"] is True and 0 < data["sampled_lines"] <= 50
    assert abs(data["requests"] - 400) < 40


def test_money_formatting() -> None:
    assert usd(Decimal("4.12")) == "$4.12"
    assert usd(Decimal("12345.678")) == "$12,345.68"
    assert usd(Decimal("0.0031234")) == "$0.0031"
    assert usd(Decimal("0.0135")) == "$0.014"
    assert usd(Decimal("0.2834")) == "$0.28"
    assert usd(Decimal("0.000000941")) == "$0.00000094"
    assert usd(Decimal(0)) == "$0.00"
    cost = Cost(Decimal("3"), Decimal("1.12"), Decimal("6"), Decimal("2.24"))
    assert saving_line(cost) == "≈ $4.12 at batch price, $8.24 standard, you save $4.12"


def test_help_does_not_load_the_tokenizer_or_prices() -> None:
    code = (
        "import sys, batchtui.cli.entry as c\n"
        "c._subcommand_parser()\n"
        "import batchtui.cost\n"
        "print(sorted(m for m in ('tiktoken', 'genai_prices', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_approximations_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tool = {"type": "function", "function": {"name": "f", "description": "d", "parameters": {}}}
    path = write_lines(
        tmp_path / "tools.jsonl",
        [line(chat("hi", tools=[tool], max_tokens=5)), line(chat("plain", max_tokens=5), n=2)],
    )
    _, text, _ = run(capsys, str(path))
    assert "  approximated on 1 request:\n    tool and function definitions" in text
    _, out, _ = run(capsys, str(path), "--format", "json")
    data = json.loads(out)
    assert data["approximated_lines"] == 1
    assert data["approximations"] == [
        "tool and function definitions (the cookbook's approximation)"
    ]


def test_counting_shows_the_one_progress_meter_on_a_terminal_only(
    batch_file: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, str(batch_file))
    assert code == 0 and "counting tokens" not in err  # not a terminal: nothing
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, out, err = run(capsys, str(batch_file))
    assert code == 0
    assert f"\rcounting tokens in {batch_file}: 100%\x1b[K" in err
    assert err.endswith("\r\x1b[K"), "cleared before the summary is printed"
    assert "counting tokens" not in out and "\r" not in out
