"""Background sending: ``enqueue()`` returns at once and a worker thread sends events in batches.

Lessons from other analytics SDKs are built in: the queue is bounded and says what it does when full
(a named policy, a counter, a callback, rate-limited warnings) instead of dropping silently;
``flush()`` and ``close()`` take a timeout and cannot hang, even with no worker running; at
interpreter exit (and on SIGTERM) a bounded flush runs and reports what it could not send (see
``_lifecycle``); a child process after ``os.fork()`` gets a fresh, empty queue and worker (the
parent's thread does not exist there); nothing an event or a callback does stops the worker.

``enqueue()`` is the caller's cost: one ``to_json()``, a cheap check of the bytes, a lock and an
append. Grouping into requests, joining bodies and reporting happen on the worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import _lifecycle
from ._background_reports import UndeliveredReports
from ._batching import Batch, BatchBuilder, BatchLimits
from ._client import NetmeraClient
from ._config import check_seconds
from ._constants import MAX_EXT_IDS_PER_REQUEST
from ._delivery import BatchReport
from ._encoding import (
    EncodedEvent,
    QueuedEvent,
    encode_event,
    encode_payload,
    may_hold_non_finite,
    non_finite_event,
)
from ._errors import EventValidationError, NetmeraError
from ._event import Event
from ._hooks import SendHook, SendHookError, as_hooks, payload_to_event, run_hooks
from ._reporting import report_loss
from ._sender_records import DropCallback, ErrorCallback, OverflowPolicy, SenderStats
from ._validate import validate

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["BackgroundSender"]

_log = logging.getLogger(__name__)

#: Event classes already checked by enqueue(): a set lookup instead of a metaclass isinstance().
_EVENT_TYPES: set[type] = set()

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


class BackgroundSender:
    """Queues events and sends them from a worker thread, in batches by size and by time.

    ``client`` defaults to a :class:`NetmeraClient` configured from the environment (closed with the
    sender); a client passed in is used, not closed. Batches go out when ``batch_size`` events are
    waiting or the oldest has waited ``flush_interval`` seconds. At most ``max_queue_size`` events
    wait; beyond that ``overflow`` decides. ``before_send`` hooks run in :meth:`enqueue` (see
    :class:`NetmeraClient`); one that raises is reported to ``on_error`` and its event is not queued.

    Every event that is not delivered is reported once: to ``on_drop(event)`` if it was dropped
    (queue full, closed, out of time at close or exit), to ``on_error(error, events)`` if Netmera
    refused it or delivery failed; without the callback, as a warning in the log. Exceptions the
    callbacks raise (``SystemExit`` and ``KeyboardInterrupt`` included) are logged and ignored.

    Call :meth:`close` when done; at interpreter exit, and on SIGTERM, the sender closes itself,
    waiting at most ``exit_timeout`` seconds. It installs the SIGTERM handler unless
    ``handle_sigterm`` is false (another sender's handler still closes it) or the application
    handles SIGTERM itself. What each way of ending a process does is in the package README.
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
        handle_sigterm: bool = True,
    ) -> None:
        self._before_send = as_hooks(before_send)
        if max_queue_size < 1:
            raise ValueError(f"max_queue_size must be at least 1, not {max_queue_size}")
        check_seconds("flush_interval", flush_interval)
        check_seconds("block_timeout", block_timeout, zero=True)
        check_seconds("exit_timeout", exit_timeout, zero=True)
        if not isinstance(overflow, OverflowPolicy):
            raise TypeError(f"overflow must be an OverflowPolicy, not {overflow!r}")
        self._owns_client = client is None
        self._client = client if client is not None else NetmeraClient()
        client_limits = self._client.settings.batch_limits
        self._limits = BatchLimits(
            client_limits.max_ext_ids, client_limits.max_bytes, max_events=batch_size
        )
        # An encoding at most this long fits in a request of its own ("[" + it + "]").
        self._max_event_bytes = self._limits.max_bytes - 2
        self._max_queue_size = max_queue_size
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._overflow = overflow
        self._block_timeout = block_timeout
        self._reports = UndeliveredReports(_log, on_drop, on_error)
        self.exit_timeout = exit_timeout
        self._closing = False
        self._closed = False
        self._give_up_reason = "closed"
        self._reset_state()
        _lifecycle.register(self, handle_sigterm=handle_sigterm)

    def _reset_state(self) -> None:
        """Fresh synchronisation objects, queue and counters: at construction, and in a child after
        fork (where the locks may have been held by a thread that does not exist any more)."""
        self._lock = threading.Lock()
        self._has_items = threading.Condition(self._lock)
        self._has_room = threading.Condition(self._lock)
        self._has_settled = threading.Condition(self._lock)
        self._queue: deque[QueuedEvent] = deque()
        self._oldest = 0.0  # when the oldest queued event arrived (monotonic clock)
        self._accepted = 0  # events ever accepted into the queue (the next one's index)
        self._taken = 0  # ... taken out of it by the worker
        self._settled = 0  # ... whose fate is decided (sent, failed, refused or discarded)
        self._flush_to = 0  # flush() asked for everything accepted up to here to go now
        self._in_flight: Batch | None = None  # the batch the worker is sending
        self._handed_over: Batch | None = None  # ... once reported as dropped by a timed-out close
        self._sent = self._retried = self._dropped = self._failed = 0
        self._numbered = 0  # indexes given to events never accepted (dropped at enqueue)
        self._abandon = threading.Event()
        self._worker: threading.Thread | None = None
        self._worker_idle = False  # the worker waits for the queue to fill, with no deadline

    def __repr__(self) -> str:
        if not hasattr(self, "_queue"):  # a reporter may show a sender whose construction failed
            return f"{type(self).__name__}(not started)"
        state = "closed" if self._closed else "closing" if self._closing else "open"
        return f"{type(self).__name__}(client={self._client!r}, queued={len(self._queue)}, {state})"

    def __enter__(self) -> Self:
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
                in_flight=len(self._in_flight) if self._in_flight is not None else 0,
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
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            _lifecycle.wait_if_terminating()
        if type(event) not in _EVENT_TYPES:
            if not isinstance(event, Event):
                raise TypeError(
                    f"enqueue() takes a generated event object, not {type(event).__name__}"
                )
            _EVENT_TYPES.add(type(event))
        if self._before_send:
            kept = self._run_hooks(event)
            if kept is None:
                return False
            event = kept
        try:
            data = event.to_json()
        except Exception:  # noqa: BLE001 - encode_event raises the explanatory error
            data = b""
        if not data or len(data) > self._max_event_bytes:
            # Rare: let the careful encoder explain the failure. (NaN and Infinity, which the
            # event classes refuse anyway, are looked for once per batch, on the worker.)
            data = encode_event(event, 0, self._limits.max_bytes).data
        name, ext_id = event.EVENT_NAME, event.ext_id
        with self._lock:
            queue = self._queue
            waiting = len(queue)
            if waiting >= self._max_queue_size or self._closing:
                return self._put_slowly((-1, name, ext_id, data))
            index = self._accepted
            queue.append((index, name, ext_id, data))
            self._accepted = index + 1
            if not waiting:
                self._oldest = time.monotonic()
                if self._worker_idle:
                    self._has_items.notify()
                if self._worker is None:
                    self._start_worker()
            elif waiting + 1 == self._batch_size:
                self._has_items.notify()
        return True

    def enqueue_payload(self, payload: Mapping[str, Any]) -> bool:
        """Validate a raw wire dict against the event schemas, then queue it as :meth:`enqueue`
        does."""
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            _lifecycle.wait_if_terminating()
        violations = validate(payload)
        if violations:
            raise EventValidationError(violations)
        if self._before_send:
            return self.enqueue(payload_to_event(payload))
        event = encode_payload(payload, -1, self._limits.max_bytes)
        with self._lock:
            return self._put_slowly((-1, event.name, event.ext_id, event.data))

    def _run_hooks(self, event: Event) -> Event | None:
        """The ``before_send`` hooks, on the caller's thread: a hook that raises is reported to
        ``on_error`` (reason ``"hook"``) and the event is not queued."""
        try:
            return run_hooks(self._before_send, event)
        except SendHookError as error:
            self._reports.hook_failed(error, event)
            return None

    def _put_slowly(self, event: QueuedEvent) -> bool:
        """(Lock held; released on return.) Queue ``event``, waiting for room under the BLOCK policy,
        or drop it. ``event.position`` is -1: the index is given here."""
        if not self._closing and self._overflow is OverflowPolicy.BLOCK:
            deadline = time.monotonic() + self._block_timeout
            while len(self._queue) >= self._max_queue_size and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._has_room.wait(remaining)
        if not self._closing and len(self._queue) < self._max_queue_size:
            index = self._accepted
            self._queue.append((index, *event[1:]))
            self._accepted = index + 1
            if len(self._queue) == 1:
                self._oldest = time.monotonic()
            self._has_items.notify()
            if self._worker is None:
                self._start_worker()
            return True
        reason = "closed" if self._closing else "queue_full"
        self._dropped += 1
        self._numbered += 1
        dropped = self._dropped
        # Events never accepted get indexes of their own, after every accepted one so far.
        event = (self._accepted + self._numbered - 1, *event[1:])
        self._lock.release()
        try:
            self._reports.dropped(event, reason, dropped)
        finally:
            self._lock.acquire()
        return False

    # --- flushing and closing ---------------------------------------------------------------------

    def flush(self, timeout: float = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Send everything queued so far now, and wait up to ``timeout`` seconds for it to be
        settled (sent, refused or failed). Return ``True`` if it was, ``False`` on timeout (sending
        goes on)."""
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            _lifecycle.wait_if_terminating()
        deadline = time.monotonic() + check_seconds("timeout", timeout, zero=True)
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
        ``True`` if every accepted event was settled; otherwise what is still queued or being sent
        is reported as dropped (``on_drop``, or a warning). Idempotent.
        """
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            _lifecycle.wait_if_terminating()
        return self._shutdown(timeout, "closed")

    def _shutdown(self, timeout: float, reason: str) -> bool:
        deadline = time.monotonic() + check_seconds("timeout", timeout, zero=True)
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
        _lifecycle.unregister(self)
        return done

    def _give_up(self, reason: str) -> None:
        """Out of time: discard what is still queued, stop retrying what is in flight, and report
        both as dropped (the worker will not report the batch in flight again)."""
        self._abandon.set()
        with self._lock:
            leftovers = list(self._queue)
            self._queue.clear()
            self._taken += len(leftovers)
            self._settled += len(leftovers)
            self._dropped += len(leftovers)
            in_flight = self._in_flight
            sending: list[EncodedEvent] = []
            if in_flight is not None and self._handed_over is not in_flight:
                self._handed_over = in_flight
                sending = in_flight.events
                self._settled += len(sending)
                self._dropped += len(sending)
            self._has_settled.notify_all()
        self._reports.gave_up(leftovers, sending, reason)

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
        _lifecycle.warn_if_exit_is_unguarded()
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
                    self._worker_idle = True
                    self._has_items.wait()
                    self._worker_idle = False
            builder = BatchBuilder(self._limits)
            while queue and builder.fits(queue[0]):
                builder.add(queue.popleft())
            # Events left behind keep the oldest arrival time: they are due no later than it says.
            self._taken += len(builder)
            batch = self._in_flight = builder.take()
            self._has_room.notify_all()
            return batch

    def _send(self, batch: Batch) -> None:
        """Deliver, report and account for one batch. Nothing raised here may end the worker: the
        batch is then counted as failed and the worker goes on with the next."""
        refused: list[EncodedEvent] = []
        try:
            if may_hold_non_finite(batch.body):
                batch, refused = self._set_aside_non_finite(batch)
            if len(batch):
                report = self._client._deliver(batch, self._abandon)
            else:
                report = BatchReport()
        except BaseException as exc:  # noqa: BLE001 - nothing may end the worker
            report = BatchReport(
                failure=NetmeraError(f"unexpected {type(exc).__name__} while sending"),
                unsent=batch.events,
            )
            report_loss(
                _log,
                logging.ERROR,
                "unexpected %s while sending %d events",
                type(exc).__name__,
                len(batch),
            )
        try:
            with self._lock:
                handed_over = self._handed_over is batch
            if refused:
                self._reports.unencodable(refused)
            if not handed_over:
                self._reports.batch(report, self._give_up_reason)
            else:
                _log.debug("a batch reported as dropped at close ended: %d sent", report.sent)
        except BaseException as exc:  # noqa: BLE001 - reporting must not end the worker either
            report_loss(_log, logging.ERROR, "could not report a batch's fate: %r", exc)
        finally:
            self._account(batch, report, len(refused))

    def _set_aside_non_finite(self, batch: Batch) -> tuple[Batch, list[EncodedEvent]]:
        """Split off the events holding NaN or Infinity (which JSON cannot carry); the one scan of
        the batch's body that found a hint of them runs per batch, not per enqueue()."""
        kept: list[QueuedEvent] = []
        refused: list[EncodedEvent] = []
        for event in batch.events:
            (refused if non_finite_event(event.data) else kept).append(event)
        if not refused:
            return batch, []
        smaller = Batch.of(kept)
        with self._lock:
            if self._in_flight is batch:
                self._in_flight = smaller
            if self._handed_over is batch:
                self._handed_over = smaller
        return smaller, refused

    def _account(self, batch: Batch, report: BatchReport, unencodable: int = 0) -> None:
        failed = len(report.rejected) + (0 if report.abandoned else len(report.unsent))
        with self._lock:
            self._in_flight = None
            if self._handed_over is batch:
                self._handed_over = None  # already counted as dropped and settled
            else:
                self._sent += report.sent
                self._failed += failed + unencodable
                if report.abandoned:
                    self._dropped += len(report.unsent)
                self._settled += len(batch) + unencodable
            self._retried += report.retried
            self._has_settled.notify_all()

    def _after_fork_in_child(self) -> None:
        # The parent's worker thread does not exist here and its queued events are the parent's to
        # send: start empty (a fresh worker starts with the first enqueue), and open new connections
        # (the client does that by itself).
        self._reset_state()
