"""``batchtui demo``: what `d` saves must outlive the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from batchtui.cli import main
from batchtui.ui.app import BatchTUI


@pytest.mark.parametrize("given", [False, True])
def test_demo_downloads_go_where_they_survive_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: bool
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    seen: list[str] = []

    async def run_async(self: BatchTUI) -> None:  # the dashboard itself is not the point here
        seen.append(self.download_dir)

    monkeypatch.setattr(BatchTUI, "run_async", run_async)
    argv = ["demo", "--speed", "0"]
    if given:
        argv += ["--download-dir", str(tmp_path / "saved")]
    assert main(argv) == 0
    expected = tmp_path / "saved" if given else work
    assert [Path(p) for p in seen] == [expected]
    assert expected.is_dir()  # still there after the demo ended
