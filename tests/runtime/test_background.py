"""The background sender: non-blocking enqueue, batching by size and time, bounded queue, flush and close that
never hang, exit-time flush, fork safety, callbacks that cannot kill the worker, counters."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import netmera_events
import pytest
from netmera_events import (
    BackgroundSender,
    EventValidationError,
    NetmeraAuthError,
    NetmeraClient,
    NetmeraError,
    OverflowPolicy,
    ShareEvent,
    UndeliveredEvent,
)
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, many_events, number_of, wait_until

PACKAGE_ROOT = Path(netmera_events.__file__).resolve().parent.parent


@pytest.fixture
def sender_client(fake: FakeNetmera) -> Iterator[NetmeraClient]:
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=2.0) as client:
        yield client


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number}", item_id=str(number), channel="Facebook")


def test_enqueue_returns_at_once_and_flush_delivers(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    fake.script(Fault.delay(0.5))
    with BackgroundSender(sender_client, flush_interval=0.01) as sender:
        started = time.monotonic()
        assert all(sender.enqueue(event) for event in many_events(100, users=50))
        assert time.monotonic() - started < 0.2
        assert sender.flush(timeout=5)
        stats = sender.stats
    assert [number_of(event) for event in fake.events] == list(range(100))
    assert (stats.enqueued, stats.sent, stats.dropped, stats.failed, stats.queued, stats.in_flight) == (
        100,
        100,
        0,
        0,
        0,
        0,
    )


def test_a_full_batch_goes_without_waiting_for_the_interval(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    with BackgroundSender(sender_client, batch_size=100, flush_interval=60) as sender:
        for event in many_events(250, users=250):
            sender.enqueue(event)
        assert fake.wait_for_events(200, timeout=5)
        assert len(fake.events) == 200  # the last 50 wait for the interval or a flush
        assert sender.flush(timeout=5)
    assert len(fake.events) == 250
    assert [request.accepted for request in fake.requests] == [100, 100, 50]


def test_the_interval_sends_a_partial_batch(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    with BackgroundSender(sender_client, flush_interval=0.05) as sender:
        sender.enqueue(share(1))
        assert fake.wait_for_events(1, timeout=2)


def test_a_full_queue_drops_new_events_and_reports_them(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    dropped: list[UndeliveredEvent] = []
    fake.script(Fault.delay(0.5))  # the first batch holds the worker while the queue fills
    with BackgroundSender(sender_client, max_queue_size=10, batch_size=5, on_drop=dropped.append) as sender:
        sender.enqueue(share(0))
        assert sender.flush(timeout=0.05) is False
        wait_until(lambda: sender.stats.in_flight == 1)  # the worker is now held by the slow request
        accepted = [sender.enqueue(share(number)) for number in range(1, 21)]
        assert accepted == [True] * 10 + [False] * 10
        assert sender.stats.dropped == 10
        assert sender.flush(timeout=5)
    assert [event.index for event in dropped] == list(range(11, 21))
    assert {event.reason for event in dropped} == {"queue_full"}
    assert dropped[0].payload.startswith(b'{"extId":"user-11"')
    assert "user-11" not in repr(dropped[0])
    assert len(fake.events) == 11


def test_the_block_policy_waits_for_room_then_drops(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    fake.script(Fault.delay(0.5))
    with BackgroundSender(
        sender_client, max_queue_size=2, batch_size=1, overflow=OverflowPolicy.BLOCK, block_timeout=0.3
    ) as sender:
        sender.enqueue(share(0))
        sender.flush(timeout=0.05)
        wait_until(lambda: sender.stats.in_flight == 1)  # the worker is now held by the slow request
        assert sender.enqueue(share(1)) and sender.enqueue(share(2))
        started = time.monotonic()
        assert sender.enqueue(share(3)) is False  # still full after block_timeout
        assert time.monotonic() - started >= 0.25
        assert sender.enqueue(share(4)) is True  # room appears when the slow request ends, within block_timeout
        assert sender.flush(timeout=5)
    assert sorted(number_of(event) for event in fake.events) == [0, 1, 2, 4]


def test_flush_and_close_never_hang_on_a_black_hole(fake: FakeNetmera, caplog: pytest.LogCaptureFixture) -> None:
    fake.fault_hook = lambda number: Fault.delay(30)
    dropped: list[UndeliveredEvent] = []
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=10.0) as client:
        sender = BackgroundSender(client, batch_size=10, on_drop=dropped.append)
        for event in many_events(25, users=25):
            sender.enqueue(event)
        started = time.monotonic()
        assert sender.flush(timeout=0.2) is False
        with caplog.at_level(logging.WARNING):
            assert sender.close(timeout=0.3) is False
        assert time.monotonic() - started < 1.5
    # The queued events and the ten being sent: each reported once, through the callback only.
    assert sorted(event.index for event in dropped) == list(range(25))
    assert {event.reason for event in dropped} == {"closed"}
    assert sorted(event.index for event in dropped if event.in_flight) == list(range(10))
    assert caplog.text == ""
    assert sender.stats.dropped == 25


def test_without_on_drop_a_timed_out_close_warns(fake: FakeNetmera, caplog: pytest.LogCaptureFixture) -> None:
    fake.fault_hook = lambda number: Fault.delay(30)
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=10.0) as client:
        sender = BackgroundSender(client, batch_size=10)
        for event in many_events(25, users=25):
            sender.enqueue(event)
        wait_until(lambda: sender.stats.in_flight == 10)
        with caplog.at_level(logging.WARNING):
            assert sender.close(timeout=0.3) is False
    assert "15 events could not be sent before close" in caplog.text
    assert "10 more were still being sent" in caplog.text


def test_enqueue_after_close_drops(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    dropped: list[UndeliveredEvent] = []
    sender = BackgroundSender(sender_client, on_drop=dropped.append)
    assert sender.close() is True
    assert sender.close() is True  # idempotent
    assert sender.enqueue(share(1)) is False
    assert [event.reason for event in dropped] == ["closed"]


def test_a_failing_callback_cannot_kill_the_worker(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    fake.unknown_events = {"ShareEvent"}
    calls: list[tuple[NetmeraError, list[UndeliveredEvent]]] = []

    def on_error(error: NetmeraError, events: Any) -> None:
        calls.append((error, list(events)))
        raise RuntimeError("a bug in the application's callback")

    with BackgroundSender(sender_client, flush_interval=0.01, on_error=on_error) as sender:
        for event in many_events(6, users=6):
            sender.enqueue(event)
            assert sender.flush(timeout=5)  # one batch per event: the callback runs three times
        stats = sender.stats
    assert len(calls) == 3
    assert all(error.code == 5028 for error, _ in calls)  # type: ignore[attr-defined]
    assert [events[0].reason for _, events in calls] == ["rejected"] * 3
    assert (stats.sent, stats.failed) == (3, 3)
    assert len(fake.events) == 3


def test_delivery_failures_reach_on_error(fake: FakeNetmera) -> None:
    calls: list[tuple[NetmeraError, list[UndeliveredEvent]]] = []

    def on_error(error: NetmeraError, events: Any) -> None:
        calls.append((error, list(events)))

    with (
        NetmeraClient("wrong-key", base_url=fake.url, retry=FAST_RETRY) as client,
        BackgroundSender(client, on_error=on_error) as sender,
    ):
        sender.enqueue(share(1))
        sender.enqueue(share(2))
        assert sender.flush(timeout=5)
        assert sender.stats.failed == 2
    [(error, events)] = calls
    assert isinstance(error, NetmeraAuthError) and "wrong-key" not in str(error)
    assert [event.reason for event in events] == ["failed", "failed"]


def test_retries_are_counted(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    fake.script(500, Fault.drop())
    with BackgroundSender(sender_client) as sender:
        for number in range(5):
            sender.enqueue(share(number))
        assert sender.flush(timeout=5)
        assert (sender.stats.sent, sender.stats.retried) == (5, 10)


def test_raw_payloads_are_validated_at_enqueue(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    with BackgroundSender(sender_client) as sender:
        with pytest.raises(EventValidationError):
            sender.enqueue_payload({"extId": "u", "name": "ShareEvent", "itemId": 4})
        assert sender.enqueue_payload({"extId": "u", "name": "ShareEvent", "itemId": "4", "channel": "Mail"})
        with pytest.raises(TypeError):
            sender.enqueue({"extId": "u"})  # type: ignore[arg-type]
        assert sender.flush(timeout=5)
    assert fake.events == [{"extId": "u", "name": "ShareEvent", "itemId": "4", "channel": "Mail"}]


def test_a_sender_without_a_client_builds_and_closes_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETMERA_API_KEY", API_KEY)
    sender = BackgroundSender()
    client = sender._client
    assert API_KEY not in repr(sender)
    sender.close()
    assert client.closed


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_fresh_worker(fake: FakeNetmera, sender_client: NetmeraClient) -> None:
    with BackgroundSender(sender_client, flush_interval=60) as sender:
        sender.enqueue(share(1))
        assert sender.flush(timeout=5)  # the parent's worker thread is running
        sender.enqueue(share(2))  # waits in the parent's queue across the fork
        pid = os.fork()
        if pid == 0:  # the child: only this thread exists here
            code = 1
            try:
                ok = sender.enqueue(share(3)) and sender.flush(timeout=5)
                code = 0 if ok and sender.stats.sent == 1 else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert sender.flush(timeout=5)
    assert sorted(number_of(event) for event in fake.events) == [1, 2, 3]  # nothing sent twice


def run_script(code: str, fake: FakeNetmera, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT), FAKE_URL=fake.url, NETMERA_API_KEY=API_KEY)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def test_events_left_in_the_queue_are_sent_at_exit(fake: FakeNetmera) -> None:
    result = run_script(
        """
        import os
        from netmera_events import BackgroundSender, NetmeraClient, ShareEvent
        sender = BackgroundSender(NetmeraClient(base_url=os.environ["FAKE_URL"]), flush_interval=60)
        for number in range(50):
            sender.enqueue(ShareEvent(ext_id=f"user-{number}", item_id=str(number), channel="Mail"))
        """,
        fake,
    )
    assert result.returncode == 0, result.stderr
    assert len(fake.events) == 50
    assert result.stderr == ""


def test_exit_is_bounded_and_reports_what_was_not_sent(fake: FakeNetmera) -> None:
    fake.fault_hook = lambda number: Fault.delay(30)
    started = time.monotonic()
    result = run_script(
        """
        import os
        from netmera_events import BackgroundSender, NetmeraClient, ShareEvent
        client = NetmeraClient(base_url=os.environ["FAKE_URL"], timeout=20)
        sender = BackgroundSender(client, batch_size=10, exit_timeout=0.5)
        for number in range(25):
            sender.enqueue(ShareEvent(ext_id=f"user-{number}", item_id=str(number), channel="Mail"))
        """,
        fake,
    )
    assert time.monotonic() - started < 10
    assert result.returncode == 0
    assert "15 events could not be sent before exit (ShareEvent x15)" in result.stderr
    assert API_KEY not in result.stderr
