"""The SDK snapshot matches the installed openai, and validating never imports openai."""

from __future__ import annotations

import copy
import subprocess
import sys
import warnings
from pathlib import Path

from batchtui.validation import sdk_snapshot

EXAMPLE = Path(__file__).parents[2] / "batchtui" / "examples" / "chat_mistakes.jsonl"


def test_snapshot_matches_the_installed_sdk() -> None:
    # Shapes, not versions: a release that only bumps openai's version must stay green, an
    # additive change (new optional parameter, new enum value) is a warning to refresh, and
    # anything that would make the validator wrong fails with the endpoint and parameter.
    fresh = sdk_snapshot.build()
    drift = sdk_snapshot.diff(sdk_snapshot.load(), fresh)
    breaking = [str(d) for d in drift if not d.additive]
    hint = (
        f"sdk_snapshot.json differs from the installed openai {fresh['openai_version']}; "
        "refresh it with `python -m batchtui.validation.sdk_snapshot --write`"
    )
    assert not breaking, hint + ":\n" + "\n".join(breaking)
    if drift:
        warnings.warn(hint + ": " + "; ".join(map(str, drift)), stacklevel=1)


def test_a_version_bump_alone_is_not_drift() -> None:
    shipped = sdk_snapshot.load()
    bumped = copy.deepcopy(shipped) | {"openai_version": "99.0.0"}
    assert sdk_snapshot.diff(shipped, bumped) == []


def test_drift_names_the_endpoint_and_parameter() -> None:
    shipped = sdk_snapshot.load()
    new = copy.deepcopy(shipped)
    chat = new["bodies"]["/v1/chat/completions"]
    chat["keys"]["brand_new"] = {"kinds": ["string"]}
    del chat["keys"]["temperature"]
    chat["keys"]["n"] = {"kinds": ["null", "string"]}
    new["bodies"]["/v1/embeddings"]["keys"]["encoding_format"]["enum"].append("int8")
    new["bodies"]["/v1/embeddings"]["required"].append("dimensions")
    got = {str(d): d.additive for d in sdk_snapshot.diff(shipped, new)}
    assert got == {
        "bodies: /v1/chat/completions parameter 'brand_new': added": True,
        "bodies: /v1/chat/completions parameter 'temperature': removed": False,
        "bodies: /v1/chat/completions parameter 'n' kinds: added 'string', removed 'integer'": (
            False
        ),
        "bodies: /v1/embeddings parameter 'encoding_format' enum: added 'int8'": True,
        "bodies: /v1/embeddings required: added 'dimensions'": False,
    }


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
    # The installed SDK (3.57.0) literally lists the image and video batch endpoints, and
    # their bodies come from image_generate_params, image_edit_params, video_create_params.
    for endpoint in ("/v1/images/generations", "/v1/images/edits", "/v1/videos"):
        assert endpoint in snap["batch_endpoints"]
        assert "prompt" in snap["bodies"][endpoint]["required"]
    assert snap["bodies"]["/v1/videos"]["keys"]["seconds"]["enum"] == ["12", "4", "8"]
    # Model names per endpoint, from the SDK's model Literals.
    assert "gpt-4o-mini-2024-07-18" in snap["models"]["/v1/chat/completions"]
    assert "text-embedding-3-small" in snap["models"]["/v1/embeddings"]
    assert "sora-2" in snap["models"]["/v1/videos"]
    assert set(snap["models"]["/v1/chat/completions"]) <= set(snap["models"]["/v1/responses"])


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
