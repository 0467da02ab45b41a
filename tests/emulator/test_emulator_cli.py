"""``batchtui emulator`` as a user runs it."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import httpx2
import pytest

from batchtui.cli import main


def test_standalone_server_with_demo_data() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "batchtui", "emulator", "--port", "0", "--speed", "0", "--demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:  # ends when the server prints its address (or dies)
            m = re.search(r"listening on (http://127\.0\.0\.1:\d+/v1)", line)
            if m:
                url = m.group(1)
                break
        assert url, "the emulator did not announce its address"
        r = httpx2.get(f"{url}/batches?limit=100", headers={"Authorization": "Bearer sk-any"})
        assert r.status_code == 200 and len(r.json()["data"]) == 13
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["emulator", "--speed", "-1"], "--speed must be 0 or more"),
        (["emulator", "--failure-rate", "2"], "--failure-rate must be between 0 and 1"),
    ],
)
def test_bad_options(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_port_in_use_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["emulator", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"batchtui: cannot listen on 127.0.0.1:{port}") and "Traceback" not in err
