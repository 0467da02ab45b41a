"""Client settings, read the way the OpenAI SDK reads them, plus command-line overrides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Environment variables for the waits (seconds), beside the SDK's own variables
# (core.config_file.ENV_VARS reads them; named here for messages and --help).
TIMEOUT_ENV = {
    "timeout": "BATCHTUI_TIMEOUT",
    "connect_timeout": "BATCHTUI_CONNECT_TIMEOUT",
    "transfer_timeout": "BATCHTUI_TRANSFER_TIMEOUT",
    "retry_seconds": "BATCHTUI_RETRY_SECONDS",
}
if TYPE_CHECKING:
    from batchtui.core.settings import Settings

_SECTION = {"api_key": "api", "base_url": "api", "organization": "api", "project": "api"}
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
        """The settings model's credentials, URL and waits (:mod:`batchtui.core.settings`:
        OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID, the ``BATCHTUI_*``
        waits, the config file's ``[network]``), with the non-None ``overrides`` (command-line
        options) on top. A wait that is not a positive number is a UserError."""
        from batchtui.core.settings import load_settings

        flags = {
            f"{_SECTION.get(name, 'network')}.{name}": (value, "--" + name.replace("_", "-"))
            for name, value in overrides.items()
            if name in _SECTION or name in TIMEOUT_ENV
        }
        settings = cls.from_settings(load_settings(cli=flags, environ=environ))
        rest = {
            k: v
            for k, v in overrides.items()
            if v is not None and k not in _SECTION and k not in TIMEOUT_ENV
        }
        return replace(settings, **rest) if rest else settings  # type: ignore[arg-type]

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientSettings:
        """Azure through its v1 endpoint (``OPENAI_BASE_URL=https://RES.openai.azure.com/openai/v1/``)
        also accepts AZURE_OPENAI_API_KEY when OPENAI_API_KEY is unset."""
        api, net = settings.api, settings.network
        client = cls(
            api_key=api.api_key.get_secret_value() if api.api_key else None,
            base_url=api.base_url,
            organization=api.organization,
            project=api.project,
            timeout=net.timeout,
            connect_timeout=net.connect_timeout,
            transfer_timeout=net.transfer_timeout,
            retry_seconds=net.retry_seconds,
        )
        if client.api_key is None and client.is_azure and api.azure_api_key:
            client = replace(client, api_key=api.azure_api_key.get_secret_value())
        return client

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
