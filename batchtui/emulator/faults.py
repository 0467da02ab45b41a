"""Fault injection: rules set on the running server, and per-batch faults from metadata."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from batchtui.emulator import options as o

FaultKind = Literal["rate_limit", "server_error", "slow", "drop"]


@dataclass
class FaultRule:
    """One injected fault.

    ``count`` is how many matching requests it hits (None = until removed); ``method`` and
    ``path`` (a glob such as ``/v1/batches*``) narrow which requests match. ``drop`` rules
    apply to file downloads only: the connection is cut after ``after_bytes`` (default half).
    """

    kind: FaultKind
    count: int | None = 1
    method: str | None = None
    path: str | None = None
    retry_after: float | None = None  # rate_limit: the Retry-After header, in seconds
    status: int = 500  # server_error: the status code sent
    delay: float = 0.0  # slow: real seconds to wait before answering
    after_bytes: int | None = None  # drop: bytes sent before the cut
    code: str | None = None  # rate_limit: "insufficient_quota" imitates an unpaid account
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        if self.count is not None and self.hits >= self.count:
            return False
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path is None or fnmatch.fnmatchcase(path, self.path)

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.hits >= self.count


class Faults:
    """The server-wide fault rules, changeable while the server runs."""

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def rate_limit(
        self,
        count: int | None = 1,
        *,
        retry_after: float | None = 1.0,
        method: str | None = None,
        path: str | None = None,
        code: str | None = None,
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with 429 (and Retry-After)."""
        return self.add(
            FaultRule("rate_limit", count, method, path, retry_after=retry_after, code=code)
        )

    def server_error(
        self,
        count: int | None = 1,
        *,
        status: int = 500,
        retry_after: float | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> FaultRule:
        """Answer the next ``count`` matching requests with ``status`` (a 503 may carry a
        Retry-After, which also makes SDK retries quick in tests)."""
        return self.add(
            FaultRule("server_error", count, method, path, retry_after=retry_after, status=status)
        )

    def slow(
        self,
        delay: float,
        count: int | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
    ) -> FaultRule:
        return self.add(FaultRule("slow", count, method, path, delay=delay))

    def drop_download(
        self, count: int | None = 1, *, after_bytes: int | None = None, path: str | None = None
    ) -> FaultRule:
        return self.add(FaultRule("drop", count, "GET", path, after_bytes=after_bytes))

    def clear(self) -> None:
        self.rules.clear()

    def take(self, kinds: tuple[FaultKind, ...], method: str, path: str) -> FaultRule | None:
        """The first live rule of one of ``kinds`` matching the request, counted as a hit."""
        for rule in self.rules:
            if rule.kind in kinds and rule.matches(method, path):
                rule.hits += 1
                return rule
        return None


@dataclass
class BatchFaults:
    """Faults one batch asked for through ``emulator.*`` metadata keys."""

    fail_validation: str | None = None
    fail_fraction: float | None = None
    expire_fraction: float | None = None
    processing_seconds: float | None = None
    rate_limit: int = 0
    retry_after: float = 1.0
    server_errors: int = 0
    slow: float = 0.0
    drop_downloads: int = 0
    extra: dict[str, str] = field(default_factory=dict)


class MetadataFaultError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _fraction(key: str, value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise MetadataFaultError(key, f"'{key}' must be a number between 0 and 1") from None
    if not 0.0 <= f <= 1.0:
        raise MetadataFaultError(key, f"'{key}' must be a number between 0 and 1")
    return f


def _non_negative(key: str, value: str, kind: type = float) -> float:
    try:
        f = kind(value)
    except ValueError:
        raise MetadataFaultError(key, f"'{key}' must be a non-negative number") from None
    if f < 0:
        raise MetadataFaultError(key, f"'{key}' must be a non-negative number")
    return f


_TRUE = {"1", "true", "yes", "on"}


def parse_batch_faults(metadata: Mapping[str, str] | None) -> BatchFaults:
    """Read the ``emulator.*`` keys; raise :class:`MetadataFaultError` on a bad value."""
    faults = BatchFaults()
    for key, value in (metadata or {}).items():
        if not key.startswith(o.META_PREFIX):
            continue
        value = value.strip()
        if key == o.META_FAIL_VALIDATION:
            faults.fail_validation = (
                "token_limit_exceeded" if value.lower() in _TRUE else value or None
            )
        elif key == o.META_FAIL_FRACTION:
            faults.fail_fraction = _fraction(key, value)
        elif key == o.META_EXPIRE:
            faults.expire_fraction = 0.5 if value.lower() in _TRUE else _fraction(key, value)
        elif key == o.META_PROCESSING_SECONDS:
            faults.processing_seconds = _non_negative(key, value)
        elif key == o.META_RATE_LIMIT:
            count, _, retry = value.partition("/")
            faults.rate_limit = int(_non_negative(key, count, int))
            if retry:
                faults.retry_after = _non_negative(key, retry)
        elif key == o.META_SERVER_ERROR:
            faults.server_errors = int(_non_negative(key, value, int))
        elif key == o.META_SLOW:
            faults.slow = _non_negative(key, value)
        elif key == o.META_DROP_DOWNLOAD:
            faults.drop_downloads = int(_non_negative(key, value, int))
        else:
            faults.extra[key] = value
    return faults
