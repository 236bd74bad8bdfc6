"""Enqueueing into the outbox from asyncio: the tasks of one event loop share commits.

Threads waiting for a group commit each need waking when it ends, and those wake-ups bound what
threads can enqueue (about 20k events a second from 16 threads on 2 cores). Tasks on an event
loop wait on futures instead: one commit, run in a worker thread so that the loop goes on, settles
every task whose event it holds, and the events enqueued meanwhile form the next group.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ._encoding import EncodedEvent

__all__ = ["LoopCommits"]


class LoopCommits:
    """The events enqueued on ``loop`` and not yet committed, and the task committing them.

    ``put`` commits a list of events in order and returns how many were committed (the first ones;
    it has dealt with the rest, as :meth:`OutboxSender.enqueue` deals with an event it drops). It
    blocks, so it runs in the loop's default executor, one call at a time.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, put: Callable[[list[EncodedEvent]], int]
    ) -> None:
        self.loop = loop
        self._put = put
        self._events: list[EncodedEvent] = []
        self._futures: list[asyncio.Future[bool]] = []
        self._committing: asyncio.Task[None] | None = None

    def add(self, event: EncodedEvent) -> asyncio.Future[bool]:
        """(On ``loop``.) A future of whether ``event`` was committed (``True``) or dropped
        (``False``); a plain function, not a coroutine: one coroutine an event is enough."""
        future: asyncio.Future[bool] = self.loop.create_future()
        self._events.append(event)
        self._futures.append(future)
        if self._committing is None:
            # Kept until it ends: the loop holds only a weak reference to a task.
            self._committing = self.loop.create_task(self._commit_all())
        return future

    async def _commit_all(self) -> None:
        try:
            while self._events:
                events, futures = self._events, self._futures
                self._events, self._futures = [], []
                try:
                    committed = await self.loop.run_in_executor(None, self._put, events)
                except asyncio.CancelledError:
                    # The loop is shutting down: the commit may still finish in its thread, but
                    # no task waiting here hears of it, and nothing more is committed.
                    for future in futures + self._futures:
                        future.cancel()
                    self._events, self._futures = [], []
                    raise
                except Exception as error:  # noqa: BLE001 - each waiting task hears of it
                    for future in futures:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for position, future in enumerate(futures):
                    if not future.done():  # its task was cancelled: the event is committed anyway
                        future.set_result(position < committed)
        finally:
            self._committing = None
