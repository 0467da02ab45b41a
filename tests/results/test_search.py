"""Finding requests in a joined result: text, custom_id, input line."""

from __future__ import annotations

from array import array
from pathlib import Path

from batchtui.results import join
from batchtui.results.search import find_custom_id, find_text, row_at_input_line

EXAMPLES = Path(__file__).resolve().parents[2] / "batchtui" / "examples"


def sample():  # type: ignore[no-untyped-def]
    return join(
        EXAMPLES / "results_input.jsonl",
        EXAMPLES / "results_output.jsonl",
        EXAMPLES / "results_errors.jsonl",
    )


def test_find_text_wraps_and_goes_both_ways() -> None:
    with sample() as r:
        rows = r.rows()
        assert find_text(r, rows, "rate_limit", -1) == 6
        assert find_text(r, rows, "rate_limit", 6) == 7
        assert find_text(r, rows, "rate_limit", 7) == 6  # wraps
        assert find_text(r, rows, "rate_limit", 7, -1) == 6
        assert find_text(r, rows, "RATE_LIMIT", -1) is None  # smart case: capitals count
        assert find_text(r, rows, "ticket-012", -1) == 11  # the id of a missing request
        assert find_text(r, array("i"), "x", -1) is None


def test_find_text_stops_when_cancelled() -> None:
    with sample() as r:
        assert find_text(r, r.rows(), "no such text", -1, cancelled=lambda: True) is None


def test_custom_id_exact_then_prefix_and_input_lines() -> None:
    with sample() as r:
        assert find_custom_id(r, "ticket-007") == (6, 1)
        assert find_custom_id(r, "ticket-01") == (9, 7)
        assert find_custom_id(r, "zzz") == (None, 0)
        assert [row_at_input_line(r, line) for line in (0, 6, 15, 16, -1)] == [
            0,
            6,
            15,
            None,
            None,
        ]
