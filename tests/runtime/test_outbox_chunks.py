"""The outbox keeps the events committed together in chunk rows: a large commit is cut into chunks, a
claim goes out in as many requests as this process's limits need, a request that fails leaves only its
own events in the outbox (the delivered ones are not sent again), a worker settling late (its lease ran
out) or after a purge touches no newer chunk, only the claim being sent has its lease renewed, a damaged
chunk is a clear error, and a file written by the layout of one row per event is upgraded with nothing
lost."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from pathlib import Path

import pytest
from netmera_events import NetmeraClient, OrderCancelEvent, OutboxError, OutboxSender, ShareEvent
from netmera_events._batching import BatchLimits
from netmera_events._delivery import BatchReport
from netmera_events._encoding import EncodedEvent
from netmera_events._outbox_claim import CHUNK_EVENTS
from netmera_events._outbox_outcome import record_outcome
from netmera_events._outbox_store import OutboxStore
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
        {
            "extId": "user-x",
            "name": "OrderCancelEvent",
            "paymentMethod": "Card",
            "subTotal": 1,
            "itemCount": 1,
            "grandTotal": 2,
        }
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
    events = [share(n) for n in range(603)]
    with sqlite3.connect(path) as connection:
        connection.executescript(LAYOUT_1)
        now = time.time()
        # Three rows of their own (other attempts, a dead owner's lease), then a run of 600 alike.
        connection.executemany(
            "INSERT INTO events (name, ext_id, data, created_at, claimed_by, attempts) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (event.EVENT_NAME, event.ext_id, event.to_json(), now, "gone-host/1/0" if n == 1 else None, min(n, 3))
                for n, event in enumerate(events)
            ],
        )
        connection.execute(
            "INSERT INTO dead_letters (name, ext_id, data, created_at, failed_at, status, code, message)"
            " VALUES ('ShareEvent', 'user-9', '{}', 0, 0, 400, 5028, 'Event not found')"
        )
        size = sum(len(event.to_json()) for event in events)
        connection.execute("INSERT INTO totals VALUES (0, 603, ?, 0, 0)", (size,))
    with OutboxSender(outbox_client, path, deliver=False) as opener:
        assert (opener.stats.queued, opener.stats.bytes, opener.stats.dead_letters) == (603, size, 1)
    assert chunk_sizes(path) == [1, 1, 1, CHUNK_EVENTS, CHUNK_EVENTS, 600 - 2 * CHUNK_EVENTS]
    with OutboxSender(outbox_client, path) as sender:
        assert sender.flush(timeout=10)
        stats = sender.stats
    assert delivered(fake) == Counter(range(603))
    assert (stats.sent, stats.retried, stats.taken_over, stats.queued, stats.dead_letters) == (603, 602, 1, 0, 1)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "events" not in tables and connection.execute("SELECT rows, bytes FROM totals").fetchone() == (0, 0)
    assert queue_indexed(path)


def queue_indexed(path: Path) -> bool:
    with sqlite3.connect(path) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT sum(events), min(created_at) FROM"
            " (SELECT events, created_at FROM chunks WHERE available_at <= 0 ORDER BY id LIMIT 1000)"
        ).fetchall()
    return any("COVERING INDEX chunks_queue" in row[3] for row in plan)


def test_a_file_written_before_the_queue_index_is_indexed_when_opened_and_keeps_its_events(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as writer:
        assert writer.enqueue_many(share(n) for n in range(300)) == 300
    with sqlite3.connect(path) as connection:
        connection.execute("DROP INDEX chunks_queue")
    assert not queue_indexed(path)  # the queries that decide a claim read every row of such a file
    with OutboxSender(outbox_client, path) as sender:
        assert queue_indexed(path)
        assert sender.flush(timeout=10)
    assert delivered(fake) == Counter(range(300))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 2


def test_a_file_without_the_queue_index_opens_at_once_while_another_process_writes_and_is_indexed_later(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as writer:
        assert writer.enqueue_many(share(n) for n in range(10)) == 10
    with sqlite3.connect(path) as connection:
        connection.execute("DROP INDEX chunks_queue")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process's transaction
    started = time.monotonic()
    try:
        with OutboxSender(outbox_client, path, deliver=False, busy_timeout=10) as reader:
            assert time.monotonic() - started < 5  # it did not wait for the lock to index the queue
            assert reader.stats.queued == 10
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert not queue_indexed(path)
    with OutboxSender(outbox_client, path, deliver=False):
        assert queue_indexed(path)


def test_the_claim_reads_the_queue_from_its_index_and_rows_by_id_without_sorting(path: Path) -> None:
    OutboxStore(path).close()
    with sqlite3.connect(path) as connection:
        plan = [
            row[3]
            for row in connection.execute(
                "EXPLAIN QUERY PLAN SELECT id, events, data, sizes, names, ext_ids, created_at, attempts, claimed_by"
                " FROM chunks WHERE id IN (SELECT id FROM chunks WHERE available_at <= 0 ORDER BY id LIMIT 1000)"
                " ORDER BY id"
            )
        ]
    assert any("INTEGER PRIMARY KEY (rowid=?)" in step for step in plan), plan
    assert any("COVERING INDEX chunks_queue" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan


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


def encoded(tag: str, count: int) -> list[EncodedEvent]:
    return [EncodedEvent(n, "ShareEvent", f"user-{n}", f'{{"tag":"{tag}{n}"}}'.encode()) for n in range(count)]


def stored_tags(store: OutboxStore) -> list[str]:
    rows = store._connect().execute("SELECT data FROM chunks ORDER BY id")
    return [item["tag"] for (data,) in rows for item in json.loads(b"[" + data + b"]")]


@pytest.mark.parametrize("outcome", ["delivered", "one left unsent"])
def test_a_late_settle_of_a_chunk_another_worker_finished_leaves_newer_chunks_alone(path: Path, outcome: str) -> None:
    stalled, other, producer = OutboxStore(path), OutboxStore(path), OutboxStore(path)
    limits = BatchLimits(max_events=100)
    try:
        producer.insert(encoded("old", 3), 1000, 10**6)
        late, _ = stalled.claim("host-a/1/a", limits, 0.05, min_events=1, max_age=0.0)
        time.sleep(0.1)  # its lease runs out (a pause, a stopped process)
        taken, _ = other.claim("host-b/2/b", limits, 30.0, min_events=1, max_age=0.0)
        assert late is not None and taken is not None and taken.taken_over == 3
        record_outcome(other, taken, BatchReport(sent=3), (1.0, 1.0))
        producer.insert(encoded("new", 2), 1000, 10**6)  # committed: its enqueue() returned
        report = BatchReport(sent=3)
        if outcome != "delivered":
            report = BatchReport(sent=2, unsent=[EncodedEvent(late.chunks[0].first + 2, "ShareEvent", "user-2", b"{}")])
        record_outcome(stalled, late, report, (0.0, 0.0))
        assert stored_tags(producer) == ["new0", "new1"]
        assert (producer.totals().rows, producer.totals().bytes) == (2, len(b'{"tag":"new0"}') * 2)
    finally:
        for store in (stalled, other, producer):
            store.close()


def test_a_purge_during_a_send_brings_nothing_back_and_loses_nothing_newer(path: Path) -> None:
    worker, command = OutboxStore(path), OutboxStore(path)
    try:
        command.insert(encoded("old", 3), 1000, 10**6)
        claim, _ = worker.claim("host-a/1/a", BatchLimits(max_events=100), 30.0, min_events=1, max_age=0.0)
        assert claim is not None and command.purge(pending=True) == (0, 3)
        command.insert(encoded("new", 2), 1000, 10**6)
        unsent = [EncodedEvent(claim.chunks[0].first + 2, "ShareEvent", "user-2", b"{}")]
        record_outcome(worker, claim, BatchReport(sent=2, unsent=unsent), (0.0, 0.0))
        assert stored_tags(command) == ["new0", "new1"] and command.totals().rows == 2
    finally:
        worker.close()
        command.close()


def test_renewing_a_lease_keeps_only_the_claim_being_sent(path: Path) -> None:
    store = OutboxStore(path)
    limits = BatchLimits(max_events=3)
    try:
        store.insert(encoded("first", 3), 1000, 10**6)
        store.insert(encoded("second", 3), 1000, 10**6)
        unrecorded, _ = store.claim("host-a/1/a", limits, 0.3, min_events=1, max_age=0.0)  # its outcome was lost
        sending, _ = store.claim("host-a/1/a", limits, 0.3, min_events=1, max_age=0.0)
        assert unrecorded is not None and sending is not None
        time.sleep(0.2)
        store.renew("host-a/1/a", 30.0, sending)
        time.sleep(0.2)
        again, _ = store.claim("host-b/2/b", limits, 30.0, min_events=1, max_age=0.0)
        assert again is not None and [chunk.id for chunk in again.chunks] == [unrecorded.chunks[0].id]
        assert again.taken_over == 3
    finally:
        store.close()


def test_a_damaged_chunk_is_a_clear_error_and_the_worker_lives_on(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        producer.enqueue_many(share(n) for n in range(3))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE chunks SET sizes = '[1'")
    store = OutboxStore(path)
    try:
        with pytest.raises(OutboxError, match="chunk 1 is damaged"):
            store.claim("host-a/1/a", BatchLimits(), 30.0, min_events=1, max_age=0.0)
    finally:
        store.close()
    with OutboxSender(outbox_client, path, flush_interval=0.01, poll_interval=0.02) as sender:
        assert sender.flush(timeout=0.5) is False
        assert sender._worker is not None and sender._worker.is_alive()
        assert sender.stats.queued == 3  # nothing committed was removed
    assert fake.events == [] and "could not read the outbox" in caplog.text
