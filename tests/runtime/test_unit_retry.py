"""The retry policy and the reading of `Retry-After`, imported from the runtime's source (no server needed)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from netmera_codegen.runtime._retry import (
    DEFAULT_RETRY_POLICY,
    NO_RETRIES,
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    policy = RetryPolicy(max_attempts=10, initial_delay=1.0, max_delay=8.0, total_timeout=1000.0, jitter=0.5)
    rng = random.Random(7)
    for attempts, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (9, 8.0)]:
        for _ in range(50):
            delay = policy.delay_before_retry(attempts, elapsed=0.0, rng=rng)
            assert delay is not None and ceiling / 2 <= delay <= ceiling
    assert policy.delay_before_retry(10, elapsed=0.0) is None  # out of attempts
    assert policy.delay_before_retry(1, elapsed=999.5) is None  # out of time
    assert policy.delay_before_retry(1, elapsed=0.0, retry_after=30.0) == 30.0


def test_without_jitter_the_waits_are_exact() -> None:
    policy = RetryPolicy(max_attempts=4, initial_delay=0.25, max_delay=0.6, total_timeout=10.0, jitter=0.0)
    assert [policy.delay_before_retry(attempts, elapsed=0.0) for attempts in (1, 2, 3, 4)] == [0.25, 0.5, 0.6, None]


def test_a_retry_after_beyond_the_budget_gives_up_instead_of_waiting() -> None:
    policy = RetryPolicy(total_timeout=5.0, jitter=0.0)
    assert policy.delay_before_retry(1, elapsed=1.0, retry_after=3.9) == 3.9
    assert policy.delay_before_retry(1, elapsed=1.0, retry_after=4.1) is None


def test_the_named_policies() -> None:
    assert NO_RETRIES.delay_before_retry(1, elapsed=0.0) is None
    assert (DEFAULT_RETRY_POLICY.max_attempts, DEFAULT_RETRY_POLICY.total_timeout) == (5, 30.0)


@pytest.mark.parametrize(
    "arguments",
    [{"max_attempts": 0}, {"jitter": 2.0}, {"jitter": -0.1}, {"initial_delay": -1.0}, {"total_timeout": -1.0}],
)
def test_policies_refuse_nonsense(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**arguments)  # type: ignore[arg-type]


def test_retry_after_values() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    seconds = parse_retry_after(later)
    assert seconds is not None and 25 <= seconds <= 31
    earlier = format_datetime(datetime.now(timezone.utc) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(earlier) == 0.0


def test_retryable_statuses() -> None:
    statuses = (200, 400, 403, 404, 408, 413, 429, 500, 503, 599)
    assert [status for status in statuses if is_retryable_status(status)] == [408, 429, 500, 503, 599]
