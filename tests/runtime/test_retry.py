"""Retries: connection errors, timeouts, 5xx, 408 and 429 only, with backoff, jitter, a cap and a budget."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from netmera_events import (
    NO_RETRIES,
    NetmeraAPIError,
    NetmeraClient,
    NetmeraRateLimitError,
    NetmeraServerError,
    RetryPolicy,
)
from netmera_events._retry import is_retryable_status, parse_retry_after
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, SEED_BODY, seed_events


def test_two_server_errors_then_success_deliver_once(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(500, 502)
    result = client.fire(*seed_events())
    assert fake.events == SEED_BODY
    assert [request.status_code for request in fake.requests] == [500, 502, 200]
    assert (result.sent, result.requests, result.retried) == (2, 3, 4)


@pytest.mark.parametrize("status", [408, 429, 503, 504])
def test_retryable_statuses_are_retried(fake: FakeNetmera, client: NetmeraClient, status: int) -> None:
    fake.script(status)
    assert client.fire(*seed_events()).sent == 2
    assert len(fake.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_other_statuses_are_not_retried(fake: FakeNetmera, client: NetmeraClient, status: int) -> None:
    fake.script(Fault.respond(status, code=2020))
    with pytest.raises(NetmeraAPIError):
        client.fire(seed_events()[0])
    assert len(fake.requests) == 1


def test_a_dropped_connection_is_retried(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(Fault.drop(), Fault.drop())
    assert client.fire(*seed_events()).sent == 2
    assert fake.events == SEED_BODY


def test_an_answer_slower_than_the_timeout_is_retried_and_may_duplicate(fake: FakeNetmera) -> None:
    fake.script(Fault.delay(0.6))
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=0.2) as client:
        result = client.fire(*seed_events())
    # The slow request was processed too: fireEvents has no idempotency key, and the result says so.
    assert fake.wait_for_events(4, timeout=5)
    assert fake.events == SEED_BODY + SEED_BODY
    assert (result.sent, result.retried) == (2, 2)


def test_retry_after_is_honoured(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(Fault.respond(429, headers={"Retry-After": "0.3"}))
    started = time.monotonic()
    result = client.fire(seed_events()[0])
    assert time.monotonic() - started >= 0.3
    assert len(fake.requests) == 2
    assert result.retried == 0  # a throttled request was not recorded: no possible duplicate


def test_a_retry_after_beyond_the_budget_stops_at_once(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(Fault.respond(429, headers={"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(NetmeraRateLimitError) as caught:
        client.fire(seed_events()[0])
    assert time.monotonic() - started < 1
    assert caught.value.retry_after == 3600
    assert len(fake.requests) == 1


def test_the_time_budget_bounds_retrying(fake: FakeNetmera) -> None:
    fake.fault_hook = lambda number: 500
    policy = RetryPolicy(max_attempts=100, initial_delay=0.05, max_delay=0.05, total_timeout=0.3, jitter=0)
    started = time.monotonic()
    with NetmeraClient(API_KEY, base_url=fake.url, retry=policy) as client, pytest.raises(NetmeraServerError):
        client.fire(seed_events()[0])
    assert time.monotonic() - started < 1.5
    assert 2 <= len(fake.requests) <= 8


def test_no_retries_means_one_attempt(fake: FakeNetmera) -> None:
    fake.script(500)
    with NetmeraClient(API_KEY, base_url=fake.url, retry=NO_RETRIES) as client, pytest.raises(NetmeraServerError):
        client.fire(seed_events()[0])
    assert len(fake.requests) == 1


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


def test_policies_refuse_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=2.0)


def test_retry_after_values() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    seconds = parse_retry_after(later)
    assert seconds is not None and 25 <= seconds <= 31


def test_retryable_statuses() -> None:
    assert [status for status in (200, 400, 403, 404, 408, 429, 500, 503, 599) if is_retryable_status(status)] == [
        408,
        429,
        500,
        503,
        599,
    ]
