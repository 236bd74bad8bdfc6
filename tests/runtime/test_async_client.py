"""The asyncio client behaves like the sync one: errors, retries, validation, closing, concurrent calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from netmera_events import (
    AsyncNetmeraClient,
    EventsRejectedError,
    EventValidationError,
    NetmeraAPIError,
    NetmeraAuthError,
)
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, SEED_BODY, many_events, number_of, seed_events

T = TypeVar("T")


def run(fake: FakeNetmera, body: Callable[[AsyncNetmeraClient], Awaitable[T]], api_key: str = API_KEY) -> T:
    async def main() -> T:
        async with AsyncNetmeraClient(api_key, base_url=fake.url, retry=FAST_RETRY, timeout=5.0) as client:
            return await body(client)

    return asyncio.run(main())


def test_two_server_errors_then_success_deliver_once(fake: FakeNetmera) -> None:
    fake.script(503, 500)
    result = run(fake, lambda client: client.fire(*seed_events()))
    assert (result.sent, result.requests, result.retried) == (2, 3, 4)
    assert fake.events == SEED_BODY


def test_event_not_found_surfaces_with_both_numbers(fake: FakeNetmera) -> None:
    fake.script(Fault.respond(400, code=5028, message="Event not found"))
    with pytest.raises(EventsRejectedError) as caught:
        run(fake, lambda client: client.fire(seed_events()[0]))
    assert (caught.value.status_code, caught.value.code) == (400, 5028)
    assert API_KEY not in str(caught.value) + repr(caught.value)
    assert len(fake.requests) == 1


def test_a_wrong_key_is_not_retried(fake: FakeNetmera) -> None:
    with pytest.raises(NetmeraAuthError):
        run(fake, lambda client: client.fire(*seed_events()), api_key="wrong")
    assert len(fake.requests) == 1


def test_dropped_connections_and_slow_answers_are_retried(fake: FakeNetmera) -> None:
    fake.script(Fault.drop(), Fault.delay(0.4))

    async def body(client: AsyncNetmeraClient) -> int:
        async with AsyncNetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=0.2) as quick:
            return (await quick.fire(*seed_events())).sent

    assert run(fake, body) == 2
    assert fake.wait_for_events(4, timeout=5)  # the slow attempt was recorded too: a counted duplicate


def test_raw_payloads_are_validated_first(fake: FakeNetmera) -> None:
    with pytest.raises(EventValidationError, match="unknown event"):
        run(fake, lambda client: client.fire_payloads({"extId": "u", "name": "NoSuchEvent"}))
    assert fake.requests == []
    assert run(fake, lambda client: client.fire_payloads(*SEED_BODY)).sent == 2


def test_concurrent_calls_all_arrive(fake: FakeNetmera) -> None:
    events = many_events(3000, users=3000)

    async def body(client: AsyncNetmeraClient) -> int:
        results = await asyncio.gather(*(client.fire(*events[start : start + 500]) for start in range(0, 3000, 500)))
        return sum(result.sent for result in results)

    assert run(fake, body) == 3000
    assert sorted(number_of(event) for event in fake.events) == list(range(3000))


def test_closing(fake: FakeNetmera) -> None:
    async def main() -> None:
        client = AsyncNetmeraClient(API_KEY, base_url=fake.url)
        assert "AsyncNetmeraClient(base_url='http://127.0.0.1:" in repr(client)
        await client.close()  # the same as aclose()
        await client.aclose()
        assert client.closed
        with pytest.raises(RuntimeError, match="closed"):
            await client.fire(seed_events()[0])

    asyncio.run(main())


def test_other_errors_keep_their_class(fake: FakeNetmera) -> None:
    fake.script(Fault.respond(404, body="no such route", content_type="text/plain"))
    with pytest.raises(NetmeraAPIError) as caught:
        run(fake, lambda client: client.fire(seed_events()[0]))
    assert (caught.value.status_code, caught.value.code, caught.value.message) == (404, None, "no such route")
