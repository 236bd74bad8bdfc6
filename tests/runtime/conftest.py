"""Fixtures for the runtime tests: a FakeNetmera over real sockets, clients pointed at it, and seed events.

Every test talks HTTP to a server on 127.0.0.1; nothing is mocked. Retries are made fast (milliseconds) so
that failure scenarios run quickly; the production defaults are tested separately.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from netmera_events import NetmeraClient, OrderCancelEvent, RetryPolicy, ShareEvent
from netmera_events.testing import FakeNetmera

API_KEY = "test-key-0123456789abcdef"

#: Retries in milliseconds, so that failure scenarios stay fast.
FAST_RETRY = RetryPolicy(max_attempts=6, initial_delay=0.005, max_delay=0.05, total_timeout=10.0)

SEED_BODY: list[dict[str, Any]] = [
    {"extId": "id_in_my_system_1", "name": "ShareEvent", "itemId": "4234", "channel": "Facebook"},
    {
        "extId": "id_in_my_system_1",
        "name": "OrderCancelEvent",
        "paymentMethod": "Credit Card",
        "subTotal": 20.0,
        "itemCount": 4,
        "grandTotal": 35.0,
    },
]

#: The seed body as this runtime serialises it: compact JSON, keys in to_payload() order.
SEED_BYTES = (
    b'[{"extId":"id_in_my_system_1","name":"ShareEvent","itemId":"4234","channel":"Facebook"},'
    b'{"extId":"id_in_my_system_1","name":"OrderCancelEvent","paymentMethod":"Credit Card",'
    b'"subTotal":20.0,"itemCount":4,"grandTotal":35.0}]'
)


def seed_events() -> list[ShareEvent | OrderCancelEvent]:
    return [
        ShareEvent(ext_id="id_in_my_system_1", item_id="4234", channel="Facebook"),
        OrderCancelEvent(
            ext_id="id_in_my_system_1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.0
        ),
    ]


def many_events(count: int, users: int, prefix: str = "user") -> list[ShareEvent | OrderCancelEvent]:
    """``count`` events spread round-robin over ``users`` extIds; item ids number them so order can be checked."""
    events: list[ShareEvent | OrderCancelEvent] = []
    for number in range(count):
        ext_id = f"{prefix}-{number % users}"
        if number % 2:
            events.append(ShareEvent(ext_id=ext_id, item_id=str(number), channel="Facebook"))
        else:
            events.append(
                OrderCancelEvent(
                    ext_id=ext_id, payment_method="Card", sub_total=1.5, item_count=number, grand_total=2.5
                )
            )
    return events


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``condition`` until it holds; fail the test if it does not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for a condition"
        time.sleep(0.005)


@contextlib.contextmanager
def store_held_by_another_thread(sender: Any) -> Iterator[threading.Event]:
    """Another thread of this process inside ``sender``'s store, as its worker is in the middle of a claim, until
    the yielded event is set (at the latest when the block ends)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with sender._store._lock:
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join()


def number_of(event: dict[str, Any]) -> int:
    """The position a many_events() event was created at."""
    return int(event["itemId"]) if event["name"] == "ShareEvent" else int(event["itemCount"])


@pytest.fixture
def fake() -> Iterator[FakeNetmera]:
    with FakeNetmera(API_KEY) as server:
        yield server


@pytest.fixture
def client(fake: FakeNetmera) -> Iterator[NetmeraClient]:
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=5.0) as netmera:
        yield netmera


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """An outbox file of the test's own (not created yet)."""
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def outbox_client(fake: FakeNetmera) -> Iterator[NetmeraClient]:
    """A client for outbox senders, with a shorter timeout than `client`."""
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=2.0) as netmera:
        yield netmera
