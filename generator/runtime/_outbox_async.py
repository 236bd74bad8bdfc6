"""Enqueueing into the outbox from asyncio: the tasks of one event loop share commits.

Threads waiting for a group commit each need waking when it ends, and those wake-ups bound what
threads can enqueue (about 20k events a second from 16 threads on 2 cores). Tasks on an event
loop wait on futures instead. The events the loop's tasks hand over while it runs them form one
group, committed once they have all run; each task whose event the group holds is then settled.

A group is committed on the loop itself when that needs no waiting: with ``durability="normal"``
a commit is an append to SQLite's write-ahead log, a few hundred microseconds for a group of a few
hundred events, and the hand-overs to a thread and back cost the loop more than that (measured:
with each group committed in a thread, the loop stood idle a third of the time and its tasks
enqueued half as fast). One commit on the loop holds at most ``INLINE_EVENTS`` events and
``INLINE_BYTES`` bytes; the rest of a burst waits for the loop's next pass. When the file is busy
(another process writing to it, another thread of this process using it, or every commit waiting
for the disk under ``durability="full"``) the group is committed in the loop's default executor
instead, and the loop goes on meanwhile; the groups after it wait for it, so events are committed
in the order they were handed over.

The commits are made by callbacks, not by a task of their own: a task can be cancelled (as
``asyncio.run`` cancels every task when it ends) before or while it commits, and events given to
it would then wait for ever or be lost. An event handed to :meth:`LoopCommits.add` is committed,
or dropped and reported (``drop``, as :meth:`OutboxSender.enqueue` reports an event it drops), even
if the task waiting for it is cancelled. A loop stopped before its next pass leaves its last group
behind: :meth:`LoopCommits.commit_left_behind` commits it (the sender calls it when the thread
runs another loop, and when it closes).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, islice

from ._encoding import EncodedEvent, encoded_sizes

__all__ = ["INLINE_BYTES", "INLINE_EVENTS", "LoopCommits"]

_log = logging.getLogger(__name__)

#: Events, and bytes of their JSON, that one commit on the loop holds at most: a few milliseconds
#: of the loop's time (a burst of 20k events of 2 KB in one commit held it 170 ms).
INLINE_EVENTS = 1_000
INLINE_BYTES = 512 * 1024


class LoopCommits:
    """The events enqueued on ``loop`` and not yet committed, and the commit under way.

    ``commit_now`` commits a list of events, in order, if it can without waiting, and returns how
    many it committed (the first ones). ``put`` commits a list of events in order, waiting as
    long as it must, and returns how many were committed (the first ones; it has dealt with the
    rest, as :meth:`OutboxSender.enqueue` deals with an event it drops); it runs in the loop's
    default executor, one group after the other, or on the loop once that executor is shut down.
    ``drop`` reports an event given up on, with a reason.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        commit_now: Callable[[list[EncodedEvent]], int],
        put: Callable[[list[EncodedEvent]], int],
        drop: Callable[[EncodedEvent, str], object],
    ) -> None:
        self.loop = loop
        self.thread = threading.current_thread()  # the loop's (LoopCommits are made on it)
        self._commit_now = commit_now
        self._put = put
        self._drop = drop
        self._events: list[EncodedEvent] = []
        self._futures: list[asyncio.Future[bool]] = []
        self._scheduled = False  # a callback will commit the events waiting
        self._in_executor = False  # a group is being committed in the executor

    def add(self, event: EncodedEvent) -> asyncio.Future[bool]:
        """(On ``loop``.) A future of whether ``event`` was committed (``True``) or dropped
        (``False``); a plain function, not a coroutine: one coroutine an event is enough."""
        future: asyncio.Future[bool] = self.loop.create_future()
        self._events.append(event)
        self._futures.append(future)
        if not (self._scheduled or self._in_executor):  # else they join what is scheduled
            self._schedule()
        return future

    def finished(self) -> bool:
        """Whether ``loop`` is closed with nothing of its left to commit."""
        return self.loop.is_closed() and not self._events

    def commit_left_behind(self, *, stopped: bool = False) -> None:
        """(From any thread, ``loop`` not running, or ``stopped``: its thread waits, in none of
        these methods, for the process to end.) Commit, with ``put``, the events handed over in
        the loop's last pass, which it stopped before committing. Their futures are settled if the
        loop runs again."""
        if (self.loop.is_running() and not stopped) or not self._events:
            return
        events, futures = self._events, self._futures
        self._events, self._futures = [], []
        try:
            committed = self._put(events)
        except Exception as error:  # noqa: BLE001 - the loop may never run again to hear of it
            _log.error("could not commit %d events to the outbox", len(events), exc_info=True)
            for event in events:
                self._drop(event, "failed")
            self._call_on_loop(_raise_in, futures, error)
            return
        self._call_on_loop(_settle, futures, committed)

    def _call_on_loop(self, callback: Callable[..., object], *args: object) -> None:
        """Run ``callback`` on ``loop`` when it next runs, if it is not closed."""
        try:
            self.loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # closed: no task of it waits any more
            pass

    def _schedule(self) -> None:
        """(On ``loop``.) Commit the events waiting once the tasks ready now have run, so that their
        events join the group."""
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self._commit_waiting)

    def _commit_waiting(self) -> None:
        """(On ``loop``.) Commit the events waiting now: here if the file is free, the rest of the
        group in the executor; what is beyond one inline commit at the loop's next pass."""
        self._scheduled = False
        if self._in_executor or not self._events:  # the executor's commit goes on with them
            return
        count = _inline_share(self._events)
        events, futures = self._events[:count], self._futures[:count]
        del self._events[:count], self._futures[:count]
        if self._events:
            self._schedule()
        try:
            committed = self._commit_now(events)
        except Exception as error:  # noqa: BLE001 - each waiting task hears of it
            self._fail(futures, events, error)
            return
        except BaseException:
            # Ctrl-C on the loop's thread: the group waits for the loop's next pass, or for the
            # sender's close(). If SQLite had committed it already, it is sent twice.
            self._events[:0], self._futures[:0] = events, futures
            self._schedule()
            raise
        _resolve(futures[:committed], True)
        if committed < len(events):
            self._put_in_executor(events[committed:], futures[committed:])

    def _put_in_executor(
        self, events: list[EncodedEvent], futures: list[asyncio.Future[bool]]
    ) -> None:
        self._in_executor = True
        try:
            commit = self.loop.run_in_executor(None, self._put, events)
        except RuntimeError:  # the executor is shutting down (the loop is ending): commit here
            self._settled(futures, events, None)
            return
        commit.add_done_callback(functools.partial(self._settled, futures, events))

    def _settled(
        self,
        futures: list[asyncio.Future[bool]],
        events: list[EncodedEvent],
        commit: asyncio.Future[int] | None,
    ) -> None:
        """(On ``loop``.) The executor's commit of ``events`` ended (``None``: make it here, now):
        settle their futures, go on with the events enqueued meanwhile."""
        self._in_executor = False
        try:
            committed = self._put(events) if commit is None else commit.result()
        except Exception as error:  # noqa: BLE001 - each waiting task hears of it
            self._fail(futures, events, error)
        else:
            _settle(futures, committed)
        self._commit_waiting()

    def _fail(
        self, futures: list[asyncio.Future[bool]], events: list[EncodedEvent], error: Exception
    ) -> None:
        """(On ``loop``.) Nothing of ``events`` was committed: every task still waiting for one
        raises ``error``; the events of cancelled tasks are reported as dropped."""
        if all(future.done() for future in futures):  # no task left to hear of it
            _log.error("could not commit %d events to the outbox", len(events), exc_info=error)
        for future, event in zip(futures, events):
            if future.done():
                self._drop(event, "failed")
        _raise_in(futures, error)


def _raise_in(futures: list[asyncio.Future[bool]], error: Exception) -> None:
    for future in futures:
        if not future.done():
            future.set_exception(error)


def _inline_share(events: list[EncodedEvent]) -> int:
    """How many of the first ``events`` one commit on the loop takes (at least one)."""
    ends = list(accumulate(encoded_sizes(islice(events, INLINE_EVENTS))))
    return max(bisect_right(ends, INLINE_BYTES), 1)


def _settle(futures: list[asyncio.Future[bool]], committed: int) -> None:
    """The first ``committed`` events were committed, the rest dropped (and reported)."""
    _resolve(futures[:committed], True)
    _resolve(futures[committed:], False)


def _resolve(futures: list[asyncio.Future[bool]], result: bool) -> None:
    for future in futures:
        if not future.done():  # its task was cancelled: the event was dealt with anyway
            future.set_result(result)
