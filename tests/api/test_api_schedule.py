"""The polling schedule: pure logic, no clock, no I/O."""

from __future__ import annotations

import random

import pytest

from batchtui.api.schedule import PollPolicy, PollSchedule, interval_for, parse_retry_after

POLICY = PollPolicy(fast=5, active=30, idle=300, error_base=5, max_backoff=600, jitter=0)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], 300),
        (["completed", "failed", "expired", "cancelled"], 300),
        (["completed", "in_progress"], 30),
        (["cancelling"], 30),
        (["unknown"], 30),
        (["in_progress", "validating"], 5),
        (["completed", "finalizing"], 5),
    ],
)
def test_interval_follows_the_states(statuses: list[str], expected: float) -> None:
    assert interval_for(statuses, POLICY) == expected


def test_backoff_doubles_caps_and_resets() -> None:
    s = PollSchedule(POLICY)
    assert s.after_success(["in_progress"]) == 30
    assert [s.after_error() for _ in range(7)] == [30, 60, 120, 240, 480, 600, 600]
    assert s.failures == 7
    assert s.after_success(["validating"]) == 5 and s.failures == 0
    assert s.after_error() == 5 and s.after_error() == 10


def test_errors_never_poll_faster_than_normal() -> None:
    s = PollSchedule(POLICY)
    s.after_success([])  # idle: 300 s
    assert s.after_error() == 300


def test_retry_after_is_honoured_but_not_absurd() -> None:
    s = PollSchedule(POLICY)
    s.after_success(["validating"])
    assert s.after_error(retry_after=42) == 42
    assert s.after_error(retry_after=1) == 10, "backoff wins when longer"
    assert s.after_error(retry_after=10**9) == 3600, "capped at max_retry_after"
    assert s.after_error(retry_after=900) == 900, "above max_backoff is still honoured"


def test_jitter_only_lengthens() -> None:
    s = PollSchedule(PollPolicy(jitter=0.1), rng=random.Random(1))
    delays = [s.after_error(retry_after=20) for _ in range(1)]
    assert all(20 <= d <= 22 for d in delays)
    for _ in range(50):
        d = s.after_success(["in_progress"])
        assert 30 <= d <= 33


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-3"}, None),
        ({}, None),
        (None, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2015 07:27:00 GMT"}, 0.0),
    ],
)
def test_parse_retry_after(headers: dict[str, str] | None, expected: float | None) -> None:
    now = 1445412450.0  # 2015-10-21 07:27:30 GMT
    assert parse_retry_after(headers, now=now) == expected
