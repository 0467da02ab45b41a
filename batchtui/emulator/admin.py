"""The two Admin API routes batchtui reads, served when the emulator has admin keys.

``GET /v1/organization/projects`` and ``GET /v1/organization/projects/{project_id}/rate_limits``
(OpenAI's OpenAPI spec: ``ProjectListResponse``/``Project`` and
``ProjectRateLimitListResponse``/``ProjectRateLimit``; list-projects takes ``limit`` 1-100,
default 20, ``after`` and ``include_archived``; list-project-rate-limits ``limit`` (default
100), ``after`` and ``before``). The emulator has one project; its rate limits list every model
with an enqueued-token limit, ``batch_1_day_max_input_tokens`` being that limit. Only admin
keys may read them: OpenAI refuses a project key on the Admin API.
"""

from __future__ import annotations

from typing import Any

from batchtui.emulator import options as o
from batchtui.emulator.wire import EmulatorError

ADMIN_PREFIX = "/v1/organization/"
# Models listed with the emulator's limit for every model (--queue-limit names others).
DEFAULT_LIMIT_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o3",
    "o4-mini",
    "text-embedding-3-small",
    "text-embedding-3-large",
)
# What a project rate limit object carries besides the batch queue (plausible tier-1 values).
_PER_MINUTE = {"max_requests_per_1_minute": 500, "max_tokens_per_1_minute": 200_000}


def check_admin_key(options: o.EmulatorOptions, key: str) -> None:
    """Only the emulator's admin keys read the Admin API."""
    if options.admin_keys is None or key not in options.admin_keys:
        # The emulator's wording: OpenAI answers a project key on the Admin API with a
        # permissions error naming the missing scope.
        raise EmulatorError(
            403,
            "You have insufficient permissions for this operation. Missing scopes: "
            "api.management.read. Use an admin key (OPENAI_ADMIN_KEY) for the Admin API.",
            code="insufficient_permissions",
        )


PROJECT_CREATED_AT = 1_711_471_533  # the spec's example; before any emulated batch


def project(options: o.EmulatorOptions) -> dict[str, Any]:
    return {
        "id": options.project_id,
        "object": "organization.project",
        "name": "Default project",
        "created_at": PROJECT_CREATED_AT,
        "archived_at": None,
        "status": "active",
    }


def rate_limits(options: o.EmulatorOptions) -> list[dict[str, Any]]:
    """The project's rate limit objects, one per model, sorted by model."""
    limits: dict[str, int] = {}
    if options.enqueued_token_limit is not None:
        limits = dict.fromkeys(DEFAULT_LIMIT_MODELS, options.enqueued_token_limit)
    limits.update(options.queue_limits)
    return [
        {
            "object": "project.rate_limit",
            "id": f"rl-{model}",
            "model": model,
            **_PER_MINUTE,
            "batch_1_day_max_input_tokens": limit,
        }
        for model, limit in sorted(limits.items())
    ]


def page(items: list[dict[str, Any]], after: str | None, limit: int) -> dict[str, Any]:
    """A cursor page over ``items`` by id (``first_id``/``last_id`` as the spec shows)."""
    start = 0
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            raise EmulatorError(
                400, f"Invalid 'after': no object with id '{after}'.", param="after"
            )
        start = ids.index(after) + 1
    data = items[start : start + limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": start + limit < len(items),
    }
