"""Where settings come from, read with the standard library only: the command line, the
environment and the config file, each as a layer of dotted keys that remembers its source.

:mod:`batchtui.core.settings` validates the layers with pydantic-settings. That import costs
~90 ms here (pydantic ~40 ms, pydantic-settings ~50 ms, measured with ``-X importtime`` after
Textual), a third of a bare Textual app's first frame, so the few values a hot path needs
before it draws or reads anything (the theme, the provider profile) come from
:func:`peek`, and the full model is loaded off that path.

The config file is TOML (``tomllib``; ``tomli`` on Python 3.10), at
``$BATCHTUI_CONFIG`` or ``<user config dir>/batchtui/config.toml``; it is optional. A key
this module does not know is an error naming the file, the line and the key, with the
nearest known key: a typo must not be silently ignored.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from batchtui.core.errors import UserError

CONFIG_ENV = "BATCHTUI_CONFIG"
FILENAME = "config.toml"

# Environment variables, as the OpenAI SDK reads them (OPENAI_*) and batchtui's own, and the
# setting each one sets. Anything else in the environment is not a setting.
ENV_VARS: dict[str, str] = {
    "OPENAI_API_KEY": "api.api_key",
    "OPENAI_BASE_URL": "api.base_url",
    "OPENAI_ORG_ID": "api.organization",
    "OPENAI_PROJECT_ID": "api.project",
    "OPENAI_ADMIN_KEY": "api.admin_key",
    "AZURE_OPENAI_API_KEY": "api.azure_api_key",  # Azure's v1 endpoint, when OPENAI's is unset
    "BATCHTUI_TIMEOUT": "network.timeout",
    "BATCHTUI_CONNECT_TIMEOUT": "network.connect_timeout",
    "BATCHTUI_TRANSFER_TIMEOUT": "network.transfer_timeout",
    "BATCHTUI_RETRY_SECONDS": "network.retry_seconds",
    "BATCHTUI_STATE_DIR": "state_dir",
    "BATCHTUI_DOWNLOAD_DIR": "download_dir",
    "BATCHTUI_THEME": "theme",
    "BATCHTUI_PROVIDER": "provider",
}

# The settings the TUI applies itself from the environment (the others reach it through
# the API settings, or only come from the file).
UI_FROM_ENV = ("theme", "download_dir")

# What the config file may hold. A section mapped to None takes any key (model names,
# binding ids): its values are checked by the model. The API's credentials and URL are not
# here: they are the SDK's environment variables (a key in a file is a key in backups).
# tests/core/test_settings.py checks this against the model's fields.
FILE_KEYS: dict[str, Any] = {
    "theme": True,
    "download_dir": True,
    "state_dir": True,
    "provider": True,
    "network": {"timeout", "connect_timeout", "transfer_timeout", "retry_seconds"},
    "notify": {"desktop", "command"},
    "keys": None,  # binding id -> keys, e.g. "browser.down" = "j,down"
    "prices": None,  # model -> {input, output, batch_input, batch_output, same_as}
    "queue": None,  # model -> enqueued-token limit
}
PRICE_KEYS = (
    "input",
    "output",
    "batch_input",
    "batch_output",
    "cached_input",
    "batch_cached_input",
    "same_as",
)


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$BATCHTUI_CONFIG``, else ``config.toml`` in the platform's user config directory
    (``~/.config/batchtui/`` on Linux, ``$XDG_CONFIG_HOME`` honoured)."""
    env = os.environ if environ is None else environ
    override = env.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("batchtui", appauthor=False)) / FILENAME


@dataclass(frozen=True)
class Source:
    """Where a value came from: ``kind`` is "flag", "env", "file" or "default"."""

    kind: str
    name: str = ""  # the flag, the variable, or the file's path
    line: int | None = None

    def __str__(self) -> str:
        if self.kind == "file":
            return f"{self.name}:{self.line}" if self.line else self.name
        return self.name or self.kind


DEFAULT = Source("default")


@dataclass
class Layer:
    """Values by dotted key (``network.timeout``), each with its source."""

    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)

    def set(self, key: str, value: Any, source: Source) -> None:
        self.values[key] = value
        self.sources[key] = source

    def nested(self) -> dict[str, Any]:
        """``{"network": {"timeout": 5}}`` from ``{"network.timeout": 5}``. Only the first
        dot nests: binding ids have dots of their own (``keys.browser.down``)."""
        out: dict[str, Any] = {}
        for key, value in self.values.items():
            section, _, name = key.partition(".")
            if name and section in SECTIONS:
                out.setdefault(section, {})[name] = value
            else:
                out[key] = value
        return out


SECTIONS = frozenset({"api", "network", "notify", "keys", "prices", "queue"})


def env_layer(environ: Mapping[str, str] | None = None) -> Layer:
    """The settings the environment sets. An empty variable counts as unset, as the SDK
    treats an empty OPENAI_API_KEY."""
    env = os.environ if environ is None else environ
    layer = Layer()
    for var, key in ENV_VARS.items():
        raw = env.get(var)
        if raw is not None and raw.strip():
            layer.set(key, raw, Source("env", var))
    return layer


def cli_layer(values: Mapping[str, tuple[Any, str]]) -> Layer:
    """``{"network.timeout": (5.0, "--timeout")}``; a None value is a flag not given."""
    layer = Layer()
    for key, (value, flag) in values.items():
        if value is not None:
            layer.set(key, value, Source("flag", flag))
    return layer


@dataclass
class ConfigFile:
    path: Path
    data: dict[str, Any]
    text: str

    def line_of(self, key: str) -> int | None:
        """The line that sets dotted ``key`` (best effort: TOML has many spellings)."""
        return _line_of(self.text, key)

    def layer(self) -> Layer:
        layer = Layer()
        for key, value in _flatten(self.data):
            layer.set(key, value, Source("file", str(self.path), self.line_of(key)))
        return layer


