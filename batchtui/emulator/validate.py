"""Batch-time validation of an input file by the validator's own rules, and the plan of how
each request will turn out.

One source of truth: the file is checked by :class:`batchtui.validation.Validator`, and what
OpenAI does with each finding comes from the rule registry
(:func:`batchtui.validation.rules.openai_stage`): findings OpenAI fails at validation become
``errors.data`` of a failed batch (1-based lines, every bad line, OpenAI's codes and message
texts where they are known, BATCH_API.md §4); findings OpenAI only rejects when the request
runs (unknown or moved parameters, values out of range, ``max_tokens`` on reasoning models)
become per-line 400s in the error file, with the finding's message, which is OpenAI's own
wording where it is known (FORMATS.md §3).

Runs in a worker thread (a 200 MB file takes a few seconds).
"""

from __future__ import annotations

import logging
import random
import threading
from array import array
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson

from batchtui.emulator.tokens import collect_text, estimate_tokens
from batchtui.jsonl.index import MAX_LINE_BYTES, LineIndex
from batchtui.validation.engine import Validator
from batchtui.validation.findings import Finding
from batchtui.validation.providers import OPENAI, Sourced
from batchtui.validation.rules import BATCH, REQUEST, UPLOAD, openai_stage
from batchtui.validation.ruleset import InputRules

log = logging.getLogger(__name__)

_ENDPOINT_NAMES = {
    "/v1/chat/completions": "Chat Completions",
    "/v1/responses": "Responses",
    "/v1/embeddings": "Embeddings",
    "/v1/completions": "Completions",
    "/v1/moderations": "Moderations",
    "/v1/images/generations": "Images",
    "/v1/images/edits": "Images",
    "/v1/videos": "Videos",
}
_TEXT_ENDPOINTS = ("/v1/chat/completions", "/v1/responses", "/v1/completions")

