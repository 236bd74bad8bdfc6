"""Background sending: ``enqueue()`` returns at once and a worker thread sends events in batches.

Lessons from other analytics SDKs are built in: the queue is bounded and says what it does when full
(a named policy, a counter, a callback, rate-limited warnings) instead of dropping silently;
``flush()`` and ``close()`` take a timeout and cannot hang, even with no worker running; at
interpreter exit a bounded flush runs and reports what it could not send; a child process after
``os.fork()`` gets a fresh, empty queue and worker (the parent's thread does not exist there); a
failing callback is logged and the worker carries on.
"""

from __future__ import annotations

import atexit
import enum
import itertools
import logging
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from ._batching import Batch, BatchBuilder, BatchLimits
from ._client import NetmeraClient
from ._constants import MAX_EXT_IDS_PER_REQUEST
from ._delivery import BatchReport
from ._encoding import EncodedEvent, encode_event, encode_payload
from ._errors import EventsRejectedError, EventValidationError, NetmeraError
from ._event import Event
from ._hooks import SendHook, SendHookError, as_hooks, log_hook_failure, payload_to_event, run_hooks
from ._results import FireResult, summarize_names
from ._validate import validate

_log = logging.getLogger(__name__)

#: Events held in memory at most. Each is kept as its JSON, typically a few hundred bytes, so a full
#: queue takes a few MiB.
DEFAULT_MAX_QUEUE_SIZE = 10_000
#: Events per request from the background sender (also the size that triggers an early send).
DEFAULT_BATCH_SIZE = MAX_EXT_IDS_PER_REQUEST
#: Seconds an event may wait in the queue for a batch to fill before it is sent anyway.
DEFAULT_FLUSH_INTERVAL = 1.0
#: Seconds ``enqueue()`` waits for room under :attr:`OverflowPolicy.BLOCK` before dropping.
DEFAULT_BLOCK_TIMEOUT = 1.0
#: Seconds ``flush()`` / ``close()`` wait by default.
DEFAULT_FLUSH_TIMEOUT = 10.0
#: Seconds the exit-time flush may take per sender: long enough for a batch or two, short enough
#: that an unreachable Netmera does not hold up a deploy.
DEFAULT_EXIT_TIMEOUT = 5.0


class OverflowPolicy(enum.Enum):
    """What ``enqueue()`` does when the queue is full."""

    #: Drop the new event at once: it is counted, logged (rate-limited) and passed to ``on_drop``.
    DROP = "drop"
    #: Wait up to ``block_timeout`` seconds for room, then drop as above.
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class UndeliveredEvent:
    """An event the background sender gave up on, as passed to ``on_drop`` and ``on_error``.

    ``reason`` is ``"queue_full"``, ``"closed"`` (enqueued after, or still queued at, ``close()``),
    ``"exit"`` (still queued when the interpreter exited), ``"rejected"`` (Netmera refused it),
    ``"failed"`` (delivery failed after every retry), ``"hook"`` (a ``before_send`` hook failed;
    ``index`` is -1 and ``payload`` empty) or, from the outbox, ``"retrying"`` (delivery failed and
    the event waits in the outbox for another attempt). ``payload`` is the JSON that was or would have
    been sent, for a dead-letter store; neither it nor ``ext_id`` is in the repr.
    """

    index: int
    name: str
    reason: str
    ext_id: str = field(repr=False)
    payload: bytes = field(repr=False)

    @classmethod
    def of(cls, event: EncodedEvent, reason: str) -> UndeliveredEvent:
        return cls(event.position, event.name, reason, event.ext_id, event.data)


@dataclass(frozen=True, slots=True)
class SenderStats:
    """Counters since the sender started (in a forked child: since the fork).

    ``enqueued`` events were accepted into the queue; of those ``sent`` were delivered, ``failed``
    were refused or failed after every retry, ``queued`` wait and ``in_flight`` are being sent.
    ``dropped`` counts events never accepted (queue full, closed) plus accepted ones discarded at
    close or exit. ``retried`` counts events re-sent after an attempt Netmera may have recorded
    anyway: a bound on duplicates there.
    """

    enqueued: int
    sent: int
    retried: int
    dropped: int
    failed: int
    queued: int
    in_flight: int


