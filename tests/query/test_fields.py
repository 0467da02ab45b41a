"""Field filters: syntax, semantics (numbers as numbers, missing paths, arrays, aliases),
and the raw pre-check, which must never drop a line the parse would match."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.query import QueryError, compile_query
from tests.query.helpers import ENGINES, field_oracle, matching, write


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


def req(
    cid: str,
    model: str,
    max_tokens: object = 100,
    url: str = "/v1/chat/completions",
    **body: object,
) -> bytes:
    b = {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": "hi"}]}
    b.update(body)
    return json.dumps({"custom_id": cid, "method": "POST", "url": url, "body": b}).encode() + b"\n"


def out(cid: str, status: int, model: str = "gpt-4o") -> bytes:
    line = {
        "id": "batch_req_1",
        "custom_id": cid,
        "response": {"status_code": status, "request_id": "r", "body": {"model": model}},
        "error": None,
    }
    return json.dumps(line).encode() + b"\n"


INPUT = [
    req("task-1", "gpt-4o", 1000),
    req("task-2", "gpt-4o-mini", 1001),
    req("other-3", "gpt-4o", 4096.0),
    req("task-4", "gpt-4.1", 1e4),
    req("task-5", "gpt-4o", "2000"),  # a string, not a number
    req("task-6", "gpt-4o", 5, url="/v1/embeddings"),
    json.dumps({"custom_id": "task-7", "body": {"messages": [{"role": "system"}]}}).encode()
    + b"\n",  # no model, no max_tokens
    b"not json at all, model=gpt-4o\n",
    json.dumps({"custom_id": "é-8", "body": {"model": "GPT-4O", "max_tokens": -3}}).encode()
    + b"\n",
]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("model=gpt-4o", [0, 2, 4, 5]),
        ("body.model=gpt-4o", [0, 2, 4, 5]),
        ("model!=gpt-4o", [1, 3, 8]),  # task-7 has no model: a missing path never matches
        ("url=/v1/embeddings", [5]),
        ("custom_id^=task-", [0, 1, 3, 4, 5, 6]),
        ("custom_id^=TASK-", []),  # a capital: case-sensitive
        ("custom_id$=-3", [2]),
        ("custom_id*=ask", [0, 1, 3, 4, 5, 6]),
        ("custom_id~=^(task|other)-[13]$", [0, 2]),
        ("body.max_tokens>1000", [1, 2, 3]),  # 4096.0 and 1e4 are numbers; "2000" is not
        ("max_tokens>=1000", [0, 1, 2, 3]),
        ("max_tokens<1000", [5, 8]),
        ("max_tokens<=-3", [8]),
        ("max_tokens=4096", [2]),  # numbers compare as numbers
        ("max_tokens=10000", [3]),
        ("max_tokens=2000", [4]),  # and a number given matches a string of its digits
        ('max_tokens="2000"', [4]),
        ("messages.role=system", [6]),  # a name on an array: any element
        ("body.messages.0.role=user", [0, 1, 2, 3, 4, 5]),
        ("body.messages[-1].content=hi", [0, 1, 2, 3, 4, 5]),
        ("model=gpt-4o max_tokens>100", [0, 2]),  # AND
        ("model=gpt-4o AND max_tokens>100", [0, 2]),
        ("url=/v1/embeddings OR model=gpt-4.1", [3, 5]),
        ("NOT model=gpt-4o", [1, 3, 6, 7, 8]),  # NOT: every line the test is false of
        ("!model=gpt-4o custom_id^=task", [1, 3, 6]),
        ("(model=gpt-4o OR model=gpt-4.1) max_tokens>=1000", [0, 2, 3]),
        ("model=gpt-4o hi", [0, 2, 4, 5]),  # a bare word: text the line must contain
        ("custom_id=é-8", [8]),  # escaped on the line (ensure_ascii)
        ("custom_id*=É", []),  # smart case: a capital É is case-sensitive ...
        ("custom_id*=é", [8]),  # ... and é matches both
    ],
)
def test_filters(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch, text: str, want: list[int]
) -> None:
    ix = write(tmp_path, INPUT)
    assert ix.scan()
    assert matching(ix, compile_query(text, "fields"), engine, monkeypatch) == want


def test_output_files(tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [out("a", 200), out("b", 400), out("c", 200, "gpt-4o-mini"), out("d", 500)]
    lines.append(json.dumps({"custom_id": "e", "response": None, "error": {"code": "x"}}).encode())
    ix = write(tmp_path, lines)
    assert ix.scan()
    q = compile_query("response.status_code!=200", "fields")
    assert matching(ix, q, engine, monkeypatch) == [1, 3]  # e has no status: no match
    q = compile_query("model=gpt-4o-mini", "fields")  # found in response.body
    assert matching(ix, q, engine, monkeypatch) == [2]
    q = compile_query("response.status_code^=4 OR error.code=x", "fields")
    assert matching(ix, q, engine, monkeypatch) == [1, 4]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty filter"),
        ("max_tokens>abc", "compares numbers"),
        ("a..b=1", "not a field path"),
        ("0.x=1", "must start with a name"),
        ("(model=x", "not closed"),
        ("model=x )", "no '('"),
        ("model=x OR", "ends too early"),
        ('model="x', "not closed"),
        ("a~=(", "invalid pattern"),
        ("AND", "needs a test"),
    ],
)
def test_malformed_filters_are_clear_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=re.escape(message)):
        compile_query(text, "fields")


# -- the pre-check never drops a line the parse matches ------------------------------------

_scalars = st.one_of(
    st.integers(-3000, 3000),
    st.floats(-3000, 3000, allow_nan=False, allow_infinity=False),
    st.sampled_from(["gpt-4o", "gpt-4o-mini", "Task-1", "task-12", "", "200", "é", 'a"b', "/v1"]),
    st.booleans(),
    st.none(),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["model", "n", "status_code", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)
_lines = st.dictionaries(
    st.sampled_from(["model", "n", "status_code", "body", "response", "custom_id"]),
    _values,
    max_size=4,
)
_filters = st.sampled_from(
    [
        "model=gpt-4o",
        "model!=gpt-4o",
        "n>1000",
        "n>=200",
        "n<5",
        "n=200",
        "n!=200",
        "status_code!=200",
        "status_code=200",
        "custom_id^=task",
        "custom_id$=1",
        "model*=4o",
        "n=true",
        "n!=null",
        "x.model=gpt-4o",
        "body.n>1000",
        "n>0.5",
        "NOT n>1000",
        "model=gpt-4o OR n<0",
        'model="200"',
        "n~=^2",
        "model=é",
        "model*=/V",
        'model="a\\"b"',
        "n>=1e3",
    ]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(objs=st.lists(_lines, min_size=1, max_size=12), text=_filters, ascii_only=st.booleans())
def test_the_pre_check_never_drops_a_match(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    objs: list[dict[str, object]],
    text: str,
    ascii_only: bool,
) -> None:
    tmp = tmp_path_factory.mktemp("pre")
    data = b"".join(json.dumps(o, ensure_ascii=ascii_only).encode() + b"\n" for o in objs)
    ix = write(tmp, data)
    assert ix.scan()
    want = field_oracle(data, text)
    for engine in ENGINES:
        assert matching(ix, compile_query(text, "fields"), engine, monkeypatch) == want, engine


# -- the shipped example files: inputs and an output file ------------------------------------

EXAMPLES = Path(__file__).resolve().parents[2] / "batchtui" / "examples"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("chat.jsonl", "model=gpt-4o-mini"),
        ("chat.jsonl", "max_tokens>=100 NOT custom_id$=-ko"),
        ("chat_mistakes.jsonl", "body.stream=true OR temperature>1"),
        ("embeddings.jsonl", "url=/v1/embeddings input*=the"),
        ("responses.jsonl", "model^=gpt custom_id$=1"),
        ("results_errors.jsonl", "response.status_code!=200"),
        ("results_output.jsonl", "response.status_code=200 model*=mini"),
        ("results_errors.jsonl", "error.code^=rate OR response.status_code>=400"),
    ],
)
def test_real_files(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch, name: str, text: str
) -> None:
    from batchtui.jsonl.index import LineIndex

    data = (EXAMPLES / name).read_bytes()
    ix = LineIndex(EXAMPLES / name)
    assert ix.scan()
    want = field_oracle(data, text)
    assert want  # each filter keeps some lines (and, below, drops some)
    assert matching(ix, compile_query(text, "fields"), engine, monkeypatch) == want
