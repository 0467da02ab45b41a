"""A job as data: what `job status --format json`, `job list` and a UI show.

Read from the job's database alone (no network), so it works while a runner is going, after
a crash, or offline. ``state`` is the job's: ``running`` (parts are still to finish, whether
or not a runner is at it right now: ``runner`` says), ``completed``, ``failed`` or
``cancelled``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batchtui.jobs import store as st
from batchtui.jobs.lock import runner_pid
from batchtui.jobs.store import JobStore, list_job_names


def _shown(base_url: str | None) -> str | None:
    """The server's URL without credentials or query (it is printed)."""
    if not base_url:
        return None
    from batchtui.api.config import ClientSettings

    return ClientSettings(base_url=base_url).display_base_url


def _part(part: st.PartRow, batches: list[st.BatchRow], now: float) -> dict[str, Any]:
    counts = part.counts or {}
    return {
        "part": part.label,
        "parent": None,
        "reason": part.reason,
        "round": part.round,
        "state": part.state,
        "requests": part.requests,
        "lines": [part.first_line, part.last_line],
        "bytes": part.bytes,
        "tokens": part.tokens,
        "batch_id": part.batch_id,
        "status": part.status,
        "counts": counts or None,
        "file_id": part.file_id,
        "attempts": part.attempts,
        "queue_full": part.waits,
        "waiting_seconds": (
            max(0.0, round(part.not_before - now, 1))
            if part.not_before and part.state == st.PENDING
            else None
        ),
        "message": part.message,
        "batches": [
            {
                "id": b.batch_id,
                "status": b.status,
                "error_code": b.error_code,
                "output_file_id": b.output_file_id,
                "error_file_id": b.error_file_id,
                "downloaded": b.downloaded,
                "adopted": b.adopted,
                "duplicate": b.stray,
            }
            for b in batches
        ],
    }


def job_status(store: JobStore, *, now: float | None = None) -> dict[str, Any]:
    """Everything about the job, JSON-ready."""
    import time

    now = time.time() if now is None else now
    job = store.job()
    parts = store.parts()
    by_part: dict[int, list[st.BatchRow]] = {}
    for b in store.batches():
        by_part.setdefault(b.part_id, []).append(b)
    labels = {p.id: p.label for p in parts}
    entries = []
    for p in parts:
        entry = _part(p, by_part.get(p.id, []), now)
        entry["parent"] = labels.get(p.parent_id) if p.parent_id is not None else None
        entries.append(entry)
    states: dict[str, int] = {}
    for p in parts:
        states[p.state] = states.get(p.state, 0) + 1
    succeeded = failed = 0
    for p in parts:
        if p.state in st.PART_TERMINAL and p.counts:
            succeeded += int(p.counts.get("completed") or 0)
            failed += int(p.counts.get("failed") or 0)
    pid = runner_pid(store.directory)
    return {
        "name": job.name,
        "job_id": job.job_id,
        "state": job.state,
        "cancel_requested": job.cancel_requested,
        "input": job.input_path,
        "input_bytes": job.input_size,
        "endpoint": job.endpoint,
        "model": job.model,
        "base_url": _shown(job.base_url),
        "requests": sum(p.requests for p in parts if p.parent_id is None),
        "parts_planned": sum(1 for p in parts if p.parent_id is None),
        "part_states": states,
        "runner": {"running": pid is not None, "pid": pid if pid and pid > 0 else None},
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "message": job.message,
        "options": job.options,
        "tokens": job.tokens_mode,
        "parts": entries,
        "directory": str(store.directory),
    }


def list_jobs(root: Path | None = None, *, with_status: bool = False) -> list[dict[str, Any]]:
    """A short summary of every job (newest first); unreadable ones say why. With
    ``with_status``, each readable one also carries its :func:`job_status` as ``status``
    (read in the same look at its store)."""
    out = []
    for name in list_job_names(root):
        try:
            with JobStore.open(name, root) as store:
                data = job_status(store)
        except Exception as exc:  # a broken job must not hide the others
            message = getattr(exc, "message", None) or str(exc)
            out.append({"name": name, "state": None, "error": message})
            continue
        entry = {
            "name": data["name"],
            "state": data["state"],
            "parts": len(data["parts"]),
            "parts_done": sum(1 for p in data["parts"] if p["state"] in st.PART_TERMINAL),
            "requests": data["requests"],
            "input": data["input"],
            "created_at": data["created_at"],
            "runner_pid": data["runner"]["pid"],
            "error": None,
        }
        if with_status:
            entry["status"] = data
        out.append(entry)
    return sorted(out, key=lambda j: -(j.get("created_at") or 0))
