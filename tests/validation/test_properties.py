"""Random bytes and random JSON never crash the validator, and re-derived findings agree."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.jsonl.index import LineIndex
from batchtui.validation.engine import RunStatus, Validator

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Values that hit the interesting branches more often than arbitrary JSON does.
keys = st.sampled_from(
    [
        "custom_id",
        "method",
        "url",
        "body",
        "model",
        "messages",
        "input",
        "role",
        "content",
        "type",
        "text",
        "stream",
        "temperature",
        "max_tokens",
        "image_url",
        "tool_call_id",
        "x",
    ]
)
urls = st.sampled_from(
    [
        "/v1/chat/completions",
        "/v1/embeddings",
        "/v1/responses",
        "/v1/completions",
        "/v1/moderations",
        "/chat/completions",
        "/v1/images/edits",
        "nope",
        "",
    ]
)
request_like = st.recursive(
    scalars | urls,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=20,
)
requests = st.fixed_dictionaries(
    {"custom_id": st.text(max_size=3) | st.integers(), "method": st.just("POST"), "url": urls},
    optional={"body": request_like},
)


def check_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.jsonl"
        path.write_bytes(data)
        validator = Validator(LineIndex(path), chunk_lines=3)
        streamed = []
        status = validator.run(on_findings=lambda batch, _file: streamed.extend(batch))
        assert status is RunStatus.DONE
        snap = validator.report.snapshot()
        assert snap.total == len(streamed)
        # The findings re-derived for each line are exactly the streamed ones.
        for n in {f.line for f in streamed if f.line is not None}:
            expect = sorted((f.code, f.message) for f in streamed if f.line == n)
            assert sorted((f.code, f.message) for f in validator.findings_at(n)) == expect
        assert len(list(validator.iter_findings())) == len(streamed)
        for f in streamed:
            assert f.line is None or 1 <= f.line <= max(1, validator.index.line_count)
            assert "\x1b" not in f.message and "\x00" not in f.message


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data: bytes) -> None:
    check_file(data)


@SETTINGS
@given(
    st.lists(
        st.binary(max_size=60) | st.sampled_from([b"", b"{", b"[", b"\r", b"\xef\xbb\xbf{}"]),
        max_size=8,
    )
)
def test_random_lines(lines: list[bytes]) -> None:
    check_file(b"\n".join(lines))


@SETTINGS
@given(st.lists(json_values, max_size=6), st.booleans())
def test_random_json(values: list[object], crlf: bool) -> None:
    sep = b"\r\n" if crlf else b"\n"
    check_file(sep.join(json.dumps(v).encode() for v in values))


@SETTINGS
@given(st.lists(requests, min_size=1, max_size=6))
def test_random_requests(values: list[object]) -> None:
    check_file(b"\n".join(json.dumps(v).encode() for v in values) + b"\n")
