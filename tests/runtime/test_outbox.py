"""The durable outbox in one process: enqueue() returns once the event is on disk, the worker sends and deletes,
leftovers of a previous process go first, refused events become dead letters, failures wait and are retried,
bounds and overflow policies, corrupt and locked files, flush and close that never hang, fork safety, leases."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from netmera_events import (
    EventsRejectedError,
    NetmeraClient,
    NetmeraError,
    OutboxError,
    OutboxLockedError,
    OutboxSender,
    OverflowPolicy,
    ShareEvent,
    UndeliveredEvent,
)
from netmera_events._batching import BatchLimits
from netmera_events._outbox_store import OutboxStore
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY, FAST_RETRY, store_held_by_another_thread, wait_until


def share(number: int, user: str = "user") -> ShareEvent:
    return ShareEvent(ext_id=f"{user}-{number % 50}", item_id=str(number), channel="Facebook")


def numbers(fake: FakeNetmera) -> list[int]:
    return [int(event["itemId"]) for event in fake.events]


def rows_in(path: Path) -> int:
    """Events the file holds, counted from its chunks."""
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT coalesce(sum(events), 0) FROM chunks").fetchone()[0])


def test_enqueue_returns_once_committed_and_the_worker_delivers_and_deletes(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        assert all(producer.enqueue(share(n)) for n in range(30))
        assert rows_in(path) == 30  # on disk before anything was sent, read by another connection
    assert fake.events == []
    with OutboxSender(outbox_client, path, flush_interval=0.05) as sender:
        assert sender.enqueue(share(30))
        assert sender.flush(timeout=5)
        stats = sender.stats
    assert numbers(fake) == list(range(31))  # what a previous process left goes first, in order
    assert rows_in(path) == 0
    assert (stats.sent, stats.queued, stats.bytes, stats.failed, stats.retried) == (31, 0, 0, 0, 0)


def test_enqueue_many_commits_in_one_call(fake: FakeNetmera, outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, flush_interval=0.05) as sender:
        assert sender.enqueue_many(share(n) for n in range(500)) == 500
        assert sender.flush(timeout=5)
    assert numbers(fake) == list(range(500))


def test_concurrent_callers_all_commit_and_each_event_is_delivered_once(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    before = set(threading.enumerate())
    with OutboxSender(outbox_client, path, flush_interval=0.05, batch_size=100) as sender:

        def produce(start: int) -> None:
            for n in range(start, start + 200):
                assert sender.enqueue(share(n))

        threads = [threading.Thread(target=produce, args=(start,)) for start in range(0, 1600, 200)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sender.stats.enqueued == 1600
        assert sender.flush(timeout=10)
        assert "netmera-outbox-commit" in senders_threads(before)
    assert sorted(numbers(fake)) == list(range(1600))
    wait_until(lambda: not senders_threads(before))  # a closed sender leaves no thread behind


def senders_threads(before: set[threading.Thread]) -> list[str]:
    """The names of the package's threads started since ``before``."""
    return [thread.name for thread in set(threading.enumerate()) - before if thread.name.startswith("netmera-")]


