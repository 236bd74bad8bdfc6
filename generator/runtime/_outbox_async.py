"""Enqueueing into the outbox from asyncio: the tasks of one event loop share commits.

Threads waiting for a group commit each need waking when it ends, and those wake-ups bound what
threads can enqueue (about 20k events a second from 16 threads on 2 cores). Tasks on an event
loop wait on futures instead: one commit, run in a worker thread so that the loop goes on, settles
every task whose event it holds, and the events enqueued meanwhile form the next group.

The commits are chained by callbacks, not run by a task of their own: a task can be cancelled (as
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

    ``put`` commits a list of events in order and returns how many were committed (the first ones;
    it has dealt with the rest, as :meth:`OutboxSender.enqueue` deals with an event it drops). It
    blocks, so it runs in the loop's default executor, one group after the other.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, put: Callable[[list[EncodedEvent]], int]
    ) -> None:
        self.loop = loop
        self._put = put
        self._events: list[EncodedEvent] = []
        self._futures: list[asyncio.Future[bool]] = []
        self._committing = False

    def add(self, event: EncodedEvent) -> asyncio.Future[bool]:
        """(On ``loop``.) A future of whether ``event`` was committed (``True``) or dropped
        (``False``); a plain function, not a coroutine: one coroutine an event is enough."""
        future: asyncio.Future[bool] = self.loop.create_future()
        self._events.append(event)
        self._futures.append(future)
        if not self._committing:
            self._committing = True
            self._commit_next()
        return future

    def _commit_next(self) -> None:
        """(On ``loop``.) Commit the events waiting now, in the executor."""
        events, futures = self._events, self._futures
        self._events, self._futures = [], []
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
        """(On ``loop``.) The commit of ``events`` ended (``None``: make it here, now): settle their
        futures, go on with the events enqueued meanwhile."""
        self._settle(futures, events, commit)
        if self._events:
            self._commit_next()
        else:
            self._committing = False

    def _settle(
        self,
        futures: list[asyncio.Future[bool]],
        events: list[EncodedEvent],
        commit: asyncio.Future[int] | None,
    ) -> None:
        try:
            committed = self._put(events) if commit is None else commit.result()
        except Exception as error:  # noqa: BLE001 - each waiting task hears of it
            if all(future.done() for future in futures):  # no task left to hear of it
                _log.error("could not commit %d events to the outbox", len(events), exc_info=True)
            for future in futures:
                if not future.done():
                    future.set_exception(error)
            return
        for position, future in enumerate(futures):
            if not future.done():  # its task was cancelled: the event is committed anyway
                future.set_result(position < committed)