# Per-request failure kinds drawn at random (fault injection): (status, type, code, param,
# message template). 0 = success; REJECTED = the request breaks a rule (see Plan.rejections).
FAILURE_KINDS: tuple[tuple[int, str, str | None, str | None, str], ...] = (
    (200, "", None, None, ""),
    (
        400,
        "invalid_request_error",
        "context_length_exceeded",
        "messages",
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in {tokens} tokens. Please reduce the length of the messages.",
    ),
    (
        404,
        "invalid_request_error",
        "model_not_found",
        None,
        "The model `{model}` does not exist or you do not have access to it.",
    ),
    (
        429,
        "requests",
        "rate_limit_exceeded",
        None,
        "Rate limit reached for {model} in organization org-emulator on requests per min "
        "(RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.",
    ),
    (
        500,
        "server_error",
        None,
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
)
_FAILURE_WEIGHTS = (0, 40, 15, 20, 25)
REJECTED = -1

FLAG_CAPPED = 1  # the answer hit max_tokens: finish_reason "length"

VALIDATION_MESSAGES = {
    "token_limit_exceeded": (
        "Enqueued token limit reached for {model} in organization {organization}. Limit: "
        "{limit:,} enqueued tokens. Please try again once some in_progress batches have been "
        "completed."
    ),
    "invalid_request": "The input file is invalid.",
    "model_not_found": "The provided model '{model}' is not supported by the Batch API.",
}

# Batch-level failures: rule code -> (OpenAI's code, OpenAI's message or None to keep the
# finding's). Sources: LS quotes OpenAI for invalid_json_line, missing_required_parameter,
# invalid_url, model_not_found, invalid_request and streaming_unsupported;
# community.openai.com/t/723696 for the duplicate custom_id text; console.groq.com/docs/batch
# (an OpenAI-compatible service) for invalid_method; Azure's documented codes (AZ batch.md)
# where OpenAI's were not found: duplicate_custom_id, model_mismatch, too_many_tasks,
# empty_file; errerrors.blogspot.com 2024-07 for the file size text.
_JSON_LINE = ("invalid_json_line", "This line is not parseable as valid JSON.")
BATCH_WIRE: dict[str, tuple[str, str | None]] = {
    "invalid_json_line": _JSON_LINE,
    "blank_line": _JSON_LINE,  # an empty line is no JSON (the rule's strict reading)
    "multiline_json": _JSON_LINE,
    "invalid_utf8": ("invalid_request", "Invalid file for Batch API. Must be utf-8 encoded"),
    "not_text": ("invalid_request", "Invalid file for Batch API. Must be utf-8 encoded"),
    "invalid_url": (
        "invalid_url",
        "The URL provided for this request does not match the batch endpoint.",
    ),
    "duplicate_custom_id": (
        "duplicate_custom_id",
        "The custom_id for this request is a duplicate of another request. The custom_id "
        "parameter must be unique for each request in a batch.",
    ),
    "empty_file": (
        "empty_file",
        "The input file is empty. Please ensure that the batch contains at least one request.",
    ),
    "unknown_model": ("model_not_found", None),  # message built with the model name
}

# Per-request 400s: the phrase in OpenAI's message -> OpenAI's code (FORMATS.md §3 pairs
# "integer below minimum value" with integer_below_min_value).
_RANGE_CODES = (
    ("integer below minimum value", "integer_below_min_value"),
    ("integer above maximum value", "integer_above_max_value"),
    ("decimal below minimum value", "decimal_below_min_value"),
    ("decimal above maximum value", "decimal_above_max_value"),
    ("string too long", "string_above_max_length"),
    ("string too short", "string_below_min_length"),
    ("array too long", "array_above_max_length"),
    ("array too short", "array_below_min_length"),
    ("empty array", "empty_array"),
)
MAX_BATCH_ERRORS = 10_000  # errors.data kept for one batch (a broken 200 MB file has millions)


@dataclass
class Plan:
    """A validated batch: where each request sits and how it will turn out.

    Arrays are indexed by request (input order) unless the name says ``by_order``; ``order``
    is the processing order, which is also the order results are written in (shuffled).
    """

    n: int
    model: str | None
    offsets: array = field(default_factory=lambda: array("q"))
    order: array = field(default_factory=lambda: array("l"))
    failure: array = field(default_factory=lambda: array("b"))
    flags: array = field(default_factory=lambda: array("b"))
    in_tokens: array = field(default_factory=lambda: array("l"))
    out_tokens: array = field(default_factory=lambda: array("l"))
    cached_tokens: array = field(default_factory=lambda: array("l"))
    reasoning_tokens: array = field(default_factory=lambda: array("l"))
    # Requests that break a rule OpenAI checks when the request runs: request index ->
    # (status, response.body), written to the error file as OpenAI would.
    rejections: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    # Prefix sums over processing order: element k covers the first k processed requests.
    failed_by_order: array = field(default_factory=lambda: array("l", [0]))
    usage_by_order: list[array] = field(default_factory=list)  # in, cached, out, reasoning
    input_tokens_total: int = 0

    def failed_among(self, k: int) -> int:
        return self.failed_by_order[k]

    def usage_among(self, k: int) -> tuple[int, int, int, int]:
        """(input, cached, output, reasoning) tokens of the successes among the first k."""
        return tuple(a[k] for a in self.usage_by_order)


@dataclass
class ValidationOutcome:
    errors: list[dict[str, Any]]
    plan: Plan | None


def _error(code: str, message: str, line: int | None, param: str | None) -> dict[str, Any]:
    return {"code": code, "line": line, "message": message, "param": param}


def batch_error(finding: Finding, endpoint: str, model: str | None) -> dict[str, Any]:
    """The ``errors.data`` entry OpenAI writes for a finding that fails the batch."""
    code, message = BATCH_WIRE.get(finding.code, (finding.code, None))
    if finding.code == "unknown_model":
        message = f"The provided model '{model}' is not supported by the Batch API."
    elif finding.code == "streaming_unsupported":
        name = _ENDPOINT_NAMES.get(endpoint, "This endpoint")
        message = f"{name}: Streaming is not supported in the Batch API."
    elif finding.code == "too_many_tasks":
        # Azure's text, with OpenAI's limit (OpenAI's own was not found).
        limit = finding.message.partition("at most ")[2].partition(" ")[0]
        message = (
            "The number of requests in the input file exceeds the maximum allowed value of "
            f"{limit}."
        )
    elif finding.code == "file_too_large":
        limit = finding.message.rpartition("(")[2].partition(" bytes")[0].replace(",", "")
        message = (
            f"The batch input file is larger than the {limit} maximum for the "
            f"{model or 'requested'} model. Please try again with a smaller batch."
        )
    param = None if code == "invalid_json_line" else finding.path
    return _error(code, message or finding.message, finding.line, param)


def request_error(finding: Finding, model: str | None) -> tuple[int, dict[str, Any]]:
    """(status, response.body) of a request OpenAI rejects when it runs the batch."""
    if finding.code == "batch_model_alias":  # FORMATS.md §3: a real 403 for such a name
        return 403, _body(
            f"Project `proj_emulator` does not have access to model `{model}`",
            "model_not_found",
            None,
        )
    message = finding.message
    code: str | None = finding.code
    path = finding.path or ""
    param: str | None = path[5:] if path.startswith("body.") else None
    if finding.code in ("unknown_parameter", "unsupported_parameter"):
        param = None  # null in the real error files, even when the message names it
    elif finding.code == "max_tokens_reasoning_model":
        code, param = "unsupported_parameter", None
    elif finding.code == "temperature_reasoning_model":
        code = (
            "unsupported_value"
            if message.startswith("Unsupported value")
            else ("unsupported_parameter")
        )
    elif finding.code in ("value_out_of_range", "invalid_request"):
        code = next((c for phrase, c in _RANGE_CODES if phrase in message), "invalid_request")
    return 400, _body(message, code, param)


def _body(message: str, code: str | None, param: str | None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": param,
            "code": code,
        }
    }


