"""``batchtui config``: every setting with its source; keys never printed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.cli.entry import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["config", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        'theme = "nord"\n[queue]\ngpt-4o-mini = 2_000_000\n[keys]\n"browser.down" = "n"\n'
    )
    monkeypatch.setenv("BATCHTUI_CONFIG", str(path))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-0001")
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin-secret-0002")
    monkeypatch.setenv("BATCHTUI_TIMEOUT", "5")
    return path


def test_text_names_every_source_and_hides_keys(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    assert out.splitlines()[0] == f"config file: {configured}"
    assert rows["api.api_key"] == ["set", "from", "OPENAI_API_KEY"]
    assert rows["api.admin_key"] == ["set", "from", "OPENAI_ADMIN_KEY"]
    assert rows["network.timeout"] == ["5.0", "from", "BATCHTUI_TIMEOUT"]
    assert rows["network.connect_timeout"] == ["10.0", "default"]
    assert rows["theme"] == ["nord", "from", f"{configured}:1"]
    assert rows["queue.gpt-4o-mini"] == ["2000000", "from", f"{configured}:3"]
    assert rows["keys.browser.down"] == ["n", "from", f"{configured}:5"]
    assert "secret" not in out


def test_json_and_path(configured: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["config_file"] == str(configured) and data["config_file_exists"]
    assert data["settings"]["api.api_key"] == {"value": "set", "source": "OPENAI_API_KEY"}
    assert data["settings"]["theme"] == {"value": "nord", "source": f"{configured}:1"}
    assert "secret" not in out
    assert run(capsys, "--path") == (0, f"{configured}\n", "")


def test_bad_settings_are_one_line_exit_2(
    configured: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configured.write_text('[keys]\n"browser.dwn" = "n"\n')
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"batchtui: {configured}:2: unknown binding id 'keys.browser.dwn' "
        "(did you mean 'browser.down'?)\n"
    )


def test_lists_of_bindings_and_themes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--bindings")
    assert code == 0 and any(
        line.split()[:2] == ["browser.down", "down,j"] for line in out.splitlines()
    )
    code, out, _ = run(capsys, "--themes")
    assert code == 0 and "nord" in out.split()


def test_estimate_prices_models_from_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    body = {"model": "my-deploy", "messages": [{"role": "user", "content": "hi"}]}
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": body}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(line) + "\n")
    config = tmp_path / "config.toml"
    config.write_text('[prices]\nmy-deploy = { same_as = "gpt-4o-mini" }\n')
    monkeypatch.setenv("BATCHTUI_CONFIG", str(config))
    assert main(["estimate", str(path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_model"]["my-deploy"]["price"]["matched"] == "gpt-4o-mini"
    # --price wins over the file for its model.
    assert main(["estimate", str(path), "--format", "json", "--price", "my-deploy=1,2"]) == 0
    assert json.loads(capsys.readouterr().out)["by_model"]["my-deploy"]["price"]["matched"] != (
        "gpt-4o-mini"
    )
