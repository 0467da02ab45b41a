"""Snapshots of the Results screen on the sample set, at 80x24 and 160x50.

Update with ``.venv/bin/pytest tests/ui/test_results_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

import pytest

from batchtui.ui.app import BatchTUI
from tests.ui.conftest import REPO, settle

SAMPLE = {
    "input_path": "batchtui/examples/results_input.jsonl",
    "output_path": "batchtui/examples/results_output.jsonl",
    "error_path": "batchtui/examples/results_errors.jsonl",
}


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    # The mode bar shows the input path as given: relative paths keep snapshots stable.
    monkeypatch.chdir(REPO)


def results_app(**kwargs: object) -> BatchTUI:
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = dict(kwargs)
    return app


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot)


def test_results_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(results_app(**SAMPLE), terminal_size=(80, 24), run_before=_settle)


def test_results_http_error_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    # ] once: the first failure, an HTTP error (ticket-006); flagged successes are skipped.
    keys = ["right_square_bracket"]
    assert snap_compare(
        results_app(**SAMPLE), terminal_size=(80, 24), press=keys, run_before=_settle
    )


def test_results_failed_filter_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    # f twice: all problems, then failed; the histogram and summary mark the filter.
    assert snap_compare(
        results_app(**SAMPLE), terminal_size=(80, 24), press=["f", "f"], run_before=_settle
    )


def test_results_large(snap_compare) -> None:  # type: ignore[no-untyped-def]
    keys = ["right_square_bracket"] * 2  # ticket-007, rate limited
    assert snap_compare(
        results_app(**SAMPLE), terminal_size=(160, 50), press=keys, run_before=_settle
    )


def test_results_empty_80x24(snap_compare) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(results_app(), terminal_size=(80, 24), run_before=_settle)
