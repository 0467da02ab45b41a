"""One settings model for every part of batchtui (pydantic-settings).

Sources, highest first: a command-line flag, the environment (``OPENAI_*`` as the OpenAI SDK
reads them, ``BATCHTUI_*`` for batchtui's own), the config file, the default. The layers are
read by :mod:`batchtui.core.config_file` (standard library only, which also rejects unknown
keys with the file, line and nearest key); pydantic-settings merges them in that order
(``settings_customise_sources``) and validates the result. Each value keeps its source, so
``batchtui config`` can say where it came from.

Readers: ``api.config.ClientSettings`` (credentials, URL, waits), ``api.records.state_dir``,
the CLI's provider choice, the TUI (theme, keys, notifications, download directory), and the
cost code (``prices`` in the format of ``cost.prices.PriceTable``, ``queue`` limits per
model). Keys are :class:`~pydantic.SecretStr`: never in a repr, a log or ``batchtui config``.

This module imports pydantic (~90 ms): the browse path loads it after the first frame.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from batchtui.core.config_file import (
    DEFAULT,
    ConfigFile,
    Layer,
    Source,
    cli_layer,
    env_layer,
    read_config,
)
from batchtui.core.errors import UserError

Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Dollars = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]  # money: no binary floats
# validation.providers.PROVIDERS (core imports nothing else; a test keeps them equal).
ProviderName = Literal["openai", "azure", "groq", "together"]

# What a value must be, in words, for the error message (pydantic's own as the fallback).
_EXPECTED = {
    "network.timeout": "a number of seconds above 0",
    "network.connect_timeout": "a number of seconds above 0",
    "network.transfer_timeout": "a number of seconds above 0",
    "network.retry_seconds": "a number of seconds above 0",
    "provider": "one of openai, azure, groq, together",
    "notify.desktop": "true or false",
    "queue": "a whole number of tokens above 0",
    "prices": "a price in US dollars per million tokens (0 or more)",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Api(_Section):
    """The SDK's own variables; no file key (a key in a file ends up in backups)."""

    api_key: SecretStr | None = None
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    admin_key: SecretStr | None = None  # the Admin API (organisation limits)
    azure_api_key: SecretStr | None = None  # used for an Azure base URL without api_key


class Network(_Section):
    """Waits: see ``api.config.ClientSettings``."""

    timeout: Seconds = 60.0
    connect_timeout: Seconds = 10.0
    transfer_timeout: Seconds = 300.0
    retry_seconds: Seconds = 60.0


class Notify(_Section):
    """When a batch finishes: a desktop notification (OSC 9/777) and/or a command."""

    desktop: bool = False
    command: str | None = None


class PriceOverride(_Section):
    """US dollars per million tokens, or ``same_as`` a known model (``cost.prices``)."""

    input: Dollars | None = None
    output: Dollars | None = None
    batch_input: Dollars | None = None
    batch_output: Dollars | None = None
    cached_input: Dollars | None = None  # cached input tokens (receipts)
    batch_cached_input: Dollars | None = None
    same_as: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> PriceOverride:
        # The rules of cost.prices.check_overrides, so a bad table fails when it is read.
        given = self.model_dump(exclude_none=True)
        if "same_as" in given and len(given) > 1:
            raise ValueError("same_as takes a model name, alone")
        if "same_as" not in given and "input" not in given:
            raise ValueError("needs at least an input price (or same_as a known model)")
        return self

    def as_override(self) -> dict[str, Any]:
        """The shape ``cost.prices.PriceTable(overrides=...)`` takes."""
        return self.model_dump(exclude_none=True)


# The layers of the load in progress (settings_customise_sources is a classmethod: the
# sources reach it through this variable, not through the constructor's keywords).
_LAYERS: contextvars.ContextVar[tuple[Layer, ...]] = contextvars.ContextVar("layers")


class _LayerSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], layer: Layer) -> None:
        super().__init__(settings_cls)
        self.layer = layer

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ returns the whole layer at once

    def __call__(self) -> dict[str, Any]:
        return self.layer.nested()