def test_refused_events_become_dead_letters_and_the_rest_is_delivered(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    fake.unknown_events.add("OrderCancelEvent")
    errors: list[tuple[NetmeraError, list[UndeliveredEvent]]] = []
    with OutboxSender(outbox_client, path, on_error=lambda e, events: errors.append((e, list(events)))) as sender:
        sender.enqueue(share(1))
        sender.enqueue_payload(
            {
                "extId": "u",
                "name": "OrderCancelEvent",
                "paymentMethod": "Card",
                "subTotal": 1,
                "itemCount": 1,
                "grandTotal": 2,
            }
        )
        sender.enqueue(share(2))
        assert sender.flush(timeout=5)
        stats = sender.stats
    assert numbers(fake) == [1, 2]
    assert (stats.sent, stats.failed, stats.dead_letters, stats.queued) == (2, 1, 1, 0)
    [(error, events)] = errors
    assert isinstance(error, EventsRejectedError) and error.code == 5028
    assert [event.reason for event in events] == ["rejected"] and events[0].name == "OrderCancelEvent"
    with sqlite3.connect(path) as connection:
        [(name, status, code, message)] = connection.execute("SELECT name, status, code, message FROM dead_letters")
    assert (name, status, code) == ("OrderCancelEvent", 400, 5028) and "Event not found" in message


def test_a_failing_batch_stays_in_the_outbox_and_is_retried_after_a_backoff(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    fake.script(*[503] * FAST_RETRY.max_attempts)  # every attempt of the client's first delivery fails
    errors: list[str] = []
    with OutboxSender(
        outbox_client,
        path,
        retry_backoff=(0.2, 0.2),
        on_error=lambda error, events: errors.extend(event.reason for event in events),
    ) as sender:
        sender.enqueue_many([share(1), share(2)])
        assert sender.flush(timeout=10)
        stats = sender.stats
    assert numbers(fake) == [1, 2]
    assert errors == ["retrying", "retrying"]
    assert stats.sent == 2 and stats.failed == 0
    assert stats.retried >= 2  # 503s may have been recorded: the second delivery is a possible duplicate


def test_drop_policy_bounds_rows_and_bytes(outbox_client: NetmeraClient, path: Path) -> None:
    dropped: list[UndeliveredEvent] = []
    with OutboxSender(outbox_client, path, max_rows=3, deliver=False, on_drop=dropped.append) as sender:
        assert [sender.enqueue(share(n)) for n in range(5)] == [True, True, True, False, False]
        assert sender.stats.dropped == 2 and sender.stats.queued == 3
    assert [(event.reason, event.name) for event in dropped] == [("queue_full", "ShareEvent")] * 2
    size = len(share(0).to_json())
    with OutboxSender(outbox_client, path.with_name("b.sqlite3"), max_bytes=2 * size, deliver=False) as sender:
        assert [sender.enqueue(share(n)) for n in range(3)] == [True, True, False]


def test_block_policy_waits_for_room_then_gives_up(fake: FakeNetmera, outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, max_rows=2, overflow=OverflowPolicy.BLOCK, block_timeout=0.3) as sender:
        fake.script(Fault.delay(0.5))
        sender.enqueue_many([share(1), share(2)])
        assert sender.flush(timeout=0.01) is False  # sending starts now and takes 0.5 s
        started = time.monotonic()
        assert sender.enqueue(share(3)) is False  # no room within block_timeout
        assert 0.25 < time.monotonic() - started < 1.0
        assert sender.enqueue(share(4)) is True  # the delayed batch is delivered meanwhile: room again
        assert sender.flush(timeout=5)
    assert numbers(fake) == [1, 2, 4]


def test_a_corrupt_file_is_a_clear_error_and_is_left_as_it_was(outbox_client: NetmeraClient, path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 200)
    before = path.read_bytes()
    with pytest.raises(OutboxError, match="not a usable outbox") as caught:
        OutboxSender(outbox_client, path)
    assert caught.value.path == path and str(path) in str(caught.value)
    assert path.read_bytes() == before
    for version in (0, 2):  # an application's database, one claiming the outbox's layout
        other = path.with_name(f"app-{version}.db")
        with contextlib.closing(sqlite3.connect(other)) as connection:
            connection.executescript(f"CREATE TABLE users (id INTEGER); PRAGMA user_version = {version};")
        before = other.read_bytes()
        with pytest.raises(OutboxError, match="not an outbox"):
            OutboxSender(outbox_client, other)
        assert other.read_bytes() == before  # refused before its journal mode was switched to WAL


def test_a_locked_file_is_a_clear_error_and_loses_nothing_committed(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, busy_timeout=0.2, deliver=False) as sender:
        assert sender.enqueue(share(1))
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(OutboxLockedError, match="locked"):
                sender.enqueue(share(2))
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert sender.enqueue(share(3))
    with OutboxSender(outbox_client, path) as sender:
        assert sender.flush(timeout=5)
    assert numbers(fake) == [1, 3]


def test_close_never_hangs_and_leaves_what_it_could_not_send(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    fake.script(Fault.delay(3.0))
    sender = OutboxSender(outbox_client, path, flush_interval=0.01)
    sender.enqueue(share(1))
    wait_until(lambda: sender.stats.in_flight == 1)
    started = time.monotonic()
    assert sender.close(timeout=0.3) is False
    assert time.monotonic() - started < 1.5
    assert sender.enqueue(share(2)) is False  # closed
    assert rows_in(path) == 1  # still there for the next sender


def test_an_expired_lease_of_another_worker_is_taken_over(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        producer.enqueue_many([share(1), share(2)])
    with sqlite3.connect(path) as connection:  # a worker on another host claimed them, then vanished
        connection.execute(
            "UPDATE chunks SET claimed_by = 'elsewhere/1/0', attempts = 1, available_at = ?", (time.time() + 0.5,)
        )
    with OutboxSender(outbox_client, path, flush_interval=0.01, poll_interval=0.05) as sender:
        time.sleep(0.3)
        assert fake.events == []  # the lease still holds
        assert sender.flush(timeout=5)
        stats = sender.stats
    assert numbers(fake) == [1, 2]
    assert (stats.taken_over, stats.retried) == (2, 2)


def test_a_lease_is_renewed_while_its_batch_is_being_sent(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    fake.script(Fault.delay(1.2))
    with OutboxSender(outbox_client, path, lease_seconds=0.4, flush_interval=0.01) as first:
        first.enqueue(share(1))
        wait_until(lambda: first.stats.in_flight == 1)
        with OutboxSender(outbox_client, path, poll_interval=0.05, flush_interval=0.01) as second:
            time.sleep(1.0)  # more than two leases: the first worker's renewals keep its claim
            assert second.stats.taken_over == 0
        assert first.flush(timeout=5)
    assert numbers(fake) == [1]


def forked_child_enqueues(sender: OutboxSender, number: int) -> tuple[int, float]:
    """Fork a child that enqueues and delivers ``number`` through its own connection and worker: its exit
    status (0: both done), and the seconds ``os.fork()`` took."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if sender.enqueue(share(number)) and sender.flush(timeout=5) else 3
        finally:
            os._exit(code)
    forking = time.monotonic() - started
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), forking


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_opens_its_own_connection_and_worker(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, flush_interval=0.01) as sender:
        sender.enqueue(share(1))
        assert sender.flush(timeout=5)
        assert forked_child_enqueues(sender, 2)[0] == 0
        sender.enqueue(share(3))
        assert sender.flush(timeout=5)
    assert sorted(numbers(fake)) == [1, 2, 3]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_waits_for_a_thread_inside_the_outbox_so_that_the_child_can_use_it(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    """A child forked while another thread is inside SQLite inherits SQLite's mutexes held and can hang."""
    with OutboxSender(outbox_client, path, flush_interval=0.01) as sender:
        with store_held_by_another_thread(sender) as release:
            threading.Timer(0.3, release.set).start()
            status, waited = forked_child_enqueues(sender, 2)
        assert status == 0
        assert waited >= 0.2  # the fork waited for the thread to leave the outbox
        sender.enqueue(share(3))
        assert sender.flush(timeout=5)
    assert sorted(numbers(fake)) == [2, 3]


def test_a_closed_client_keeps_events_in_the_outbox(fake: FakeNetmera, path: Path) -> None:
    client = NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY)
    client.close()
    sender = OutboxSender(client, path, flush_interval=0.01, retry_backoff=(5.0, 5.0))
    sender.enqueue(share(1))
    assert sender.flush(timeout=0.5) is False
    assert sender.close(timeout=0.2) is False
    assert rows_in(path) == 1


def test_a_claim_leaves_alone_a_chunk_another_worker_holds_between_its_chunks(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as producer:
        for n in range(10):  # one commit each, so one chunk each
            producer.enqueue(share(n))
    with sqlite3.connect(path) as connection:  # chunk 4 is being sent by another worker
        connection.execute(
            "UPDATE chunks SET claimed_by = 'other', available_at = ?, attempts = 1 WHERE id = 4", (time.time() + 60,)
        )
    store = OutboxStore(path)
    try:
        claim, _ = store.claim("mine", BatchLimits(), 30.0, min_events=1, max_age=0.0)
    finally:
        store.close()
    assert claim is not None and [chunk.id for chunk in claim.chunks] == [1, 2, 3, 5, 6, 7, 8, 9, 10]
    assert (claim.resent, claim.taken_over, len(claim)) == (0, 0, 9)
    with sqlite3.connect(path) as connection:
        holders = dict(connection.execute("SELECT id, claimed_by || ':' || attempts FROM chunks").fetchall())
    assert holders == {row_id: "other:1" if row_id == 4 else "mine:1" for row_id in range(1, 11)}


def test_a_refused_setting_creates_no_file(
    outbox_client: NetmeraClient, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is opened last: a constructor that raised used to leave it created, its connection open until the
    next garbage collection."""
    with pytest.raises(ValueError, match="batch_size"):
        OutboxSender(outbox_client, path, batch_size=0)
    monkeypatch.delenv("NETMERA_API_KEY", raising=False)
    with pytest.raises(ValueError, match="API key"):
        OutboxSender(None, path)
    assert list(path.parent.glob(f"{path.name}*")) == []
