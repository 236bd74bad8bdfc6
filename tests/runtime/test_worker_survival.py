"""Nothing an event or a callback does stops the background worker: an encoding the sender cannot read back
(a number of 5000 digits, refused by the server), callbacks raising ValueError, SystemExit or KeyboardInterrupt.
Later events are still delivered and flush() returns."""

from __future__ import annotations

from typing import Any

import pytest
from netmera_events import BackgroundSender, NetmeraClient, ShareEvent, UndeliveredEvent
from netmera_events.testing import FakeNetmera

from .conftest import API_KEY, FAST_RETRY, many_events


class HugeNumberEvent(ShareEvent):
    """An event whose JSON holds an integer too long for Python's json to read back (as an unbounded Integer
    attribute could): Netmera, like FakeNetmera, refuses the request."""

    def to_json(self) -> bytes:
        return super().to_json()[:-1] + b',"count":' + b"9" * 5000 + b"}"


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number}", item_id=str(number), channel="Mail")


def test_an_event_the_sender_cannot_read_back_does_not_stop_it(fake: FakeNetmera) -> None:
    failed: list[UndeliveredEvent] = []
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        BackgroundSender(client, on_error=lambda error, events: failed.extend(events)) as sender,
    ):
        sender.enqueue(share(0))
        sender.enqueue(HugeNumberEvent(ext_id="user-x", item_id="x", channel="Mail"))
        sender.enqueue(share(1))
        assert sender.flush(timeout=10)
        for number in range(2, 50):
            sender.enqueue(share(number))
        assert sender.flush(timeout=10)
    assert sorted(int(event["itemId"]) for event in fake.events) == list(range(50))
    assert [(event.name, event.reason) for event in failed] == [("ShareEvent", "rejected")]


@pytest.mark.parametrize("raised", [ValueError, RuntimeError, SystemExit, KeyboardInterrupt, GeneratorExit])
def test_a_raising_callback_does_not_stop_the_worker(fake: FakeNetmera, raised: type[BaseException]) -> None:
    calls: list[Any] = []

    def on_error(error: Any, events: Any) -> None:
        calls.append(error)
        raise raised()

    fake.unknown_events = {"OrderCancelEvent"}
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        BackgroundSender(client, on_error=on_error, on_drop=lambda event: on_error(None, [event])) as sender,
    ):
        for round_ in range(5):
            for event in many_events(10, users=10, prefix=f"r{round_}"):
                sender.enqueue(event)
            assert sender.flush(timeout=10)
        stats = sender.stats
    assert len(calls) == 5  # one refusal report per round, each raising
    assert (stats.sent, stats.failed) == (25, 25)
    assert len(fake.events) == 25


class NotANumberEvent(ShareEvent):
    """An event whose JSON holds NaN as a number (a class that let a non-finite float through)."""

    def to_json(self) -> bytes:
        return super().to_json()[:-1] + b',"ratio":NaN}'


def test_an_event_holding_nan_is_reported_and_the_rest_of_its_batch_delivered(fake: FakeNetmera) -> None:
    failed: list[tuple[Any, list[UndeliveredEvent]]] = []
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        BackgroundSender(client, on_error=lambda error, events: failed.append((error, list(events)))) as sender,
    ):
        sender.enqueue(share(0))
        sender.enqueue(NotANumberEvent(ext_id="user-x", item_id="NaN", channel="Mail"))
        sender.enqueue(share(1))
        assert sender.flush(timeout=10)
        stats = sender.stats
    assert sorted(int(event["itemId"]) for event in fake.events) == [0, 1]
    [(error, events)] = failed
    assert "NaN" in str(error) and [(event.index, event.reason) for event in events] == [(1, "failed")]
    assert (stats.sent, stats.failed) == (2, 1)
