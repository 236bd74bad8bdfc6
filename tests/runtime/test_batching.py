"""Batching: at most 1000 distinct extIds and a byte cap per request; order kept; nothing lost."""

from __future__ import annotations

import asyncio
import json
import math

import pytest
from netmera_events import AsyncNetmeraClient, EventEncodingError, NetmeraClient, ShareEvent
from netmera_events._encoding import encode_payload
from netmera_events.testing import FakeNetmera

from .conftest import API_KEY, FAST_RETRY, many_events, number_of


def distinct_ext_ids(body: bytes) -> int:
    return len({item["extId"] for item in json.loads(body)})


def check_whole_and_in_order(fake: FakeNetmera, count: int) -> None:
    assert [number_of(event) for event in fake.events] == list(range(count))
    assert all(distinct_ext_ids(request.body) <= 1000 for request in fake.requests)


def test_2500_events_over_1500_users_arrive_whole(fake: FakeNetmera, client: NetmeraClient) -> None:
    result = client.fire(*many_events(2500, users=1500))
    assert (result.sent, result.requests) == (2500, 3)
    check_whole_and_in_order(fake, 2500)
    assert [distinct_ext_ids(request.body) for request in fake.requests] == [1000, 1000, 500]


def test_the_async_client_batches_the_same_way(fake: FakeNetmera) -> None:
    async def main() -> None:
        async with AsyncNetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
            result = await client.fire(*many_events(2500, users=1500))
        assert (result.sent, result.requests) == (2500, 3)

    asyncio.run(main())
    check_whole_and_in_order(fake, 2500)


def test_many_events_of_few_users_share_a_request(fake: FakeNetmera, client: NetmeraClient) -> None:
    result = client.fire(*many_events(3000, users=10))
    assert (result.sent, result.requests) == (3000, 1)
    check_whole_and_in_order(fake, 3000)


def test_the_byte_cap_splits_requests(fake: FakeNetmera) -> None:
    cap = 4096
    with NetmeraClient(API_KEY, base_url=fake.url, max_request_bytes=cap) as client:
        result = client.fire(*many_events(500, users=500))
    assert result.requests == len(fake.requests) > 1
    assert all(len(request.body) <= cap for request in fake.requests)
    check_whole_and_in_order(fake, 500)


def test_a_lower_ext_id_limit_is_honoured(fake: FakeNetmera) -> None:
    with NetmeraClient(API_KEY, base_url=fake.url, max_ext_ids_per_request=100) as client:
        assert client.fire(*many_events(1000, users=1000)).requests == 10
    assert max(distinct_ext_ids(request.body) for request in fake.requests) == 100


def test_the_client_refuses_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        NetmeraClient(API_KEY, max_ext_ids_per_request=0)


def test_an_event_too_large_for_any_request_is_refused_before_sending(fake: FakeNetmera) -> None:
    with NetmeraClient(API_KEY, base_url=fake.url, max_request_bytes=1024) as client:
        big = ShareEvent(ext_id="u", item_id="x" * 2000, channel="Facebook")
        with pytest.raises(EventEncodingError) as caught:
            client.fire(big)
    assert caught.value.index == 0 and "ShareEvent" in str(caught.value)
    assert fake.requests == []


def test_nan_is_refused_and_the_rest_is_reported(fake: FakeNetmera, client: NetmeraClient) -> None:
    # A typed event refuses NaN when built (tests/generator/test_construction.py); a raw payload passes the
    # schema's number check and is refused by the encoder.
    payloads = [event.to_payload() for event in many_events(2500, users=2500)]
    payloads[2100] = {
        "extId": "u",
        "name": "OrderCancelEvent",
        "paymentMethod": "NaN",
        "subTotal": math.nan,
        "itemCount": 1,
        "grandTotal": 1.0,
    }
    with pytest.raises(EventEncodingError) as caught:
        client.fire_payloads(*payloads)
    assert caught.value.index == 2100
    result = caught.value.result
    assert result is not None and result.sent == 2000
    assert result.unsent == tuple(range(2000, 2500))
    assert len(fake.events) == 2000


def test_strings_mentioning_nan_are_fine(fake: FakeNetmera, client: NetmeraClient) -> None:
    client.fire(ShareEvent(ext_id="NaN", item_id="Infinity", channel="-Infinity NaN"))
    assert fake.events[0]["itemId"] == "Infinity"


def test_infinity_is_refused_when_enqueued_one_by_one() -> None:
    payload = {"extId": "u", "name": "OrderCancelEvent", "subTotal": math.inf}
    with pytest.raises(EventEncodingError):
        encode_payload(payload, 3, 1000)


def test_non_events_are_refused(client: NetmeraClient) -> None:
    with pytest.raises(TypeError, match="fire_payloads"):
        client.fire({"extId": "u", "name": "ShareEvent"})  # type: ignore[arg-type]


def test_nothing_to_send_sends_nothing(fake: FakeNetmera, client: NetmeraClient) -> None:
    result = client.fire()
    assert (result.sent, result.requests, result.ok) == (0, 0, True)
    assert fake.requests == []
