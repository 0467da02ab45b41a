"""File-kind sniffing: every kind, the runners, near-misses and the byte-level oddities of
FORMATS.md §1.0, on constructed files (kind_samples.py)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from batchtui.core.errors import UserError
from batchtui.jsonl.index import LineIndex
from batchtui.jsonl.kinds import (
    Kind,
    KindTally,
    Layout,
    LineKind,
    line_kind,
    runner_of,
    sniff,
    sniff_index,
    sniff_path,
)
from tests.jsonl import kind_samples as S


@pytest.mark.parametrize(
    ("objs", "kind"),
    [
        ([S.chat_input(i) for i in range(3)], Kind.INPUT),
        ([S.chat_output(i) for i in range(3)], Kind.OUTPUT),
        ([S.responses_output(i) for i in range(3)], Kind.OUTPUT),
        ([S.http_error_line(1), S.EXPIRED_LINE], Kind.ERRORS),
        ([S.AZURE_ERROR_LINE], Kind.ERRORS),
        ([S.chat_output(1, runner="vllm"), S.VLLM_ERROR_LINE], Kind.OUTPUT),
        ([S.anthropic_request(i) for i in range(3)], Kind.ANTHROPIC_REQUESTS),
        (
            [
                S.anthropic_result(1),
                S.anthropic_result(2, "errored"),
                S.anthropic_result(3, "expired"),
            ],
            Kind.ANTHROPIC_RESULTS,
        ),
        ([S.gemini_request(i) for i in range(3)], Kind.GEMINI_REQUESTS),
        ([S.VERTEX_REQUEST, S.VERTEX_REQUEST], Kind.GEMINI_REQUESTS),
        ([S.gemini_result(i) for i in range(3)], Kind.GEMINI_RESULTS),
        ([S.VERTEX_PREDICTION], Kind.GEMINI_RESULTS),
        ([S.CURATOR_VERTEX], Kind.GEMINI_RESULTS),
        ([S.FINETUNE, S.FINETUNE | {"tags": ["x"]}], Kind.FINETUNE_CHAT),
        ([S.BARE_CHAT_BODY], Kind.UNKNOWN),
        ([S.LEGACY_FINETUNE], Kind.UNKNOWN),
        ([S.DPO], Kind.UNKNOWN),
        ([S.FLATTENED_ANTHROPIC], Kind.UNKNOWN),
    ],
)
def test_each_kind(objs: list[dict], kind: Kind) -> None:
    found = sniff(S.jsonl(objs))
    assert found.kind is kind, found
    assert found.layout is Layout.JSONL
    assert sum(found.lines.values()) == found.sniffed == len(objs)


def test_key_order_and_separators_do_not_matter() -> None:
    reordered = {k: S.chat_input()[k] for k in ("body", "url", "method", "custom_id")}
    assert sniff(S.jsonl([reordered], compact=True)).kind is Kind.INPUT
    # Gemini results write the key last (7shi/gemini-batch).
    assert list(S.gemini_result())[-1] == "key"


@pytest.mark.parametrize(
    ("runner", "expected"),
    [
        ("openai", "openai"),
        ("azure", "azure"),
        ("vllm", "vllm"),
        ("groq", "groq"),
        ("zhipu", "zhipu"),
        ("doubleword", "doubleword"),
    ],
)
def test_runner_of_an_output(runner: str, expected: str) -> None:
    line = S.chat_output(1, runner=runner)
    assert runner_of(line) == expected
    found = sniff(S.jsonl([line, S.chat_output(2, runner=runner)]))
    assert found.kind is Kind.OUTPUT and found.runner == expected


def test_error_lines_of_every_shape() -> None:
    assert line_kind(S.http_error_line(1, 403)) is LineKind.ERROR
    assert line_kind(S.EXPIRED_LINE) is LineKind.ERROR  # response null
    assert line_kind(S.AZURE_ERROR_LINE) is LineKind.ERROR  # no id, no body, message object
    assert line_kind(S.VLLM_ERROR_LINE) is LineKind.ERROR  # error is a string
    truncated = S.chat_output(1)
    truncated["response"]["body"]["choices"][0]["finish_reason"] = "length"
    assert line_kind(truncated) is LineKind.OUTPUT  # cut short is still an answer
    # A 200 whose body is only an error (a proxy) is an error line too.
    odd = S.chat_output(1)
    odd["response"]["body"] = {"error": {"message": "x"}}
    assert line_kind(odd) is LineKind.ERROR


def test_output_and_error_lines_make_an_output_file_errors_alone_an_error_file() -> None:
    found = sniff(S.jsonl([S.chat_output(1), S.http_error_line(2)]))
    assert found.kind is Kind.OUTPUT and not found.mixed
    assert found.lines == {"output": 1, "error": 1}
    assert sniff(S.jsonl([S.http_error_line(1), S.EXPIRED_LINE])).kind is Kind.ERRORS


def test_an_error_file_becomes_output_when_a_success_comes_later() -> None:
    # A file's first errored line can be at line 739: the validator keeps counting.
    tally = KindTally()
    for _ in range(50):
        tally.add(LineKind.ERROR)
    assert tally.decide() == (Kind.ERRORS, False, None)
    tally.add(LineKind.OUTPUT)
    assert tally.decide() == (Kind.OUTPUT, False, None)


def test_near_misses() -> None:
    # Anthropic results flattened by a user: custom_id but no result -> unknown, said so.
    found = sniff(S.jsonl([S.FLATTENED_ANTHROPIC] * 2))
    assert found.kind is Kind.UNKNOWN and "flattened" in (found.reason or "")
    # A chat body without its envelope: unknown, with the hint in its shape.
    found = sniff(S.jsonl([S.BARE_CHAT_BODY]))
    assert found.kind is Kind.UNKNOWN and "envelope" in (found.shape or "")
    # Fine-tuning lines with a model key are not fine-tuning lines.
    assert line_kind(S.FINETUNE | {"model": "gpt-4o"}) is LineKind.UNKNOWN
    # An input line without its custom_id is still an input line (judged as one).
    no_id = S.chat_input()
    del no_id["custom_id"]
    assert line_kind(no_id) is LineKind.INPUT
    # custom_id alone, with some other payload, is no kind.
    assert line_kind({"custom_id": "a", "text": {"contents": []}}) is LineKind.UNKNOWN
    # A Gemini response beside a custom_id (curator) is not an OpenAI output.
    assert line_kind(S.CURATOR_VERTEX) is LineKind.GEMINI_RESULT


def test_mixed_files_say_so_with_counts() -> None:
    objs = [S.chat_input(i) for i in range(3)] + [S.chat_output(9), S.anthropic_request()]
    found = sniff(S.jsonl(objs))
    assert found.kind is Kind.UNKNOWN and found.mixed
    assert found.dominant is Kind.INPUT and found.judged_as is Kind.INPUT
    assert found.lines == {"input": 3, "output": 1, "anthropic-request": 1}
    assert found.reason is not None and found.reason.startswith("mixed: 3 OpenAI batch requests")


def test_broken_and_unknown_lines_beside_one_kind_keep_that_kind() -> None:
    data = S.jsonl([S.chat_output(1), S.chat_output(2)]) + b'{"custom_id": "x", "resp\n[1]\n'
    found = sniff(data)
    assert found.kind is Kind.OUTPUT and not found.mixed
    assert found.lines == {"output": 2, "invalid": 2}


def test_bom_crlf_and_blank_lines() -> None:
    data = b"\xef\xbb\xbf" + S.jsonl([S.chat_input(1), S.chat_input(2)]).replace(b"\n", b"\r\n")
    data = data.replace(b"\r\n", b"\r\n\r\n   \n", 1)
    found = sniff(data)
    assert found.kind is Kind.INPUT and found.lines == {"input": 2}


def test_concatenated_objects_without_newlines() -> None:
    # As nf-osi/jobs stores Anthropic requests: objects glued together on one line.
    glued = b"".join(S.dumps(S.anthropic_request(i), compact=True) for i in range(4))
    found = sniff(glued)
    assert found.kind is Kind.ANTHROPIC_REQUESTS
    assert found.layout is Layout.CONCATENATED and found.lines == {"anthropic-request": 4}
    assert "without newlines" in (found.reason or "")
    # The head of a huge glued line: the objects that fit are recovered.
    cut = glued[: len(glued) - 20]
    found = sniff(cut, complete=False)
    assert found.kind is Kind.ANTHROPIC_REQUESTS and found.lines == {"anthropic-request": 3}


def test_pretty_printed_objects_and_arrays() -> None:
    import json

    pretty = b"".join(json.dumps(S.gemini_result(i), indent=2).encode() + b"\n" for i in range(3))
    found = sniff(pretty)
    assert found.layout is Layout.PRETTY and found.kind is Kind.GEMINI_RESULTS
    array = json.dumps([S.chat_input(i) for i in range(3)], indent=2).encode()
    found = sniff(array)
    assert found.layout is Layout.PRETTY and found.kind is Kind.INPUT
    assert "array" in (found.reason or "")
    state = json.dumps({"version": 1, "stage": "done", "batch": {}, "results": []}, indent=2)
    found = sniff(state.encode())
    assert found.kind is Kind.UNKNOWN and "ellmer" in (found.reason or "")


def test_lfs_pointer_binary_and_empty() -> None:
    pointer = (
        b"version https://git-lfs.github.com/spec/v1\n"
        b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        b"size 12345\n"
    )
    found = sniff(pointer)
    assert found.kind is Kind.UNKNOWN and found.layout is Layout.LFS_POINTER
    assert "LFS pointer, not the data" in (found.reason or "")
    assert sniff(b"\x1f\x8b\x08\x00rest").layout is Layout.BINARY
    assert sniff(b"ab\x00cd").layout is Layout.BINARY
    assert sniff(b"").layout is Layout.EMPTY
    assert sniff(b"\n  \n").kind is Kind.UNKNOWN


def test_every_line_invalid_but_plainly_an_input() -> None:
    # input/broken-unescaped-quotes.jsonl, in small: "content": ""text"" on every line.
    line = b'{"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", "body": '
    line += b'{"model": "m", "messages": [{"role": "user", "content": ""quoted""}]}}\n'
    found = sniff(line * 5)
    assert found.kind is Kind.INPUT and found.guessed
    assert found.lines == {"invalid": 5}
    assert sniff(b"not json at all\n" * 3).kind is Kind.UNKNOWN


def test_only_max_lines_are_classified() -> None:
    objs = [S.chat_input(i) for i in range(60)] + [S.chat_output(1)] * 5
    found = sniff(S.jsonl(objs))
    assert found.sniffed == 50 and found.kind is Kind.INPUT
    found = sniff(S.jsonl(objs), max_lines=100)
    assert found.mixed


def test_a_head_drops_its_cut_last_line() -> None:
    data = S.jsonl([S.chat_output(i) for i in range(3)])
    found = sniff(data[:-40], complete=False)
    assert found.lines == {"output": 2}


def test_sniff_path_reads_a_bounded_head(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    line = S.dumps(S.chat_input(1)) + b"\n"
    path.write_bytes(line * (4 * 1024 * 1024 // len(line) + 1))
    tracemalloc.start()
    try:
        found = sniff_path(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found.kind is Kind.INPUT and found.sniffed == 50
    assert peak < 3 * 1024 * 1024, peak
    with LineIndex(path) as index:  # not scanned: the browser sniffs before indexing
        assert sniff_index(index).kind is Kind.INPUT


def test_sniff_path_refuses_what_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        sniff_path(tmp_path / "nope.jsonl")
    with pytest.raises(UserError, match="directory"):
        sniff_path(tmp_path)


def test_to_dict_and_describe() -> None:
    found = sniff(S.jsonl([S.chat_output(1, runner="vllm"), S.VLLM_ERROR_LINE]))
    assert found.to_dict() == {
        "kind": "output",
        "lines": {"output": 1, "error": 1},
        "sniffed": 2,
        "layout": "jsonl",
        "runner": "vllm",
        "mixed": False,
        "dominant": None,
        "guessed": False,
        "shape": None,
        "reason": None,
    }
    assert found.describe() == "an OpenAI batch output file (vLLM)"
    assert str(Kind.ANTHROPIC_REQUESTS) == "anthropic-requests"
    assert Kind.GEMINI_RESULTS.foreign and not Kind.OUTPUT.foreign and Kind.ERRORS.results
