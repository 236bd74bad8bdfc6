"""The outbox keeps the events committed together in chunk rows: a large commit is cut into chunks, a
claim goes out in as many requests as this process's limits need, a request that fails leaves only its
own events in the outbox (the delivered ones are not sent again), and a file written by the layout of
one row per event is upgraded with nothing lost."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from pathlib import Path

from netmera_events import NetmeraClient, OrderCancelEvent, OutboxSender, ShareEvent
from netmera_events._outbox_claim import CHUNK_EVENTS
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number % 40}", item_id=str(number), channel="Facebook")


def delivered(fake: FakeNetmera) -> Counter[int]:
    return Counter(int(event["itemId"]) for event in fake.events)


def chunk_sizes(path: Path) -> list[int]:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute("SELECT events FROM chunks ORDER BY id")]


def test_a_large_commit_is_cut_into_chunks_and_delivered_in_order(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    count = 2 * CHUNK_EVENTS + 10
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        assert producer.enqueue_many(share(n) for n in range(count)) == count
        assert producer.stats.queued == count
    assert chunk_sizes(path) == [CHUNK_EVENTS, CHUNK_EVENTS, 10]
    with OutboxSender(outbox_client, path) as sender:
        assert sender.flush(timeout=10)
    assert [int(event["itemId"]) for event in fake.events] == list(range(count))
    assert chunk_sizes(path) == []


def test_a_claim_larger_than_this_process_s_requests_goes_out_in_several(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        producer.enqueue_many(share(n) for n in range(250))  # one chunk, written by a process with larger batches
    with OutboxSender(outbox_client, path, batch_size=100) as sender:
        assert sender.flush(timeout=10)
        assert sender.stats.sent == 250
    sizes = [len(json.loads(request.body)) for request in fake.requests]
    assert sizes == [100, 100, 50] and delivered(fake) == Counter(range(250))


def test_a_failed_request_leaves_only_its_own_events_and_they_are_sent_once_later(
    fake: FakeNetmera, path: Path
) -> None:
    # The claim's first request passes; the second fails every attempt, so the third is not tried.
    fake.script(Fault.delay(0), *[503] * FAST_RETRY.max_attempts)
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY, timeout=2.0) as client:
        with OutboxSender(client, path, deliver=False) as producer:
            producer.enqueue_many(share(n) for n in range(250))
        with OutboxSender(client, path, batch_size=100, retry_backoff=(0.05, 0.05)) as sender:
            assert sender.flush(timeout=10)
            stats = sender.stats
    assert delivered(fake) == Counter(range(250))  # each event exactly once
    assert (stats.sent, stats.queued, stats.dead_letters) == (250, 0, 0)


def test_a_refused_event_in_a_chunk_becomes_a_dead_letter_and_the_rest_is_delivered(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    fake.unknown_events.add("OrderCancelEvent")
    cancel = OrderCancelEvent.from_payload(
        {"extId": "user-x", "name": "OrderCancelEvent", "paymentMethod": "Card", "subTotal": 1, "itemCount": 1, "grandTotal": 2}
    )
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        producer.enqueue_many([*map(share, range(10)), cancel, *map(share, range(10, 20))])
    assert chunk_sizes(path) == [21]
    with OutboxSender(outbox_client, path) as sender:
        assert sender.flush(timeout=10)
        stats = sender.stats
    assert delivered(fake) == Counter(range(20))
    assert (stats.sent, stats.failed, stats.dead_letters, stats.queued) == (20, 1, 1, 0)
    with sqlite3.connect(path) as connection:
        [(name, ext_id, code)] = connection.execute("SELECT name, ext_id, code FROM dead_letters")
    assert (name, ext_id, code) == ("OrderCancelEvent", "user-x", 5028)


LAYOUT_1 = """
CREATE TABLE events (id INTEGER PRIMARY KEY, name TEXT NOT NULL, ext_id TEXT NOT NULL, data BLOB NOT NULL,
    created_at REAL NOT NULL, available_at REAL NOT NULL DEFAULT 0, claimed_by TEXT,
    attempts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, ext_id TEXT NOT NULL,
    data BLOB NOT NULL, created_at REAL NOT NULL, failed_at REAL NOT NULL, status INTEGER, code INTEGER,
    message TEXT NOT NULL);
CREATE TABLE totals (id INTEGER PRIMARY KEY CHECK (id = 0), rows INTEGER NOT NULL, bytes INTEGER NOT NULL,
    resent INTEGER NOT NULL, taken_over INTEGER NOT NULL);
PRAGMA user_version = 1;
"""


def test_a_file_of_the_one_row_per_event_layout_is_upgraded_and_delivered(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    events = [share(n) for n in range(3)]
    with sqlite3.connect(path) as connection:
        connection.executescript(LAYOUT_1)
        now = time.time()
        connection.executemany(
            "INSERT INTO events (name, ext_id, data, created_at, claimed_by, attempts) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (event.EVENT_NAME, event.ext_id, event.to_json(), now, "gone-host/1/0" if n == 1 else None, n)
                for n, event in enumerate(events)
            ],
        )
        connection.execute(
            "INSERT INTO dead_letters (name, ext_id, data, created_at, failed_at, status, code, message)"
            " VALUES ('ShareEvent', 'user-9', '{}', 0, 0, 400, 5028, 'Event not found')"
        )
        size = sum(len(event.to_json()) for event in events)
        connection.execute("INSERT INTO totals VALUES (0, 3, ?, 0, 0)", (size,))
    with OutboxSender(outbox_client, path) as sender:
        assert sender.flush(timeout=10)
        stats = sender.stats
    assert delivered(fake) == Counter(range(3))
    assert (stats.sent, stats.retried, stats.taken_over, stats.queued, stats.dead_letters) == (3, 2, 1, 0, 1)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "events" not in tables and connection.execute("SELECT rows, bytes FROM totals").fetchone() == (0, 0)


def test_a_chunk_cut_short_by_a_failure_holds_exactly_the_unsent_events_and_the_totals_follow(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    events = [share(n) for n in range(250)]
    fake.script(Fault.delay(0), *[503] * FAST_RETRY.max_attempts)
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        producer.enqueue_many(events)
    sender = OutboxSender(outbox_client, path, batch_size=100, retry_backoff=(30.0, 30.0))
    try:
        assert sender.flush(timeout=1.0) is False  # the rest waits out its backoff
    finally:
        sender.close(timeout=0.1)
    assert delivered(fake) == Counter(range(100))
    with sqlite3.connect(path) as connection:
        [(count, data)] = connection.execute("SELECT events, data FROM chunks")
        totals = connection.execute("SELECT rows, bytes FROM totals").fetchone()
    assert [int(item["itemId"]) for item in json.loads(b"[" + data + b"]")] == list(range(100, 250))
    assert count == 150 and totals == (150, sum(len(event.to_json()) for event in events[100:]))
