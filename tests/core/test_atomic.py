"""The one atomic writer: all or nothing, umask permissions, one-line disk errors."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from batchtui.core import atomic
from batchtui.core.atomic import atomic_files, atomic_write, clean_stale, temp_path
from batchtui.core.errors import UserError
from tests.diskfull import disk_full_after, leftovers


def test_writes_replace_and_follow_the_umask(tmp_path: Path) -> None:
    dest = tmp_path / "out.jsonl"
    dest.write_bytes(b"old\n")
    old = os.umask(0o027)
    try:
        with atomic_write(dest) as fh:
            fh.write(b"new\n")
            assert dest.read_bytes() == b"old\n", "nothing visible before the end"
    finally:
        os.umask(old)
    assert dest.read_bytes() == b"new\n"
    assert dest.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


def test_an_exception_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    dest = tmp_path / "out.jsonl"
    dest.write_bytes(b"old\n")
    with pytest.raises(KeyboardInterrupt), atomic_write(dest) as fh:
        fh.write(b"half")
        raise KeyboardInterrupt
    assert dest.read_bytes() == b"old\n" and leftovers(tmp_path) == []


def test_disk_full_is_one_line_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk_full_after(monkeypatch, 10_000)
    dest = tmp_path / "big.jsonl"
    with pytest.raises(UserError) as info, atomic_write(dest, buffering=4096) as fh:
        for _ in range(100):
            fh.write(b"x" * 1000)
    assert info.value.message == f"cannot write {dest}: no space left on device"
    assert "\n" not in info.value.message
    assert os.listdir(tmp_path) == []


def test_disk_full_at_the_final_flush(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    disk_full_after(monkeypatch, 10)
    with (
        pytest.raises(UserError, match="no space left"),
        atomic_write(tmp_path / "x", buffering=1 << 20) as fh,
    ):
        fh.write(b"y" * 100)  # buffered: the error comes at flush
    assert os.listdir(tmp_path) == []


def test_read_only_directory_and_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"), atomic_write(tmp_path / "nope" / "x"):
        pass
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(UserError) as info, atomic_write(ro / "x"):
            pass
        assert info.value.message == f"cannot write {ro / 'x'}: permission denied"
    finally:
        ro.chmod(0o700)


def test_protected_paths_are_not_overwritten(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"data\n")
    with pytest.raises(UserError, match="refusing to overwrite"), atomic_write(src, protect=[src]):
        pass
    assert src.read_bytes() == b"data\n"


def test_stale_temps_of_a_killed_writer_are_cleaned(tmp_path: Path) -> None:
    dest = tmp_path / "export.csv"
    # A writer killed with -9 leaves its temp file behind.
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from batchtui.core.atomic import atomic_write\n"
        "with atomic_write(Path(sys.argv[1])) as fh:\n"
        "    fh.write(b'partial'); fh.flush()\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(dest)], check=False)
    assert len(leftovers(tmp_path)) == 1 and not dest.exists()
    live = temp_path(dest)  # one of ours, in use right now: must survive
    live.write_bytes(b"busy")
    unrelated = tmp_path / ".other.batchtui-x-1-y.tmp"
    unrelated.write_bytes(b"")
    with atomic_write(dest) as fh:
        fh.write(b"complete\n")
    assert dest.read_bytes() == b"complete\n"
    assert leftovers(tmp_path) == sorted([live.name, unrelated.name])
    live.unlink()
    assert clean_stale(dest) == []


def test_file_set_is_all_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = [tmp_path / f"p{i}.jsonl" for i in range(3)]
    with atomic_files() as files:
        for n in names:
            with files.open(n) as fh:
                fh.write(b"a\n" * 10)
            assert not n.exists()
    assert all(n.read_bytes() == b"a\n" * 10 for n in names)
    for n in names:
        n.unlink()
    disk_full_after(monkeypatch, 45)  # the third file does not fit
    with pytest.raises(UserError, match="no space left"), atomic_files() as files:
        for n in names:
            with files.open(n, buffering=8192) as fh:
                fh.write(b"a\n" * 10)
    assert os.listdir(tmp_path) == []


def test_file_set_rename_failure_removes_the_renamed_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = [tmp_path / f"p{i}.jsonl" for i in range(3)]
    real = os.replace
    calls = []

    def flaky(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EROFS, "Read-only file system")
        real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(UserError, match="read-only file system"), atomic_files() as files:
        for n in names:
            with files.open(n) as fh:
                fh.write(b"x\n")
    assert os.listdir(tmp_path) == []
