"""The one settings model: sources in order, where each value came from, one-line errors."""

from __future__ import annotations

import typing
from decimal import Decimal
from pathlib import Path

import pytest

from batchtui.core import config_file
from batchtui.core.config_file import FILE_KEYS, PRICE_KEYS, config_path, peek, read_config
from batchtui.core.errors import UserError
from batchtui.core.settings import PriceOverride, ProviderName, Settings, load_settings

CONFIG = """\
theme = "nord"
provider = "azure"
download_dir = "~/results"

[network]
timeout = 30
retry_seconds = 5

[notify]
desktop = true

[keys]
"browser.down" = "j,down"
results.up = "k"

[prices.my-deployment]
input = 0.15
output = 0.6

[prices]
other = { same_as = "gpt-4o-mini" }

[queue]
gpt-4o-mini = 2_000_000
"""


def env_for(tmp_path: Path, text: str | None = CONFIG, **env: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    if text is not None:
        path.write_text(text)
    return {"BATCHTUI_CONFIG": str(path), **env}


def error_of(tmp_path: Path, text: str, **env: str) -> str:
    with pytest.raises(UserError) as info:
        load_settings(environ=env_for(tmp_path, text, **env))
    return info.value.message


def test_flag_over_env_over_file_over_default(tmp_path: Path) -> None:
    env = env_for(tmp_path, BATCHTUI_TIMEOUT="5", BATCHTUI_RETRY_SECONDS="7")
    s = load_settings({"network.timeout": (2.0, "--timeout")}, environ=env)
    assert s.network.timeout == 2.0 and str(s.source("network.timeout")) == "--timeout"
    assert s.network.retry_seconds == 7.0
    assert str(s.source("network.retry_seconds")) == "BATCHTUI_RETRY_SECONDS"
    assert s.theme == "nord" and str(s.source("theme")) == f"{tmp_path / 'config.toml'}:1"
    assert s.network.connect_timeout == 10.0 and s.source("network.connect_timeout").kind == (
        "default"
    )
    # A flag that was not given (None) does not hide the lower sources.
    s = load_settings({"network.timeout": (None, "--timeout")}, environ=env)
    assert s.network.timeout == 5.0


def test_every_section_of_the_file(tmp_path: Path) -> None:
    s = load_settings(environ=env_for(tmp_path))
    assert s.provider == "azure" and s.notify.desktop is True and s.notify.command is None
    assert s.download_dir == Path("~/results")
    # Quoted or not, a binding id keeps its dots.
    assert s.keys == {"browser.down": "j,down", "results.up": "k"}
    assert s.source("keys.results.up").line == 14
    assert s.price_overrides() == {
        "my-deployment": {"input": Decimal("0.15"), "output": Decimal("0.6")},
        "other": {"same_as": "gpt-4o-mini"},
    }
    assert s.queue == {"gpt-4o-mini": 2_000_000}
    assert s.source("queue.gpt-4o-mini").line == 24


def test_price_overrides_are_what_the_price_table_takes(tmp_path: Path) -> None:
    from batchtui.cost import prices

    assert set(PRICE_KEYS) == prices._OVERRIDE_KEYS == set(PriceOverride.model_fields)
    table = prices.PriceBook(overrides=load_settings(environ=env_for(tmp_path)).price_overrides())
    assert table.price("my-deployment").standard_input.base == Decimal("0.15")


def test_the_file_keys_are_the_models_fields() -> None:
    from batchtui.validation import providers

    fields = set(Settings.model_fields)
    assert set(FILE_KEYS) == fields - {"api"}, "every setting but the SDK's has a file key"
    for section, keys in FILE_KEYS.items():
        if isinstance(keys, set):
            assert keys == set(Settings.model_fields[section].annotation.model_fields)
    assert set(typing.get_args(ProviderName)) == set(providers.PROVIDERS)
    for var, key in config_file.ENV_VARS.items():
        section, _, name = key.partition(".")
        assert section in fields and (
            not name or name in Settings.model_fields[section].annotation.model_fields
        ), var


def test_no_file_is_fine_but_a_named_missing_file_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = load_settings(environ={})
    assert s.model_dump() == Settings().model_dump()
    assert s.config_file == config_path({}) == tmp_path / "batchtui" / "config.toml"
    message = error_of(tmp_path, None)  # type: ignore[arg-type]
    assert message == f"{tmp_path / 'config.toml'}: no such config file (named by BATCHTUI_CONFIG)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('them = "x"', ":1: unknown key 'them' (did you mean 'theme'?)"),
        (
            "[network]\ntimout = 3",
            ":2: unknown key 'network.timout' (did you mean 'network.timeout'?)",
        ),
        (
            "[prices.m]\ninptu = 1",
            ":2: unknown key 'prices.m.inptu' (did you mean 'prices.m.input'?)",
        ),
        ("[colors]\nx = 1", ":1: unknown key 'colors' (known: theme, download_dir"),
        ('api_key = "sk-1"', ":1: 'api_key' is not read from the config file; set OPENAI_API_KEY"),
        ("notify = 3", ":1: [notify] must be a table"),
        (
            "[network]\ntimeout = -3",
            ":2: network.timeout must be a number of seconds above 0, got -3",
        ),
        (
            'provider = "azur"',
            ":1: provider must be one of openai, azure, groq, together, got 'azur'",
        ),
        ("[queue]\ngpt = 0", ":2: queue.gpt must be a whole number of tokens above 0, got 0"),
        (
            '[prices.m]\nsame_as = "x"\ninput = "a"',
            ":3: prices.m.input must be a price in US dollars per million tokens (0 or more), got 'a'",
        ),
        ('[keys]\n"a.b" = 3', ":2: keys.a.b: Input should be a valid string, got 3"),
        (
            '[prices.m]\nsame_as = "x"\ninput = 1',
            ":1: prices.m: same_as takes a model name, alone",
        ),
        ("[prices.m]\noutput = 1", ":1: prices.m: needs at least an input price"),
        ("theme = [1", ": not valid TOML: "),
    ],
)
def test_a_bad_file_is_one_line_naming_file_line_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    got = error_of(tmp_path, text)
    assert got.startswith(str(tmp_path / "config.toml") + message), got
    assert "\n" not in got


