"""The outbox from asyncio: `enqueue_async()` returns once the event is on disk, tasks of one loop share commits,
the loop never waits for another process's lock (nor for the disk under `durability="full"`), drops and errors
reach each task, and a cancelled task's event is not lost."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from netmera_events import (
    NetmeraClient,
    OutboxLockedError,
    OutboxSender,
    OverflowPolicy,
    ShareEvent,
    UndeliveredEvent,
)
from netmera_events._encoding import EncodedEvent
from netmera_events.testing import FakeNetmera


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number % 50}", item_id=str(number), channel="Facebook")


def stored(path: Path) -> list[int]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT json_extract(value, '$.itemId') FROM chunks, json_each('[' || data || ']')")
        return sorted(int(row[0]) for row in rows)


def count_commits(sender: OutboxSender) -> list[tuple[str, int]]:
    """Where (the committing thread's name) and how many events each commit of `sender` held."""
    commits: list[tuple[str, int]] = []
    insert, insert_now = sender._store.insert, sender._store.insert_now

    def counting_insert(rows: list[EncodedEvent], max_rows: int, max_bytes: int) -> tuple[int, int]:
        commits.append((threading.current_thread().name, len(rows)))
        return insert(rows, max_rows, max_bytes)

    def counting_insert_now(rows: list[EncodedEvent], max_rows: int, max_bytes: int) -> tuple[int, int] | None:
        written = insert_now(rows, max_rows, max_bytes)
        if written is not None:
            commits.append((threading.current_thread().name, len(rows)))
        return written

    sender._store.insert = counting_insert  # type: ignore[method-assign]
    sender._store.insert_now = counting_insert_now  # type: ignore[method-assign]
    return commits


def test_tasks_share_commits_and_every_event_is_on_disk_when_its_await_returns(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        commits = count_commits(sender)

        async def produce(start: int) -> None:
            for number in range(start, start + 20):
                assert await sender.enqueue_async(share(number))
                assert number in stored(path)  # read by another connection: committed

        async def main() -> None:
            await asyncio.gather(*(produce(start) for start in range(0, 400, 20)))

        asyncio.run(main())
    assert stored(path) == list(range(400))
    sizes = [size for _, size in commits]
    assert sum(sizes) == 400 and len(sizes) < 200  # commits were shared


@pytest.mark.parametrize(("durability", "on_the_loop"), [("normal", True), ("full", False)])
def test_the_loop_commits_itself_unless_each_commit_waits_for_the_disk(
    outbox_client: NetmeraClient, path: Path, durability: str, on_the_loop: bool
) -> None:
    with OutboxSender(outbox_client, path, deliver=False, durability=durability) as sender:
        commits = count_commits(sender)

        async def main() -> list[bool]:
            return await asyncio.gather(*(sender.enqueue_async(share(number)) for number in range(100)))

        assert asyncio.run(main()) == [True] * 100
    assert stored(path) == list(range(100))
    assert commits and all((thread == threading.main_thread().name) is on_the_loop for thread, _ in commits)
    assert len(commits) < 10


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


def test_while_another_process_holds_the_file_the_loop_runs_and_a_cancelled_task_keeps_its_event(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False, busy_timeout=30) as sender:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # the file's write lock, as another process's transaction holds it

        async def main() -> None:
            task = asyncio.create_task(sender.enqueue_async(share(1)))
            started = time.monotonic()
            for _ in range(20):  # the commit waits in a thread for the lock: this loop goes on
                await asyncio.sleep(0.005)
            assert time.monotonic() - started < 5 and not task.done()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            blocker.execute("ROLLBACK")
            assert await asyncio.wait_for(sender.enqueue_async(share(2)), 10)

        try:
            asyncio.run(main())
        finally:
            blocker.close()
    assert stored(path) == [1, 2]


def test_a_group_that_only_partly_fits_commits_its_first_events_and_drops_the_rest(
    outbox_client: NetmeraClient, path: Path
) -> None:
    dropped: list[UndeliveredEvent] = []
    with OutboxSender(outbox_client, path, max_rows=3, deliver=False, on_drop=dropped.append) as sender:

        async def main() -> list[bool]:
            return await asyncio.gather(*(sender.enqueue_async(share(number)) for number in range(5)))

        assert asyncio.run(main()) == [True, True, True, False, False]
    assert stored(path) == [0, 1, 2]
    assert [event.reason for event in dropped] == ["queue_full", "queue_full"]


def test_under_block_the_rest_of_a_group_waits_for_room_while_the_loop_runs(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(
        outbox_client, path, max_rows=3, overflow=OverflowPolicy.BLOCK, block_timeout=30, flush_interval=0.05
    ) as sender:

        async def main() -> tuple[list[bool], int]:
            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.001)
                    ticks += 1

            ticker = asyncio.create_task(tick())
            outcomes = await asyncio.gather(*(sender.enqueue_async(share(number)) for number in range(12)))
            ticker.cancel()
            return outcomes, ticks

        outcomes, ticks = asyncio.run(main())
        assert outcomes == [True] * 12
        assert ticks > 0  # the loop ran while events waited for room
        assert sender.flush(timeout=10)
    assert sorted(int(event["itemId"]) for event in fake.events) == list(range(12))


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
