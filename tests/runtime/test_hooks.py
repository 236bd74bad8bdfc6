"""before_send hooks on the clients and senders: run in order, enrich, redact or drop, a failing hook reported and
its event not sent, the worker unharmed; with no hook set, the hook code is not called at all."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import netmera_events._background
import netmera_events._client
import pytest
from netmera_events import (
    AsyncNetmeraClient,
    BackgroundSender,
    Event,
    NetmeraClient,
    NetmeraError,
    OutboxSender,
    SendHookError,
    ShareEvent,
    UndeliveredEvent,
)
from netmera_events.testing import FakeNetmera

from .conftest import API_KEY, FAST_RETRY


def share(number: int, channel: str = "Facebook") -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number}", item_id=str(number), channel=channel)


def tag(suffix: str) -> Callable[[Event], Event]:
    def hook(event: Event) -> Event:
        assert isinstance(event, ShareEvent)
        return event.replace(channel=event.channel + suffix)

    return hook


def drop_odd(event: Event) -> Event | None:
    assert isinstance(event, ShareEvent)
    return None if int(event.item_id) % 2 else event


def explode(event: Event) -> Event:
    raise ValueError("hook bug")


def test_client_hooks_run_in_order_enrich_and_drop(fake: FakeNetmera) -> None:
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, before_send=[drop_odd, tag("-a"), tag("-b")]) as c:
        result = c.fire(*[share(n) for n in range(4)])
        c.fire_payloads({"extId": "u", "name": "ShareEvent", "itemId": "6", "channel": "Mail"})
    assert result.sent == 2
    assert [(e["itemId"], e["channel"]) for e in fake.events] == [
        ("0", "Facebook-a-b"),
        ("2", "Facebook-a-b"),
        ("6", "Mail-a-b"),
    ]


def test_a_failing_client_hook_sends_nothing_and_names_the_hook(fake: FakeNetmera) -> None:
    with (
        NetmeraClient(API_KEY, base_url=fake.url, before_send=explode) as client,
        pytest.raises(SendHookError, match="explode raised ValueError on ShareEvent") as caught,
    ):
        client.fire(share(1), share(2))
    assert isinstance(caught.value.__cause__, ValueError)
    assert "hook bug" not in str(caught.value)  # the hook's text may quote values; it stays in the cause
    not_an_event: Callable[[Event], object] = lambda event: "not an event"
    with (
        NetmeraClient(API_KEY, base_url=fake.url, before_send=not_an_event) as client,  # type: ignore[arg-type]
        pytest.raises(SendHookError, match="returned str"),
    ):
        client.fire(share(3))
    assert fake.requests == []


def test_async_client_hooks(fake: FakeNetmera) -> None:
    async def run() -> None:
        async with AsyncNetmeraClient(API_KEY, base_url=fake.url, before_send=[drop_odd, tag("!")]) as client:
            await client.fire(share(1), share(2))

    asyncio.run(run())
    assert [e["channel"] for e in fake.events] == ["Facebook!"]


def test_a_failing_hook_in_the_background_sender_is_reported_and_the_worker_goes_on(fake: FakeNetmera) -> None:
    errors: list[tuple[NetmeraError, list[UndeliveredEvent]]] = []

    def sometimes(event: Event) -> Event:
        assert isinstance(event, ShareEvent)
        if event.item_id == "2":
            raise RuntimeError("boom")
        return event

    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        BackgroundSender(
            client, flush_interval=0.01, before_send=sometimes, on_error=lambda e, ev: errors.append((e, list(ev)))
        ) as sender,
    ):
        assert [sender.enqueue(share(n)) for n in range(1, 4)] == [True, False, True]
        assert sender.flush(timeout=5)
    assert [e["itemId"] for e in fake.events] == ["1", "3"]
    [(error, events)] = errors
    assert isinstance(error, SendHookError) and [(u.name, u.reason) for u in events] == [("ShareEvent", "hook")]


def test_outbox_hooks_run_before_anything_is_written(fake: FakeNetmera, tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"

    def redact(event: Event) -> Event:
        return event.replace(channel="redacted")

    with NetmeraClient(API_KEY, base_url=fake.url) as client:
        with OutboxSender(client, path, deliver=False, before_send=[redact]) as sender:
            assert sender.enqueue(share(1, channel="do-not-store"))
            assert sender.enqueue(share(2, channel="do-not-store")) is True
        with OutboxSender(client, path, before_send=drop_odd) as sender:
            assert sender.enqueue(share(3)) is False
            assert sender.flush(timeout=5)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert b"do-not-store" not in path.read_bytes()
    assert [(e["itemId"], e["channel"]) for e in fake.events] == [("1", "redacted"), ("2", "redacted")]


def test_without_hooks_the_hook_code_is_never_called(fake: FakeNetmera, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object) -> None:
        raise AssertionError("hook code ran with no hook set")

    monkeypatch.setattr(netmera_events._client, "run_hooks_all", forbidden)
    monkeypatch.setattr(netmera_events._background, "run_hooks", forbidden)
    with NetmeraClient(API_KEY, base_url=fake.url) as client:
        client.fire(share(1))
        with BackgroundSender(client) as sender:
            sender.enqueue(share(2))
            assert sender.flush(timeout=5)
    assert len(fake.events) == 2
