"""Retries: connection errors, timeouts, 5xx, 408 and 429 only, with backoff, jitter, a cap and a budget."""

from __future__ import annotations

import time

import pytest
from netmera_events import (
    NO_RETRIES,
    NetmeraAPIError,
    NetmeraClient,
    NetmeraRateLimitError,
    NetmeraServerError,
    RetryPolicy,
)
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
