"""Poison isolation: a batch refused as a whole is split until the refused events stand alone."""

from __future__ import annotations

import asyncio

import pytest
from netmera_events import AsyncNetmeraClient, EventsRejectedError, NetmeraAPIError, NetmeraClient
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, many_events, number_of


def test_refused_events_are_isolated_and_the_rest_delivered(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.unknown_events = {"ShareEvent"}  # deleted from the panel: every ShareEvent is refused with 5028
    events = many_events(16, users=16)
    events = [event for number, event in enumerate(events) if number % 2 == 0 or number in (5, 11)]
    with pytest.raises(EventsRejectedError) as caught:
        client.fire(*events)
    error = caught.value
    assert [(r.index, r.name, r.status_code, r.code) for r in error.rejected] == [
        (3, "ShareEvent", 400, 5028),
        (7, "ShareEvent", 400, 5028),
    ]
    assert error.rejected[0].payload.startswith(b'{"extId":"user-5","name":"ShareEvent"')
    assert sorted(number_of(event) for event in fake.events) == list(range(0, 16, 2))
    assert error.result is not None and error.result.sent == 8
    assert error.result.requests == len(fake.requests) == 13  # 1 + 2 halves, each bisected down to the refused event
    assert "refused 2 of 10 events" in str(error)


def test_a_rejected_event_repr_shows_no_user_data(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.unknown_events = {"ShareEvent"}
    with pytest.raises(EventsRejectedError) as caught:
        client.fire(many_events(2, users=1, prefix="secret-user")[1])
    text = repr(caught.value.rejected) + repr(caught.value.result)
    assert "secret-user" not in text and "Facebook" not in text


def test_schema_drift_in_a_large_call_costs_few_extra_requests(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.unknown_events = {"ShareEvent"}
    events = [event for event in many_events(3000, users=3000) if event.EVENT_NAME == "OrderCancelEvent"]
    events.insert(1234, many_events(2, users=1)[1])
    with pytest.raises(EventsRejectedError) as caught:
        client.fire(*events)
    assert [r.index for r in caught.value.rejected] == [1234]
    assert len(fake.events) == 1500
    assert len(fake.requests) <= 2 + 2 * 10  # two batches, one of them bisected down to one event


def test_account_level_errors_are_not_split(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.script(Fault.respond(400, code=5022, message="Service usage quota exceeded"))
    with pytest.raises(NetmeraAPIError) as caught:
        client.fire(*many_events(10, users=10))
    assert not isinstance(caught.value, EventsRejectedError)
    assert caught.value.code == 5022
    assert len(fake.requests) == 1
    assert caught.value.result is not None and caught.value.result.unsent == tuple(range(10))


def test_isolation_can_be_turned_off(fake: FakeNetmera) -> None:
    fake.unknown_events = {"ShareEvent"}
    with (
        NetmeraClient(API_KEY, base_url=fake.url, isolate_rejected=False) as client,
        pytest.raises(NetmeraAPIError) as caught,
    ):
        client.fire(*many_events(10, users=10))
    assert caught.value.code == 5028 and len(fake.requests) == 1


def test_a_413_splits_the_batch(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.max_body_bytes = 1500
    result = client.fire(*many_events(40, users=40))
    assert result.sent == 40 and len(fake.events) == 40
    assert all(len(request.body) <= 1500 for request in fake.requests if request.status_code == 200)


def test_later_batches_are_still_sent_after_a_refusal(fake: FakeNetmera, client: NetmeraClient) -> None:
    fake.unknown_events = {"ShareEvent"}
    events = [event for event in many_events(5000, users=5000) if event.EVENT_NAME == "OrderCancelEvent"]
    events.insert(0, many_events(2, users=1)[1])
    with pytest.raises(EventsRejectedError) as caught:
        client.fire(*events)
    assert len(fake.events) == 2500 and [r.index for r in caught.value.rejected] == [0]


def test_the_async_client_isolates_too(fake: FakeNetmera) -> None:
    fake.unknown_events = {"ShareEvent"}

    async def main() -> EventsRejectedError:
        async with AsyncNetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
            with pytest.raises(EventsRejectedError) as caught:
                await client.fire(*many_events(8, users=8))
        return caught.value

    error = asyncio.run(main())
    assert [r.index for r in error.rejected] == [1, 3, 5, 7]
    assert len(fake.events) == 4
