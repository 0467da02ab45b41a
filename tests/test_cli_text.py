"""No raw control byte from data reaches the terminal from any CLI output, and no string
makes a command crash: file names, custom_ids, server codes and messages are data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.cli import main
from tests.results.builders import http_error, ok, plain_error
from tests.results.builders import request as result_request
from tests.results.builders import write_lines as write_result_lines
from tests.validation.helpers import chat_body, request, write_lines

# What must never reach the terminal raw: C0 (but newline), DEL, C1, bidi, lone surrogates.
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
HOSTILE = "\x1b]0;pwned\x07 \x1b[2J \x9b31m \u202eevil\u202c \x85"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean(*texts: str) -> None:
    for text in texts:
        found = RAW.findall(text)
        assert not found, f"raw {found!r} in {text!r}"


def surrogate_line(cid: str = "a\ud800b") -> bytes:
    return json.dumps(request(cid)).encode()  # ASCII JSON: the lone half is a \ud800 escape


# -- the lone surrogate rule, in every format --------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_a_lone_surrogate_line_is_invalid_in_every_format(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Alone (the fallback parser's path) and twice (a duplicate id would quote it).
    path = write_lines(tmp_path / "s.jsonl", [surrogate_line(), surrogate_line(), request("ok")])
    code, out, err = run(capsys, "validate", "--format", fmt, str(path))
    assert (code, err) == (1, "")
    assert_clean(out)
    out.encode("utf-8")
    if fmt == "json":
        report = orjson.loads(out)
        found = [(f["line"], f["code"]) for f in report["findings"]]
        assert found == [(1, "invalid_json_line"), (2, "invalid_json_line")]
        assert "\\ud800" in report["findings"][0]["message"]
    else:
        assert out.count("invalid_json_line") == 2 and "\\ud800" in out
        assert "duplicate_custom_id" not in out


def test_validate_with_a_surrogate_does_not_crash_in_a_real_process(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "one.jsonl", [surrogate_line()])
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", "validate", str(path)],
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 1 and proc.stderr == b"", proc.stderr.decode(errors="replace")
    assert b"invalid_json_line" in proc.stdout and b"\\ud800" in proc.stdout


# -- file names --------------------------------------------------------------------------


def test_missing_file_names_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = str(tmp_path / f"x{HOSTILE}.jsonl")
    for argv in (
        ["validate", name],
        ["split", name],
        ["results", "--input", name, "--summary"],
        [name],
    ):
        code, out, err = run(capsys, *argv)
        assert code == 2, argv
        assert "pwned" in err and "\\e]0;pwned\\a" in err, argv
        assert_clean(out, err)


def test_names_in_validate_split_and_export_messages_are_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / f"d{HOSTILE}"
    folder.mkdir()
    path = write_lines(folder / "in.jsonl", [request("a"), request("a")])
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1 and "\\e]0;pwned\\a" in out
    assert_clean(out, err)
    code, out, err = run(capsys, "validate", "--format", "github", str(path))
    assert_clean(out, err)
    code, out, err = run(capsys, "split", str(path), "--max-requests", "1")
    assert code == 0 and out.count("wrote ") == 2
    assert_clean(out, err)
    inp = write_result_lines(folder / "r_in.jsonl", [result_request("a")])
    code, out, err = run(
        capsys, "results", "--input", str(inp), "--export-retry", str(folder / "retry.jsonl")
    )
    assert code == 0 and "wrote 1 request(s) to retry" in err
    assert_clean(out, err)


# -- server data in results --summary ----------------------------------------------------


def test_results_summary_escapes_codes_and_messages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_result_lines(
        tmp_path / "in.jsonl",
        [result_request(c) for c in ("r1", "r2", "r3", f"r4{HOSTILE}")],
    )
    out_file = write_result_lines(tmp_path / "out.jsonl", [ok("r1")])
    err_file = write_result_lines(
        tmp_path / "err.jsonl",
        [
            http_error("r2", 400, f"code{HOSTILE}", f"bad\nrow {HOSTILE}"),
            plain_error("r3", "\x1b[31mred", "\u202ereversed\x07"),
            b"not json \x1b]0;t\x07",
        ],
    )
    files = ["--input", str(inp), "--output", str(out_file), "--errors", str(err_file)]
    code, out, err = run(capsys, "results", *files, "--summary")
    assert code == 0, err
    assert_clean(out, err)
    assert "\\e]0;pwned\\a" in out and "\\u202ereversed\\a" in out
    # A newline in a message does not start a line of its own.
    assert not any(line.startswith("row ") for line in out.splitlines())

    code, out, err = run(capsys, "results", *files, "--summary", "--format", "json")
    assert code == 0
    assert_clean(out, err)
    summary = orjson.loads(out)  # strict parsers take it
    codes = {g["code"] for g in summary["histogram"]}
    assert f"code{HOSTILE}" in codes and "\x1b[31mred" in codes  # same values, escaped text


# -- property: random hostile strings through every output format ------------------------

PIECES = [
    "[/x]",
    "[b]",
    "\\",
    "\\e",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x00",
    "\x9b",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200f",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\udc80",  # a file name byte that is not UTF-8, as Python spells it
    "\n",
    "\r",
    "\t",
    "한국어",
    "😀",
    '"',
    ",",
    ":",
]
hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), min_size=1, max_size=8
).map("".join)


def file_name(text: str) -> str:
    """``text`` as a name the file system takes: no "/" or NUL, nothing unencodable."""

    def usable(c: str) -> bool:
        try:
            os.fsencode(c)
        except UnicodeEncodeError:
            return False
        return c not in "/\x00"

    return "f-" + "".join(c if usable(c) else "_" for c in text)[:100]


def strict_json(out: str) -> object:
    return orjson.loads(out)  # strict: refuses lone surrogate escapes and invalid UTF-8


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ids=st.lists(hostile, min_size=3, max_size=3), name=hostile)
def test_every_output_format_takes_anything(
    ids: list[str], name: str, tmp_path_factory: pytest.TempPathFactory, capsys
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("p") / file_name(name)
    folder.mkdir()
    lines = [json.dumps(request(cid, chat_body(model=cid))).encode() for cid in ids]
    lines.append(b"\x1b]0;x\x07 not json")
    path = write_lines(folder / "in.jsonl", [*lines, *lines])  # duplicates quote the ids
    for fmt in ("text", "github", "json"):
        code, out, err = run(capsys, "validate", "--format", fmt, str(path))
        assert code == 1 and err == "", (fmt, err)
        assert_clean(out)
        if fmt == "json":
            strict_json(out)
    for fmt in ("text", "json"):
        code, out, err = run(capsys, "estimate", "--format", fmt, str(path))
        assert code == 0, err
        assert_clean(out, err)
        if fmt == "json":
            strict_json(out)
    code, out, err = run(capsys, "split", str(path), "--max-requests", "4", "--force")
    assert code == 0 and out.count("wrote ") == 2
    assert_clean(out, err)

    def ascii_json(objs: list[dict[str, object]]) -> list[bytes]:
        return [json.dumps(o).encode() for o in objs]  # lone halves as \udXXX escapes

    inp = write_result_lines(folder / "r_in.jsonl", ascii_json([result_request(c) for c in ids]))
    errs = write_result_lines(
        folder / "r_err.jsonl",
        ascii_json([http_error(ids[0], 400, ids[1], ids[2])] + [plain_error(c, c, c) for c in ids]),
    )
    for fmt in ("text", "json"):
        code, out, err = run(
            capsys,
            "results",
            "--input",
            str(inp),
            "--errors",
            str(errs),
            "--summary",
            "--format",
            fmt,
        )
        assert code == 0, err
        assert_clean(out, err)
        if fmt == "json":
            strict_json(out)
