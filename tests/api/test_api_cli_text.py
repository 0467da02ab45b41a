"""``batchtui batches ...`` prints server data as data: metadata keys and values, descriptions
and ids never reach the terminal raw, and a newline never starts a fake row."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_api_cli import run

from batchtui.emulator import samples
from batchtui.emulator.threaded import EmulatorThread

RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\x85"
METADATA = {
    "description": "first\nfake-row batch_x completed 1/1",
    f"key{HOSTILE}": f"value{HOSTILE}",
}


def plant(emu: EmulatorThread, metadata: dict[str, str]) -> str:
    """A batch with ``metadata`` as a hostile server would send it (no client-side checks)."""

    async def go() -> str:
        state = emu.server.state
        content = samples.to_jsonl(list(samples.chat_requests(2, seed=1)))
        file_id = state.add_file_bytes(content, "in.jsonl", "batch").id
        record = state.create_batch(
            input_file_id=file_id, endpoint="/v1/chat/completions", metadata=metadata
        )
        return record.id

    return emu.call(go())


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert not RAW.findall(text), f"raw {RAW.findall(text)!r} in {text!r}"


def test_list_keeps_one_row_per_batch(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    batch_id = plant(threaded, METADATA)
    code, out, err = run(capsys, "batches", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2, out  # the header and the one batch
    assert batch_id in lines[1] and "first\\nfake-row" in lines[1]
    assert_clean(out, err)


def test_show_escapes_metadata_keys_and_values(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str]
) -> None:
    batch_id = plant(threaded, METADATA)
    code, out, err = run(capsys, "batches", "show", batch_id)
    assert code == 0, err
    assert_clean(out, err)
    assert "metadata key\\e]0;pwned\\a" in out and "value\\e]0;pwned\\a" in out
    assert not any(line.startswith("fake-row") for line in out.splitlines())


@pytest.mark.parametrize("action", ["list", "show"])
def test_json_escapes_c1_and_bidi_and_keeps_values(
    action: str,
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
) -> None:
    batch_id = plant(threaded, METADATA)
    argv = ["batches", action, "--format", "json"] + ([batch_id] if action == "show" else [])
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert_clean(out, err)
    assert "\\u202e" in out and "\\u0085" in out
    data = orjson.loads(out)  # valid for strict parsers, and the values are the same
    entry = data[0] if action == "list" else data
    assert entry["metadata"] == METADATA


def test_upload_progress_names_the_file_safely(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from batchtui.cli.progress import Meter, StatusLine

    status = StatusLine()
    status.enabled = True  # as on a terminal
    meter = Meter(f"uploading {tmp_path}/x{HOSTILE}.jsonl", status, unit="bytes")
    meter(10, 100)
    meter.finish()
    err = capsys.readouterr().err
    assert "\\e]0;pwned\\a" in err
    # Only the meter's own sequences remain: carriage returns and erase-line.
    assert_clean(err.replace("\r", "").replace("\x1b[K", ""))


PIECES = [
    "[/x]",
    "\\e",
    "\x1b]0;pwned\x07",
    "\x9b",
    "\x85",
    "\u202e",
    "\u2066",
    "\n",
    "\r",
    "한",
    "😀",
    '"',
]
# No lone surrogates: a server's JSON cannot carry them to the client (orjson, like the
# emulator, refuses to write them); the validator and results tests cover them.
hostile = st.lists(
    st.one_of(
        st.sampled_from(PIECES),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=3),
    ),
    min_size=1,
    max_size=6,
).map("".join)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(key=hostile, value=hostile, description=hostile)
def test_list_and_show_take_any_metadata(
    key: str,
    value: str,
    description: str,
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
) -> None:
    metadata = {"description": description, f"k{key}"[:64]: value}
    batch_id = plant(threaded, metadata)
    code, out, err = run(capsys, "batches", "list")
    assert code == 0, err
    assert_clean(out, err)
    rows = out.splitlines()[1:]
    assert len(rows) == len(threaded.server.state.list_batches())  # one row per batch
    code, out, err = run(capsys, "batches", "show", batch_id)
    assert code == 0, err
    assert_clean(out, err)
    for argv in (["list"], ["show", batch_id]):
        code, out, err = run(capsys, "batches", *argv, "--format", "json")
        assert code == 0, err
        assert_clean(out, err)
        data = orjson.loads(out)
        entry = next(b for b in data if b["id"] == batch_id) if argv == ["list"] else data
        assert entry["metadata"] == metadata
