"""The outbox from asyncio: `enqueue_async()` returns once the event is on disk, tasks of one loop share commits,
the loop never waits for another process's lock (nor for the disk under `durability="full"`), drops and errors
reach each task, and a cancelled task's event is not lost."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from netmera_events import (
    NetmeraClient,
    OutboxError,
    OutboxLockedError,
    OutboxSender,
    OverflowPolicy,
    ShareEvent,
    UndeliveredEvent,
)
from netmera_events import _outbox_store as outbox_store
from netmera_events._encoding import EncodedEvent
from netmera_events._outbox_async import INLINE_EVENTS
from netmera_events.testing import FakeNetmera, Fault

from .conftest import store_held_by_another_thread


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number % 50}", item_id=str(number), channel="Facebook")


def enqueue_in_tasks(sender: OutboxSender, numbers: range) -> list[bool]:
    """`enqueue_async()` of each number's event, from as many tasks on one event loop at once."""

    async def main() -> list[bool]:
        return await asyncio.gather(*(sender.enqueue_async(share(number)) for number in numbers))

    return asyncio.run(main())


def stored(path: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
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

        assert enqueue_in_tasks(sender, range(100)) == [True] * 100
    assert stored(path) == list(range(100))
    assert commits and all((thread == threading.main_thread().name) is on_the_loop for thread, _ in commits)
    assert len(commits) < 10


def test_the_worker_delivers_what_tasks_enqueued(fake: FakeNetmera, outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, flush_interval=0.05) as sender:
        assert enqueue_in_tasks(sender, range(300)) == [True] * 300
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


def test_while_another_connection_holds_the_write_lock_the_loop_runs_and_a_cancelled_task_keeps_its_event(
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
        assert enqueue_in_tasks(sender, range(5)) == [True, True, True, False, False]
    assert stored(path) == [0, 1, 2]
    assert [event.reason for event in dropped] == ["queue_full", "queue_full"]


def test_under_block_the_rest_of_a_group_waits_for_room_while_the_loop_runs_and_order_holds(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    fake.fault_hook = lambda number: Fault.delay(0.3)  # room comes back slowly, a batch at a time
    with OutboxSender(
        outbox_client,
        path,
        max_rows=3,
        batch_size=3,
        overflow=OverflowPolicy.BLOCK,
        block_timeout=30,
        flush_interval=0.01,
    ) as sender:

        async def main() -> tuple[list[bool], float, float]:
            ticks: list[float] = []

            async def tick() -> None:
                while True:
                    ticks.append(time.monotonic())
                    await asyncio.sleep(0.001)

            ticker = asyncio.create_task(tick())
            outcomes = await asyncio.gather(*(sender.enqueue_async(share(number)) for number in range(12)))
            ticker.cancel()
            return outcomes, ticks[-1] - ticks[0], max(later - earlier for earlier, later in itertools.pairwise(ticks))

        outcomes, waited, longest_stall = asyncio.run(main())
        assert outcomes == [True] * 12
        assert waited >= 0.6  # three batches had to go out before the last events fitted
        assert longest_stall < 0.25  # the loop ran all along: the waiting was done in a thread
        assert sender.flush(timeout=10)
    assert [int(event["itemId"]) for event in fake.events] == list(range(12))  # committed in order


def test_a_loop_stopped_before_committing_leaves_nothing_behind(outbox_client: NetmeraClient, path: Path) -> None:
    """Fire-and-forget tasks, then the loop stopped (a signal handler, `run_until_complete` returning): the
    events they handed over are committed when the thread runs another loop, or when the sender closes."""
    with OutboxSender(outbox_client, path, deliver=False) as sender:

        def stopped_loop(number: int) -> None:
            loop = asyncio.new_event_loop()

            async def handler() -> None:
                asyncio.ensure_future(sender.enqueue_async(share(number)))
                loop.call_soon(loop.stop)  # before the loop's next pass commits the event

            loop.create_task(handler())
            loop.run_forever()
            loop.close()

        stopped_loop(1)

        async def later() -> bool:
            return await sender.enqueue_async(share(2))

        assert asyncio.run(later())
        stopped_loop(3)
    assert stored(path) == [1, 2, 3]
    assert sender.stats.enqueued == 3 and sender.stats.dropped == 0


def test_a_failed_commit_reaches_the_waiting_task_and_reports_the_cancelled_ones(
    outbox_client: NetmeraClient, path: Path
) -> None:
    dropped: list[UndeliveredEvent] = []
    with OutboxSender(outbox_client, path, deliver=False, on_drop=dropped.append) as sender:
        with sqlite3.connect(path) as connection:
            connection.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )

        async def main() -> list[BaseException | bool]:
            tasks = [asyncio.create_task(sender.enqueue_async(share(n))) for n in range(3)]
            await asyncio.sleep(0)  # every task has handed its event over
            tasks[0].cancel()
            tasks[1].cancel()
            return await asyncio.gather(*tasks, return_exceptions=True)

        outcomes = asyncio.run(main())
    assert isinstance(outcomes[0], asyncio.CancelledError) and isinstance(outcomes[1], asyncio.CancelledError)
    assert isinstance(outcomes[2], OutboxError) and str(path) in str(outcomes[2])
    assert [(event.reason, event.name) for event in dropped] == [("failed", "ShareEvent")] * 2


def test_a_burst_is_committed_in_bounded_pieces_in_order(outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        commits = count_commits(sender)

        assert enqueue_in_tasks(sender, range(2500)) == [True] * 2500
    assert [size for _, size in commits] == [INLINE_EVENTS, INLINE_EVENTS, 500]
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT json_extract(value, '$.itemId') FROM chunks, json_each('[' || data || ']')")
        assert [int(row[0]) for row in rows] == list(range(2500))  # ids in commit order, events in place


def test_ctrl_c_during_a_commit_on_the_loop_loses_nothing(outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        insert_now = sender._store.insert_now

        def interrupted(rows: list[EncodedEvent], max_rows: int, max_bytes: int) -> tuple[int, int] | None:
            sender._store.insert_now = insert_now  # type: ignore[method-assign]
            raise KeyboardInterrupt

        sender._store.insert_now = interrupted  # type: ignore[method-assign]

        async def main() -> None:
            await asyncio.gather(*(sender.enqueue_async(share(number)) for number in range(5)))

        with pytest.raises(KeyboardInterrupt):
            asyncio.run(main())
    assert stored(path) == [0, 1, 2, 3, 4]


def test_the_loop_leaves_the_commit_to_a_thread_while_another_thread_of_the_process_uses_the_file(
    outbox_client: NetmeraClient, path: Path
) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        commits = count_commits(sender)
        with store_held_by_another_thread(sender) as release:

            async def main() -> bool:
                task = asyncio.create_task(sender.enqueue_async(share(1)))
                for _ in range(20):  # the loop goes on meanwhile
                    await asyncio.sleep(0.005)
                assert not task.done()
                release.set()
                return await asyncio.wait_for(task, 10)

            assert asyncio.run(main())
    assert stored(path) == [1]
    assert [thread == threading.main_thread().name for thread, _ in commits] == [False]


def test_after_close_an_event_is_refused_and_the_file_left_closed(outbox_client: NetmeraClient, path: Path) -> None:
    dropped: list[UndeliveredEvent] = []
    sender = OutboxSender(outbox_client, path, deliver=False, on_drop=dropped.append)

    async def put(number: int) -> bool:
        return await sender.enqueue_async(share(number))

    assert asyncio.run(put(1))
    assert sender.close()
    assert not asyncio.run(put(2))
    assert [event.reason for event in dropped] == ["closed"]
    assert stored(path) == [1]
    assert open_descriptors(path) == []
    assert (sender.stats.enqueued, sender.stats.queued) == (1, 1)  # read from the file, left closed again
    assert open_descriptors(path) == []


def open_descriptors(path: Path) -> list[str]:
    """This process's open files that are `path` or its write-ahead log (Linux)."""
    if not Path("/proc/self/fd").is_dir():
        pytest.skip("needs /proc/self/fd")
    names = []
    for descriptor in Path("/proc/self/fd").iterdir():
        try:
            names.append(os.readlink(descriptor))
        except OSError:
            continue
    return [name for name in names if name.startswith(str(path))]


def test_close_delivers_what_tasks_enqueued_and_counts_it(
    fake: FakeNetmera, outbox_client: NetmeraClient, path: Path
) -> None:
    sender = OutboxSender(outbox_client, path, flush_interval=60)

    assert enqueue_in_tasks(sender, range(50)) == [True] * 50
    assert sender.stats.enqueued == 50
    assert sender.close(timeout=10)  # what this process committed, not waiting for flush_interval
    assert sorted(int(event["itemId"]) for event in fake.events) == list(range(50))
    assert open_descriptors(path) == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_commits_on_connections_of_its_own(outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        assert enqueue_in_tasks(sender, range(5)) == [True] * 5
        parents = sender._store._connection, sender._store._hasty
        child = os.fork()
        if child == 0:  # pragma: no cover - the child's outcome is its exit status
            status = 1
            try:
                ok = enqueue_in_tasks(sender, range(5, 10)) == [True] * 5
                own = {id(sender._store._connection), id(sender._store._hasty)}.isdisjoint(map(id, parents))
                sender.close()
                status = 0 if ok and own else 2
            finally:
                os._exit(status)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert enqueue_in_tasks(sender, range(10, 12)) == [True] * 2
    assert stored(path) == list(range(12))


def test_the_loops_connection_never_checkpoints_and_a_commit_goes_to_a_thread_when_the_log_is_due(
    outbox_client: NetmeraClient, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint copies the log into the file and waits for the disk: never on the loop. Without a worker
    nothing else checkpoints, so after a while one commit goes through the connection that may."""
    monkeypatch.setattr(outbox_store, "HASTY_LOG_PAGES", 20)
    with OutboxSender(outbox_client, path, deliver=False) as sender:
        commits = count_commits(sender)

        async def put(number: int) -> bool:
            return await sender.enqueue_async(share(number))

        for number in range(12):
            assert asyncio.run(put(number))
        assert sender._store._hasty is not None
        assert sender._store._hasty.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    on_the_loop = [thread == threading.main_thread().name for thread, _ in commits]
    assert on_the_loop == [True] * 5 + [False] + [True] * 5 + [False]  # 4 pages each: 20 pages, then a thread
    assert stored(path) == list(range(12))


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


def test_a_group_partly_committed_before_a_failure_reports_the_committed_ones_as_committed(
    outbox_client: NetmeraClient, path: Path
) -> None:
    """Told the whole group failed, an application retrying on OutboxError would send the committed ones twice."""
    dropped: list[UndeliveredEvent] = []
    with OutboxSender(
        outbox_client,
        path,
        max_rows=3,
        overflow=OverflowPolicy.BLOCK,
        block_timeout=5,
        deliver=False,
        on_drop=dropped.append,
    ) as sender:
        insert, insert_now = sender._store.insert, sender._store.insert_now
        calls = 0

        def failing_second(rows: list[EncodedEvent], max_rows: int, max_bytes: int) -> tuple[int, int]:
            nonlocal calls
            calls += 1
            if calls == 2:  # another process held the file past busy_timeout
                raise OutboxLockedError(path, "locked by another process")
            return insert(rows, max_rows, max_bytes)

        sender._store.insert = failing_second  # type: ignore[method-assign]
        sender._store.insert_now = lambda rows, max_rows, max_bytes: None  # type: ignore[method-assign]  # to a thread

        outcomes = enqueue_in_tasks(sender, range(5))
        sender._store.insert_now = insert_now  # type: ignore[method-assign]
    assert outcomes == [True, True, True, False, False]
    assert [event.reason for event in dropped] == ["failed", "failed"]
    assert stored(path) == [0, 1, 2]


def test_the_commits_of_finished_threads_loops_are_not_kept(outbox_client: NetmeraClient, path: Path) -> None:
    with OutboxSender(outbox_client, path, deliver=False) as sender:

        def one_loop(number: int) -> None:
            async def put() -> bool:
                return await sender.enqueue_async(share(number))

            assert asyncio.run(put())

        for number in range(30):
            thread = threading.Thread(target=one_loop, args=(number,))
            thread.start()
            thread.join()
        assert len(sender._loops) <= 2
    assert stored(path) == list(range(30))
