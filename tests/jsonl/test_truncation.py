"""A file truncated while it is indexed or validated ends in a clear message, never SIGBUS.

Before batchtui read with ``pread``, a truncation during a scan or a validation killed the
process with SIGBUS (exit -7: a mapped page past the new end was touched). Each case runs in
a subprocess, so a regression kills that subprocess and fails the test instead of killing
pytest. The truncation is deterministic: a hook truncates the file from inside the reader,
at a point where the old code went on to touch the lost pages. ``-X faulthandler`` makes any
fatal signal, in the process or in a worker it forked, print "Fatal Python error".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINE = (
    b'{"custom_id": "r%07d", "method": "POST", "url": "/v1/chat/completions", "body": '
    b'{"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "hello there"}]}}\n'
)
KEEP = 1000  # bytes left after the truncation


def write_requests(path: Path, n: int) -> Path:
    path.write_bytes(b"".join(LINE % i for i in range(n)))
    return path


def run_script(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("OPENAI_API_KEY", None)
    return subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def assert_clean(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode != -signal.SIGBUS, f"killed by SIGBUS\n{proc.stderr}"
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}\n{proc.stderr}"
    assert "Fatal Python error" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr


# Installed first by every script: truncate the file (argv[1]) to KEEP bytes the Nth time a
# reader function runs, then run it. The readers hold bytes of the file, or a map of it.
HOOK = f"""
import os, sys
PATH = sys.argv[1]
KEEP = {KEEP}

def truncate_on_call(module, name, n, only_in_child=False):
    original = getattr(module, name)
    calls = [0]
    parent = os.getpid()

    def hooked(*args, **kwargs):
        if not only_in_child or os.getpid() != parent:
            calls[0] += 1
            if calls[0] == n:
                os.truncate(PATH, KEEP)
        return original(*args, **kwargs)

    setattr(module, name, hooked)
