"""Under faults (one request in seven failing with 500, dropped connections, answers slower than the timeout)
every event is delivered, duplicates come only from retried requests and are counted, memory stays bounded and
the process exits cleanly."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import netmera_events
from netmera_events import BackgroundSender, NetmeraClient, OverflowPolicy, RetryPolicy
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, many_events, number_of

EVENTS = 20_000
RETRY = RetryPolicy(max_attempts=10, initial_delay=0.001, max_delay=0.02, total_timeout=30.0)
TIMEOUT = 0.25


def faults(number: int) -> Fault | int | None:
    """One request in seven fails with 500; others drop the connection, before or after processing, or
    answer later than the client waits."""
    if number % 7 == 0:
        return 500
    if number % 11 == 0:
        return Fault.drop()
    if number % 13 == 0:
        return Fault.drop(after_processing=True)
    if number % 17 == 0:
        return Fault.delay(TIMEOUT * 2)
    return None


def check_delivery(fake: FakeNetmera, retried: int) -> None:
    deadline = time.monotonic() + 5
    counts = collections.Counter(number_of(event) for event in fake.events)
    while len(counts) < EVENTS and time.monotonic() < deadline:  # slow answers may still be landing
        time.sleep(0.05)
        counts = collections.Counter(number_of(event) for event in fake.events)
    assert sorted(counts) == list(range(EVENTS))  # every event, at least once
    duplicates = sum(counts.values()) - EVENTS
    assert duplicates <= retried  # only retried requests duplicate, and they are counted


def test_fire_delivers_everything_under_faults(fake: FakeNetmera) -> None:
    fake.fault_hook = faults
    with NetmeraClient(API_KEY, base_url=fake.url, retry=RETRY, timeout=TIMEOUT) as client:
        result = client.fire(*many_events(EVENTS, users=5000))
    assert result.sent == EVENTS and result.ok
    assert result.retried > 0
    check_delivery(fake, result.retried)


def test_the_background_sender_delivers_everything_under_faults(fake: FakeNetmera) -> None:
    fake.fault_hook = faults
    peak = 0
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=RETRY, timeout=TIMEOUT) as client,
        BackgroundSender(
            client, max_queue_size=2000, batch_size=500, overflow=OverflowPolicy.BLOCK, block_timeout=30
        ) as sender,
    ):
        for number, event in enumerate(many_events(EVENTS, users=5000)):
            assert sender.enqueue(event)
            if number % 500 == 0:
                peak = max(peak, sender.stats.queued)
        assert sender.flush(timeout=30)
        stats = sender.stats
    assert peak <= 2000  # bounded memory: the queue never outgrows its limit
    assert (stats.sent, stats.failed, stats.dropped, stats.queued, stats.in_flight) == (EVENTS, 0, 0, 0, 0)
    check_delivery(fake, stats.retried)


def test_a_process_under_faults_delivers_at_exit_and_exits_cleanly(fake: FakeNetmera) -> None:
    fake.fault_hook = faults
    root = Path(netmera_events.__file__).resolve().parent.parent
    code = textwrap.dedent(f"""
        import os
        from netmera_events import BackgroundSender, NetmeraClient, OverflowPolicy, RetryPolicy, ShareEvent
        retry = RetryPolicy(max_attempts=10, initial_delay=0.001, max_delay=0.02)
        client = NetmeraClient(base_url=os.environ["FAKE_URL"], retry=retry, timeout={TIMEOUT})
        sender = BackgroundSender(client, batch_size=200, overflow=OverflowPolicy.BLOCK, exit_timeout=20)
        for number in range(3000):
            sender.enqueue(ShareEvent(ext_id=f"user-{{number % 700}}", item_id=str(number), channel="Mail"))
        """)
    env = dict(os.environ, PYTHONPATH=str(root), FAKE_URL=fake.url, NETMERA_API_KEY=API_KEY)
    started = time.monotonic()
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert time.monotonic() - started < 30
    assert {number_of(event) for event in fake.events} == set(range(3000))
