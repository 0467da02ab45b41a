"""The join: exact classification of generated sets, provider shapes, anomalies, bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batchtui.core.errors import UserError
from batchtui.jsonl import LineIndex
from batchtui.results import Flag, JoinCancelled, RequestClass, Source, join
from batchtui.results.model import FLAG_NAMES, flag_names

from .builders import (
    KINDS,
    build_set,
    chat_body,
    dumps,
    expired,
    http_error,
    ok,
    plain_error,
    rate_limited,
    request,
    write_lines,
)

# A set with every kind, several of some, in a fixed layout.
LAYOUT = (
    ["ok"] * 12
    + ["truncated"] * 3
    + ["content_filter"] * 2
    + ["refusal"]
    + ["empty"]
    + ["tool_call"]
    + ["http400"] * 2
    + ["http429"] * 4
    + ["http500"]
    + ["http400_in_output"]
    + ["expired"] * 5
    + ["cancelled"] * 2
    + ["other_error"]
    + ["missing"] * 3
)


def ids_where(result, klass: RequestClass) -> set[str]:
    return {result.custom_id(r) for r in result.rows([klass])}


def test_every_class_counted_exactly(tmp_path: Path) -> None:
    inp, out, err, by_id = build_set(tmp_path, LAYOUT, shuffle_seed=7)
    with join(inp, out, err) as result:
        counts = result.counts()
        assert counts["total"] == len(LAYOUT)
        assert counts["succeeded"] == 20
        assert counts["failed_http"] == 8
        assert counts["cancelled"] == 2
        assert counts["failed"] == 8 + 2 + 1
        assert counts["expired"] == 5
        assert counts["missing"] == 3
        assert counts["unexpected"] == counts["duplicates"] == 0
        assert counts["truncated"] == 3
        assert counts["content_filter"] == 2
        assert counts["refusal"] == 1
        assert counts["empty"] == 1
        assert counts["broken_lines"] == 0
        for cid, kind in by_id.items():
            row = result.row_of(cid)
            assert row is not None
            assert result.klass(row).name == KINDS[kind][1], cid
            assert set(flag_names(result.flags(row))) == KINDS[kind][2], cid
        assert ids_where(result, RequestClass.MISSING) == {
            c for c, k in by_id.items() if k == "missing"
        }
        assert ids_where(result, RequestClass.EXPIRED) == {
            c for c, k in by_id.items() if k == "expired"
        }
        # output order is not input order: rows still follow the input
        assert [result.custom_id(r) for r in range(result.row_count)] == list(by_id)
        assert result.failures_by_code() == {
            "batch_expired": 5,
            "rate_limit_exceeded": 4,
            "context_length_exceeded": 3,
            "batch_cancelled": 2,
            "server_error": 1,
            "request_timeout": 1,
        }


def test_histogram_groups_messages_that_differ_only_in_numbers(tmp_path: Path) -> None:
    inp, out, err, by_id = build_set(tmp_path, LAYOUT, shuffle_seed=3)
    with join(inp, out, err) as result:
        groups = {(g.code, g.klass): g for g in result.histogram()}
        rate = groups[("rate_limit_exceeded", RequestClass.FAILED_HTTP)]
        assert rate.count == 4
        assert "Used #" in rate.pattern and "org-a1b2" not in rate.pattern
        assert "gpt-4o-mini" in rate.pattern and "try again in #s." in rate.pattern
        ctx = groups[("context_length_exceeded", RequestClass.FAILED_HTTP)]
        assert ctx.count == 3 and "resulted in # tokens" in ctx.pattern
        # a group filters the list
        rows = result.rows(group=rate.id)
        assert {by_id[result.custom_id(r)] for r in rows} == {"http429"}
        assert result.histogram()[0].code == "batch_expired"  # most frequent first


def test_usage_totals_and_tokens_spent_on_failures(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request(f"r{i}") for i in range(4)])
    out = write_lines(
        tmp_path / "out.jsonl",
        [
            ok("r0", chat_body(prompt=100, completion=20, cached=40, reasoning=8)),
            ok("r1", chat_body("cut", finish="length", prompt=10, completion=300)),
            # /v1/responses usage names
            ok(
                "r2",
                {
                    "object": "response",
                    "status": "completed",
                    "output": [
                        {"type": "message", "content": [{"type": "output_text", "text": "hi"}]}
                    ],
                    "usage": {
                        "input_tokens": 7,
                        "output_tokens": 3,
                        "input_tokens_details": {"cached_tokens": 2},
                        "output_tokens_details": {"reasoning_tokens": 1},
                        "total_tokens": 10,
                    },
                },
            ),
        ],
    )
    err = write_lines(tmp_path / "err.jsonl", [expired("r3")])
    with join(inp, out, err) as result:
        u = result.usage()
        assert (u.input_tokens, u.output_tokens, u.cached_tokens, u.reasoning_tokens) == (
            117,
            323,
            42,
            9,
        )
        s = result.summary()["usage"]
        assert s["total_tokens"] == 440
        assert s["on_soft_failures"]["output_tokens"] == 300
        assert s["on_failed"]["total_tokens"] == 0


def test_output_absent_and_empty_error_file_id(tmp_path: Path) -> None:
    inp, _out, err, _ = build_set(tmp_path, ["expired", "http429", "ok", "missing"])
    with join(inp, None, err) as result:  # output_file_id null: every success is missing
        assert result.counts()["succeeded"] == 0
        assert result.counts()["missing"] == 2
        assert result.counts()["expired"] == 1
    with join(inp, "", "") as result:  # "" means absent, not "the current directory"
        assert result.counts()["missing"] == 4
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")  # Azure writes a zero-byte error file on a clean batch
    with join(inp, tmp_path / "output.jsonl", empty) as result:
        assert result.counts()["succeeded"] == 1


def test_missing_files_are_user_errors(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request("a")])
    with pytest.raises(UserError, match="no such file"):
        join(tmp_path / "nope.jsonl", inp)
    with pytest.raises(UserError, match="no such file"):
        join(inp, tmp_path / "nope.jsonl")
    with pytest.raises(UserError, match="directory"):
        join(inp, None, tmp_path)
    with pytest.raises(UserError, match="give an input, output or error file"):
        join(None)


def test_results_alone_without_the_input(tmp_path: Path) -> None:
    # `results --output OUT` alone: every answered id is a row, nothing missing or unexpected.
    out = write_lines(
        tmp_path / "out.jsonl",
        [ok("a"), ok("b", chat_body(finish="length", prompt=7, completion=3)), ok("a")],
    )
    err = write_lines(tmp_path / "err.jsonl", [expired("c"), rate_limited("d", 1000)])
    with join(None, out, err) as result:
        assert result.input_index is None and result.path(Source.INPUT) is None
        c = result.counts()
        assert (c["total"], c["succeeded"], c["failed"], c["expired"]) == (4, 2, 1, 1)
        assert (c["missing"], c["unexpected"], c["duplicates"], c["truncated"]) == (0, 0, 1, 1)
        assert result.failures_by_code() == {"batch_expired": 1, "rate_limit_exceeded": 1}
        assert result.usage().input_tokens == 10 + 7  # "a" answered twice counts once
        row = result.row_of("d")
        assert row is not None and result.klass(row) is RequestClass.FAILED_HTTP
        assert result.input_bytes(row) is None and result.raw_input_line(row) is None
        assert result.detail(row).outcome is not None
        assert result.summary()["files"]["input"] is None


def test_azure_error_message_object_and_content_filter(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request(c) for c in ("a", "b", "c")])
    azure_obj = {
        "id": "batch_req_a",
        "custom_id": "a",
        "response": None,
        "error": {
            "code": None,
            "message": {
                "error": {
                    "code": "content_filter",
                    "message": "The response was filtered due to the prompt triggering "
                    "Azure OpenAI's content management policy.",
                    "innererror": {"code": "ResponsibleAIPolicyViolation"},
                }
            },
        },
    }
    filtered = chat_body(None, finish="content_filter")
    filtered["choices"][0]["content_filter_results"] = {"hate": {"filtered": True}}
    err = write_lines(tmp_path / "err.jsonl", [azure_obj])
    out = write_lines(
        tmp_path / "out.jsonl",
        [
            ok("b", filtered),
            http_error("c", 400, "content_filter", "The response was filtered.", "invalid"),
        ],
    )
    with join(inp, out, err) as result:
        a = result.detail(result.row_of("a"))
        assert a.klass == RequestClass.FAILED
        assert a.error is not None and a.error.code == "content_filter"
        assert a.error.message.startswith("The response was filtered due to the prompt")
        assert result.flags(result.row_of("b")) & Flag.CONTENT_FILTER
        assert result.klass(result.row_of("c")) == RequestClass.FAILED_HTTP


def test_vllm_single_file_with_successes_and_failures(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request(c) for c in ("a", "b", "c", "d")])
    vllm = [
        {
            "id": "vllm-1",
            "custom_id": "a",
            "response": {"status_code": 200, "request_id": "vllm-batch-1", "body": chat_body()},
            "error": None,
        },
        {
            "id": "vllm-2",
            "custom_id": "b",
            "response": {"status_code": 400, "request_id": "vllm-batch-2", "body": None},
            "error": "Request must not be sent in stream mode",
        },
        {
            "id": "vllm-3",
            "custom_id": "c",
            "response": {"status_code": 400, "request_id": "vllm-batch-3", "body": None},
            "error": {
                "error": {
                    "message": "max_tokens is too large",
                    "type": "BadRequestError",
                    "param": None,
                    "code": 400,
                }
            },
        },
        {  # the older flat ErrorResponse
            "id": "vllm-4",
            "custom_id": "d",
            "response": {"status_code": 500, "request_id": "vllm-batch-4", "body": None},
            "error": {"object": "error", "message": "engine dead", "type": None, "code": 500},
        },
    ]
    out = write_lines(tmp_path / "vllm_out.jsonl", vllm)
    for errors in (None, out):  # the same file as --errors too is read once
        with join(inp, out, errors) as result:
            c = result.counts()
            assert (c["succeeded"], c["failed_http"], c["duplicates"]) == (1, 3, 0)
            b = result.detail(result.row_of("b")).error
            assert b is not None
            assert (b.code, b.message, b.status_code) == (
                "http_400",
                "Request must not be sent in stream mode",
                400,
            )
            c_err = result.detail(result.row_of("c")).error
            assert c_err is not None and c_err.code == "BadRequestError"
            d_err = result.detail(result.row_of("d")).error
            assert d_err is not None and (d_err.code, d_err.message) == ("http_500", "engine dead")


def test_unexpected_and_duplicate_answers(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request(c) for c in ("a", "b", "c")])
    out = write_lines(tmp_path / "out.jsonl", [ok("a"), ok("zzz"), ok("b"), ok("b")])
    # "a" also failed in the error file: the success is shown, the failure kept as other
    err = write_lines(tmp_path / "err.jsonl", [rate_limited("a", 5), expired("zzz")])
    with join(inp, out, err) as result:
        c = result.counts()
        assert c["unexpected"] == 1 and c["duplicates"] == 3 and c["missing"] == 1
        assert c["succeeded"] == 2 and c["failed"] == 0  # the 429 on "a" lost to its success
        assert result.failures_by_code() == {}
        a = result.detail(result.row_of("a"))
        assert a.klass == RequestClass.SUCCEEDED and a.flags & Flag.DUPLICATE
        assert a.result is not None and a.result.source == Source.OUTPUT
        assert [(o.source, o.line) for o in a.other_answers] == [(Source.ERRORS, 0)]
        assert b"rate_limit_exceeded" in result.answer_bytes(a.other_answers[0])
        z = result.row_of("zzz")
        assert z == 3 and result.klass(z) == RequestClass.UNEXPECTED
        assert result.input_line(z) is None and result.detail(z).input_bytes is None
        # the verdict does not depend on which answer came first
    err2 = write_lines(tmp_path / "err2.jsonl", [rate_limited("a", 5)])
    out2 = write_lines(tmp_path / "out2.jsonl", [ok("b"), ok("a")])
    with join(inp, out2, err2) as result:
        assert result.klass(result.row_of("a")) == RequestClass.SUCCEEDED


def test_repeated_input_ids_pair_with_answers_in_order(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request("x", "one"), request("x", "two")])
    out = write_lines(tmp_path / "out.jsonl", [ok("x")])
    with join(inp, out) as result:
        assert result.row_count == 2
        assert result.counts()["duplicate_inputs"] == 2
        assert [result.klass(r) for r in (0, 1)] == [RequestClass.SUCCEEDED, RequestClass.MISSING]
    out = write_lines(tmp_path / "out.jsonl", [ok("x"), expired("x")])
    with join(inp, out) as result:
        assert [result.klass(r) for r in (0, 1)] == [RequestClass.SUCCEEDED, RequestClass.EXPIRED]
        assert result.counts()["duplicates"] == 0


def test_broken_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    inp = write_lines(
        tmp_path / "in.jsonl",
        [
            request("a"),
            b'{"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": {',
            b'{"method": "POST"}',
            b"",
            b"   ",
            request("c"),
        ],
    )
    out = write_lines(
        tmp_path / "out.jsonl",
        [
            ok("a"),
            b'{"custom_id": "c", "response": ',
            b"[1, 2]",
            b'{"custom_id": 7, "response": null, "error": {"code": "x", "message": "y"}}',
            b'{"id": "q", "response": null}',
            # invalid UTF-8 inside a string: used, with a note
            dumps(ok("c")).replace(b"fine", b"fi\xffne"),
        ],
    )
    with join(inp, out) as result:
        problems = {(p.source, p.line): p for p in result.problems}
        assert problems[(Source.INPUT, 1)].message.startswith("not valid JSON")
        assert problems[(Source.INPUT, 2)].message == "no custom_id"
        assert problems[(Source.OUTPUT, 1)].message.startswith("not valid JSON")
        assert problems[(Source.OUTPUT, 2)].message == "not a JSON object"
        assert problems[(Source.OUTPUT, 3)].message == "custom_id is not a string (int)"
        assert problems[(Source.OUTPUT, 4)].message == "no custom_id"
        assert not problems[(Source.OUTPUT, 5)].skipped
        assert result.counts()["broken_lines"] == 6
        assert result.blank_lines == 2
        assert result.row_count == 2  # a and c
        assert result.counts()["succeeded"] == 2
        assert problems[(Source.OUTPUT, 1)].describe(str(out)).startswith(f"{out}:2: ")


def test_crlf_bom_and_no_final_newline(tmp_path: Path) -> None:
    data = (
        b"\xef\xbb\xbf"
        + dumps(request("a"))
        + b"\r\n\r\n"
        + dumps(request("b"))
        + b"\r\n"
        + dumps(request("c"))
    )
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(data)
    out = write_lines(tmp_path / "out.jsonl", [ok("a"), ok("c")], b"\r\n")
    with join(inp, out) as result:
        assert [result.custom_id(r) for r in range(3)] == ["a", "b", "c"]
        assert [result.input_line(r) for r in range(3)] == [0, 2, 3]
        assert result.counts()["missing"] == 1
        assert result.problems == []


def test_responses_and_embeddings_bodies(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request(c) for c in "abcdef"])

    def resp(cid: str, status: str, output: list, reason: str | None = None) -> dict:
        body = {"object": "response", "status": status, "output": output}
        if reason:
            body["incomplete_details"] = {"reason": reason}
        return ok(cid, body)

    text = [{"type": "message", "content": [{"type": "output_text", "text": "ok"}]}]
    out = write_lines(
        tmp_path / "out.jsonl",
        [
            resp("a", "completed", text),
            resp("b", "incomplete", [{"type": "reasoning"}], "max_output_tokens"),
            resp("c", "completed", [{"type": "message", "content": [{"type": "refusal"}]}]),
            resp("d", "completed", [{"type": "function_call", "name": "f"}]),
            ok("e", {"object": "list", "data": [{"embedding": [0.1] * 8}]}),
            ok("f", {"object": "list", "data": [{"embedding": "AAAAAAAAAAA="}]}),
        ],
    )
    with join(inp, out) as result:
        flags = {result.custom_id(r): result.flags(r) for r in range(result.row_count)}
        assert flags["a"] == Flag.NONE
        assert flags["b"] == Flag.TRUNCATED | Flag.EMPTY
        assert flags["c"] == Flag.REFUSAL
        assert flags["d"] == Flag.NONE
        assert flags["e"] == Flag.NONE
        detail = result.detail(result.row_of("a"))
        assert detail.outcome is not None and detail.outcome.content == "ok"
        assert result.detail(result.row_of("e")).outcome.embedding_dims == 8
        assert result.detail(result.row_of("f")).outcome.embedding_dims == 2
        assert result.detail(result.row_of("b")).outcome.finish_reason == "max_output_tokens"


def test_detail_and_stepping_through_failures(tmp_path: Path) -> None:
    kinds = ["ok", "expired", "ok", "truncated", "ok", "missing", "ok"]
    inp, out, err, _ = build_set(tmp_path, kinds, shuffle_seed=1)
    with join(inp, out, err) as result:
        assert list(result.problem_rows()) == [1, 3, 5]
        assert list(result.problem_rows(soft=False)) == [1, 5]
        assert result.next_failure(None) == 1
        assert result.next_failure(1) == 3
        assert result.next_failure(5) == 1  # wraps
        assert result.next_failure(5, wrap=False) is None
        assert result.next_failure(0, backward=True) == 5
        assert result.next_failure(3, backward=True) == 1
        assert result.next_failure(2, soft=False) == 5
        assert result.next_failure(0, within=result.rows([RequestClass.MISSING])) == 5
        d = result.detail(1, cap=40)
        assert d.custom_id == "req-00001" and d.klass == RequestClass.EXPIRED
        assert d.input_line == 1 and d.input_bytes is not None and len(d.input_bytes) == 40
        assert d.result is not None and d.result.source == Source.ERRORS
        assert d.error is not None and d.error.code == "batch_expired"
        assert d.result_bytes == (err.read_bytes().split(b"\n")[d.result.line])[:40]
        missing = result.detail(5)
        assert missing.result is None and missing.outcome is None
        assert missing.input_bytes == inp.read_bytes().split(b"\n")[5]


def test_rows_filters_combine(tmp_path: Path) -> None:
    inp, out, err, by_id = build_set(tmp_path, LAYOUT)
    with join(inp, out, err) as result:
        assert len(result.rows()) == len(LAYOUT)
        truncated = result.rows(flags=Flag.TRUNCATED)
        assert {by_id[result.custom_id(r)] for r in truncated} == {"truncated"}
        both = result.rows([RequestClass.SUCCEEDED], flags=Flag.REFUSAL | Flag.EMPTY)
        assert {by_id[result.custom_id(r)] for r in both} == {"refusal", "empty"}
        assert list(both) == sorted(both)
        assert result.rows([RequestClass.UNEXPECTED]).tolist() == []


def test_progress_is_monotone_and_cancel_stops(tmp_path: Path) -> None:
    inp, out, err, _ = build_set(tmp_path, ["ok"] * 3000 + ["expired"] * 100)
    seen = []
    with join(inp, out, err, progress=seen.append) as result:
        assert result.counts()["succeeded"] == 3000
    dones = [p.done for p in seen]
    assert dones == sorted(dones)
    assert seen[-1].done == seen[-1].total == 2 * sum(p.stat().st_size for p in (inp, out, err))
    assert {p.phase for p in seen} >= {"indexing input", "reading input", "reading output"}

    calls = 0

    def cancel_later() -> bool:
        nonlocal calls
        calls += 1
        return calls > 4

    with pytest.raises(JoinCancelled):
        join(inp, out, err, cancelled=cancel_later)


def test_an_open_line_index_is_reused_and_not_closed(tmp_path: Path) -> None:
    inp, out, err, _ = build_set(tmp_path, ["ok", "expired"])
    ix = LineIndex(inp)  # e.g. the browser's, not scanned yet
    with join(ix, out, err) as result:
        assert result.input_index is ix
        assert result.counts()["succeeded"] == 1
    assert ix.line(0).startswith(b'{"custom_id"')  # still open


def test_a_file_that_shrinks_under_the_join_is_an_error(tmp_path: Path) -> None:
    inp, out, err, _ = build_set(tmp_path, ["ok"] * 20)
    ix = LineIndex(out)
    ix.scan()
    out.write_bytes(out.read_bytes()[:100])  # truncated after indexing, before reading
    with pytest.raises(UserError, match="changed while it was being read"):
        join(inp, ix, err)


def test_odd_but_valid_result_lines(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request(c) for c in "abcde"])
    out = write_lines(
        tmp_path / "out.jsonl",
        [
            {"custom_id": "a", "response": None, "error": None},  # neither
            {  # 200 whose body is only an error (a proxy)
                "custom_id": "b",
                "response": {"status_code": 200, "body": {"error": {"message": "boom"}}},
                "error": None,
            },
            {"custom_id": "c", "response": {"status_code": 503, "body": None}, "error": None},
            plain_error("d", "", "no code here"),
            {"custom_id": "e", "response": {"status_code": 200, "body": "text"}, "error": None},
        ],
    )
    with join(inp, out) as result:
        codes = {result.custom_id(r): (result.klass(r), result.detail(r).error) for r in range(5)}
        assert codes["a"][0] == RequestClass.FAILED and codes["a"][1].code == "no_result"
        assert codes["b"][0] == RequestClass.FAILED and codes["b"][1].message == "boom"
        assert codes["c"][0] == RequestClass.FAILED_HTTP and codes["c"][1].code == "http_503"
        assert codes["d"][0] == RequestClass.FAILED and codes["d"][1].code == "unknown_error"
        assert codes["e"][0] == RequestClass.SUCCEEDED
        assert result.flags(result.row_of("e")) & Flag.EMPTY


def test_answers_of_the_wrong_shape_do_not_stop_the_join(tmp_path: Path) -> None:
    """A Responses body whose output (or a message's content) is not a list used to raise
    TypeError in the join, and the results view said "Could not join the files"."""
    out = write_lines(
        tmp_path / "out.jsonl",
        [
            ok("a", {"object": "response", "status": "completed", "output": 5}),
            ok("b", {"object": "response", "output": [{"type": "message", "content": 7}]}),
        ],
    )
    with join(None, out) as result:
        assert result.row_count == 2
        assert all(result.flags(r) & Flag.EMPTY for r in range(2))


def test_flag_names_cover_every_flag() -> None:
    assert set(FLAG_NAMES) == {f for f in Flag if f}


kinds_strategy = st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=40)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(kinds=kinds_strategy, seed=st.integers(0, 2**16))
def test_shuffled_result_order_gives_the_same_classification(
    tmp_path_factory: pytest.TempPathFactory, kinds: list[str], seed: int
) -> None:
    base = tmp_path_factory.mktemp("ordered")
    shuffled = tmp_path_factory.mktemp("shuffled")
    verdicts = []
    for tmp, shuffle in ((base, None), (shuffled, seed)):
        inp, out, err, by_id = build_set(tmp, kinds, shuffle_seed=shuffle)
        with join(inp, out, err) as result:
            verdicts.append(
                (
                    [
                        (result.custom_id(r), result.klass(r), result.flags(r))
                        for r in range(result.row_count)
                    ],
                    result.counts(),
                    sorted((g.code, g.pattern, g.count) for g in result.histogram()),
                    result.usage(),
                )
            )
            for cid, kind in by_id.items():
                assert result.klass(result.row_of(cid)).name == KINDS[kind][1]
    assert verdicts[0] == verdicts[1]
