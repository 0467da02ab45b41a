"""A job's results as one output file and one error file, for the join engine and exports.

Each settled part contributes the lines of its last batch's output and error files, except
the custom_ids it handed on to a child part (``delegated``: they were unfinished or retried,
and the child's batch answers them). So every custom_id of the input is answered at most once
across the merged files, by the last batch that ran it; a request still running or never run
is simply absent (the join calls it missing).

A part without delegated ids is copied as it is, block by block; one with them is filtered
line by line. Both files are written atomically into the job's ``merged/`` folder and reused
while the parts they were built from have not changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from batchtui.core.atomic import atomic_files
from batchtui.jobs.store import DONE, PART_TERMINAL, JobStore, unpack_ids

COPY_BYTES = 4 * 1024 * 1024
STAMP = "stamp.json"


@dataclass
class MergedFiles:
    input: str
    output: str | None  # None: no part has an output file (yet)
    errors: str | None
    parts_merged: int
    parts_pending: int  # parts whose results are not in (running, waiting, failed)
    notes: list[str] = field(default_factory=list)


def _sources(store: JobStore) -> tuple[list[tuple[str, str | None, str | None, bytes | None]], int]:
    """(label, output path, error path, delegated) per settled part; and how many parts are
    not settled."""
    sources = []
    pending = 0
    batches = {b.batch_id: b for b in store.batches()}
    for part in store.parts():
        batch = batches.get(part.batch_id or "")
        # A settled part's last batch, once its files are in (a part that failed after its
        # results came in keeps them; one whose batch failed has none).
        if part.state not in PART_TERMINAL or batch is None or not batch.downloaded:
            if part.state != DONE:
                pending += 1
            continue
        sources.append((part.label, batch.output_path, batch.error_path, part.delegated))
    return sources, pending


def _stamp(sources: list[tuple[str, str | None, str | None, bytes | None]]) -> str:
    parts = []
    for label, out, err, delegated in sources:
        sizes = [os.path.getsize(p) if p and os.path.exists(p) else -1 for p in (out, err)]
        parts.append([label, out, err, sizes, len(delegated or b"")])
    return json.dumps(parts, sort_keys=True)


def merge_results(store: JobStore) -> MergedFiles:
    """Build (or reuse) the merged output and error files of ``store``'s job."""
    job = store.job()
    sources, pending = _sources(store)
    folder = store.merged_dir
    folder.mkdir(parents=True, exist_ok=True)
    out_path, err_path = folder / "output.jsonl", folder / "errors.jsonl"
    stamp = _stamp(sources)
    stamp_path = folder / STAMP
    try:
        fresh = stamp_path.read_text(encoding="utf-8") == stamp
    except OSError:
        fresh = False
    if not (fresh and out_path.exists() and err_path.exists()):
        with atomic_files() as files:
            with files.open(out_path) as out, files.open(err_path) as err:
                for _label, output, errors, delegated in sources:
                    skip = unpack_ids(delegated)
                    for src, dest in ((output, out), (errors, err)):
                        if src:
                            _copy(Path(src), dest, skip)
            with files.open(stamp_path) as f:
                f.write(stamp.encode("utf-8"))
    notes = []
    if pending:
        notes.append(
            f"{pending} part(s) have no results (still running or waiting, or failed): "
            "their requests show as missing"
        )
    return MergedFiles(
        input=job.input_path,
        output=str(out_path) if out_path.stat().st_size else None,
        errors=str(err_path) if err_path.stat().st_size else None,
        parts_merged=len(sources),
        parts_pending=pending,
        notes=notes,
    )


def job_results(name: str, root: Path | None = None) -> MergedFiles:
    """The merged files of job ``name``, ready to join to its input (``batchtui job
    results`` and the TUI); UserError when the input changed since the job was planned."""
    from batchtui.core.errors import UserError
    from batchtui.jobs.prepare import input_changed

    with JobStore.open(name, root) as store:
        changed = input_changed(store)
        if changed:
            raise UserError(f"{changed}: the results cannot be joined to it")
        return merge_results(store)


def _copy(src: Path, dest: object, skip: set[str]) -> None:
    write = dest.write  # type: ignore[attr-defined]
    with open(src, "rb") as f:
        if not skip:
            last = b"\n"
            while chunk := f.read(COPY_BYTES):
                write(chunk)
                last = chunk[-1:]
            if last != b"\n":
                write(b"\n")  # the next file must start on its own line
            return
        from batchtui.results.parse import LineError, loads, result_custom_id

        for raw in f:
            line = raw.rstrip(b"\r\n")
            if not line.strip():
                continue
            try:
                cid = result_custom_id(loads(line)[0])
            except LineError:
                cid = None
            if cid is not None and cid in skip:
                continue
            write(line + b"\n")
