"""Finding a result file's input and its other result file beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from batchtui.jsonl.kinds import Kind
from batchtui.results.pairing import batch_id_in, find_companions, renamed
from tests.jsonl import kind_samples as k


def write(path: Path, objs: list[Any]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return path


@pytest.mark.parametrize(
    ("name", "words", "expected"),
    [
        ("batch_abc_output.jsonl", ("input", ""), ["batch_abc_input.jsonl", "batch_abc.jsonl"]),
        ("batch_output_batch_abc.jsonl", ("input",), ["batch_input_batch_abc.jsonl"]),
        ("Results-Errors.JSONL", ("input",), ["Input-Errors.JSONL", "Results-Input.JSONL"]),
        ("answers.jsonl", ("input", ""), []),
        ("output.jsonl", ("input", ""), ["input.jsonl"]),
    ],
)
def test_renamed(name: str, words: tuple[str, ...], expected: list[str]) -> None:
    assert renamed(name, words) == expected


def test_batch_id_in_a_name() -> None:
    assert batch_id_in("batch_6920b256abc_output.jsonl") == "batch_6920b256abc"
    assert batch_id_in("batch_output_batch_x1.jsonl") == "batch_x1"
    assert batch_id_in("results.jsonl") is None


def test_the_input_and_the_error_file_named_like_the_output(tmp_path: Path) -> None:
    out = write(tmp_path / "batch_a_output.jsonl", [k.chat_output(1)])
    inp = write(tmp_path / "batch_a_input.jsonl", [k.chat_input(1), k.chat_input(2)])
    err = write(tmp_path / "batch_a_error.jsonl", [k.http_error_line(2)])
    found = find_companions(out, Kind.OUTPUT)
    assert found.input is not None and found.input.path == inp
    assert found.errors is not None and found.errors.path == err
    back = find_companions(err, Kind.ERRORS)
    assert back.output is not None and back.output.path == out
    assert back.input is not None and back.input.path == inp


def test_a_name_match_of_the_wrong_kind_is_no_companion(tmp_path: Path) -> None:
    out = write(tmp_path / "x_output.jsonl", [k.chat_output(1)])
    write(tmp_path / "x_input.jsonl", [k.anthropic_request(1)])  # not an OpenAI input
    write(tmp_path / "x_error.jsonl", [k.chat_input(1)])  # not an error file
    found = find_companions(out, Kind.OUTPUT)
    assert found.input is None and found.errors is None


def test_a_neighbour_needs_a_shared_custom_id(tmp_path: Path) -> None:
    out = write(tmp_path / "answers.jsonl", [k.chat_output(7)])
    write(tmp_path / "other.jsonl", [k.chat_input(1)])
    assert find_companions(out, Kind.OUTPUT).input is None
    mine = write(tmp_path / "mine.jsonl", [k.chat_input(6), k.chat_input(7)])
    found = find_companions(out, Kind.OUTPUT)
    assert found.input is not None and found.input.path == mine
    assert found.input.reason == "its custom_ids match"


def test_the_submission_records_name_the_input_anywhere(tmp_path: Path) -> None:
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    inp = write(elsewhere / "requests.jsonl", [k.chat_input(1)])
    out = write(tmp_path / "batch_q1_output.jsonl", [k.chat_output(1)])
    found = find_companions(out, Kind.OUTPUT, {"batch_q1": str(inp)})
    assert found.input is not None and found.input.path == inp
    assert found.input.reason == "recorded when batch_q1 was submitted"
    gone = find_companions(out, Kind.OUTPUT, {"batch_q1": str(tmp_path / "deleted.jsonl")})
    assert gone.input is None
