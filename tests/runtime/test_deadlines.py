"""Every request and every batch has an overall deadline: httpx's timeouts apply to each read, so a server that
drip-feeds its answer (a byte every half second) would otherwise hold `fire()` forever. Timeouts that cannot
bound anything (NaN, infinity, negative) are refused when the client is built."""

from __future__ import annotations

import asyncio
import math
import time

import httpx
import pytest
from netmera_events import (
    AsyncNetmeraClient,
    BackgroundSender,
    NetmeraClient,
    NetmeraConnectionError,
    RetryPolicy,
    ShareEvent,
)

from ._raw_server import RawServer, drip

KEY = "deadline-key"
EVENT = ShareEvent(ext_id="user-1", item_id="1", channel="Mail")
#: Generous slack for a loaded machine: without a deadline these calls never return at all.
SLACK = 1.5

DRIP_HEADERS = drip(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n" + b"X-Padding: " + b"a" * 200, 0.5)
DRIP_BODY = drip(b"{" * 300, 0.5, prefix=b"HTTP/1.1 400 Bad Request\r\nContent-Length: 300\r\n\r\n")


def fire_sync(url: str, timeout: float, retry: RetryPolicy) -> BaseException | None:
    with NetmeraClient(KEY, base_url=url, timeout=timeout, retry=retry) as client:
        try:
            client.fire(EVENT)
        except NetmeraConnectionError as error:
            return error
    return None


def fire_async(url: str, timeout: float, retry: RetryPolicy) -> BaseException | None:
    async def fire() -> BaseException | None:
        async with AsyncNetmeraClient(KEY, base_url=url, timeout=timeout, retry=retry) as client:
            try:
                await client.fire(EVENT)
            except NetmeraConnectionError as error:
                return error
        return None

    return asyncio.run(fire())


@pytest.mark.parametrize("fire", [fire_sync, fire_async])
@pytest.mark.parametrize("answer", [DRIP_HEADERS, DRIP_BODY], ids=["headers", "body"])
def test_one_attempt_ends_at_the_request_timeout(fire, answer) -> None:  # type: ignore[no-untyped-def]
    with RawServer(answer) as server:
        started = time.monotonic()
        error = fire(server.url, 1.0, RetryPolicy(max_attempts=1))
        elapsed = time.monotonic() - started
    assert isinstance(error, NetmeraConnectionError) and "ReadTimeout" in str(error)
    assert 0.9 <= elapsed < 1.0 + SLACK


@pytest.mark.parametrize("fire", [fire_sync, fire_async])
def test_retries_end_with_the_total_timeout(fire) -> None:  # type: ignore[no-untyped-def]
    retry = RetryPolicy(max_attempts=100, initial_delay=0.01, max_delay=0.01, total_timeout=2.5)
    with RawServer(DRIP_HEADERS) as server:
        started = time.monotonic()
        error = fire(server.url, 1.0, retry)
        elapsed = time.monotonic() - started
        attempts = server.requests
    assert isinstance(error, NetmeraConnectionError)
    assert 2.4 <= elapsed < 2.5 + SLACK  # the third attempt is cut short by the budget, not by its own timeout
    assert attempts == 3


def test_the_background_sender_is_bounded_too() -> None:
    failures: list[BaseException] = []
    retry = RetryPolicy(max_attempts=1)
    with (
        RawServer(DRIP_HEADERS) as server,
        NetmeraClient(KEY, base_url=server.url, timeout=1.0, retry=retry) as client,
        BackgroundSender(client, on_error=lambda error, events: failures.append(error)) as sender,
    ):
        sender.enqueue(EVENT)
        started = time.monotonic()
        assert sender.flush(timeout=10)
        assert time.monotonic() - started < 1.0 + SLACK
    assert len(failures) == 1 and isinstance(failures[0], NetmeraConnectionError)


BAD_SECONDS = [math.nan, math.inf, -math.inf, -1.0, 0]


@pytest.mark.parametrize("value", BAD_SECONDS)
@pytest.mark.parametrize("cls", [NetmeraClient, AsyncNetmeraClient])
def test_timeouts_that_bound_nothing_are_refused(cls: type, value: float) -> None:
    with pytest.raises(ValueError, match="timeout"):
        cls(KEY, timeout=value)
    with pytest.raises(ValueError, match="timeout"):
        cls(KEY, timeout=httpx.Timeout(5.0, read=value))
    with pytest.raises(TypeError):
        cls(KEY, timeout="5")


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
@pytest.mark.parametrize("name", ["initial_delay", "max_delay", "total_timeout"])
def test_retry_policies_that_bound_nothing_are_refused(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=name):
        RetryPolicy(**{name: value})


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
@pytest.mark.parametrize("name", ["flush_interval", "block_timeout", "exit_timeout"])
def test_sender_timings_that_bound_nothing_are_refused(name: str, value: float) -> None:
    with NetmeraClient(KEY) as client, pytest.raises(ValueError, match=name):
        BackgroundSender(client, **{name: value})


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0])
def test_flush_and_close_timeouts_are_checked(value: float) -> None:
    with NetmeraClient(KEY) as client, BackgroundSender(client) as sender:
        with pytest.raises(ValueError, match="timeout"):
            sender.flush(timeout=value)
        with pytest.raises(ValueError, match="timeout"):
            sender.close(timeout=value)