"""


def test_truncated_while_indexed(tmp_path: Path) -> None:
    path = write_requests(tmp_path / "big.jsonl", 40_000)  # ~6 MB
    proc = run_script(
        HOOK
        + """
        from batchtui.jsonl import index as ix_module
        from batchtui.jsonl.index import LineIndex
        from batchtui.query import compile_query
        from batchtui.query.find import Finder

        truncate_on_call(ix_module, "_find_newlines", 2)  # inside the second scan batch
        ix = LineIndex(PATH)
        done = ix.scan(batch_bytes=1024 * 1024)
        print("scan complete:", done, "changed:", ix.changed_on_disk)
        # Every reader of the old extent answers without touching lost bytes.
        print("line:", ix.line(ix.line_count - 1) == b"", "tail:", ix.tail(3))
        try:
            list(ix.iter_lines())
        except Exception as exc:
            print("iter_lines:", type(exc).__name__, exc)
        try:
            Finder(ix, compile_query("zzz")).next(0)
        except Exception as exc:
            print("search:", type(exc).__name__)
        """.replace("\n        ", "\n"),
        str(path),
    )
    assert_clean(proc)
    assert "scan complete: False changed: True" in proc.stdout
    assert "iter_lines: FileChanged" in proc.stdout and "open it again" in proc.stdout
    assert "search: FileChanged" in proc.stdout
    assert "tail: []" in proc.stdout


def test_truncated_while_validated_in_a_thread(tmp_path: Path) -> None:
    path = write_requests(tmp_path / "big.jsonl", 40_000)
    proc = run_script(
        HOOK
        + """
        import threading
        import orjson
        from batchtui.jsonl.index import LineIndex
        from batchtui.validation.engine import Validator

        ix = LineIndex(PATH)
        ix.scan()
        truncate_on_call(orjson, "loads", 100)  # mid-chunk: the chunk's later lines are gone
        result = []
        worker = threading.Thread(target=lambda: result.append(Validator(ix).run()))
        worker.start()
        worker.join()
        print("status:", result[0].value)
        """.replace("\n        ", "\n"),
        str(path),
    )
    assert_clean(proc)
    assert "status: file_changed" in proc.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_truncated_while_validated_by_the_cli(tmp_path: Path, jobs: str) -> None:
    # -j2 cuts the file in two: this process checks the first part while a forked worker
    # process checks the second; the worker's reads are hooked too and truncate the file.
    path = write_requests(tmp_path / "big.jsonl", 40_000)
    proc = run_script(
        HOOK
        + """
        import orjson
        from batchtui.validation import parallel
        from batchtui.cli import main

        parallel.validate_parallel.__kwdefaults__["min_bytes"] = 0  # parts even for 6 MB
        truncate_on_call(orjson, "loads", 100, only_in_child=sys.argv[2] == "2")
        sys.exit(main(["validate", "-j", sys.argv[2], PATH]))
        """.replace("\n        ", "\n"),
        str(path),
        jobs,
    )
    assert_clean(proc)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("the file changed while it was being checked")


def test_truncated_while_the_tui_indexes_it(tmp_path: Path) -> None:
    # The browser reloads the shrunken file and says so; the process is not killed (which
    # used to leave the terminal in the alternate screen with the mouse on).
    path = write_requests(tmp_path / "big.jsonl", 60_000)  # ~9 MB: several scan batches
    proc = run_script(
        HOOK
        + """
        import asyncio
        from batchtui.jsonl import index as ix_module
        from batchtui.jsonl.index import LineIndex
        from batchtui.ui.app import BatchTUI

        # Call 1 is the synchronous head scan before the first frame; 2 is the worker's.
        truncate_on_call(ix_module, "_find_newlines", 2)

        async def main():
            app = BatchTUI(LineIndex(PATH), validate=True)
            async with app.run_test(size=(80, 24)) as pilot:
                screen = app.file_screen
                for _ in range(500):
                    await pilot.pause()
                    if screen.index.size == KEEP and screen._scan_done.is_set():
                        break
                print("reopened size:", screen.index.size, "lines:", screen.index.line_count)
                notes = [str(n.message) for n in app._notifications]
                print("notified:", any("changed on disk" in n for n in notes))

        asyncio.run(main())
        """.replace("\n        ", "\n"),
        str(path),
    )
    assert_clean(proc)
    lines = -(-KEEP // len(LINE % 0))  # the last one cut short
    assert f"reopened size: {KEEP} lines: {lines}" in proc.stdout, proc.stdout + proc.stderr
    assert "notified: True" in proc.stdout


def _rchar(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/io") as f:
            for row in f:
                if row.startswith("rchar:"):
                    return int(row.split()[1])
    except OSError:
        pass
    return -1


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/PID/io")
def test_real_concurrent_truncation(tmp_path: Path) -> None:
    """The reproduction from the issue, bounded: `batchtui validate big.jsonl &` and truncate
    it once the process has read well past its start-up (the bytes read are watched in
    /proc, not guessed with a sleep). Every attempt must end cleanly; at least one must have
    been caught mid-read."""
    path = tmp_path / "big.jsonl"
    data = b"".join(LINE % i for i in range(10_000)) * 40  # ~60 MB, in under a second
    caught = 0
    deadline = time.monotonic() + 20
    for attempt in range(3):
        if time.monotonic() > deadline and attempt:
            break
        path.write_bytes(data)
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        child = subprocess.Popen(
            [sys.executable, "-X", "faulthandler", "-m", "batchtui", "validate", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        # Start-up reads ~3 MB of Python files; 20 MB in, the child is reading the data.
        bound = time.monotonic() + 10
        while child.poll() is None and _rchar(child.pid) < 20_000_000:
            if time.monotonic() > bound:
                break
            time.sleep(0.001)
        os.truncate(path, KEEP)
        _, err = child.communicate(timeout=60)
        proc = subprocess.CompletedProcess(child.args, child.returncode, "", err)
        assert_clean(proc)
        assert child.returncode in (0, 1, 2), err
        if "changed while it was being" in err:
            caught += 1
    assert caught >= 1