def read_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> ConfigFile:
    """The config file, parsed and checked for unknown keys; an empty one when absent.

    Raises UserError (one line: the file, the line, what is wrong) for a file that is not
    TOML, cannot be read, or holds a key batchtui does not know.
    """
    path = path if path is not None else config_path(environ)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if os.environ.get(CONFIG_ENV) if environ is None else environ.get(CONFIG_ENV):
            raise UserError(f"{path}: no such config file (named by {CONFIG_ENV})") from None
        return ConfigFile(path, {}, "")
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"{path}: cannot read the config file: {reason}") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}: not valid TOML: {exc}") from None
    config = ConfigFile(path, data, text)
    _check_keys(config)
    return config


def _check_keys(config: ConfigFile) -> None:
    for key, value in config.data.items():
        known = FILE_KEYS.get(key)
        if known is None and key not in FILE_KEYS:
            _unknown(config, key, key, list(FILE_KEYS))
        if isinstance(known, set):
            if not isinstance(value, dict):
                _wrong(config, key, f"[{key}] must be a table, like [{key}] followed by keys")
            for sub in value:
                if sub not in known:
                    _unknown(config, f"{key}.{sub}", sub, sorted(known))
        elif known is True and isinstance(value, dict):
            _wrong(config, key, f"{key} is a value, not a table")
        elif known is None and key in FILE_KEYS and not isinstance(value, dict):
            _wrong(config, key, f"[{key}] must be a table, like [{key}] followed by keys")
    for model, spec in (config.data.get("prices") or {}).items():
        if not isinstance(spec, dict):
            _wrong(config, f"prices.{model}", f"prices.{model} must be a table of prices")
        for sub in spec:
            if sub not in PRICE_KEYS:
                _unknown(config, f"prices.{model}.{sub}", sub, list(PRICE_KEYS))


def _unknown(config: ConfigFile, dotted: str, word: str, known: list[str]) -> None:
    prefix = dotted[: -len(word)]
    for var, key in ENV_VARS.items():
        if key.startswith("api.") and word in (key[4:], var, var.lower()):
            raise UserError(
                f"{_where(config, dotted)}: '{dotted}' is not read from the config file; "
                f"set {var} in the environment, as the OpenAI SDK reads it"
            )
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{prefix}{close[0]}'?)" if close else f" (known: {', '.join(known)})"
    raise UserError(f"{_where(config, dotted)}: unknown key '{dotted}'{hint}")


def _wrong(config: ConfigFile, dotted: str, message: str) -> None:
    raise UserError(f"{_where(config, dotted)}: {message}")


def _where(config: ConfigFile, dotted: str) -> str:
    line = config.line_of(dotted)
    return f"{config.path}:{line}" if line else str(config.path)


def _flatten(data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Dotted keys down to the values the model checks: a section's keys, one level (a
    model's prices stay one table). Binding ids are flattened whole, so an unquoted
    ``browser.down = "j"`` (a nested table in TOML) means the binding ``browser.down``."""
    for key, value in data.items():
        if key == "keys" and isinstance(value, dict):
            for sub, inner in _dotted(value):
                yield f"keys.{sub}", inner
        elif isinstance(value, dict) and FILE_KEYS.get(key) is not True:
            for sub, inner in value.items():
                yield f"{key}.{sub}", inner
        else:
            yield key, value


def _dotted(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in table.items():
        if isinstance(value, dict):
            yield from _dotted(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _line_of(text: str, dotted: str) -> int | None:
    """The 1-based line that sets ``dotted`` in ``text``: a key under its ``[section]``
    header, a dotted key (``network.timeout = 5``), a ``[section.name]`` header, or the
    inline table that holds it (``prices.m = { input = 1 }``). Best effort: TOML has more
    spellings (the first line of a multi-line value is found; a key inside a quoted name
    with dots is matched part by part)."""
    parts = dotted.split(".")
    section: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", line)
        if header:
            section = _key_parts(header.group(1))
            if section == parts:
                return number
            continue
        assignment = re.match(r"^([A-Za-z0-9_\-.\"' ]+?)\s*=", line)
        if assignment is None:
            continue
        full = section + _key_parts(assignment.group(1))
        if full == parts or (len(full) < len(parts) and parts[: len(full)] == full):
            return number
    return None


def _key_parts(name: str) -> list[str]:
    """``a."b.c".d`` -> ``["a", "b", "c", "d"]``: quoted parts are split too, as binding
    ids are dotted names that :func:`_flatten` joins again."""
    return [p.strip().strip("\"'") for p in re.split(r"\.", name) if p.strip().strip("\"'")]


def tui_has_settings(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the TUI has anything of the settings to apply at start-up: a config file,
    or a variable it reads itself (without either, it need not load the model then)."""
    given = env_layer(environ).values
    return any(key in given for key in UI_FROM_ENV) or config_path(environ).is_file()


def peek(key: str, environ: Mapping[str, str] | None = None) -> tuple[Any, Source]:
    """One setting without pydantic, for a path that cannot pay for the model (the theme
    before the first frame, the provider of a ``validate`` run): flag layers aside, the
    environment, else the file, else ``(None, DEFAULT)``. The value is not validated here
    (the caller checks it, or :func:`batchtui.core.settings.load_settings` does); a config
    file that is not TOML or has an unknown key raises UserError as it does there."""
    env = env_layer(environ)
    if key in env.values:
        return env.values[key], env.sources[key]
    layer = read_config(environ=environ).layer()
    if key in layer.values:
        return layer.values[key], layer.sources[key]
    return None, DEFAULT