def judge(
    path: Path, *, max_requests: int, max_file_bytes: int
) -> tuple[list[Finding], dict[int, Finding], str | None]:
    """Run the validator over ``path``: (findings that fail the batch, request-stage finding
    per 1-based line, the majority model)."""
    provider = replace(
        OPENAI,
        max_requests=Sourced(max_requests, "emulator option"),
        max_file_bytes=Sourced(max_file_bytes, "emulator option"),
    )
    batch: list[Finding] = []
    per_line: dict[int, Finding] = {}

    def on_findings(findings: list[Finding], _file_level: bool) -> None:
        # One run: the file-level findings arrive once, at the end, after the lines'.
        for finding in findings:
            stage = openai_stage(finding)
            if stage in (BATCH, UPLOAD):
                if len(batch) < MAX_BATCH_ERRORS:
                    batch.append(finding)
            elif stage == REQUEST and finding.line is not None:
                per_line.setdefault(finding.line, finding)

    with LineIndex(path) as index:
        # Line by line as an input, whatever the file holds: OpenAI judges an upload so
        # (an Anthropic file fails with "Missing required parameter" on every line).
        validator = Validator(index, provider=provider, digest=False, rules=InputRules(provider))
        validator.run(on_findings=on_findings)
        model = validator.model
    batch.sort(key=Finding.sort_key)
    return batch, per_line, model


def validate_input(
    path: Path,
    endpoint: str,
    *,
    seed: int,
    failure_rate: float,
    max_requests: int,
    max_file_bytes: int = OPENAI.max_file_bytes.value or 0,
    fail_validation: str | None = None,
    organization: str = "org-emulator",
) -> ValidationOutcome:
    """Judge ``path`` as OpenAI does at batch validation and plan the outcomes."""
    rng = random.Random(seed)
    batch, per_line, model = judge(path, max_requests=max_requests, max_file_bytes=max_file_bytes)
    errors = [batch_error(f, endpoint, model) for f in batch]
    reported_urls = {f.line for f in batch if f.code == "invalid_url"}
    plan = Plan(n=0, model=model)
    with LineIndex(path) as index:
        index.scan()
        for i, data in index.iter_lines(max_line=MAX_LINE_BYTES):
            if data is None or not data.strip():  # too long to read (reported), or blank
                continue
            try:
                obj = orjson.loads(data)
            except orjson.JSONDecodeError:
                continue  # reported by the validator
            if type(obj) is not dict:
                continue
            line = i + 1
            url = obj.get("url")
            # The validator knows the file's majority url; the batch's endpoint is known here.
            if (
                isinstance(url, str)
                and url != endpoint
                and line not in reported_urls
                and len(errors) < MAX_BATCH_ERRORS
            ):
                errors.append(
                    _error(
                        "invalid_url",
                        BATCH_WIRE["invalid_url"][1] or "",
                        line,
                        "url",
                    )
                )
            if errors:
                continue  # the batch fails: only look for more errors
            body = obj.get("body")
            if not isinstance(body, dict):
                continue
            rejection = per_line.get(line)
            line_model = body.get("model")
            _plan_request(
                plan,
                rng,
                endpoint,
                body,
                model,
                index.span(i).start,
                failure_rate,
                None
                if rejection is None
                else request_error(rejection, line_model if isinstance(line_model, str) else None),
            )
    errors.sort(key=lambda e: (e["line"] is None, e["line"] or 0))
    if not errors and plan.n == 0:
        errors.append(batch_error(_empty(), endpoint, model))
    if not errors and fail_validation:
        template = VALIDATION_MESSAGES.get(fail_validation, "The batch failed validation.")
        errors.append(
            _error(
                fail_validation,
                template.format(
                    model=model or "the model", limit=2_000_000, organization=organization
                ),
                None,
                None,
            )
        )
    if errors:
        return ValidationOutcome(errors=errors, plan=None)
    _finish_plan(plan, rng)
    return ValidationOutcome(errors=[], plan=plan)


def _empty() -> Finding:
    from batchtui.validation.findings import Severity

    return Finding(None, Severity.ERROR, "empty_file", "The file has no requests.")