class Settings(BaseSettings):
    """Every setting; see the module docstring for sources and readers."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True)

    api: Api = Api()
    network: Network = Network()
    notify: Notify = Notify()
    theme: str | None = None  # a Textual theme name; None: Textual's default
    download_dir: Path | None = None  # where `d` saves; None: the working directory
    state_dir: Path | None = None  # submissions, spools, results; None: the platform's
    provider: ProviderName | None = None  # None: the one OPENAI_BASE_URL points at
    keys: dict[str, str] = {}  # binding id -> keys ("j,down"), Textual's keymap
    prices: dict[str, PriceOverride] = {}
    queue: dict[str, Annotated[int, Field(gt=0)]] = {}  # model -> enqueued-token limit

    _sources: dict[str, Source] = PrivateAttr(default_factory=dict)
    _config_path: Path | None = PrivateAttr(default=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Earlier sources win: flags, environment, file. No .env files, no secrets dir.
        return tuple(_LayerSource(settings_cls, layer) for layer in _LAYERS.get(()))

    # -- provenance ----------------------------------------------------------------------

    def source(self, key: str) -> Source:
        """Where the value of dotted ``key`` came from (``DEFAULT`` when nothing set it)."""
        return self._sources.get(key, DEFAULT)

    @property
    def config_file(self) -> Path | None:
        return self._config_path

    def price_overrides(self) -> dict[str, dict[str, Any]]:
        return {model: spec.as_override() for model, spec in self.prices.items()}


def load_settings(
    cli: Mapping[str, tuple[Any, str]] | None = None,
    environ: Mapping[str, str] | None = None,
    config: ConfigFile | None = None,
) -> Settings:
    """The effective settings: ``cli`` (``{"network.timeout": (5.0, "--timeout")}``, None
    values skipped) over the environment over the config file over the defaults.

    Raises UserError with one line naming the variable, flag or file line at fault.
    """
    config = config if config is not None else read_config(environ=environ)
    layers = (cli_layer(cli or {}), env_layer(environ), config.layer())
    token = _LAYERS.set(layers)
    try:
        settings = Settings()
    except ValidationError as exc:
        raise UserError(_message(exc, layers, config)) from None
    finally:
        _LAYERS.reset(token)
    sources: dict[str, Source] = {}
    for layer in reversed(layers):  # the highest layer's source is written last
        sources.update(layer.sources)
    settings._sources = sources
    settings._config_path = config.path
    return settings


def _message(exc: ValidationError, layers: tuple[Layer, ...], config: ConfigFile) -> str:
    """The first error as one line: where it was set, what it must be, what it was."""
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    # prices.<model>.input and queue.<model> are deeper than a layer's keys.
    for depth in range(len(loc), 0, -1):
        key = ".".join(loc[:depth])
        source = next((layer.sources[key] for layer in layers if key in layer.sources), None)
        if source is not None:
            break
    else:
        key, source = ".".join(loc), DEFAULT
    full = ".".join(loc)
    if source.kind == "file" and full != key:
        source = Source("file", source.name, config.line_of(full) or source.line)
    expected = _EXPECTED.get(full) or _EXPECTED.get(key)
    numeric = {"queue": 2, "prices": 3}.get(loc[0])
    if expected is None and len(loc) == numeric and error["type"] != "string_type":
        expected = _EXPECTED[loc[0]]
    if error["type"] == "value_error":  # our own validators: their words, not pydantic's
        error["msg"] = str(error.get("ctx", {}).get("error", error["msg"]))
    value = error.get("input")
    secret = full.endswith(("api_key", "admin_key"))
    got = "" if secret or isinstance(value, dict) else f", got {value!r}"
    if source.kind == "env":
        what = f"{source.name} must be {expected}" if expected else f"{source.name}: {error['msg']}"
        return what + got
    where = f"{source}: {full}" if source.kind == "file" else f"{source.name or full}"
    if source.kind == "flag":
        where = f"{source.name}"
    return f"{where} must be {expected}{got}" if expected else f"{where}: {error['msg']}{got}"
