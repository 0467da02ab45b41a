"""The facts written by hand in ``validation.facts`` agree with OpenAI's published spec.

``spec_request_schemas.json`` is a vendored excerpt of openai/openai-openapi (2026-08-21): each
batch endpoint's request schema, its property names and its numeric and length constraints.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batchtui.validation import facts as F
from batchtui.validation import sdk_snapshot

SPEC = json.loads((Path(__file__).with_name("spec_request_schemas.json")).read_text())["endpoints"]


@pytest.mark.parametrize("endpoint", sorted(SPEC))
def test_completeness_of_the_sdk_types_is_what_facts_records(endpoint: str) -> None:
    spec_keys = set(SPEC[endpoint]["properties"])
    sdk_keys = set(sdk_snapshot.load()["bodies"][endpoint]["keys"])
    # Complete means: every property the spec documents is a key of the SDK's type, so a key
    # the SDK lacks is unknown to OpenAI too (and the validator says so as an error).
    assert (spec_keys <= sdk_keys) is F.SDK_TYPES_COMPLETE[endpoint], spec_keys - sdk_keys
    assert endpoint in F.SDK_TYPES_COMPLETE


def test_the_json_edit_body_is_the_specs() -> None:
    """The SDK types the multipart edit form; the overlay turns it into the JSON body."""
    body = F.facts().bodies["/v1/images/edits"].params
    spec = SPEC["/v1/images/edits"]
    assert set(spec["properties"]) <= set(body.keys)
    assert set(body.required) == set(spec["required"])
    assert "image" not in body.keys  # a file upload cannot be in a JSON line


@pytest.mark.parametrize("endpoint", sorted(SPEC))
def test_ranges_and_lengths_match_the_spec(endpoint: str) -> None:
    constraints = SPEC[endpoint]["constraints"]
    for name, (lo, hi) in F.RANGES.get(endpoint, {}).items():
        found = constraints.get(name)
        if found is None:
            # Only batchtui's own floors for token limits are missing from the spec.
            assert name in ("max_tokens", "max_completion_tokens", "output_compression"), name
            continue
        assert found.get("minimum") == lo, (name, found)
        if hi is not None or "maximum" in found:
            assert found.get("maximum") == hi, (name, found)
    for name, most in F.MAX_LENGTHS.get(endpoint, {}).items():
        found = constraints.get(name, {})
        if not found:
            continue  # the spec has no bound there (CreateImageRequest prompt: in its prose)
        assert most in (found.get("maxLength"), found.get("maxItems")), (name, found)
    for name, least in F.MIN_LENGTHS.get(endpoint, {}).items():
        found = constraints[name]
        assert least in (found.get("minLength"), found.get("minItems")), (name, found)


def test_max_output_tokens_minimum_is_16() -> None:
    assert SPEC["/v1/responses"]["constraints"]["max_output_tokens"] == {"minimum": 16}
    assert F.RANGES["/v1/responses"]["max_output_tokens"] == (16, None)
