"""The streaming validator: chunks, cancellation, progress, appends, re-derived findings."""

from __future__ import annotations

import os
from pathlib import Path

from batchtui.jsonl.index import Change, LineIndex
from batchtui.validation.engine import RunStatus, Validator
from batchtui.validation.findings import Severity
from tests.validation.helpers import (
    all_findings,
    chat_body,
    line,
    request,
    run_again,
    validate,
    write_lines,
)


def mixed_lines(n: int) -> list[object]:
    """Good lines with a defect every few lines, and a second model now and then."""
    out: list[object] = []
    for i in range(n):
        if i % 7 == 3:
            out.append(request(f"id-{i}", chat_body(temperature=7)))
        elif i % 11 == 5:
            out.append(request(f"id-{i - 1}"))  # duplicate of the previous id
        elif i % 13 == 0:
            out.append(request(f"id-{i}", chat_body(model="gpt-4.1")))
        elif i % 17 == 9:
            out.append(b"")
        else:
            out.append(request(f"id-{i}"))
    return out


def test_chunking_does_not_change_the_findings(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", mixed_lines(300))
    whole = validate(path)
    small = validate(path, chunk_lines=7)
    tiny_bytes = validate(path, chunk_bytes=1)
    key = sorted((f.line or 0, f.code, f.message) for f in whole.findings)
    assert sorted((f.line or 0, f.code, f.message) for f in small.findings) == key
    assert sorted((f.line or 0, f.code, f.message) for f in tiny_bytes.findings) == key
    assert len(small.progress) > 40
    lines_seen = [p.lines for p in small.progress]
    assert lines_seen == sorted(lines_seen)
    assert small.progress[-1].done and small.progress[-1].lines == 300
    assert small.progress[-1].bytes == path.stat().st_size
    assert not any(p.done for p in small.progress[:-1])


def test_cancel_and_resume_gives_the_same_report(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", mixed_lines(200))
    validator = Validator(LineIndex(path), chunk_lines=10)
    calls = 0

    def cancel_after_three() -> bool:
        nonlocal calls
        calls += 1
        return calls > 3

    run = run_again(validator, cancelled=cancel_after_three)
    assert run.status is RunStatus.CANCELLED
    assert 0 < validator.next_line < 200
    assert not validator.report.snapshot().done
    run = run_again(validator, run)
    assert run.status is RunStatus.DONE
    fresh = validate(path)
    assert all_findings(validator) == all_findings(fresh.validator)
    assert validator.report.snapshot().groups == fresh.validator.report.snapshot().groups


def test_appended_lines_are_checked_incrementally(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [request("a"), request("b"), request("c")])
    validator = Validator(LineIndex(path))
    first = run_again(validator)
    assert first.findings == []
    with path.open("ab") as f:
        f.write(line(request("a")) + b"\n")  # duplicate of line 1
        for i in range(4):
            f.write(line(request(f"x{i}", chat_body(model="gpt-4.1"))) + b"\n")
    assert validator.index.check() is Change.APPENDED
    second = run_again(validator)
    # Only the new lines were read; the id from line 1 carried over; with 4 gpt-4.1 lines
    # against 4 gpt-4o-mini lines the first seen model stays the majority.
    assert {f.line for f in second.line_findings} == {4}
    assert second.codes() == {
        (4, "duplicate_custom_id"),
        (5, "model_mismatch"),
        (6, "model_mismatch"),
        (7, "model_mismatch"),
        (8, "model_mismatch"),
    }
    with path.open("ab") as f:
        for i in range(3):
            f.write(line(request(f"y{i}", chat_body(model="gpt-4.1"))) + b"\n")
    assert validator.index.check() is Change.APPENDED
    third = run_again(validator)
    # Now gpt-4.1 is the majority: the file-level findings are replaced.
    assert {(f.line, f.code) for f in third.file_findings} == {
        (n, "model_mismatch") for n in (1, 2, 3, 4)
    }
    assert validator.report.snapshot().model == "gpt-4.1"
    assert all_findings(validator) == all_findings(validate(path).validator)


def test_a_last_line_without_newline_is_rechecked_when_it_grows(tmp_path: Path) -> None:
    whole = line(request("b"))
    path = tmp_path / "a.jsonl"
    path.write_bytes(line(request("a")) + b"\n" + whole[:20])
    validator = Validator(LineIndex(path))
    run = run_again(validator)
    assert run.codes() == {(2, "invalid_json_line"), (2, "no_final_newline")}
    with path.open("ab") as f:
        f.write(whole[20:] + b"\n")
    assert validator.index.check() is Change.APPENDED
    run = run_again(validator)
    snap = validator.report.snapshot()
    assert snap.total == 0, snap.groups
    assert validator.report.severity_at(2) is None
    assert all_findings(validator) == []
    # The id of the re-checked line is registered once, not seen as its own duplicate.
    with path.open("ab") as f:
        f.write(line(request("b")) + b"\n")
    validator.index.check()
    run_again(validator)
    assert [(f.line, f.code) for f in validator.iter_findings()] == [(3, "duplicate_custom_id")]


def test_truncated_file_is_reported_as_changed(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", [request(f"r{i}") for i in range(50)])
    index = LineIndex(path)
    index.scan()
    validator = Validator(index, chunk_lines=10)
    assert validator.run(stop=10) is RunStatus.DONE
    assert validator.next_line == 10 and not validator.report.snapshot().done
    os.truncate(path, 100)
    assert validator.run() is RunStatus.FILE_CHANGED


def test_report_marks_paging_and_navigation(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", mixed_lines(100))
    run = validate(path, max_examples=3)
    validator, report = run.validator, run.validator.report
    snap = report.snapshot()
    assert snap.done and snap.lines_checked == 100
    assert snap.errors == sum(1 for f in run.findings if f.severity is Severity.ERROR)
    for group in snap.groups:
        assert len(group.examples) <= 3
        assert group.count == sum(1 for f in run.findings if f.code == group.code)
    marked = sorted({f.line for f in run.findings if f.line})
    assert list(report.marked_lines()) == marked
    assert report.next_marked(0) == marked[0]
    assert report.next_marked(marked[0]) == marked[1]
    assert report.next_marked(marked[1], forward=False) == marked[0]
    assert report.next_marked(marked[-1]) is None
    assert report.severity_at(marked[0]) is Severity.ERROR
    marks = report.marks()
    assert [i + 1 for i, m in enumerate(marks) if m] == marked
    dup_lines = report.lines_with("duplicate_custom_id")
    assert dup_lines == sorted(f.line for f in run.findings if f.code == "duplicate_custom_id")
    page = list(validator.iter_findings("value_out_of_range", start_line=50))
    assert page and all(f.line >= 50 and f.code == "value_out_of_range" for f in page)
    everything = [(f.line, f.code) for f in validator.iter_findings()]
    assert sorted(everything, key=lambda t: (t[0] or 0, t[1])) == sorted(
        ((f.line, f.code) for f in run.findings), key=lambda t: (t[0] or 0, t[1])
    )


def test_findings_stream_before_the_file_level_ones(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "a.jsonl", mixed_lines(60))
    order: list[bool] = []
    validator = Validator(LineIndex(path), chunk_lines=10)
    validator.run(on_findings=lambda batch, file_level: order.append(file_level))
    assert order[-1] is True and order.count(True) == 1
    assert all(flag is False for flag in order[:-1]) and len(order) > 3


def test_concurrent_reads_while_running(tmp_path: Path) -> None:
    import threading

    path = write_lines(tmp_path / "a.jsonl", mixed_lines(3000))
    validator = Validator(LineIndex(path), chunk_lines=50)
    errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        try:
            while not done.is_set():
                validator.report.snapshot()
                validator.report.next_marked(1)
                validator.findings_at(4)
                list(validator.iter_findings("duplicate_custom_id"))
        except BaseException as exc:  # pragma: no cover - the assertion shows it
            errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        assert validator.run() is RunStatus.DONE
    finally:
        done.set()
        thread.join()
    assert errors == []


def test_a_run_to_a_line_already_indexed_does_not_wait_for_the_whole_scan(
    tmp_path: Path,
) -> None:
    # The parallel run starts on its first piece while the rest of the file is indexed.
    path = write_lines(tmp_path / "a.jsonl", [request(f"r{i}") for i in range(3000)])
    index = LineIndex(path)
    index.scan(until=100_000)
    assert not index.complete
    stop = index.terminated_lines - 1
    validator = Validator(index)
    assert validator.run(stop=stop, finish=False) is RunStatus.DONE
    assert validator.next_line == stop and not index.complete
    assert validator.run() is RunStatus.DONE and index.complete  # the rest: scans first
    assert validator.next_line == 3000