def _plan_request(
    plan: Plan,
    rng: random.Random,
    endpoint: str,
    body: dict[str, Any],
    model: str | None,
    offset: int,
    failure_rate: float,
    rejection: tuple[int, dict[str, Any]] | None,
) -> None:
    in_tokens = max(input_tokens(endpoint, body), 1)
    out_tokens = 0
    reasoning = 0
    flags = 0
    if endpoint in _TEXT_ENDPOINTS:
        out_tokens = rng.randint(12, 420)
        cap = next(
            (
                body[k]
                for k in ("max_completion_tokens", "max_output_tokens", "max_tokens")
                if isinstance(body.get(k), int) and body[k] > 0
            ),
            None,
        )
        if model and _reasons(model, body):
            reasoning = rng.randint(1, 4) * 64
            out_tokens += reasoning
        if cap is not None and out_tokens >= cap:
            out_tokens = cap
            reasoning = min(reasoning, cap)
            flags |= FLAG_CAPPED
    cached = (in_tokens // 2) // 128 * 128 if in_tokens >= 1024 and rng.random() < 0.4 else 0
    failure = 0
    if rejection is not None:
        failure = REJECTED
        plan.rejections[plan.n] = rejection
    elif failure_rate > 0 and rng.random() < failure_rate:
        failure = rng.choices(range(len(FAILURE_KINDS)), weights=_FAILURE_WEIGHTS)[0]
    plan.offsets.append(offset)
    plan.failure.append(failure)
    plan.flags.append(flags)
    plan.in_tokens.append(in_tokens)
    plan.out_tokens.append(out_tokens)
    plan.cached_tokens.append(cached)
    plan.reasoning_tokens.append(reasoning)
    plan.input_tokens_total += in_tokens
    plan.n += 1


_COUNTER: Any = None
_COUNTER_LOCK = threading.Lock()
_OFFLINE: set[str] = set()  # models whose tokenizer could not be loaded (said once)


def _counter() -> Any:
    """batchtui's own token counter (:mod:`batchtui.cost.count`), shared by every validation
    (it is thread-safe and caches repeated strings)."""
    global _COUNTER
    with _COUNTER_LOCK:
        if _COUNTER is None:
            from batchtui.cost.count import RequestCounter

            _COUNTER = RequestCounter()
        return _COUNTER


def input_tokens(endpoint: str, body: dict[str, Any]) -> int:
    """A request's input tokens, counted as batchtui counts them before submitting (so the
    enqueued-token limit judges exactly what ``batches submit`` checked); the rough estimate
    of :mod:`.tokens` for what that counter does not count (images, videos)."""
    from batchtui.cost.encodings import OfflineError

    model = body.get("model")
    result: Any = "offline"
    if not (isinstance(model, str) and model in _OFFLINE):
        try:
            result = _counter().count(endpoint, body)
        except OfflineError as exc:  # no tokenizer data: keep the emulator working
            _OFFLINE.add(str(model))
            log.warning("counting %s tokens roughly: %s", model, exc)
        except (RecursionError, ValueError, TypeError):  # hostile shapes
            result = "cannot be counted"
    if not isinstance(result, str):
        return result.input_tokens
    texts: list[str] = []
    collect_text(body, texts)
    tokens = sum(estimate_tokens(t) for t in texts)
    if endpoint == "/v1/chat/completions":
        messages = body.get("messages")
        tokens += 3 + 4 * (len(messages) if isinstance(messages, list) else 1)
    return tokens


def _reasons(model: str, body: dict[str, Any]) -> bool:
    """Does this request spend reasoning tokens? (A reasoning model at an effort other than
    "none"; the validator's facts decide which models those are and their defaults.)"""
    from batchtui.validation import facts as F

    if not F.is_reasoning_model(model):
        return False
    effort = body.get("reasoning_effort")
    reasoning = body.get("reasoning")
    if effort is None and isinstance(reasoning, dict):
        effort = reasoning.get("effort")
    if effort is None:
        effort = F.default_effort(model)
    return effort != "none"


def _finish_plan(plan: Plan, rng: random.Random) -> None:
    order = list(range(plan.n))
    rng.shuffle(order)
    plan.order = array("l", order)
    failed = array("l", [0])
    sums = [array("l", [0]) for _ in range(4)]
    running_failed = 0
    running = [0, 0, 0, 0]
    for idx in order:
        if plan.failure[idx]:
            running_failed += 1
        else:
            running[0] += plan.in_tokens[idx]
            running[1] += plan.cached_tokens[idx]
            running[2] += plan.out_tokens[idx]
            running[3] += plan.reasoning_tokens[idx]
        failed.append(running_failed)
        for a, v in zip(sums, running, strict=True):
            a.append(v)
    plan.failed_by_order = failed
    plan.usage_by_order = sums
