"""The outbox across processes: a process killed with SIGKILL at random moments loses nothing whose enqueue()
returned (a fresh process delivers it, duplicates counted); four processes sharing one file deliver each event
exactly once; a worker killed in the middle of a send has its lease taken over."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import IO

import pytest
from netmera_events import NetmeraClient, OutboxSender, ShareEvent
from netmera_events.testing import FakeNetmera, Fault
from support import GENERATED

from .conftest import API_KEY, FAST_RETRY, wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

CHILD = Path(__file__).with_name("outbox_child.py")


def start(arguments: list[str], out: IO[str]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(GENERATED))
    return subprocess.Popen(
        [sys.executable, str(CHILD), *arguments], stdout=out, stderr=subprocess.DEVNULL, text=True, env=env
    )


def committed(out: Path) -> set[int]:
    """The numbers a child printed after enqueue() returned (a line cut short by the kill does not count)."""
    text = out.read_text()
    return {int(line) for line in text.split("\n")[:-1]}


def numbers(fake: FakeNetmera) -> Counter[int]:
    return Counter(int(event["itemId"]) for event in fake.events)


def file_totals(path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(path) as connection:
        rows, resent, taken_over = connection.execute("SELECT rows, resent, taken_over FROM totals").fetchone()
    return rows, resent, taken_over


def deliver_what_is_left(fake: FakeNetmera, path: Path) -> None:
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=5.0) as client,
        OutboxSender(client, path, flush_interval=0.01, poll_interval=0.05) as sender,
    ):
        assert sender.flush(timeout=60)


def kill_repeatedly(fake: FakeNetmera, path: Path, folder: Path, rounds: int, seed: int) -> set[int]:
    """Start a child enqueueing (and sending) into ``path``, kill -9 it at a random moment, again and again."""
    rng = random.Random(seed)
    printed: set[int] = set()
    for round_number in range(rounds):
        out = folder / f"round-{round_number}.txt"
        with out.open("w") as stream:
            child = start(["enqueue", str(path), fake.url, str(round_number * 1_000_000)], stream)
            try:
                wait_until(lambda out=out: out.stat().st_size > 0, timeout=60)  # started and enqueueing
                time.sleep(rng.uniform(0.0, 0.4))
            finally:
                child.send_signal(signal.SIGKILL)
                child.wait()
        printed |= committed(out)
    return printed


def check_nothing_lost(fake: FakeNetmera, path: Path, printed: set[int]) -> None:
    deliver_what_is_left(fake, path)
    received = numbers(fake)
    assert printed, "the child never got to enqueue"
    assert printed - set(received) == set(), "events whose enqueue() returned were lost"
    duplicates = sum(count - 1 for count in received.values())
    rows, resent, _ = file_totals(path)
    assert rows == 0
    assert duplicates <= resent, "more duplicates than the outbox counted as re-sent"


def test_events_survive_kill_9_at_random_moments(fake: FakeNetmera, tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    printed = kill_repeatedly(fake, path, tmp_path, rounds=3, seed=14)
    check_nothing_lost(fake, path, printed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_events_survive_kill_9_again_and_again(fake: FakeNetmera, tmp_path: Path, seed: int) -> None:
    path = tmp_path / "outbox.sqlite3"
    printed = kill_repeatedly(fake, path, tmp_path, rounds=15, seed=seed)
    check_nothing_lost(fake, path, printed)


def test_four_processes_sharing_one_outbox_deliver_each_event_once(fake: FakeNetmera, tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    per_child = 300
    outs = [tmp_path / f"child-{n}.txt" for n in range(4)]
    streams = [out.open("w") for out in outs]
    try:
        children = [
            start(["share", str(path), fake.url, str(n * 10_000), str(per_child)], stream)
            for n, stream in enumerate(streams)
        ]
        for child in children:
            assert child.wait(timeout=120) == 0
    finally:
        for stream in streams:
            stream.close()
    expected = {n * 10_000 + i for n in range(4) for i in range(per_child)}
    received = numbers(fake)
    assert set(received) == expected
    assert max(received.values()) == 1, "two workers sent the same event"
    assert file_totals(path)[0] == 0


def test_a_worker_killed_mid_send_has_its_lease_taken_over(fake: FakeNetmera, tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        OutboxSender(client, path, deliver=False) as producer,
    ):
        producer.enqueue_many(ShareEvent(ext_id=f"user-{n}", item_id=str(n), channel="Facebook") for n in range(40))
    in_flight = threading.Event()

    def hold_the_first_request(number: int) -> Fault | None:
        if number == 1:
            in_flight.set()
            return Fault.delay(3.0)
        return None

    fake.fault_hook = hold_the_first_request
    with (tmp_path / "sender.txt").open("w") as stream:
        child = start(["send", str(path), fake.url], stream)
        try:
            assert in_flight.wait(timeout=60), "the child never sent"
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    _, _, taken_before = file_totals(path)
    assert taken_before == 0
    started = time.monotonic()
    with (
        NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client,
        OutboxSender(client, path, flush_interval=0.01, poll_interval=0.05) as sender,
    ):
        assert sender.flush(timeout=20)
        stats = sender.stats
    assert time.monotonic() - started < 2.5, "the dead worker's lease was waited out instead of taken over"
    assert stats.taken_over == 40 and stats.retried >= 40
    assert set(numbers(fake)) == set(range(40))
