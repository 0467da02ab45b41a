"""Batch-time validation of an input file, and the plan of how its requests will turn out.

Runs in a worker thread (a 200 MB file takes a few seconds to parse). Error codes and
messages follow BATCH_API.md §4: OpenAI's own codes where they were observed
(``invalid_json_line``, ``missing_required_parameter``, ``invalid_url``, ``invalid_request``,
``streaming_unsupported``, ``token_limit_exceeded``), Azure's documented codes where OpenAI's
were not found (``duplicate_custom_id``, ``model_mismatch``, ``too_many_tasks``,
``empty_file``). Line numbers are 1-based; every bad line is reported, not just the first.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from batchtui.emulator.tokens import collect_text, count_embedding_inputs, estimate_tokens

# Which body field each endpoint requires besides `model` (BATCH_API.md §9).
_REQUIRED_BODY_FIELD = {
    "/v1/chat/completions": "messages",
    "/v1/embeddings": "input",
    "/v1/completions": "prompt",
    "/v1/moderations": "input",
    "/v1/images/generations": "prompt",
    "/v1/images/edits": "prompt",
    "/v1/videos": "prompt",
}
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

# Per-request failure kinds: (status, type, code, param, message template). 0 = success.
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

FLAG_CAPPED = 1  # the answer hit max_tokens: finish_reason "length"

VALIDATION_MESSAGES = {
    "token_limit_exceeded": (
        "Enqueued token limit reached for {model} in organization org-emulator. Limit: "
        "{limit:,} enqueued tokens. Please try again once some in_progress batches have been "
        "completed."
    ),
    "invalid_request": "The input file is invalid.",
    "model_not_found": "The provided model '{model}' is not supported by the Batch API.",
}

_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


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
    # Prefix sums over processing order: element k covers the first k processed requests.
    failed_by_order: array = field(default_factory=lambda: array("l", [0]))
    usage_by_order: list[array] = field(default_factory=list)  # in, cached, out, reasoning
    input_tokens_total: int = 0

    def failed_among(self, k: int) -> int:
        return self.failed_by_order[k]

    def usage_among(self, k: int) -> tuple[int, int, int, int]:
        """(input, cached, output, reasoning) tokens of the successes among the first k."""
        return tuple(a[k] for a in self.usage_by_order)  # type: ignore[return-value]


@dataclass
class ValidationOutcome:
    errors: list[dict[str, Any]]
    plan: Plan | None


def _error(code: str, message: str, line: int | None, param: str | None) -> dict[str, Any]:
    return {"code": code, "line": line, "message": message, "param": param}


def validate_input(
    path: Path,
    endpoint: str,
    *,
    seed: int,
    failure_rate: float,
    max_requests: int,
    fail_validation: str | None = None,
) -> ValidationOutcome:
    """Check every line of ``path`` against the batch rules and plan the outcomes."""
    rng = random.Random(seed)
    errors: list[dict[str, Any]] = []
    plan = Plan(n=0, model=None)
    seen_ids: set[str] = set()
    first_model: str | None = None
    required = _REQUIRED_BODY_FIELD.get(endpoint)
    embedding_inputs = 0
    lineno = 0
    offset = 0
    with open(path, "rb") as f:
        for raw in f:
            lineno += 1
            start = offset
            offset += len(raw)
            if not raw.strip():
                continue  # blank lines (and the usual trailing newline) carry no request
            try:
                obj = orjson.loads(raw)
            except orjson.JSONDecodeError:
                obj = None
            if not isinstance(obj, dict):
                errors.append(
                    _error(
                        "invalid_json_line",
                        "This line is not parseable as valid JSON.",
                        lineno,
                        None,
                    )
                )
                continue
            line_ok = True
            for key in ("custom_id", "method", "url", "body"):
                if key not in obj:
                    errors.append(
                        _error(
                            "missing_required_parameter",
                            f"Missing required parameter: '{key}'.",
                            lineno,
                            key,
                        )
                    )
                    line_ok = False
            custom_id = obj.get("custom_id")
            if "custom_id" in obj:
                if not isinstance(custom_id, str) or not custom_id:
                    errors.append(
                        _error(
                            "invalid_request",
                            "The custom_id must be a non-empty string.",
                            lineno,
                            "custom_id",
                        )
                    )
                    line_ok = False
                elif custom_id in seen_ids:
                    errors.append(
                        _error(
                            "duplicate_custom_id",
                            "The custom ID for this request is a duplicate of the custom ID "
                            "in another request.",
                            lineno,
                            "custom_id",
                        )
                    )
                    line_ok = False
                else:
                    seen_ids.add(custom_id)
            method = obj.get("method")
            if "method" in obj and method != "POST":
                errors.append(
                    _error(
                        "invalid_value",
                        f"Invalid value: {method!r}. Supported values are: 'POST'.",
                        lineno,
                        "method",
                    )
                )
                line_ok = False
            if "url" in obj and obj.get("url") != endpoint:
                errors.append(
                    _error(
                        "invalid_url",
                        "The URL provided for this request does not match the batch endpoint.",
                        lineno,
                        "url",
                    )
                )
                line_ok = False
            body = obj.get("body")
            model: str | None = None
            if "body" in obj:
                if not isinstance(body, dict):
                    errors.append(
                        _error("invalid_request", "The body must be an object.", lineno, "body")
                    )
                    line_ok = False
                    body = None
                else:
                    model_value = body.get("model")
                    model = model_value if isinstance(model_value, str) and model_value else None
                    if model is None and endpoint != "/v1/moderations":
                        errors.append(
                            _error(
                                "invalid_request",
                                "Model parameter is required.",
                                lineno,
                                "body.model",
                            )
                        )
                        line_ok = False
                    if required and required not in body:
                        errors.append(
                            _error(
                                "invalid_request",
                                f"{required.capitalize()} parameter is required.",
                                lineno,
                                f"body.{required}",
                            )
                        )
                        line_ok = False
                    if body.get("stream") is True:
                        errors.append(
                            _error(
                                "streaming_unsupported",
                                f"{_ENDPOINT_NAMES.get(endpoint, 'This endpoint')}: Streaming "
                                "is not supported in the Batch API.",
                                lineno,
                                "body.stream",
                            )
                        )
                        line_ok = False
                    if model is not None:
                        if first_model is None:
                            first_model = model
                        elif model != first_model:
                            errors.append(
                                _error(
                                    "model_mismatch",
                                    f"The provided model '{model}' does not match the model "
                                    f"'{first_model}' used by the rest of the batch. Each "
                                    "input file can only include requests to a single model.",
                                    lineno,
                                    "body.model",
                                )
                            )
                            line_ok = False
            if not line_ok or errors or body is None:
                # Once the batch is known to fail, only keep looking for more errors.
                continue
            _plan_request(plan, rng, endpoint, body, model, start, failure_rate)
            if endpoint == "/v1/embeddings":
                embedding_inputs += count_embedding_inputs(body.get("input"))

    total = plan.n if not errors else len(seen_ids)
    if not errors:
        if plan.n == 0:
            errors.append(_error("empty_file", "The input file contains no requests.", None, None))
        elif total > max_requests:
            errors.append(
                _error(
                    "too_many_tasks",
                    f"The batch contains {total:,} requests; the limit is {max_requests:,}.",
                    None,
                    None,
                )
            )
        elif embedding_inputs > 50_000:
            errors.append(
                _error(
                    "invalid_request",
                    f"The batch contains {embedding_inputs:,} embedding inputs; the limit is "
                    "50,000.",
                    None,
                    None,
                )
            )
    if not errors and fail_validation:
        template = VALIDATION_MESSAGES.get(fail_validation, "The batch failed validation.")
        errors.append(
            _error(
                fail_validation,
                template.format(model=first_model or "the model", limit=2_000_000),
                None,
                None,
            )
        )
    if errors:
        return ValidationOutcome(errors=errors, plan=None)
    plan.model = first_model
    _finish_plan(plan, rng)
    return ValidationOutcome(errors=[], plan=plan)


def _plan_request(
    plan: Plan,
    rng: random.Random,
    endpoint: str,
    body: dict[str, Any],
    model: str | None,
    offset: int,
    failure_rate: float,
) -> None:
    texts: list[str] = []
    collect_text(body, texts)
    in_tokens = sum(estimate_tokens(t) for t in texts)
    if endpoint == "/v1/chat/completions":
        messages = body.get("messages")
        in_tokens += 3 + 4 * (len(messages) if isinstance(messages, list) else 1)
    in_tokens = max(in_tokens, 1)
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
        if model and model.startswith(_REASONING_PREFIXES):
            reasoning = rng.randint(0, 4) * 64
            out_tokens += reasoning
        if cap is not None and out_tokens >= cap:
            out_tokens = cap
            reasoning = min(reasoning, cap)
            flags |= FLAG_CAPPED
    cached = (in_tokens // 2) // 128 * 128 if in_tokens >= 1024 and rng.random() < 0.4 else 0
    failure = 0
    if failure_rate > 0 and rng.random() < failure_rate:
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
