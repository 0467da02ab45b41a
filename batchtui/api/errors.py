"""SDK exceptions -> one clear line for the user (a :class:`UserError`), never with the key."""

from __future__ import annotations

import os
import re
from typing import Any

from batchtui.api.schedule import parse_retry_after
from batchtui.core.errors import UserError

NO_KEY_MESSAGE = (
    "no API key: set OPENAI_API_KEY (and OPENAI_BASE_URL for another provider), "
    "or run `batchtui demo` to try batchtui against a local emulator"
)
_KEY_PATTERN = re.compile(r"\b(sk|sess|rk)-[A-Za-z0-9_\-*]{6,}")


class ApiError(UserError):
    """An API call that failed, classified.

    ``kind`` is one of: ``no_key``, ``auth``, ``permission``, ``not_found``, ``conflict``,
    ``bad_request``, ``rate_limited``, ``quota``, ``server``, ``unreachable``, ``timeout``,
    ``download``, ``internal`` (a bug of batchtui's, shown rather than lost). ``retry_after`` carries the server's Retry-After (seconds) when it sent one.
    """

    RETRYABLE = frozenset({"rate_limited", "server", "unreachable", "timeout", "download"})
    # Refusals about the account, not the request: no wait cures them (the user fixes the key
    # or the billing, then tries again).
    ACCOUNT = frozenset({"no_key", "auth", "permission", "quota"})
    # Failures after which the call may or may not have taken effect (the answer was lost).
    UNSURE = frozenset({"server", "unreachable", "timeout", "download", "internal"})

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        status: int | None = None,
        code: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.code = code
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in self.RETRYABLE

    @property
    def about_account(self) -> bool:
        return self.kind in self.ACCOUNT

    @property
    def unsure(self) -> bool:
        return self.kind in self.UNSURE


def scrub(text: str, api_key: str | None = None) -> str:
    """Remove anything that looks like a key (servers echo keys, masked or not)."""
    if api_key:
        text = text.replace(api_key, "***")
    return _KEY_PATTERN.sub("***", text)


def _server_message(exc: Any, api_key: str | None) -> str:
    body = getattr(exc, "body", None)
    message = None
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            message = inner.get("message")
        elif isinstance(inner, str):
            message = inner
    if not isinstance(message, str) or not message.strip():
        message = getattr(exc, "message", None) or str(exc)
    message = " ".join(message.split())
    if len(message) > 300:
        message = message[:297] + "..."
    return scrub(message, api_key)


def _cause_text(exc: BaseException) -> str:
    """The lowest-level reason of a connection error ("connection refused", ...)."""
    seen = set()
    cause: BaseException | None = exc
    last = ""
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and isinstance(cause.errno, int) and cause.errno > 0:
            return os.strerror(cause.errno).lower()  # "connection refused", not asyncio's text
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror.lower()
        text = str(cause).strip()
        if text and text not in ("Connection error.", "Request timed out."):
            last = text
        cause = cause.__cause__ or cause.__context__
    return last.lower()


def translate(
    exc: BaseException,
    *,
    base_url: str,
    api_key: str | None = None,
    what: str | None = None,
    action: str | None = None,
) -> ApiError:
    """Classify an ``openai`` exception. ``what`` names the object (``batch batch_123``) for
    404s; ``action`` (``listing batches``) prefixes the message."""
    import openai

    prefix = f"{action}: " if action else ""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return ApiError(
            f"{prefix}timed out waiting for {base_url}; the API may be slow or the network "
            "down, try again",
            kind="timeout",
        )
    if isinstance(exc, openai.APIConnectionError):
        reason = _cause_text(exc)
        detail = f" ({reason})" if reason else ""
        return ApiError(
            f"{prefix}cannot reach {base_url}{detail}; check OPENAI_BASE_URL and your network",
            kind="unreachable",
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        code = getattr(exc, "code", None)
        code = code if isinstance(code, str) else None
        server = _server_message(exc, api_key)
        headers = dict(exc.response.headers) if exc.response is not None else {}
        retry_after = parse_retry_after(headers)
        code_part = f" {code}" if code else ""
        if status == 401:
            return ApiError(
                f"{prefix}the API at {base_url} rejected the API key (401{code_part}); check "
                "OPENAI_API_KEY (and OPENAI_ORG_ID / OPENAI_PROJECT_ID if set)",
                kind="auth",
                status=status,
                code=code,
            )
        if status == 403:
            return ApiError(
                f"{prefix}permission denied (403{code_part}): {server}",
                kind="permission",
                status=status,
                code=code,
            )
        if status == 404:
            message = (
                f"{prefix}{what} not found (404) at {base_url}"
                if what
                else f"{prefix}{base_url} answered 404 (not found); check OPENAI_BASE_URL"
            )
            return ApiError(
                message,
                kind="not_found",
                status=status,
                code=code,
            )
        if status == 409:
            return ApiError(f"{prefix}{server} (409)", kind="conflict", status=status, code=code)
        if status == 429:
            if code == "insufficient_quota":
                return ApiError(
                    f"{prefix}the account is out of quota (429 insufficient_quota); check "
                    "billing and limits",
                    kind="quota",
                    status=status,
                    code=code,
                    retry_after=retry_after,
                )
            wait = f"; the server asks to wait {retry_after:g} s" if retry_after else ""
            return ApiError(
                f"{prefix}rate limited by the API (429){wait}; try again later",
                kind="rate_limited",
                status=status,
                code=code,
                retry_after=retry_after,
            )
        if status >= 500:
            return ApiError(
                f"{prefix}the API answered with a server error ({status}); try again later",
                kind="server",
                status=status,
                code=code,
                retry_after=retry_after,
            )
        param = getattr(exc, "param", None)
        param_part = f", param {param}" if isinstance(param, str) and param else ""
        return ApiError(
            f"{prefix}the API rejected the request ({status}{code_part}{param_part}): {server}",
            kind="bad_request",
            status=status,
            code=code,
        )
    if isinstance(exc, openai.OpenAIError) and "credentials" in str(exc).lower():
        return ApiError(NO_KEY_MESSAGE, kind="no_key")
    if isinstance(exc, openai.OpenAIError):
        return ApiError(f"{prefix}{scrub(str(exc), api_key)}", kind="bad_request")
    raise TypeError(f"not an OpenAI error: {exc!r}")
