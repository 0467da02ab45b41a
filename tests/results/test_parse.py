"""Line-level reading: the custom_id fast path agrees with a full parse; message patterns."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchtui.results.parse import LineError, input_custom_id, loads, message_pattern

ids = st.text(min_size=0, max_size=30)
bodies = st.dictionaries(
    st.sampled_from(["model", "custom_id", "note", "messages"]),
    st.one_of(st.text(max_size=20), st.integers(-(2**63), 2**63 - 1), st.none()),
    max_size=3,
)


def encodings(obj: dict) -> list[bytes]:
    return [
        orjson.dumps(obj),
        json.dumps(obj).encode(),
        json.dumps(obj, ensure_ascii=False).encode(),
        json.dumps(obj, separators=(",", ":")).encode(),
        json.dumps(obj, indent=None, separators=(", ", ": ")).encode() + b"  ",
    ]


@settings(max_examples=300, deadline=None)
@given(cid=ids, body=bodies, first=st.booleans())
def test_fast_path_agrees_with_orjson(cid: str, body: dict, first: bool) -> None:
    obj = {"custom_id": cid, "method": "POST", "body": body}
    if not first:
        obj = {"method": "POST", "body": body, "custom_id": cid}
    for data in encodings(obj):
        assert input_custom_id(data) == orjson.loads(data)["custom_id"]


@pytest.mark.parametrize(
    "data",
    [
        b'{"custom_id": "a", "x": 1, "custom_id": "b"}',  # a later duplicate key wins
        b'{"custom_id": "a\\"b", "x": 1}',  # escaped quote in the id
        b'{"custom_id": "a\\u00e9", "x": 1}',  # escape sequence
        b'{"custom_id": "a", "body": {"custom_id": "nested"}}',
        b'{"custom_id":"\xe6\x9d\xb1\xe4\xba\xac-1","x":{}}',
    ],
)
def test_fast_path_falls_back_when_it_could_disagree(data: bytes) -> None:
    assert input_custom_id(data) == orjson.loads(data)["custom_id"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"custom_id": "a", "body": {', "not valid JSON"),
        (b'{"custom_id": "a"', "not valid JSON"),  # truncated right after the id
        (b'{"method": "POST"}', "no custom_id"),
        (b'{"custom_id": 12}', "custom_id is not a string (int)"),
        (b'["custom_id"]', "not a JSON object"),
    ],
)
def test_input_lines_without_a_usable_id(data: bytes, message: str) -> None:
    with pytest.raises(LineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        input_custom_id(data)


def test_bom_and_invalid_utf8() -> None:
    assert input_custom_id(b'\xef\xbb\xbf{"custom_id": "a"}') == "a"
    obj, bad = loads(b'{"custom_id": "a", "t": "x\xffy"}')
    assert bad and obj["t"] == "x\ufffdy"
    assert loads(b'{"a": 1}') == ({"a": 1}, False)
    assert input_custom_id(b'{"seed": 99999999999999999999, "custom_id": "big"}') == "big"


@pytest.mark.parametrize(
    ("message", "pattern"),
    [
        (
            "Rate limit reached for gpt-4o in organization org-AbCdEfGh123456 on requests per "
            "min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.",
            "Rate limit reached for gpt-4o in organization <id> on requests per min (RPM): "
            "Limit #, Used #, Requested #. Please try again in #ms.",
        ),
        (
            "Enqueued token limit reached for gpt-3.5-turbo-0125. Limit: 2,000,000 enqueued "
            "tokens.",
            "Enqueued token limit reached for gpt-3.5-turbo-0125. Limit: # enqueued tokens.",
        ),
        (
            "Invalid 'messages[2].content': string too long. Expected a string with maximum "
            "length 1048576, but got a string with length 2000000 instead.",
            "Invalid 'messages[#].content': string too long. Expected a string with maximum "
            "length #, but got a string with length # instead.",
        ),
        (
            "Request req_8f2a9c1b3d4e5f60 failed; see 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "Request <id> failed; see <id>",
        ),
        ("  spaced\n\tout  ", "spaced out"),
    ],
)
def test_message_pattern(message: str, pattern: str) -> None:
    assert message_pattern(message) == pattern


def test_message_pattern_is_capped() -> None:
    assert len(message_pattern("word " * 500)) <= 200
