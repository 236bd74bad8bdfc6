"""The outbox from asyncio: `enqueue_async()` returns once the event is on disk without blocking the event loop,
tasks of one loop share commits, drops and errors reach each task, and a cancelled task's event is not lost."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from netmera_events import NetmeraClient, OutboxLockedError, OutboxSender, ShareEvent, UndeliveredEvent
from netmera_events._encoding import EncodedEvent
from netmera_events.testing import FakeNetmera


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number % 50}", item_id=str(number), channel="Facebook")


def stored(path: Path) -> list[int]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT json_extract(value, '$.itemId') FROM chunks, json_each('[' || data || ']')")
        return sorted(int(row[0]) for row in rows)


def test_tasks_share_commits_and_every_event_is_on_disk_when_its_await_returns(
    outbox_client: NetmeraClient, path: Path
) -> None:
    transactions: list[int] = []
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        write = sender._store.insert

        def counting_insert(
            rows: list[EncodedEvent], max_rows: int, max_bytes: int
        ) -> tuple[int, int]:
            transactions.append(len(rows))
            return write(rows, max_rows, max_bytes)

        sender._store.insert = counting_insert  # type: ignore[method-assign]

        async def produce(start: int) -> None:
            for number in range(start, start + 20):
                assert await sender.enqueue_async(share(number))
                assert number in stored(path)  # read by another connection: committed

        async def main() -> None:
            await asyncio.gather(*(produce(start) for start in range(0, 400, 20)))

        asyncio.run(main())
    assert stored(path) == list(range(400))
    assert sum(transactions) == 400 and len(transactions) < 200  # commits were shared


def test_the_worker_delivers_what_tasks_enqueued(fake: FakeNetmera, outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, flush_interval=0.05) as sender:

        async def main() -> list[bool]:
            return await asyncio.gather(*(sender.enqueue_async(share(number)) for number in range(300)))

        assert asyncio.run(main()) == [True] * 300
        assert sender.flush(timeout=10)
    assert sorted(int(event["itemId"]) for event in fake.events) == list(range(300))


def test_a_full_outbox_and_a_dropping_hook_answer_false(outbox_client: NetmeraClient, path: Path) -> None:
    dropped: list[UndeliveredEvent] = []
    with OutboxSender(
        outbox_client,
        path,
        max_rows=3,
        deliver=False,
        on_drop=dropped.append,
        before_send=lambda event: None if event.item_id == "odd" else event,
    ) as sender:

        async def main() -> list[bool]:
            odd = ShareEvent(ext_id="user-1", item_id="odd", channel="Facebook")
            return [await sender.enqueue_async(event) for event in [odd, *map(share, range(5))]]

        assert asyncio.run(main()) == [False, True, True, True, False, False]
    assert [event.reason for event in dropped] == ["queue_full", "queue_full"]
    assert stored(path) == [0, 1, 2]


def test_a_locked_file_raises_in_every_waiting_task_and_nothing_is_committed(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, busy_timeout=0.2, deliver=False) as sender:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")

        async def main() -> list[BaseException | bool]:
            return await asyncio.gather(*(sender.enqueue_async(share(n)) for n in range(10)), return_exceptions=True)

        try:
            outcomes = asyncio.run(main())
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert all(isinstance(outcome, OutboxLockedError) for outcome in outcomes)
        assert stored(path) == []

        async def again() -> bool:
            return await sender.enqueue_async(share(10))

        assert asyncio.run(again())  # a new event loop, the file free again
    assert stored(path) == [10]


def test_the_loop_runs_while_a_commit_is_written_and_a_cancelled_task_keeps_its_event(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        insert = sender._store.insert
        writing = threading.Event()
        release = threading.Event()

        def slow_insert(rows: list[EncodedEvent], max_rows: int, max_bytes: int) -> tuple[int, int]:
            writing.set()
            assert release.wait(10)
            return insert(rows, max_rows, max_bytes)

        sender._store.insert = slow_insert  # type: ignore[method-assign]

        async def main() -> None:
            task = asyncio.create_task(sender.enqueue_async(share(1)))
            while not writing.is_set():  # the commit is in a worker thread: this loop goes on
                await asyncio.sleep(0.001)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            release.set()
            sender._store.insert = insert  # type: ignore[method-assign]
            assert await sender.enqueue_async(share(2))  # after the first commit ended

        asyncio.run(main())
    assert stored(path) == [1, 2]


def test_cancelling_every_task_loses_no_handed_event_and_later_enqueues_still_commit(
    outbox_client: NetmeraClient, path: Path
) -> None:
    """A graceful shutdown cancels every task of the loop; `asyncio.run` does so when it ends."""
    with OutboxSender(outbox_client, path, deliver=False) as sender:

        async def main() -> None:
            waiting = [asyncio.create_task(sender.enqueue_async(share(n))) for n in range(20)]
            await asyncio.sleep(0)  # every task has handed its event over
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
            await asyncio.gather(*waiting, return_exceptions=True)
            assert await asyncio.wait_for(sender.enqueue_async(share(20)), 10)

        asyncio.run(main())

        async def abandoned() -> None:  # asyncio.run ends with these tasks still waiting: it cancels them
            for n in range(21, 40):
                asyncio.get_running_loop().create_task(sender.enqueue_async(share(n)))
            await asyncio.sleep(0)

        asyncio.run(abandoned())
    assert stored(path) == list(range(40))


def test_after_the_loops_executor_has_shut_down_events_are_committed_on_the_loop(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:

        async def main() -> list[bool]:
            await asyncio.get_running_loop().shutdown_default_executor()
            first = await asyncio.wait_for(sender.enqueue_async(share(1)), 10)
            return [first, await asyncio.wait_for(sender.enqueue_async(share(2)), 10)]

        assert asyncio.run(main()) == [True, True]
    assert stored(path) == [1, 2]
