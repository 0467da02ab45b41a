"""The SDK snapshot matches the installed openai, and validating never imports openai."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from batchtui.validation import sdk_snapshot

EXAMPLE = Path(__file__).parents[2] / "batchtui" / "examples" / "chat_mistakes.jsonl"


def test_snapshot_matches_the_installed_sdk() -> None:
    fresh = sdk_snapshot.dumps(sdk_snapshot.build())
    shipped = sdk_snapshot.SNAPSHOT_PATH.read_text(encoding="utf-8")
    assert fresh == shipped, (
        "batchtui/validation/sdk_snapshot.json is out of date with the installed openai "
        f"{sdk_snapshot.build()['openai_version']}; refresh it with "
        "`python -m batchtui.validation.sdk_snapshot --write` and review the diff"
    )


def test_snapshot_has_what_the_rules_need() -> None:
    snap = sdk_snapshot.load()
    assert {
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/responses",
        "/v1/completions",
        "/v1/moderations",
    } <= set(snap["batch_endpoints"])
    chat = snap["bodies"]["/v1/chat/completions"]
    assert chat["required"] == ["messages", "model"]
    assert {"max_tokens", "max_completion_tokens", "temperature"} <= set(chat["keys"])
    roles = snap["chat_messages"]["variants"]["role"]
    assert set(roles) >= {"system", "user", "assistant", "tool", "developer"}
    assert "tool_call_id" in roles["tool"]["required"]
    assert snap["bodies"]["/v1/embeddings"]["keys"]["encoding_format"]["enum"] == [
        "base64",
        "float",
    ]


def test_validating_does_not_import_openai() -> None:
    code = (
        "import sys\n"
        "from batchtui.validation import validate_path\n"
        f"v = validate_path({str(EXAMPLE)!r})\n"
        "assert v.report.snapshot().errors > 0\n"
        "from batchtui.cli import main\n"
        f"main(['validate', {str(EXAMPLE)!r}])\n"
        "print('openai' in sys.modules, 'textual' in sys.modules, 'rich' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.splitlines()[-1] == "False False False"
