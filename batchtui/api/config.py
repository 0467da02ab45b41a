"""Client settings, read the way the OpenAI SDK reads them, plus command-line overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit, urlunsplit

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_AZURE_HOSTS = (".openai.azure.com", ".services.ai.azure.com", ".cognitiveservices.azure.com")


@dataclass(frozen=True)
class ClientSettings:
    """Where and how to reach the API. ``api_key`` never appears in ``repr``."""

    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    timeout: float = 60.0
    max_retries: int = 2

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, **overrides: object
    ) -> ClientSettings:
        """OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, then the
        non-None ``overrides`` (command-line options) on top.

        Azure through its v1 endpoint (``OPENAI_BASE_URL=https://RES.openai.azure.com/openai/v1/``)
        also accepts AZURE_OPENAI_API_KEY when OPENAI_API_KEY is unset.
        """
        env = os.environ if environ is None else environ
        settings = cls(
            api_key=env.get("OPENAI_API_KEY") or None,
            base_url=env.get("OPENAI_BASE_URL") or None,
            organization=env.get("OPENAI_ORG_ID") or None,
            project=env.get("OPENAI_PROJECT_ID") or None,
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
