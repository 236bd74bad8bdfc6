"""Error answers become exceptions carrying the HTTP status, Netmera's code and message; 400 and 403 are final."""

from __future__ import annotations

import pytest
from netmera_events import (
    EventsRejectedError,
    NetmeraAPIError,
    NetmeraAuthError,
    NetmeraClient,
    NetmeraConnectionError,
    NetmeraServerError,
)
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, seed_events


def test_event_not_found_surfaces_with_both_numbers_and_without_the_key(
    fake: FakeNetmera, client: NetmeraClient
) -> None:
    fake.script(Fault.respond(400, code=5028, message="Event not found"))
    with pytest.raises(NetmeraAPIError) as caught:
        client.fire(seed_events()[0])
    error = caught.value
    assert isinstance(error, EventsRejectedError)
    assert (error.status_code, error.code, error.message) == (400, 5028, "Event not found")
    for text in (str(error), repr(error)):
        assert "400" in text and "5028" in text
        assert API_KEY not in text
    assert error.result is not None and (error.result.sent, error.result.requests) == (0, 1)
    assert len(fake.requests) == 1  # a 400 is never retried


def test_a_wrong_key_is_an_auth_error_and_is_not_retried(fake: FakeNetmera) -> None:
    with (
        NetmeraClient("not-the-key", base_url=fake.url, retry=FAST_RETRY) as client,
        pytest.raises(NetmeraAuthError) as caught,
    ):
        client.fire(*seed_events())
    assert (caught.value.status_code, caught.value.code) == (403, 2010)
    assert "not-the-key" not in str(caught.value) + repr(caught.value)
    assert len(fake.requests) == 1
    assert caught.value.result is not None and caught.value.result.unsent == (0, 1)


def test_a_403_with_a_batch_is_not_split_either(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(Fault.respond(403, code=2021, message="IP not allowed"))
    with pytest.raises(NetmeraAuthError) as caught:
        client.fire(*seed_events())
    assert caught.value.code == 2021
    assert len(fake.requests) == 1


def test_server_errors_that_outlast_the_retries_are_raised(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(*[503] * FAST_RETRY.max_attempts)
    with pytest.raises(NetmeraServerError) as caught:
        client.fire(*seed_events())
    assert (caught.value.status_code, caught.value.code, caught.value.attempts) == (503, 2001, FAST_RETRY.max_attempts)
    assert caught.value.result is not None
    assert caught.value.result.requests == FAST_RETRY.max_attempts
    assert caught.value.result.unsent == (0, 1)
    assert fake.events == []


def test_an_unreachable_host_is_a_connection_error() -> None:
    with FakeNetmera(API_KEY) as fake:
        url = fake.url  # a port that was free a moment ago and is closed now
    with (
        NetmeraClient(API_KEY, base_url=url, retry=FAST_RETRY) as client,
        pytest.raises(NetmeraConnectionError) as caught,
    ):
        client.fire(seed_events()[0])
    assert caught.value.attempts == FAST_RETRY.max_attempts
    assert "ConnectError" in str(caught.value)
    assert caught.value.result is not None and caught.value.result.retried == 0  # nothing reached a server


def test_a_server_echoing_the_key_is_redacted(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(Fault.respond(403, code=2010, message=f"Invalid API key {API_KEY}"))
    with pytest.raises(NetmeraAuthError) as caught:
        client.fire(seed_events()[0])
    assert API_KEY not in str(caught.value)
    assert "********" in caught.value.message
