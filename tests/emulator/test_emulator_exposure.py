"""Running the emulator must not surprise anyone: a warning when it is exposed without a key,
a 400 (not a 500) for a file name with control characters."""

from __future__ import annotations

import httpx2
import pytest
from emulator_helpers import API_KEY, chat_file

from batchtui.cli.emulator import exposure_warning
from batchtui.emulator.server import EmulatorServer


@pytest.mark.parametrize(
    ("host", "keys", "warned"),
    [
        ("0.0.0.0", None, True),
        ("::", None, True),
        ("192.168.1.5", None, True),
        ("0.0.0.0", ["sk-secret"], False),
        ("127.0.0.1", None, False),
        ("localhost", None, False),
        ("::1", None, False),
    ],
)
def test_exposed_without_a_key_warns(host: str, keys: list[str] | None, warned: bool) -> None:
    warning = exposure_warning(host, keys)
    assert (warning is not None) is warned
    if warning:
        assert "anyone who reaches this port" in warning and "--api-key" in warning


def test_cli_prints_the_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchtui.cli import emulator as cli
    from batchtui.cli import main

    async def fake_serve(args: object, data_dir: object) -> None:
        return None

    monkeypatch.setattr(cli, "_serve", fake_serve)  # no socket is opened
    assert main(["emulator", "--host", "0.0.0.0", "--port", "0"]) == 0
    assert "without --api-key" in capsys.readouterr().err
    assert main(["emulator", "--host", "0.0.0.0", "--api-key", "k", "--port", "0"]) == 0
    assert "without --api-key" not in capsys.readouterr().err


@pytest.mark.parametrize("name", ["a\x1b[31mb.jsonl", "a\x7f.jsonl", "a\x9bb.jsonl"])
async def test_control_characters_in_a_filename_are_a_400(emu: EmulatorServer, name: str) -> None:
    async with httpx2.AsyncClient() as http:
        r = await http.post(
            f"{emu.base_url}/files",
            headers={"Authorization": f"Bearer {API_KEY}"},
            files={"file": (name, chat_file(1))},
            data={"purpose": "batch"},
        )
    assert r.status_code == 400  # was a 500 ("Server got itself in trouble")
    error = r.json()["error"]
    assert error["param"] == "file" and error["type"] == "invalid_request_error"
    assert "control character" in error["message"]
    assert emu.state.files == {}
