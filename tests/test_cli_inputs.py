"""Files that are not files: standard input, gzip, FIFOs, procfs, from the command line.

Each command runs as a real subprocess, with a timeout: a FIFO used to hang validate, split,
results, batches submit and the browser forever (open() waits for a writer).
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "batchtui" / "examples" / "chat.jsonl"
MISTAKES = REPO / "batchtui" / "examples" / "chat_mistakes.jsonl"


def batchtui(
    *args: str, input: bytes | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        env.pop(key, None)
    env["BATCHTUI_STATE_DIR"] = str(cwd or REPO)
    return subprocess.run(
        [sys.executable, "-m", "batchtui", *args],
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
        capture_output=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def test_validate_reads_standard_input_with_dash() -> None:
    proc = batchtui("validate", "-", input=MISTAKES.read_bytes())
    out = proc.stdout.decode()
    assert proc.returncode == 1, proc.stderr
    assert out.startswith("<stdin>:") and "error[invalid_json_line]" in out
    assert "no such file" not in proc.stderr.decode()


def test_validate_decompresses_gzip_files_and_streams(tmp_path: Path) -> None:
    gz = tmp_path / "x.jsonl.gz"
    gz.write_bytes(gzip.compress(MISTAKES.read_bytes()))
    for proc, name in (
        (batchtui("validate", str(gz)), str(gz)),
        (batchtui("validate", "-", input=gz.read_bytes()), "<stdin>"),
    ):
        out = proc.stdout.decode()
        assert proc.returncode == 1, proc.stderr
        assert f"{name}:12: error[invalid_json_line]" in out  # the content, not "not_text"
        assert "not_text" not in out


RESULTS_IN = REPO / "batchtui" / "examples" / "results_input.jsonl"
RESULTS_OUT = REPO / "batchtui" / "examples" / "results_output.jsonl"


def test_estimate_reads_gzip_and_standard_input(tmp_path: Path) -> None:
    gz = tmp_path / "chat.jsonl.gz"
    gz.write_bytes(gzip.compress(EXAMPLE.read_bytes()))
    plain = batchtui("estimate", str(EXAMPLE), "--format", "json")
    assert plain.returncode == 0, plain.stderr
    want = json.loads(plain.stdout)
    for proc, name in (
        (batchtui("estimate", str(gz), "--format", "json"), str(gz)),
        (batchtui("estimate", "-", "--format", "json", input=gz.read_bytes()), "<stdin>"),
    ):
        assert proc.returncode == 0, proc.stderr
        got = json.loads(proc.stdout)
        assert got["file"] == name and got["skipped_lines"] == 0  # not "not valid UTF-8"
        assert got["input_tokens"] == want["input_tokens"] == 448


def test_results_reads_gzip_and_standard_input_under_their_names(tmp_path: Path) -> None:
    gz = tmp_path / "out.jsonl.gz"
    gz.write_bytes(gzip.compress(RESULTS_OUT.read_bytes()))
    plain = batchtui(
        "results", "-i", str(RESULTS_IN), "-o", str(RESULTS_OUT), "--summary", "--format", "json"
    )
    assert plain.returncode == 0, plain.stderr
    want = json.loads(plain.stdout)["counts"]
    proc = batchtui(
        "results",
        "-i",
        "-",
        "-o",
        str(gz),
        "--summary",
        "--format",
        "json",
        input=RESULTS_IN.read_bytes(),
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["files"] == {"input": "<stdin>", "output": str(gz), "errors": None}
    assert got["counts"] == want and want["succeeded"] > 0
    retry = tmp_path / "retry.jsonl"
    proc = batchtui(
        "results",
        "-i",
        "-",
        "-o",
        str(gz),
        "--export-retry",
        str(retry),
        input=RESULTS_IN.read_bytes(),
    )
    assert proc.returncode == 0, proc.stderr
    assert retry.read_bytes().count(b"\n") == want["missing"] + want["failed"] + want["expired"]
    both = batchtui("results", "-i", "-", "-o", "-", "--summary", input=b"")
    assert both.returncode == 2 and b"only one of" in both.stderr


def test_split_of_standard_input_writes_parts_here(tmp_path: Path) -> None:
    proc = batchtui("split", "-", "--max-requests", "5", input=EXAMPLE.read_bytes(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    parts = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    assert parts == ["stdin.part001.jsonl", "stdin.part002.jsonl", "stdin.part003.jsonl"]
    joined = b"".join((tmp_path / p).read_bytes() for p in parts)
    assert joined == EXAMPLE.read_bytes()


@pytest.mark.parametrize(
    "command",
    [
        ["validate"],
        ["split"],
        ["results", "--summary", "--input"],
        ["batches", "submit"],
        [],  # the browser
    ],
)
def test_a_fifo_is_refused_at_once(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    env_key = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://127.0.0.1:9/v1"}
    env = {**os.environ, "PYTHONPATH": str(REPO), "BATCHTUI_STATE_DIR": str(tmp_path), **env_key}
    t = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", *command, str(fifo)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,  # a regression hangs until here
        env=env,
    )
    assert proc.returncode == 2, proc.stderr
    assert "pipe (FIFO)" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - t < 30


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_a_procfs_file_is_not_called_empty_and_can_be_piped() -> None:
    proc = batchtui("validate", "/proc/self/maps")
    assert proc.returncode == 2
    assert b"reports a size of 0 but has content" in proc.stderr
    assert b"empty" not in proc.stdout


def _run_in_a_terminal(shell_command: str, keys_after: str, wait_for: bytes) -> tuple[int, bytes]:
    """Run ``shell_command`` with a pseudo-terminal as its controlling terminal (80x24); once
    ``wait_for`` is on the screen, type ``keys_after``. Returns (exit status, screen bytes)."""
    pid, master = pty.fork()
    if pid == 0:  # the child: the pty is its terminal and its /dev/tty
        os.environ["PYTHONPATH"] = str(REPO)
        os.environ["TERM"] = "xterm-256color"
        os.environ.pop("OPENAI_API_KEY", None)
        os.execvp("sh", ["sh", "-c", shell_command])
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen = b""
    typed = False
    deadline = time.monotonic() + 60
    status = None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    chunk = b""
                seen += chunk
            if not typed and wait_for in seen:
                os.write(master, keys_after.encode())
                typed = True
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
                break
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        os.close(master)
    return os.waitstatus_to_exitcode(status), seen


def test_piped_standard_input_opens_in_the_browser_and_q_quits() -> None:
    # `cat f | batchtui` opened an empty dashboard at 100 % CPU that ignored q. Now the
    # stream is browsed (its name shown as <stdin>) and keys come from the terminal.
    code, screen = _run_in_a_terminal(
        f"cat {EXAMPLE} | {sys.executable} -m batchtui", "q", b"chat-012-en"
    )
    assert code == 0, screen[-2000:]
    assert b"<stdin>" in screen and b"chat-001-ko" in screen


def test_piped_standard_input_without_a_terminal_is_one_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "BATCHTUI_STATE_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui"],
        input=EXAMPLE.read_bytes(),
        capture_output=True,
        timeout=60,
        env=env,
        start_new_session=True,  # no controlling terminal: /dev/tty cannot be opened
    )
    assert proc.returncode == 2
    assert b"no terminal to read keys from" in proc.stderr
    assert b"batchtui validate -" in proc.stderr
