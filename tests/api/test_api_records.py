"""The local record of submissions: atomic, tolerant, never fatal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.api.records import (
    RecordStore,
    SubmissionRecord,
    state_dir,
)


def record(batch_id: str = "batch_1", **kw: object) -> SubmissionRecord:
    values: dict = {
        "batch_id": batch_id,
        "input_path": "/data/in.jsonl",
        "size": 10,
        "sha256": "ab" * 32,
        "submitted_at": 1_700_000_000.5,
    }
    values.update(kw)
    return SubmissionRecord(**values)


def test_state_dir_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "s"))
    assert state_dir() == tmp_path / "s"
    assert RecordStore().path == tmp_path / "s" / "submissions.json"
    monkeypatch.delenv("BATCHTUI_STATE_DIR")
    assert state_dir().name == "batchtui"


def test_round_trip_replace_and_atomic(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "deep" / "dir" / "submissions.json")
    assert store.load() == [] and store.problems == []
    store.add(record("batch_1"))
    store.add(record("batch_2", endpoint="/v1/embeddings"))
    store.add(record("batch_1", size=99))
    loaded = store.by_batch_id()
    assert set(loaded) == {"batch_1", "batch_2"}
    assert loaded["batch_1"].size == 99 and loaded["batch_2"].endpoint == "/v1/embeddings"
    assert store.find("batch_3") is None
    on_disk = json.loads(store.path.read_text())
    assert on_disk["version"] == 1 and len(on_disk["submissions"]) == 2
    leftovers = [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[1, 2]", b'{"submissions": 3}', b"\xff\xfe\x00", b""],
)
def test_corrupt_file_is_set_aside_and_reported(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "submissions.json"
    path.write_bytes(content)
    store = RecordStore(path)
    assert store.load() == []
    assert len(store.problems) == 1 and "moved to submissions.json.corrupt-" in store.problems[0]
    aside = list(tmp_path.glob("submissions.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    store.add(record())
    assert [r.batch_id for r in RecordStore(path).load()] == ["batch_1"]


def test_second_corrupt_file_gets_its_own_name(tmp_path: Path) -> None:
    path = tmp_path / "submissions.json"
    for _ in range(2):
        path.write_bytes(b"garbage")
        RecordStore(path).load()
    assert len(list(tmp_path.glob("submissions.json.corrupt-*"))) == 2


def test_bad_entries_are_skipped_but_kept(tmp_path: Path) -> None:
    path = tmp_path / "submissions.json"
    good = record("batch_ok").to_json()
    path.write_text(json.dumps({"version": 1, "submissions": [good, {"batch_id": "x"}, 7]}))
    store = RecordStore(path)
    assert [r.batch_id for r in store.load()] == ["batch_ok"]
    assert store.problems == [f"2 unreadable entries in {path} were skipped"]
    store.add(record("batch_new"))
    assert len(json.loads(path.read_text())["submissions"]) == 4, "nothing silently dropped"


def test_unwritable_directory_raises_oserror(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = RecordStore(blocker / "submissions.json")
    with pytest.raises(OSError):
        store.add(record())


def test_local_state(tmp_path: Path) -> None:
    f = tmp_path / "in.jsonl"
    data = b'{"a": 1}\n' * 1000
    f.write_bytes(data)
    rec = record(input_path=str(f), size=len(data))
    assert rec.local_file_state() == "same"
    f.write_bytes(data + b"\n")
    assert rec.local_file_state() == "changed"
    f.unlink()
    assert rec.local_file_state() == "missing"


def test_from_json_rejects_incomplete() -> None:
    with pytest.raises(ValueError):
        SubmissionRecord.from_json({"batch_id": "b"})
    with pytest.raises(ValueError):
        SubmissionRecord.from_json({**record().to_json(), "batch_id": ""})


def test_a_full_disk_keeps_the_old_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from batchtui.core.errors import UserError
    from tests.diskfull import disk_full_after, leftovers

    store = RecordStore(tmp_path / "submissions.json")
    store.add(record("batch_1"))
    before = store.path.read_bytes()
    disk_full_after(monkeypatch, 10)
    with pytest.raises(UserError) as info:
        store.add(record("batch_2"))
    assert info.value.message == f"cannot write {store.path}: no space left on device"
    assert store.path.read_bytes() == before and leftovers(tmp_path) == []
