"""Whole files: exact counts in blocks on threads, bad lines, line arrays, and the sample."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from batchtui.core.errors import UserError
from batchtui.cost.count import RequestCount, RequestCounter
from batchtui.cost.scan import NO_CEILING, SKIPPED, count_file, sample_file
from tests.benchmarks._datagen import write_batch_file
from tests.cost.helpers import line, png_url, write_lines


def chat(content: str, model: str = "gpt-4o-mini", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": content}], **extra}


def _expected(lines: list[str]) -> int:
    import orjson

    counter = RequestCounter()
    total = 0
    for text in lines:
        obj = orjson.loads(text)
        result = counter.count(obj["url"], obj["body"])
        assert isinstance(result, RequestCount)
        total += result.input_tokens
    return total


@pytest.fixture
def mixed_file(tmp_path: Path) -> tuple[Path, list[str]]:
    rng = random.Random(7)
    lines = []
    for n in range(1, 301):
        text = " ".join(rng.choice(["hello", "세계", "東京", "🍕", "batch"]) for _ in range(n % 40))
        model = rng.choice(["gpt-4o-mini", "gpt-4.1", "gpt-4"])
        extra = {"max_tokens": 50} if n % 3 else {}
        lines.append(line(chat(text, model, **extra), n=n))
    return write_lines(tmp_path / "mixed.jsonl", lines), lines


def test_exact_count_equals_the_sum_of_its_lines(mixed_file: tuple[Path, list[str]]) -> None:
    path, lines = mixed_file
    result = count_file(path)
    assert result.requests == 300 and result.lines == 300 and result.complete
    assert result.input_tokens == _expected(lines)
    assert result.output_max == 200 * 50
    assert result.without_ceiling == 100
    assert sum(m.requests for m in result.models.values()) == 300
    assert set(result.models) == {"gpt-4o-mini", "gpt-4.1", "gpt-4"}
    assert result.encodings["gpt-4"].encoding == "cl100k_base"
    assert list(result.endpoints) == ["/v1/chat/completions"]


@pytest.mark.parametrize(("threads", "block_bytes"), [(1, 1 << 20), (2, 300), (3, 4096)])
def test_blocks_and_threads_do_not_change_the_result(
    mixed_file: tuple[Path, list[str]], threads: int, block_bytes: int
) -> None:
    path, _ = mixed_file
    reference = count_file(path, threads=1)
    result = count_file(path, threads=threads, block_bytes=block_bytes)
    assert result.input_tokens == reference.input_tokens
    assert list(result.line_input) == list(reference.line_input)
    assert list(result.line_output) == list(reference.line_output)
    assert [result.model_names[m] for m in result.line_model] == [
        reference.model_names[m] for m in reference.line_model
    ]


def test_line_arrays_and_ranges(mixed_file: tuple[Path, list[str]]) -> None:
    path, lines = mixed_file
    result = count_file(path, block_bytes=500)
    assert len(result.line_input) == len(result.line_model) == len(result.line_output) == 300
    assert result.line_output[0] == 50 and result.line_output[2] == NO_CEILING  # line 3: none
    first_half = result.range_input_tokens(0, 150)
    second_half = result.range_input_tokens(150, 300)
    total = {m: first_half.get(m, 0) + second_half.get(m, 0) for m in result.models}
    assert total == {m: t.input_tokens for m, t in result.models.items()}
    assert sum(first_half.values()) == _expected(lines[:150])


def test_bad_lines_are_skipped_with_their_line_numbers(tmp_path: Path) -> None:
    good = line(chat("hi"))
    content = [
        good,
        "{not json",
        "",
        '["a list"]',
        '{"url": "/v1/chat/completions"}',
        line({"messages": []}),
        line({"model": "dall-e"}, url="/v1/images/generations"),
        good,
        "[" * 100_000 + "]" * 100_000,  # deeper than any JSON parser recurses
    ]
    path = write_lines(tmp_path / "bad.jsonl", content)
    with path.open("ab") as f:
        f.write(b'{"url": "\xff\xfe broken bytes"}\n')
    result = count_file(path)
    assert result.requests == 2 and result.lines == 10
    assert result.skipped_lines == 8
    assert dict(result.skip_examples) == {
        2: "not valid JSON",
        3: "blank line",
        4: "not a JSON object",
        5: "no body",
        6: "no body.model",
        7: "/v1/images/generations: cost not estimated for this endpoint",
        9: "not valid JSON",
        10: "not valid UTF-8",
    }
    assert list(result.line_model).count(SKIPPED) == 8


def test_crlf_bom_and_no_final_newline(tmp_path: Path) -> None:
    lines = [line(chat("one")), line(chat("two 두"))]
    plain = write_lines(tmp_path / "plain.jsonl", lines)
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())  # BOM, CRLF, no final EOL
    a, b = count_file(plain), count_file(crlf)
    assert (a.requests, a.input_tokens) == (b.requests, b.input_tokens) == (2, _expected(lines))


def test_a_line_longer_than_a_block(tmp_path: Path) -> None:
    long_line = line(chat("word " * 50_000))
    lines = [line(chat("a")), long_line, line(chat("b"))]
    path = write_lines(tmp_path / "long.jsonl", lines)
    result = count_file(path, block_bytes=1024)
    assert result.requests == 3 and result.input_tokens == _expected(lines)


def test_images_and_not_counted_inputs_are_totalled(tmp_path: Path) -> None:
    image = {"type": "image_url", "image_url": {"url": png_url(1024, 1024), "detail": "high"}}
    remote = {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}}
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": [image, remote]}]}
    path = write_lines(tmp_path / "img.jsonl", [line(body, n=i) for i in range(3)])
    totals = count_file(path).models["gpt-4o"]
    assert (totals.images, totals.image_tokens) == (3, 3 * 765)
    assert totals.not_counted == {"image_url": 3}


def test_progress_and_cancel(mixed_file: tuple[Path, list[str]]) -> None:
    path, _ = mixed_file
    seen: list[tuple[int, int]] = []
    count_file(path, block_bytes=2000, progress=lambda done, size: seen.append((done, size)))
    assert seen and seen[-1][0] == seen[-1][1] == path.stat().st_size
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    calls = iter(range(1000))
    stopped = count_file(path, block_bytes=2000, cancelled=lambda: next(calls) >= 2)
    assert not stopped.complete and 0 < stopped.lines < 300


@pytest.mark.parametrize("name", ["missing.jsonl", "."])
def test_unopenable_paths_are_user_errors(tmp_path: Path, name: str) -> None:
    with pytest.raises(UserError) as info:
        count_file(tmp_path / name)
    assert str(tmp_path) in info.value.message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    result = count_file(path)
    assert (result.requests, result.lines, result.input_tokens) == (0, 0, 0)


def test_sample_is_close_to_the_exact_count(tmp_path: Path) -> None:
    info = write_batch_file(tmp_path / "gen.jsonl", 3_000_000, lines=1500)
    exact = count_file(info.path)
    sample = sample_file(info.path, lines=300, exact_below=0, seconds=30)
    assert sample.approximate and 100 < sample.lines <= 300
    figures = sample.estimated()
    assert figures.approximate and figures.requests > 0
    for got, want in (
        (figures.input_tokens, exact.input_tokens),
        (figures.output_max, exact.output_max),
        (figures.requests, exact.requests),
    ):
        assert abs(got - want) / want < 0.05, (got, want)
    with pytest.raises(ValueError):
        sample.range_input_tokens(0, 10)


def test_small_files_are_sampled_exactly(mixed_file: tuple[Path, list[str]]) -> None:
    path, lines = mixed_file
    result = sample_file(path)
    assert not result.approximate and result.input_tokens == _expected(lines)


def test_a_line_over_the_cap_is_skipped_without_being_held(
    mixed_file: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One huge line between two requests (a 2 GB line took 6.3 GB to count): with the cap
    # lowered to 4 KB, it is skipped by its length, read block by block, never joined.
    from batchtui.cost import scan

    monkeypatch.setattr(scan, "MAX_LINE_BYTES", 4096)
    path, lines = mixed_file
    huge = "x" * 50_000
    path.write_text(lines[0] + "\n" + huge + "\n" + lines[1] + "\n" + huge)
    result = count_file(path, block_bytes=1000)
    assert result.requests == 2 and result.lines == 4
    assert result.skipped == {"longer than 0 MB (not read)": 2}
    assert result.bytes == path.stat().st_size


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="pipe"):
        count_file(fifo)  # used to block in open(), waiting for a writer
