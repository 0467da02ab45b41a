"""Client settings: the SDK's environment variables, command-line overrides, no key in repr."""

from __future__ import annotations

from batchtui.api.config import DEFAULT_BASE_URL, ClientSettings
from batchtui.api.errors import scrub
from batchtui.core.paths import safe_filename


def test_from_env_and_overrides() -> None:
    env = {
        "OPENAI_API_KEY": "sk-env-key-123456",
        "OPENAI_BASE_URL": "https://proxy.example/v1",
        "OPENAI_ORG_ID": "org-1",
        "OPENAI_PROJECT_ID": "proj-1",
    }
    s = ClientSettings.from_env(env)
    assert (s.api_key, s.base_url, s.organization, s.project) == (
        "sk-env-key-123456",
        "https://proxy.example/v1",
        "org-1",
        "proj-1",
    )
    o = ClientSettings.from_env(env, base_url="http://127.0.0.1:1/v1", project=None, timeout=5.0)
    assert o.base_url == "http://127.0.0.1:1/v1" and o.project == "proj-1" and o.timeout == 5.0
    assert "sk-env-key-123456" not in repr(o)


def test_defaults_and_display() -> None:
    s = ClientSettings.from_env({})
    assert s.api_key is None and s.effective_base_url == DEFAULT_BASE_URL
    odd = ClientSettings(base_url="https://user:secret@host.example:8443/openai/v1/?k=v")
    assert odd.display_base_url == "https://host.example:8443/openai/v1"


def test_azure_v1_endpoint_takes_the_azure_key() -> None:
    env = {
        "OPENAI_BASE_URL": "https://myres.openai.azure.com/openai/v1/",
        "AZURE_OPENAI_API_KEY": "azure-key",
    }
    s = ClientSettings.from_env(env)
    assert s.is_azure and s.api_key == "azure-key"
    assert ClientSettings.from_env({"AZURE_OPENAI_API_KEY": "azure-key"}).api_key is None
    both = ClientSettings.from_env({**env, "OPENAI_API_KEY": "sk-openai"})
    assert both.api_key == "sk-openai"


def test_scrub_and_safe_filename() -> None:
    assert scrub("Incorrect API key provided: sk-abc***wxyz.") == "Incorrect API key provided: ***."
    assert scrub("key mykey-not-sk appears", "mykey-not-sk") == "key *** appears"
    assert safe_filename("batch_abc123") == "batch_abc123"
    assert safe_filename("bGl0ZWxsbV9wcm94eTpt/+=").startswith("bGl0ZWxsbV9wcm94eTpt___-")
    assert safe_filename("..").startswith("_")


def test_waits_from_the_environment() -> None:
    import pytest

    from batchtui.core.errors import UserError

    s = ClientSettings.from_env({})
    assert (s.timeout, s.connect_timeout, s.transfer_timeout, s.retry_seconds) == (
        60.0,
        10.0,
        300.0,
        60.0,
    )
    env = {"BATCHTUI_TIMEOUT": "5", "BATCHTUI_CONNECT_TIMEOUT": "1.5"}
    s = ClientSettings.from_env(env, timeout=7.0)
    assert (s.timeout, s.connect_timeout) == (7.0, 1.5), "the command line wins"
    timeout = s.http_timeout(transfer=True)
    assert (timeout.connect, timeout.read) == (1.5, 300.0)
    for bad in ("0", "-1", "soon", "inf"):
        with pytest.raises(UserError, match="BATCHTUI_TIMEOUT must be a number of seconds"):
            ClientSettings.from_env({"BATCHTUI_TIMEOUT": bad})