@pytest.mark.parametrize("value", ["soon", "0", "-1", "inf"])
def test_a_bad_variable_names_the_variable(tmp_path: Path, value: str) -> None:
    got = error_of(tmp_path, "", BATCHTUI_CONNECT_TIMEOUT=value)
    assert got == f"BATCHTUI_CONNECT_TIMEOUT must be a number of seconds above 0, got {value!r}"


def test_keys_never_show(tmp_path: Path) -> None:
    env = env_for(tmp_path, "", OPENAI_API_KEY="sk-secret-123", OPENAI_ADMIN_KEY="sk-admin-456")
    s = load_settings(environ=env)
    assert s.api.api_key is not None and s.api.api_key.get_secret_value() == "sk-secret-123"
    for text in (repr(s), str(s), s.model_dump_json()):
        assert "sk-secret-123" not in text and "sk-admin-456" not in text


def test_empty_variables_are_unset(tmp_path: Path) -> None:
    s = load_settings(environ=env_for(tmp_path, "", OPENAI_API_KEY="", BATCHTUI_TIMEOUT=" "))
    assert s.api.api_key is None and s.network.timeout == 60.0


def test_peek_reads_without_pydantic_and_still_refuses_unknown_keys(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    assert peek("theme", env)[0] == "nord"
    assert peek("theme", {**env, "BATCHTUI_THEME": "dracula"})[0] == "dracula"
    assert peek("provider", env)[1].line == 2
    (tmp_path / "config.toml").write_text('thme = "x"\n')
    with pytest.raises(UserError, match="did you mean 'theme'"):
        peek("theme", env)


def test_state_dir_comes_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from batchtui.api.records import state_dir

    monkeypatch.delenv("BATCHTUI_STATE_DIR", raising=False)
    (tmp_path / "config.toml").write_text(f'state_dir = "{tmp_path / "st"}"\n')
    monkeypatch.setenv("BATCHTUI_CONFIG", str(tmp_path / "config.toml"))
    assert state_dir() == tmp_path / "st"
    monkeypatch.setenv("BATCHTUI_STATE_DIR", str(tmp_path / "env"))
    assert state_dir() == tmp_path / "env"


def test_read_config_of_a_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="is a directory"):
        read_config(tmp_path)
