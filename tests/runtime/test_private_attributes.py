"""Private attributes on the sending side: the value is sent, but appears in no log line (DEBUG included), no
exception, no repr of what the runtime reports (RejectedEvent, UndeliveredEvent) and no dead-letter listing, even
when Netmera's error message quotes it."""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from netmera_events import (
    BackgroundSender,
    EventsRejectedError,
    NetmeraAPIError,
    NetmeraClient,
    NetmeraError,
    OutboxSender,
    ShareEvent,
    UndeliveredEvent,
)
from netmera_events.testing import FakeNetmera, Fault
from support import GENERATED

from .conftest import API_KEY, FAST_RETRY

SECRET = "SECRET-CHANNEL-7"


@pytest.fixture(autouse=True)
def channel_is_private(monkeypatch: pytest.MonkeyPatch) -> None:
    # As if the schema marked ShareEvent.channel `x-netmera-private: true`.
    monkeypatch.setattr(ShareEvent, "PRIVATE_ATTRIBUTES", frozenset({"channel"}), raising=False)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    yield caplog
    assert SECRET not in caplog.text
    for record in caplog.records:
        if record.exc_info:
            assert SECRET not in "".join(traceback.format_exception(*record.exc_info))


def refusal_quoting_the_value() -> Fault:
    return Fault.respond(400, code=2004, message=f"Field type mismatch: channel {SECRET} is not allowed")


def secret_share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number}", item_id=str(number), channel=SECRET)


def shown(error: BaseException) -> str:
    return str(error) + repr(error) + "".join(traceback.format_exception(error))


def test_a_refused_private_value_is_masked_in_the_exception(fake: FakeNetmera, debug_logs: object) -> None:
    fake.script(refusal_quoting_the_value())
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        pytest.raises(EventsRejectedError) as caught,
    ):
        client.fire(secret_share(1))
    error = caught.value
    assert SECRET not in shown(error) and SECRET not in repr(error.rejected)
    assert "<private>" in error.rejected[0].message
    assert SECRET.encode() in error.rejected[0].payload  # kept for a dead-letter store, out of every repr


def test_a_request_level_refusal_is_masked_too(fake: FakeNetmera, debug_logs: object) -> None:
    fake.script(refusal_quoting_the_value())
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, isolate_rejected=False) as client,
        pytest.raises(NetmeraAPIError) as caught,
    ):
        client.fire(secret_share(1), secret_share(2))
    assert SECRET not in shown(caught.value)


def test_the_value_is_still_sent(fake: FakeNetmera, debug_logs: object) -> None:
    with NetmeraClient(API_KEY, base_url=fake.url) as client:
        client.fire(secret_share(1))
    assert fake.events[0]["channel"] == SECRET


def test_background_sender_reports_without_the_value(fake: FakeNetmera, debug_logs: object) -> None:
    fake.script(refusal_quoting_the_value())
    errors: list[tuple[NetmeraError, list[UndeliveredEvent]]] = []
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        BackgroundSender(client, flush_interval=0.01, on_error=lambda e, ev: errors.append((e, list(ev)))) as s,
    ):
        s.enqueue(secret_share(1))
        assert s.flush(timeout=5)
    [(error, events)] = errors
    assert SECRET not in shown(error) and SECRET not in repr(events)


def test_outbox_dead_letters_and_their_listing_hide_the_value(
    fake: FakeNetmera, tmp_path: Path, debug_logs: object
) -> None:
    path = tmp_path / "outbox.sqlite3"
    fake.script(refusal_quoting_the_value())
    errors: list[tuple[NetmeraError, list[UndeliveredEvent]]] = []
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        OutboxSender(client, path, on_error=lambda e, ev: errors.append((e, list(ev)))) as sender,
    ):
        sender.enqueue(secret_share(1))
        assert sender.flush(timeout=5)
        assert SECRET not in repr(sender) + repr(sender.stats)
    [(error, events)] = errors
    assert SECRET not in shown(error) and SECRET not in repr(events)
    listing = subprocess.run(
        [sys.executable, "-c", COMMAND, "stats", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(GENERATED)},
        check=True,
    ).stdout
    assert "ShareEvent" in listing and "<private>" in listing and "Field type mismatch" in listing
    assert SECRET not in listing


# The command in a fresh interpreter, with the attribute marked private there too.
COMMAND = """
import sys
from netmera_events import ShareEvent
from netmera_events.outbox import main
ShareEvent.PRIVATE_ATTRIBUTES = frozenset({"channel"})
sys.exit(main(sys.argv[1:]))
"""
