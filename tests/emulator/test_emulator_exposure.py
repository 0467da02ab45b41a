"""Running the emulator must not surprise anyone: a 400 (not a 500) for a file name with
control characters."""

from __future__ import annotations

import httpx2
import pytest
from emulator_helpers import API_KEY, chat_file

from batchtui.emulator.server import EmulatorServer


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
