"""Writing a batch's output and error files (runs in a worker thread).

Line shapes follow BATCH_API.md §5: ``{"id", "custom_id", "response": {"status_code",
"request_id", "body"}, "error"}``. Successes go to the output file; HTTP-style failures
(``response.body.error``, top-level ``error`` null) go to the error file, among them the
requests that break a rule OpenAI checks when the request runs (Plan.rejections, with
OpenAI's own messages); requests that never
ran get the non-HTTP shape (``response`` null, ``error`` set: ``batch_expired``, and
``batch_cancelled`` for a cancelled batch, the latter unverified). Lines are written in
processing order, which is a shuffle of the input order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from batchtui.emulator.bodies import RequestFacts, error_body, failure_status, success_body
from batchtui.emulator.ids import IdMaker
from batchtui.emulator.validate import FLAG_CAPPED, REJECTED, Plan

Reason = Literal["completed", "expired", "cancelled"]

NOT_RUN_ERRORS: dict[str, tuple[str, str]] = {
    "expired": (
        "batch_expired",
        "This request could not be executed before the completion window expired.",
    ),
    "cancelled": (
        "batch_cancelled",
        "This request was not executed because the batch was cancelled.",
    ),
}


@dataclass
class ResultJob:
    input_path: Path
    endpoint: str
    plan: Plan
    processed: int  # how many requests (in processing order) ran
    reason: Reason
    output_path: Path
    error_path: Path
    seed: int
    started_at: float  # in_progress_at
    duration: float  # in_progress duration, to spread `created` over the run
    http_errors_in_output: bool = False
    not_run_lines: bool = True


@dataclass
class ResultFiles:
    output_path: Path | None
    output_lines: int
    error_path: Path | None
    error_lines: int


def write_results(job: ResultJob) -> ResultFiles:
    plan = job.plan
    rng = random.Random(job.seed)
    ids = IdMaker(rng)
    out_lines = err_lines = 0
    n = plan.n
    with (
        open(job.input_path, "rb") as src,
        open(job.output_path, "wb", buffering=1 << 20) as out,
        open(job.error_path, "wb", buffering=1 << 20) as err,
    ):
        for position in range(n):
            idx = plan.order[position]
            src.seek(plan.offsets[idx])
            request = orjson.loads(src.readline())
            custom_id = request["custom_id"]
            created = int(job.started_at + job.duration * (position + 1) / max(n, 1))
            line: dict[str, Any] = {"id": ids.batch_request_id(created), "custom_id": custom_id}
            if position >= job.processed:
                if job.reason == "cancelled" and not job.not_run_lines:
                    continue
                code, message = NOT_RUN_ERRORS.get(job.reason, NOT_RUN_ERRORS["expired"])
                line["response"] = None
                line["error"] = {"code": code, "message": message}
                err.write(orjson.dumps(line) + b"\n")
                err_lines += 1
                continue
            kind = plan.failure[idx]
            body = request.get("body") or {}
            if kind:
                if kind == REJECTED:  # breaks a rule OpenAI checks when the request runs
                    status, error = plan.rejections[idx]
                else:
                    status = failure_status(kind)
                    error = error_body(kind, plan.model, plan.in_tokens[idx], job.endpoint)
                line["response"] = {
                    "status_code": status,
                    "request_id": ids.line_request_id(),
                    "body": error,
                }
                line["error"] = None
                target = out if job.http_errors_in_output else err
                target.write(orjson.dumps(line) + b"\n")
                if job.http_errors_in_output:
                    out_lines += 1
                else:
                    err_lines += 1
                continue
            facts = RequestFacts(
                model=plan.model,
                created=created,
                in_tokens=plan.in_tokens[idx],
                out_tokens=plan.out_tokens[idx],
                cached_tokens=plan.cached_tokens[idx],
                reasoning_tokens=plan.reasoning_tokens[idx],
                capped=bool(plan.flags[idx] & FLAG_CAPPED),
            )
            line["response"] = {
                "status_code": 200,
                "request_id": ids.line_request_id(),
                "body": success_body(job.endpoint, body, facts, rng, ids),
            }
            line["error"] = None
            out.write(orjson.dumps(line) + b"\n")
            out_lines += 1
    output_path: Path | None = job.output_path
    error_path: Path | None = job.error_path
    if not out_lines:
        job.output_path.unlink()
        output_path = None
    if not err_lines:
        job.error_path.unlink()
        error_path = None
    return ResultFiles(output_path, out_lines, error_path, err_lines)
