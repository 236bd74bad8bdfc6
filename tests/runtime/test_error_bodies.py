"""Whatever a server puts in an error answer, `fire()` raises a Netmera exception carrying the status (never a
RecursionError, a ValueError or a MemoryError), reading at most a capped number of bytes; and `fire_payloads`
refuses values that passed `validate()` as numbers but would not be sent as numbers."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from netmera_events import (
    AsyncNetmeraClient,
    EventEncodingError,
    NetmeraAPIError,
    NetmeraClient,
    NetmeraServerError,
    ShareEvent,
)
from netmera_events._errors import parse_error_body
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY

EVENT = ShareEvent(ext_id="user-1", item_id="1", channel="Mail")

BODIES = {
    "deep-array": b"[" * 100_000 + b"]" * 100_000,
    "deep-object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "deep-error": b'{"code": 2009, "error": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "superscript-code": '{"code": "²", "error": "x"}'.encode(),
    "long-code": b'{"code": "' + b"9" * 5000 + b'", "error": "x"}',
    "huge-int-code": b'{"code": ' + b"9" * 5000 + b', "error": "x"}',
    "object-message": b'{"code": 2004, "error": {"field": ["a", {"b": null}]}}',
    "non-utf8": b'{"code": 2009, "error": "\xff\xfe\xc3("}',
    "latin1-text": "Fehler: ungültig".encode("latin-1"),
    "problem-with-odd-title": b'{"title": 12, "detail": [1, 2]}',
    "huge": b"x" * (20 * 1024 * 1024),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_any_error_body_gives_a_netmera_error_with_the_status(fake: FakeNetmera, name: str) -> None:
    fake.script(Fault.respond(400, body=BODIES[name], content_type="application/json"))
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
        started = time.monotonic()
        with pytest.raises(NetmeraAPIError) as caught:
            client.fire(EVENT)
    assert caught.value.status_code == 400
    assert len(caught.value.message) <= 500
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("name", ["deep-array", "superscript-code", "huge"])
def test_the_async_client_too(fake: FakeNetmera, name: str) -> None:
    fake.script(*[Fault.respond(503, body=BODIES[name])] * FAST_RETRY.max_attempts)

    async def fire() -> None:
        async with AsyncNetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
            await client.fire(EVENT)

    with pytest.raises(NetmeraServerError) as caught:
        asyncio.run(fire())
    assert caught.value.status_code == 503


def test_parsing_is_total() -> None:
    assert parse_error_body(BODIES["superscript-code"]) == (None, "x")
    assert parse_error_body(BODIES["long-code"]) == (None, "x")
    assert parse_error_body(b'{"code": 2004, "error": {"f": 1}}') == (2004, '{"f": 1}')
    code, message = parse_error_body(BODIES["deep-array"][:65536])
    assert code is None and message.endswith("...")


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (Decimal("20.5"), "Decimal at /subTotal"),
        (Fraction(1, 3), "Fraction at /subTotal"),
        (float("nan"), "NaN"),
    ],
)
def test_fire_payloads_refuses_numbers_json_would_not_carry_as_numbers(
    fake: FakeNetmera, value: Any, where: str
) -> None:
    payload = {
        "extId": "u1",
        "name": "OrderCancelEvent",
        "paymentMethod": "Card",
        "subTotal": value,
        "itemCount": 1,
        "grandTotal": 2.0,
    }
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
        with pytest.raises((EventEncodingError, ValueError)) as caught:
            client.fire_payloads(payload)
        assert where in str(caught.value)
    assert fake.requests == []


def test_fire_payloads_refuses_keys_that_are_not_strings(fake: FakeNetmera) -> None:
    payload: dict[Any, Any] = {"extId": "u1", "name": "ShareEvent", "itemId": "1", "channel": "Mail"}
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
        assert client.fire_payloads(payload).sent == 1
        payload[7] = "x"
        with pytest.raises((EventEncodingError, ValueError)):
            client.fire_payloads(payload)
    assert len(fake.requests) == 1
