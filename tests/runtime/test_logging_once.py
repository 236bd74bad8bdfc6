"""The library leaves logging to the application (a NullHandler on its logger) and reports each failure once,
through the channel the caller chose: fire() raises and does not also log a warning; a BackgroundSender with
on_error does not also log "could not deliver". Without a callback, a loss is still printed, even when the
application configured no logging."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import netmera_events
import pytest
from netmera_events import BackgroundSender, EventsRejectedError, NetmeraAuthError, NetmeraClient
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, many_events

PACKAGE_ROOT = Path(netmera_events.__file__).resolve().parent.parent


def warnings_from_the_package(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("netmera_events") and record.levelno >= logging.WARNING
    ]


def test_the_package_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("netmera_events").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_fire_raises_and_does_not_also_log(fake: FakeNetmera, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.unknown_events = {"ShareEvent"}
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
        with pytest.raises(EventsRejectedError):
            client.fire(*many_events(10, users=10))
        fake.script(Fault.respond(403, code=2010))
        with pytest.raises(NetmeraAuthError):
            client.fire(*many_events(2, users=2))
    assert warnings_from_the_package(caplog) == []


def test_a_sender_with_on_error_does_not_also_log(fake: FakeNetmera, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    heard: list[int] = []
    fake.unknown_events = {"ShareEvent"}
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        BackgroundSender(client, on_error=lambda error, events: heard.append(len(events))) as sender,
    ):
        for event in many_events(10, users=10):
            sender.enqueue(event)
        assert sender.flush(timeout=10)
        fake.script(Fault.respond(403, code=2010))
        sender.enqueue(many_events(1, users=1)[0])
        assert sender.flush(timeout=10)
    assert sum(heard) == 6
    assert warnings_from_the_package(caplog) == []


def test_a_sender_without_on_error_logs_once(fake: FakeNetmera, caplog: pytest.LogCaptureFixture) -> None:
    fake.script(Fault.respond(403, code=2010))
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client, BackgroundSender(client) as sender:
        sender.enqueue(many_events(1, users=1)[0])
        assert sender.flush(timeout=10)
    [message] = warnings_from_the_package(caplog)
    assert message.startswith("could not deliver 1 events")


def run(code: str, fake: FakeNetmera) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT), FAKE_URL=fake.url, NETMERA_API_KEY=API_KEY)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True, text=True, timeout=30, check=False
    )


def test_without_logging_configured_only_losses_are_printed(fake: FakeNetmera) -> None:
    fake.unknown_events = {"ShareEvent"}
    result = run(
        """
        import os
        from netmera_events import BackgroundSender, EventsRejectedError, NetmeraClient, ShareEvent
        client = NetmeraClient(base_url=os.environ["FAKE_URL"])
        event = ShareEvent(ext_id="u", item_id="1", channel="Mail")
        try:
            client.fire(event)
        except EventsRejectedError:
            print("raised")
        with BackgroundSender(client) as sender:
            sender.enqueue(event)
        """,
        fake,
    )
    assert result.stdout == "raised\n"
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Netmera refused 1 events (ShareEvent x1)")
