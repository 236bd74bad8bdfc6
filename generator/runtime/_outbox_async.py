"""Enqueueing into the outbox from asyncio: the tasks of one event loop share commits.

Threads waiting for a group commit each need waking when it ends, and those wake-ups bound what
threads can enqueue (about 20k events a second from 16 threads on 2 cores). Tasks on an event
loop wait on futures instead. The events the loop's tasks hand over while it runs them form one
group, committed once they have all run; each task whose event the group holds is then settled.

A group is committed on the loop itself when that needs no waiting: with ``durability="normal"``
a commit is an append to SQLite's write-ahead log, a few hundred microseconds for a group of a few
hundred events, and the hand-overs to a thread and back cost the loop more than that (measured:
with each group committed in a thread, the loop stood idle a third of the time and its tasks
enqueued half as fast). When the file is busy (another process writing to it, this process's worker in a
transaction, or every commit waiting for the disk under ``durability="full"``) the group is
committed in the loop's default executor instead, and the loop goes on meanwhile.

The commits are made by callbacks, not by a task of their own: a task can be cancelled (as
``asyncio.run`` cancels every task when it ends) before or while it commits, and events given to
it would then wait for ever or be lost. An event handed to :meth:`LoopCommits.add` is committed
(or dropped and reported, as ``put`` does) even if the task waiting for it is cancelled.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable

from ._encoding import EncodedEvent

__all__ = ["LoopCommits"]

_log = logging.getLogger(__name__)


class LoopCommits:
    """The events enqueued on ``loop`` and not yet committed, and the commit under way.

    ``commit_now`` commits a list of events, in order, if it can without waiting, and returns how
    many it committed (the first ones). ``put`` commits a list of events in order, waiting as
    long as it must, and returns how many were committed (the first ones; it has dealt with the
    rest, as :meth:`OutboxSender.enqueue` deals with an event it drops); it runs in the loop's
    default executor, one group after the other.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        commit_now: Callable[[list[EncodedEvent]], int],
        put: Callable[[list[EncodedEvent]], int],
    ) -> None:
        self.loop = loop
        self._commit_now = commit_now
        self._put = put
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
        if not (self._scheduled or self._in_executor):
            # After the tasks ready now have run, so that their events join this group.
            self._scheduled = True
            self.loop.call_soon(self._commit_waiting)
        return future

    def _commit_waiting(self) -> None:
        """(On ``loop``.) Commit the events waiting now: here if the file is free, the rest in the
        executor."""
        self._scheduled = False
        events, futures = self._events, self._futures
        self._events, self._futures = [], []
        try:
            committed = self._commit_now(events)
        except Exception as error:  # noqa: BLE001 - each waiting task hears of it
            _fail(futures, events, error)
            return
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
            _fail(futures, events, error)
        else:
            _resolve(futures[:committed], True)
            _resolve(futures[committed:], False)
        if self._events:
            self._commit_waiting()


def _resolve(futures: list[asyncio.Future[bool]], result: bool) -> None:
    for future in futures:
        if not future.done():  # its task was cancelled: the event was dealt with anyway
            future.set_result(result)


def _fail(
    futures: list[asyncio.Future[bool]], events: list[EncodedEvent], error: Exception
) -> None:
    """Nothing of ``events`` was committed: every task still waiting for one raises ``error``."""
    if all(future.done() for future in futures):  # no task left to hear of it
        _log.error("could not commit %d events to the outbox", len(events), exc_info=error)
    for future in futures:
        if not future.done():
            future.set_exception(error)