DropCallback = Callable[[UndeliveredEvent], None]
ErrorCallback = Callable[[NetmeraError, Sequence[UndeliveredEvent]], None]


class BackgroundSender:
    """Queues events and sends them from a worker thread, in batches by size and by time.

    ``client`` defaults to a :class:`NetmeraClient` configured from the environment (closed with the
    sender); a client passed in is used, not closed. Batches go out when ``batch_size`` events are
    waiting or the oldest has waited ``flush_interval`` seconds. At most ``max_queue_size`` events
    wait; beyond that ``overflow`` decides. ``on_drop(event)`` hears of every dropped event and
    ``on_error(error, events)`` of every failed or refused one; exceptions they raise are logged and
    ignored. ``before_send`` hooks run in :meth:`enqueue` (see :class:`NetmeraClient`); one that
    raises is reported to ``on_error`` and its event is not queued. Call :meth:`close` when done; at interpreter exit the sender closes itself, waiting at
    most ``exit_timeout`` seconds.
    """

    def __init__(
        self,
        client: NetmeraClient | None = None,
        *,
        max_queue_size: int = DEFAULT_MAX_QUEUE_SIZE,
        batch_size: int = DEFAULT_BATCH_SIZE,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        overflow: OverflowPolicy = OverflowPolicy.DROP,
        block_timeout: float = DEFAULT_BLOCK_TIMEOUT,
        on_drop: DropCallback | None = None,
        on_error: ErrorCallback | None = None,
        exit_timeout: float = DEFAULT_EXIT_TIMEOUT,
        before_send: SendHook | Sequence[SendHook] | None = None,
    ) -> None:
        self._before_send = as_hooks(before_send)
        if max_queue_size < 1:
            raise ValueError(f"max_queue_size must be at least 1, not {max_queue_size}")
        if flush_interval <= 0 or block_timeout < 0 or exit_timeout < 0:
            raise ValueError(
                "flush_interval must be positive; block_timeout and exit_timeout cannot be negative"
            )
        if not isinstance(overflow, OverflowPolicy):
            raise TypeError(f"overflow must be an OverflowPolicy, not {overflow!r}")
        self._owns_client = client is None
        self._client = client if client is not None else NetmeraClient()
        client_limits = self._client.settings.batch_limits
        self._limits = BatchLimits(
            client_limits.max_ext_ids, client_limits.max_bytes, max_events=batch_size
        )
        self._max_queue_size = max_queue_size
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._overflow = overflow
        self._block_timeout = block_timeout
        self._on_drop = on_drop
        self._on_error = on_error
        self._exit_timeout = exit_timeout
        self._closing = False
        self._closed = False
        self._give_up_reason = "closed"
        self._reset_state()
        _LIVE_SENDERS.add(self)

    def _reset_state(self) -> None:
        """Fresh synchronisation objects, queue and counters: at construction, and in a child after
        fork (where the locks may have been held by a thread that does not exist any more)."""
        self._lock = threading.Lock()
        self._has_items = threading.Condition(self._lock)
        self._has_room = threading.Condition(self._lock)
        self._has_settled = threading.Condition(self._lock)
        self._queue: deque[EncodedEvent] = deque()
        self._oldest = 0.0  # when the oldest queued event arrived (monotonic clock)
        self._accepted = 0  # events ever accepted into the queue
        self._taken = 0  # ... taken out of it by the worker
        self._settled = 0  # ... whose fate is decided (sent, failed, refused or discarded)
        self._flush_to = 0  # flush() asked for everything accepted up to here to go now
        self._in_flight = 0
        self._sent = self._retried = self._dropped = self._failed = 0
        self._sequence = itertools.count()
        self._abandon = threading.Event()
        self._worker: threading.Thread | None = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else "closing" if self._closing else "open"
        return f"{type(self).__name__}(client={self._client!r}, queued={len(self._queue)}, {state})"

    def __enter__(self) -> BackgroundSender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def stats(self) -> SenderStats:
        with self._lock:
            return SenderStats(
                enqueued=self._accepted,
                sent=self._sent,
                retried=self._retried,
                dropped=self._dropped,
                failed=self._failed,
                queued=len(self._queue),
                in_flight=self._in_flight,
            )

    # --- producers --------------------------------------------------------------------------------

    def enqueue(self, event: Event) -> bool:
        """Queue one event for sending; return ``True`` if it was queued, ``False`` if it was
        dropped.

        Never waits, except up to ``block_timeout`` under :attr:`OverflowPolicy.BLOCK` with a full
        queue. The event is serialised here, so a later change to the object does not change what is
        sent, and an event that cannot be sent at all raises :class:`EventEncodingError` now rather
        than failing later.
        """
        if not isinstance(event, Event):
            raise TypeError(f"enqueue() takes a generated event object, not {type(event).__name__}")
        if self._before_send:
            kept = self._run_hooks(event)
            if kept is None:
                return False
            event = kept
        return self._put(encode_event(event, next(self._sequence), self._limits.max_bytes))

    def enqueue_payload(self, payload: Mapping[str, Any]) -> bool:
        """Validate a raw wire dict against the event schemas, then queue it as :meth:`enqueue`
        does."""
        violations = validate(payload)
        if violations:
            raise EventValidationError(violations)
        if self._before_send:
            return self.enqueue(payload_to_event(payload))
        return self._put(encode_payload(payload, next(self._sequence), self._limits.max_bytes))

    def _run_hooks(self, event: Event) -> Event | None:
        """The ``before_send`` hooks, on the caller's thread: a hook that raises is reported to
        ``on_error`` (reason ``"hook"``) and the event is not queued."""
        try:
            return run_hooks(self._before_send, event)
        except SendHookError as error:
            log_hook_failure(_log, error)
            if self._on_error is not None:
                undelivered = UndeliveredEvent(-1, event.EVENT_NAME, "hook", event.ext_id, b"")
                self._call_back(self._on_error, error, [undelivered])
            return None

    def _put(self, event: EncodedEvent) -> bool:
        with self._lock:
            reason = "closed" if self._closing else None
            queue = self._queue
            if (
                reason is None
                and len(queue) >= self._max_queue_size
                and self._overflow is OverflowPolicy.BLOCK
            ):
                deadline = time.monotonic() + self._block_timeout
                while len(self._queue) >= self._max_queue_size and not self._closing:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._has_room.wait(remaining)
                queue = self._queue
                reason = "closed" if self._closing else None
            if reason is None and len(queue) >= self._max_queue_size:
                reason = "queue_full"
            if reason is None:
                queue.append(event)
                self._accepted += 1
                if len(queue) == 1:
                    self._oldest = time.monotonic()
                    self._has_items.notify()
                elif len(queue) == self._batch_size:
                    self._has_items.notify()
                if self._worker is None:
                    self._start_worker()
                return True
            self._dropped += 1
            dropped = self._dropped
        # Warn on the 1st, 2nd, 4th, 8th... drop: visible, without flooding the log when the queue
        # stays full.
        if dropped & (dropped - 1) == 0:
            _log.warning(
                "dropped event %s (%s); %d events dropped so far", event.name, reason, dropped
            )
        if self._on_drop is not None:
            self._call_back(self._on_drop, UndeliveredEvent.of(event, reason))
        return False

    # --- flushing and closing ---------------------------------------------------------------------

    def flush(self, timeout: float = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Send everything queued so far now, and wait up to ``timeout`` seconds for it to be
        settled (sent, refused or failed). Return ``True`` if it was, ``False`` on timeout (sending
        goes on)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            target = self._accepted
            self._flush_to = max(self._flush_to, target)
            self._has_items.notify()
            worker_running = self._ensure_worker()
        if not worker_running:
            self._send_inline(deadline)
        return self._wait_settled(target, deadline)

    def close(self, timeout: float = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Stop accepting events, send what is queued, and wait up to ``timeout`` seconds. Return
        ``True`` if every accepted event was settled; otherwise the rest is dropped, logged and
        passed to ``on_drop`` (events in flight at that moment may still be delivered). Idempotent.
        """
        return self._shutdown(timeout, "closed")

    def _shutdown(self, timeout: float, reason: str) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            if self._closed:
                return self._settled >= self._accepted
            self._closing = True
            self._give_up_reason = reason
            target = self._accepted
            self._has_items.notify_all()
            self._has_room.notify_all()
            worker_running = self._ensure_worker()
        if not worker_running:
            self._send_inline(deadline)
        done = self._wait_settled(target, deadline)
        if not done:
            self._give_up(reason)
        with self._lock:
            self._closed = True
            worker = self._worker
        if worker is not None and done:
            worker.join(max(0.0, deadline - time.monotonic()))
        if self._owns_client:
            self._client.close()
        _LIVE_SENDERS.discard(self)
        return done

    def _give_up(self, reason: str) -> None:
        """Out of time: discard what is still queued and stop retrying what is in flight."""
        self._abandon.set()
        with self._lock:
            leftovers = list(self._queue)
            self._queue.clear()
            self._taken += len(leftovers)
            self._settled += len(leftovers)
            self._dropped += len(leftovers)
            in_flight = self._in_flight
            self._has_settled.notify_all()
        if leftovers or in_flight:
            _log.warning(
                "%d events could not be sent before %s (%s); %d more were still being sent "
                "and may or may not have been delivered",
                len(leftovers),
                "exit" if reason == "exit" else "close",
                summarize_names(event.name for event in leftovers) or "none queued",
                in_flight,
            )
        if self._on_drop is not None:
            for event in leftovers:
                self._call_back(self._on_drop, UndeliveredEvent.of(event, reason))

    def _wait_settled(self, target: int, deadline: float) -> bool:
        with self._lock:
            while self._settled < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._has_settled.wait(remaining)
            return True

    # --- the worker -------------------------------------------------------------------------------

    def _ensure_worker(self) -> bool:
        """(Lock held.) Whether a worker is running, starting one if events wait and none is."""
        if self._worker is not None and self._worker.is_alive():
            return True
        self._worker = None
        if not self._queue:
            return True  # nothing to send: no worker needed
        self._start_worker()
        return self._worker is not None

    def _start_worker(self) -> None:
        """(Lock held.) Start the worker thread. A daemon, so it never keeps the process alive by
        itself; the exit-time flush gives it a bounded chance to finish."""
        worker = threading.Thread(target=self._run, name="netmera-background-sender", daemon=True)
        try:
            worker.start()
        except RuntimeError:
            # Threads cannot start during interpreter shutdown; flush() and close() then send
            # inline.
            _log.debug("could not start the background sender's worker thread", exc_info=True)
            return
        self._worker = worker

    def _run(self) -> None:
        while True:
            batch = self._next_batch(wait=True)
            if batch is None:
                return
            self._send(batch)

    def _send_inline(self, deadline: float) -> None:
        """Send from the calling thread, for when no worker thread can run."""
        while time.monotonic() < deadline:
            batch = self._next_batch(wait=False)
            if batch is None:
                return
            self._send(batch)

    def _next_batch(self, wait: bool) -> Batch | None:
        """Take the next batch off the queue: when ``batch_size`` events wait, the oldest has waited
        ``flush_interval``, a flush or close asks for it, or at once if not ``wait``. ``None`` means
        stop.
        """
        with self._lock:
            while True:
                queue = self._queue
                if queue:
                    if (
                        not wait
                        or self._closing
                        or self._taken < self._flush_to
                        or len(queue) >= self._batch_size
                    ):
                        break
                    remaining = self._oldest + self._flush_interval - time.monotonic()
                    if remaining <= 0:
                        break
                    self._has_items.wait(remaining)
                elif self._closing or not wait:
                    return None
                else:
                    self._has_items.wait()
            builder = BatchBuilder(self._limits)
            while queue and builder.fits(queue[0]):
                builder.add(queue.popleft())
            # Events left behind keep the oldest arrival time: they are due no later than it says.
            self._taken += len(builder)
            self._in_flight = len(builder)
            self._has_room.notify_all()
            return builder.take()

    def _send(self, batch: Batch) -> None:
        try:
            report = self._client._deliver(batch, self._abandon)
        except Exception as exc:  # noqa: BLE001 - a bug or a closed client must not end the worker
            _log.error(
                "unexpected %s while sending %d events",
                type(exc).__name__,
                len(batch),
                exc_info=True,
            )
            report = BatchReport(
                failure=NetmeraError(f"unexpected {type(exc).__name__}"), unsent=list(batch.events)
            )
        self._settle(batch, report)

    def _settle(self, batch: Batch, report: BatchReport) -> None:
        reason = self._give_up_reason
        failed = len(report.rejected) + (0 if report.abandoned else len(report.unsent))
        if report.rejected and self._on_error is not None:
            rejected = [
                UndeliveredEvent(r.index, r.name, "rejected", r.ext_id, r.payload)
                for r in report.rejected
            ]
            result = FireResult(
                report.sent, report.requests, report.retried, tuple(report.rejected)
            )
            self._call_back(self._on_error, EventsRejectedError(report.rejected, result), rejected)
        if report.failure is not None:
            _log.warning(
                "could not deliver %d events (%s): %s",
                len(report.unsent),
                summarize_names(event.name for event in report.unsent),
                _describe(report.failure),
            )
            if self._on_error is not None:
                unsent = [UndeliveredEvent.of(event, "failed") for event in report.unsent]
                self._call_back(self._on_error, report.failure, unsent)
        if report.abandoned and self._on_drop is not None:
            for event in report.unsent:
                self._call_back(self._on_drop, UndeliveredEvent.of(event, reason))
        with self._lock:
            self._sent += report.sent
            self._retried += report.retried
            self._failed += failed
            if report.abandoned:
                self._dropped += len(report.unsent)
            self._in_flight = 0
            self._settled += len(batch)
            self._has_settled.notify_all()

    def _call_back(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except Exception:  # noqa: BLE001 - a user callback must not stop later sends
            _log.error(
                "the %s callback raised; ignoring",
                getattr(callback, "__name__", "sender"),
                exc_info=True,
            )

    def _after_fork_in_child(self) -> None:
        # The parent's worker thread does not exist here and its queued events are the parent's to
        # send: start empty (a fresh worker starts with the first enqueue), and open new connections
        # (the client does that by itself).
        self._reset_state()


def _describe(error: NetmeraError) -> str:
    """An error for a log line: its type, status and code, not the server's text (which may quote
    payloads)."""
    status = getattr(error, "status_code", None)
    if status is None:
        return type(error).__name__
    code = getattr(error, "code", None)
    return f"{type(error).__name__} HTTP {status}" + (
        f", Netmera code {code}" if code is not None else ""
    )


_LIVE_SENDERS: weakref.WeakSet[BackgroundSender] = weakref.WeakSet()


def _reset_after_fork() -> None:
    for sender in list(_LIVE_SENDERS):
        sender._after_fork_in_child()


def _close_at_exit() -> None:
    for sender in list(_LIVE_SENDERS):
        try:
            sender._shutdown(sender._exit_timeout, "exit")
        except (Exception, KeyboardInterrupt):  # noqa: BLE001 - exit goes on whatever happens here
            # A second Ctrl-C during the exit-time flush must not print a traceback from us either.
            _log.warning("the exit-time flush of %r did not finish", sender, exc_info=True)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
atexit.register(_close_at_exit)
