"""The one submit path: checked before any upload, validated on the exact bytes uploaded,
refused on errors unless forced, and no orphan file left on the server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import orjson
import pytest
from api_helpers import make_options, write_chat
from api_helpers import run_cli as run

from batchtui.api.records import state_dir
from batchtui.api.service import BatchService
from batchtui.api.submit import SubmitRefused, ValidatedReport, check_metadata, submit_file
from batchtui.core.errors import UserError
from batchtui.emulator.server import EmulatorServer
from batchtui.emulator.threaded import EmulatorThread


def with_errors(tmp_path: Path) -> Path:
    """11 errors of three kinds, as a user might have before fixing their file."""
    path = write_chat(tmp_path / "bad.jsonl", 20)
    lines = path.read_bytes().splitlines()
    for i in range(1, 7):  # not the first line: the upload itself needs a JSON first line
        lines[i] = b'{"custom_id": "broken'  # invalid JSON
    for i in range(7, 10):
        obj = orjson.loads(lines[i])
        del obj["method"]
        lines[i] = orjson.dumps(obj)
    for i in range(10, 12):
        obj = orjson.loads(lines[i])
        obj["body"]["stream"] = True
        lines[i] = orjson.dumps(obj)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def uploads(emu: EmulatorThread) -> list[str]:
    return [f.filename for f in emu.server.state.files.values() if f.purpose == "batch"]


def test_cli_refuses_a_file_with_errors_and_force_submits_it(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = with_errors(tmp_path)
    code, out, err = run(capsys, "batches", "submit", str(path))
    assert (code, out) == (1, "")
    assert err.count("\n") == 1 and err.startswith(f"batchtui: refusing to submit {path}: ")
    assert "11 validation errors" in err
    for code_name in ("invalid_json_line", "missing_required_parameter", "streaming_unsupported"):
        assert code_name in err
    assert "--force" in err and "Nothing was uploaded" in err
    assert uploads(threaded) == [] and threaded.server.state.batches == {}

    code, out, err = run(capsys, "batches", "submit", str(path), "--force")
    assert code == 0 and out.startswith("submitted batch_")
    assert "warning: submitted despite 11 validation errors" in err
    assert uploads(threaded) == ["bad.jsonl"]


def test_an_output_file_is_not_submitted(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A well-formed output file has no validation errors (it is judged as what it is), so
    # its kind is what refuses it: uploaded, OpenAI would fail every line.
    from tests.jsonl import kind_samples as S

    path = tmp_path / "batch_abc_output.jsonl"
    path.write_bytes(S.jsonl([S.chat_output(i) for i in range(3)]))
    code, out, err = run(capsys, "batches", "submit", str(path))
    assert (code, out) == (1, "")
    assert "it is an OpenAI batch output file, not a batch input" in err
    assert "Nothing was uploaded" in err and uploads(threaded) == []


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ([f"--metadata=k{i}=v" for i in range(17)], "at most 16 metadata pairs"),
        (["--metadata", "k" * 65 + "=v"], "longer than 64 characters"),
        (["--metadata", "k=" + "v" * 513], "longer than 512 characters (513)"),
        (["--description", "x\udc9b"], "metadata value for 'description' is not valid UTF-8"),
        (["--metadata", "k\udcff=v"], "is not valid UTF-8 text"),
        (["--completion-window", "48h"], "accepts only '24h'"),
        (["--endpoint", "/v1/nope"], "is not a batch endpoint"),
    ],
)
def test_bad_parameters_are_refused_before_any_upload(
    threaded: EmulatorThread,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    extra: list[str],
    reason: str,
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 3)
    code, out, err = run(capsys, "batches", "submit", str(path), *extra, "--force")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and reason in err and "Traceback" not in err
    assert threaded.server.requests.maxlen and not [
        r for r in threaded.server.requests if r.method == "POST"
    ], "nothing was uploaded"
    assert uploads(threaded) == []


def test_a_failed_create_deletes_the_upload_and_says_so(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write_chat(tmp_path / "in.jsonl", 3)
    threaded.server.faults.server_error(None, status=503, method="POST", path="/v1/batches")
    code, _, err = run(capsys, "batches", "submit", str(path))
    assert code == 2 and err.count("\n") == 1
    assert "server error (503)" in err and "the uploaded file file-" in err
    assert "was deleted again" in err
    assert uploads(threaded) == [], "no orphan file on the server"


async def test_an_unexpected_create_failure_also_deletes_the_upload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with EmulatorServer(make_options(tmp_path)) as emu:
        from api_helpers import settings_for

        async with BatchService(settings_for(emu)) as service:

            async def broken(*args: object, **kwargs: object) -> None:
                raise RuntimeError("proxy sent nonsense")

            monkeypatch.setattr(service, "create_batch", broken)
            with pytest.raises(UserError) as info:
                await submit_file(service, write_chat(tmp_path / "in.jsonl", 2))
        assert "RuntimeError: proxy sent nonsense" in info.value.message
        assert "was deleted again" in info.value.message
        assert emu.state.files == {}


async def test_a_report_of_the_same_bytes_is_used_and_of_other_bytes_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api_helpers import settings_for

    from batchtui.api import submit as submit_module
    from batchtui.validation.parallel import validate_parallel

    good = write_chat(tmp_path / "in.jsonl", 4)
    good_bytes = good.read_bytes()
    validator = validate_parallel(good)  # as the File screen's validation does: with a digest
    snapshot = validator.report.snapshot()
    validator.index.close()
    report = ValidatedReport.of(snapshot)
    assert report.digest is not None
    calls: list[Path] = []
    real = submit_module.validate_spool

    def counting(spool: Path, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(spool)
        return real(spool, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(submit_module, "validate_spool", counting)
    async with EmulatorServer(make_options(tmp_path)) as emu:
        async with BatchService(settings_for(emu)) as service:
            done = await submit_file(service, good, report=report)
            assert calls == [], "the report is about exactly these bytes: not validated again"
            # The file is rewritten in place after it was validated (same size, as nano does):
            bad = good_bytes.replace(b'"POST"', b'"PUT!"', 1)
            assert len(bad) == len(good_bytes)
            good.write_bytes(bad)
            with pytest.raises(SubmitRefused) as info:
                await submit_file(service, good, report=report)
            assert len(calls) == 1 and "1 validation error" in info.value.message
        uploaded = [f.path.read_bytes() for f in emu.state.files.values() if f.purpose == "batch"]
    assert uploaded == [good_bytes] and done.report is snapshot


async def test_the_spool_is_private_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api_helpers import settings_for

    from batchtui.api import submit as submit_module

    seen: list[tuple[int, int]] = []
    real = submit_module.validate_spool

    def look(spool: Path, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append((spool.stat().st_mode & 0o777, spool.parent.stat().st_mode & 0o777))
        return real(spool, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(submit_module, "validate_spool", look)
    stale = state_dir() / "spool" / "999999999-dead"
    stale.mkdir(parents=True)
    (stale / "upload.jsonl").write_bytes(b"left by a killed submit")
    async with (
        EmulatorServer(make_options(tmp_path)) as emu,
        BatchService(settings_for(emu)) as service,
    ):
        await submit_file(service, write_chat(tmp_path / "in.jsonl", 2))
    assert seen and seen[0][1] == 0o700
    assert list((state_dir() / "spool").iterdir()) == [], "spools removed, stale one too"


def test_a_fifo_is_refused_at_once(
    threaded: EmulatorThread, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    code, _, err = run(capsys, "batches", "submit", str(fifo))
    assert code == 2 and "is a pipe (FIFO), not a regular" in err


def test_check_metadata() -> None:
    assert check_metadata({"description": "ok ✓", "k" * 64: "v" * 512}) == []
    assert check_metadata(None) == []
    assert check_metadata({"": "x"}) == ["metadata key '' is empty"]
    assert check_metadata({"k": 3}) == ["metadata value for 'k' is not a string"]  # type: ignore[dict-item]
    json.dumps(check_metadata({"k\udc9b": "v\udc9b"}))  # the reasons themselves are printable
