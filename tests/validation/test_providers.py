"""Provider profiles: each service's limits and line rules, chosen by --provider or detected
from OPENAI_BASE_URL, each with its source. Files here are constructed, labelled by case."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.cli import main
from batchtui.validation import providers
from batchtui.validation.providers import AZURE, GROQ, OPENAI, TOGETHER
from tests.validation.helpers import chat_body, request, validate, write_lines


def codes(path: Path, provider: providers.Provider) -> set[tuple[int | None, str]]:
    return validate(path, provider=provider).codes()


def test_every_limit_names_its_source() -> None:
    for provider in providers.PROVIDERS.values():
        for what, value, source in provider.limits():
            assert source, (provider.name, what)
            if value.startswith("undocumented"):
                assert "undocumented" in source, (provider.name, what)
            assert "issue #" not in source


def test_azure_takes_100000_requests_and_its_url_forms(tmp_path: Path) -> None:
    lines = [
        request("a", chat_body(model="gpt-4o-batch"), url="/chat/completions"),  # dated API
        request("b", chat_body(model="gpt-4o-batch"), url="/chat/completions"),
        request("c", {"model": "gpt-4o-batch", "input": "x"}, url="/v1/embeddings"),
    ]
    path = write_lines(tmp_path / "azure.jsonl", lines)
    assert codes(path, AZURE) == {(3, "invalid_url")}  # Azure batches take no embeddings
    # The same file under OpenAI: the dated-API url is not OpenAI's, the deployment name is
    # not a model name.
    openai = codes(path, OPENAI)
    assert (1, "invalid_url") in openai and (1, "batch_model_alias") in openai
    assert AZURE.max_requests.value == 100_000 and OPENAI.max_requests.value == 50_000


def test_request_limits_differ_per_provider(tmp_path: Path) -> None:
    from tests.validation.helpers import small_limits

    path = write_lines(tmp_path / "n.jsonl", [request(f"r{i}") for i in range(3)])
    assert (None, "too_many_tasks") in codes(path, small_limits(requests=2, base=AZURE))
    assert (None, "too_many_tasks") not in codes(path, small_limits(requests=3, base=AZURE))


def test_together_lines_need_only_custom_id_and_body_and_ids_of_64(tmp_path: Path) -> None:
    lines = [
        {"custom_id": "a", "body": chat_body(model="meta-llama/Llama-3.3-70B-Instruct-Turbo")},
        {"custom_id": "x" * 65, "body": chat_body(model="meta-llama/Llama-3.3-70B-Instruct-Turbo")},
        {
            "custom_id": "c",
            "body": chat_body(model="meta-llama/Llama-3.3-70B-Instruct-Turbo", top_k=40),
        },
    ]
    path = write_lines(tmp_path / "together.jsonl", lines)
    got = validate(path, provider=TOGETHER)
    # top_k is Together's own parameter: the SDK's types are not Together's, so a warning.
    assert got.codes() == {(2, "custom_id_too_long"), (3, "unlisted_parameter")}
    assert "64" in next(f.message for f in got.findings if f.code == "custom_id_too_long")
    assert {(1, "missing_required_parameter")} <= codes(path, OPENAI)


def test_groq_mixes_models_and_audio_lines(tmp_path: Path) -> None:
    audio = {"model": "whisper-large-v3", "url": "https://example.com/a.wav", "language": "en"}
    lines = [
        request("a", chat_body(model="llama-3.1-8b-instant")),
        request("b", chat_body(model="llama-3.3-70b-versatile")),
        request("c", audio, url="/v1/audio/transcriptions"),
        request("d", chat_body(model="llama-3.1-8b-instant"), url="/v1/embeddings"),
    ]
    path = write_lines(tmp_path / "groq.jsonl", lines)
    # Groq's docs show a "Mixed Batch" (two models, chat and audio); no embeddings.
    assert codes(path, GROQ) == {(4, "invalid_url")}
    assert (2, "model_mismatch") in codes(path, OPENAI)


@pytest.mark.parametrize(
    ("base_url", "name"),
    [
        (None, "openai"),
        ("https://api.openai.com/v1", "openai"),
        ("https://my-res.openai.azure.com/openai/v1/", "azure"),
        ("https://x.cognitiveservices.azure.com/openai/v1", "azure"),
        ("https://api.groq.com/openai/v1", "groq"),
        ("https://api.together.xyz/v1", "together"),
        ("http://127.0.0.1:8765/v1", "openai"),  # the emulator, or a proxy
        ("https://evil.com/api.groq.com", "openai"),  # the host decides, not the path
    ],
)
def test_detected_from_openai_base_url(base_url: str | None, name: str) -> None:
    provider, _reason = providers.detect(base_url)
    assert provider.name == name


def test_cli_provider_flag_and_detection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_lines(
        tmp_path / "azure.jsonl",
        [request("a", chat_body(model="my-deploy"), url="/chat/completions")],
    )
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert main(["validate", str(path)]) == 1
    capsys.readouterr()
    assert main(["validate", "--provider", "azure", "--format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["provider"] == "azure"
    monkeypatch.setenv("OPENAI_BASE_URL", "https://res.openai.azure.com/openai/v1/")
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "azure profile" in err and "res.openai.azure.com" in err
    assert main(["validate", "--provider", "openai", str(path)]) == 1
    capsys.readouterr()


def test_split_uses_the_provider_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from batchtui.validation import split

    seen: list[tuple[int, int]] = []

    def fake_split(path: object, *, max_requests: int, max_bytes: int, **_: object) -> list:
        seen.append((max_requests, max_bytes))
        return []

    monkeypatch.setattr(split, "split_file", fake_split)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    path = write_lines(tmp_path / "a.jsonl", [request("a")])
    for argv in (
        ["split", str(path)],
        ["split", str(path), "--provider", "azure"],
        ["split", str(path), "--provider", "together"],
        ["split", str(path), "--provider", "azure", "--max-requests", "7"],
    ):
        assert main(argv) == 0
    capsys.readouterr()
    mib = 1024 * 1024
    assert seen == [
        (50_000, 200 * mib),
        (100_000, 200 * mib),
        (50_000, 100 * mib),
        (7, 200 * mib),
    ]


def test_rules_cite_real_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    text = capsys.readouterr().out
    assert "issue #" not in text and "batchtui issue" not in text
    assert "openai: fails the whole batch at validation" in text
    assert main(["rules", "--provider", "together", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["provider"] == "together"
    limits = {row["what"]: row for row in doc["limits"]}
    assert limits["custom_id length"]["value"] == "64 characters"
    assert "docs.together.ai" in limits["custom_id length"]["source"]
    custom_id = next(r for r in doc["rules"] if r["code"] == "custom_id_too_long")
    assert "GUIDE" in custom_id["source"]
    assert {r["openai"] for r in doc["rules"]} <= {
        "batch",
        "request",
        "upload",
        "accepted",
        "batch or request",
        "not submitted",  # the rules of output and error files
    }


def test_file_limits_at_open_are_the_profile_limits() -> None:
    """The browser's check at open reads the same table as the validator and split."""
    from batchtui.validation.providers import AZURE, MIB, OPENAI, TOGETHER, file_limits

    def codes(provider: providers.Provider) -> list[str]:
        return [n.code for n in file_limits(150 * MIB, 60_000, provider)]

    assert codes(OPENAI) == ["too_many_tasks"]
    assert codes(AZURE) == []  # 100,000 requests, 200 MB
    assert codes(TOGETHER) == ["file_too_large", "too_many_tasks"]  # 100 MB
    (note,) = file_limits(101 * MIB, 1, TOGETHER)
    assert note.short == "over 100 MB" and "over the 100 MB" in note.message
    (note,) = file_limits(1, 50_001, OPENAI, lines_final=False)
    assert note.short == "over 50,000 requests" and note.message.startswith("50,001+ lines")
    assert OPENAI.part_limits() == (50_000, 200 * MIB)
    assert providers.GROQ.part_limits() == (50_000, 200 * MIB)


def test_cli_choices_name_every_profile() -> None:
    """`--provider` lists the names without importing the table (kept equal here)."""
    from batchtui.cli.provider import PROVIDER_NAMES

    assert tuple(providers.PROVIDERS) == PROVIDER_NAMES
