"""Client settings, read the way the OpenAI SDK reads them, plus command-line overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Environment variables for the waits (seconds), beside the SDK's own variables.
TIMEOUT_ENV = {
    "timeout": "BATCHTUI_TIMEOUT",
    "connect_timeout": "BATCHTUI_CONNECT_TIMEOUT",
    "transfer_timeout": "BATCHTUI_TRANSFER_TIMEOUT",
    "retry_seconds": "BATCHTUI_RETRY_SECONDS",
}
_AZURE_HOSTS = (".openai.azure.com", ".services.ai.azure.com", ".cognitiveservices.azure.com")


@dataclass(frozen=True)
class ClientSettings:
    """Where and how to reach the API. ``api_key`` never appears in ``repr``.

    The waits are the SDK's defaults made sane: ``AsyncOpenAI`` alone waits 600 s per try and
    tries 3 times, so a server that accepts a connection and never answers held the CLI for
    many minutes. Here one API call (retries included) gives up after ``timeout`` seconds; a
    connection takes at most ``connect_timeout``; an upload or download may go quiet for
    ``transfer_timeout`` seconds (they take as long as they need while bytes flow); a download
    keeps retrying a lost connection for ``retry_seconds`` without a byte before giving up.
    """

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    timeout: float = 60.0
    max_retries: int = 2
    connect_timeout: float = 10.0
    transfer_timeout: float = 300.0
    retry_seconds: float = 60.0

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ClientSettings:
        """OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID and the
        ``BATCHTUI_*`` waits of :data:`TIMEOUT_ENV`, then the non-None ``overrides``
        (command-line options) on top. A wait that is not a positive number is a UserError.

        Azure through its v1 endpoint (``OPENAI_BASE_URL=https://RES.openai.azure.com/openai/v1/``)
        also accepts AZURE_OPENAI_API_KEY when OPENAI_API_KEY is unset.
        """
        env = os.environ if environ is None else environ
        waits = {name: _seconds(env, var) for name, var in TIMEOUT_ENV.items()}
        settings = cls(
            api_key=env.get("OPENAI_API_KEY") or None,
            base_url=env.get("OPENAI_BASE_URL") or None,
            organization=env.get("OPENAI_ORG_ID") or None,
            project=env.get("OPENAI_PROJECT_ID") or None,
            **{name: value for name, value in waits.items() if value is not None},
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if given:
            settings = replace(settings, **given)  # type: ignore[arg-type]
        if settings.api_key is None and settings.is_azure and env.get("AZURE_OPENAI_API_KEY"):
            settings = replace(settings, api_key=env["AZURE_OPENAI_API_KEY"])
        return settings

    @property
    def effective_base_url(self) -> str:
        return self.base_url or DEFAULT_BASE_URL

    @property
    def is_azure(self) -> bool:
        host = urlsplit(self.effective_base_url).hostname or ""
        return host.endswith(_AZURE_HOSTS)

    @property
    def display_base_url(self) -> str:
        """The base URL without credentials or query, safe to print."""
        parts = urlsplit(self.effective_base_url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))

    def http_timeout(self, *, transfer: bool = False) -> Any:
        """The per-request ``httpx`` timeout for the SDK (imported here: it is heavy)."""
        import httpx2

        read = self.transfer_timeout if transfer else self.timeout
        return httpx2.Timeout(read, connect=self.connect_timeout, pool=self.connect_timeout)


def _seconds(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        from batchtui.errors import UserError

        raise UserError(f"{name} must be a number of seconds above 0, got {raw!r}")
    return value
