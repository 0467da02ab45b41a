"""The job database: names, the schema guard, a broken job listed without hiding others,
and the lock's pid for `job status`."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from jobs_helpers import new_job, write_chat

from batchtui.core.errors import UserError
from batchtui.jobs.lock import JobLock, JobLocked, runner_pid
from batchtui.jobs.status import job_status, list_jobs
from batchtui.jobs.store import DB_NAME, JobStore, check_name, name_from_path


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("big requests.jsonl", "big_requests"),
        ("/x/y/2026-05.batch.jsonl", "2026-05.batch"),
        ("...jsonl", "job"),
        ("ünïcode.jsonl", "n_code"),
    ],
)
def test_a_job_name_comes_from_the_file_name(path: str, name: str) -> None:
    assert name_from_path(path) == name
    assert check_name(name) == name


@pytest.mark.parametrize("bad", ["", "../x", "a/b", ".hidden", "x" * 65, "a b", "a..b"])
def test_bad_names_are_refused(bad: str) -> None:
    with pytest.raises(UserError, match="not a valid job name"):
        check_name(bad)


def test_a_database_of_another_version_is_refused_and_listed_as_broken(tmp_path: Path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 3)
    new_job(inp, "old").close()
    new_job(inp, "fine").close()
    db = JobStore.path_for("old") / DB_NAME
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value='99' WHERE key='schema'")
    with pytest.raises(UserError, match="another batchtui version"):
        JobStore.open("old")
    jobs = {j["name"]: j for j in list_jobs()}
    assert jobs["fine"]["state"] == "running" and jobs["fine"]["error"] is None
    assert "another batchtui version" in jobs["old"]["error"]


def test_the_lock_names_its_holder_and_is_gone_with_it(tmp_path: Path) -> None:
    inp = write_chat(tmp_path / "in.jsonl", 3)
    store = new_job(inp, "locked")
    assert runner_pid(store.directory) is None
    with JobLock(store.directory, "locked"):
        assert runner_pid(store.directory) == os.getpid()
        assert job_status(store)["runner"] == {"running": True, "pid": os.getpid()}
        with pytest.raises(JobLocked, match=rf"pid {os.getpid()}"):
            JobLock(store.directory, "locked").acquire()
    assert runner_pid(store.directory) is None  # released: a resume may take it


def test_a_job_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    from batchtui.jobs.store import NewPart

    bad = NewPart("1", "split", 1, 1, 0, 10, 1, 10, "x" * 64, None)
    with pytest.raises(sqlite3.IntegrityError):
        JobStore.create(
            "half",
            job_id="job_x",
            input_path="/x",
            input_size=10,
            input_mtime_ns=0,
            input_sha256="",
            endpoint="/v1/chat/completions",
            model=None,
            options={},
            base_url=None,
            tokens_mode=None,
            parts=[bad, bad],  # the same label twice: the second insert fails
        )
    assert not JobStore.path_for("half").exists()
