"""Durable sending: ``enqueue()`` returns once the event is committed to a SQLite outbox on disk, and
a worker thread sends from the outbox and deletes what Netmera accepted.

Delivery is at-least-once: an event whose ``enqueue()`` returned is delivered even if the process is
killed right after, by this process's next start or by any other process sharing the file. The
price is possible duplicates: a process killed after Netmera accepted a batch and before it deleted
them sends that batch again (fireEvents has no idempotency key). Such re-sends are counted in
``stats.retried`` and in the file's totals.

Commits are grouped: callers enqueueing at the same moment share one transaction, so many threads
cost little more than one (``_outbox_commit``). At exit and on SIGTERM a sender is closed as a
:class:`BackgroundSender` is (``_lifecycle``); what it cannot deliver in time stays in the file.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from . import _lifecycle
from ._background import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_BLOCK_TIMEOUT,
    DEFAULT_EXIT_TIMEOUT,
    DEFAULT_FLUSH_INTERVAL,
    DEFAULT_FLUSH_TIMEOUT,
)
from ._batching import BatchLimits
from ._client import NetmeraClient
from ._delivery import BatchReport
from ._encoding import EncodedEvent, encode_event, encode_payload
from ._errors import EventsRejectedError, EventValidationError
from ._event import Event
from ._hooks import SendHook, SendHookError, as_hooks, log_hook_failure, payload_to_event, run_hooks
from ._outbox_async import LoopCommits
from ._outbox_claim import Claim
from ._outbox_commit import GroupCommit
from ._outbox_outcome import record_outcome
from ._outbox_send import deliver_claim
from ._outbox_store import (
    DEFAULT_BUSY_TIMEOUT,
    OutboxError,
    OutboxStore,
    process_token,
)
from ._results import FireResult, summarize_names
from ._sender_records import DropCallback, ErrorCallback, OverflowPolicy, UndeliveredEvent
from ._validate import validate

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["OutboxSender", "OutboxStats"]

_log = logging.getLogger(__name__)

#: The outbox holds at most this many events (all processes sharing it together)...
DEFAULT_MAX_ROWS = 1_000_000
#: ... and this many bytes of event JSON.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
#: Seconds a claimed batch is reserved for its worker; renewed while it is being sent, so it only
#: runs out when the worker's process died or froze.
DEFAULT_LEASE_SECONDS = 30.0
#: Backoff before a batch that failed (after the client's own retries) is tried again: doubling
#: from the first value up to the second.
DEFAULT_RETRY_BACKOFF = (1.0, 60.0)
#: Seconds between looks at the file for events other processes enqueued, or whose backoff or lease
#: ran out.
DEFAULT_POLL_INTERVAL = 0.5
#: Seconds between the worker's checkpoints of the outbox's write-ahead log.
_CHECKPOINT_INTERVAL = 1.0
#: How long enqueue() under BLOCK waits between looks for room freed by other processes.
_ROOM_POLL = 0.05


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """This process's counters since the sender started (in a forked child: since the fork), plus
    what the file holds for everyone sharing it.

    As :class:`SenderStats`: ``enqueued`` were committed, ``sent`` delivered, ``failed`` refused by
    Netmera (now dead letters), ``dropped`` never committed (outbox full, closed, a hook failed),
    ``retried`` sent again after an attempt Netmera may have recorded (a bound on duplicates), and
    ``in_flight`` being sent now. ``queued``, ``bytes`` and ``dead_letters`` describe the whole
    file; ``taken_over`` counts events this process took from another worker's expired lease.
    """

    enqueued: int
    sent: int
    retried: int
    dropped: int
    failed: int
    queued: int
    in_flight: int
    bytes: int
    dead_letters: int
    taken_over: int


class OutboxSender:
    """Commits events to the SQLite outbox at ``path`` and sends them from a worker thread.

    ``client`` defaults to a :class:`NetmeraClient` configured from the environment (closed with
    the sender). Batches go out when ``batch_size`` events wait or the oldest has waited
    ``flush_interval`` seconds. The outbox holds at most ``max_rows`` events and ``max_bytes``
    bytes; beyond that ``overflow`` decides, as for :class:`BackgroundSender`. Events Netmera
    refuses move to the dead-letter table and are passed to ``on_error`` (reason ``"rejected"``);
    a batch that fails after the client's retries stays in the outbox and is tried again after a
    backoff (``on_error`` hears of it with reason ``"retrying"``). ``before_send`` hooks run in
    ``enqueue()``, before anything is written. With ``deliver=False`` the process only enqueues
    and leaves sending to others sharing the file. At interpreter exit, and on SIGTERM, the sender
    is closed within ``exit_timeout`` seconds, as a :class:`BackgroundSender` is (``handle_sigterm``
    likewise).
    """

    def __init__(
        self,
        client: NetmeraClient | None,
        path: str | os.PathLike[str],
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        batch_size: int = DEFAULT_BATCH_SIZE,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        overflow: OverflowPolicy = OverflowPolicy.DROP,
        block_timeout: float = DEFAULT_BLOCK_TIMEOUT,
        on_drop: DropCallback | None = None,
        on_error: ErrorCallback | None = None,
        before_send: SendHook | Sequence[SendHook] | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        retry_backoff: tuple[float, float] = DEFAULT_RETRY_BACKOFF,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        durability: str = "normal",
        deliver: bool = True,
        exit_timeout: float = DEFAULT_EXIT_TIMEOUT,
        handle_sigterm: bool = True,
    ) -> None:
        if max_rows < 1 or max_bytes < 1:
            raise ValueError("max_rows and max_bytes must be at least 1")
        if flush_interval <= 0 or lease_seconds <= 0 or poll_interval <= 0:
            raise ValueError("flush_interval, lease_seconds and poll_interval must be positive")
        if block_timeout < 0 or exit_timeout < 0 or min(retry_backoff) < 0:
            raise ValueError("block_timeout, exit_timeout and retry_backoff cannot be negative")
        if not isinstance(overflow, OverflowPolicy):
            raise TypeError(f"overflow must be an OverflowPolicy, not {overflow!r}")
        self._hooks = as_hooks(before_send)
        self._owns_client = client is None
        self._client = client if client is not None else NetmeraClient()
        try:
            client_limits = self._client.settings.batch_limits
            self._limits = BatchLimits(
                client_limits.max_ext_ids, client_limits.max_bytes, max_events=batch_size
            )
            # Last: a setting refused above leaves no file created and no connection open.
            self._store = OutboxStore(path, busy_timeout=busy_timeout, durability=durability)
        except BaseException:
            if self._owns_client:
                self._client.close()
            raise
        self._max_rows = max_rows
        self._max_bytes = max_bytes
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._overflow = overflow
        self._block_timeout = block_timeout
        self._on_drop = on_drop
        self._on_error = on_error
        self._lease = lease_seconds
        self._backoff = retry_backoff
        self._poll_interval = poll_interval
        self._deliver = deliver
        self.exit_timeout = exit_timeout
        self._closing = False
        self._closed = False
        self._closed_clean = False
        self._reset_state()
        _lifecycle.register(self, handle_sigterm=handle_sigterm)
        if deliver:
            with self._lock:
                self._start_worker()

    def _reset_state(self) -> None:
        """Fresh locks, token and counters: at construction, and in a child after fork."""
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)  # the worker has something to look at
        self._settled = threading.Condition(self._lock)  # the worker settled a batch
        self._token = process_token()
        self._commits = GroupCommit(self._lock, self._write, self._store.path, self._is_closing)
        self._per_thread = threading.local()  # .loop_commits: the LoopCommits of its event loop
        self._loops: set[LoopCommits] = set()  # every thread's, for close() to find
        self._last_id = 0  # the highest outbox id this process has committed
        self._unannounced = 0  # events committed since the worker was last woken for them
        self._flush_asked = 0  # flush() calls so far ...
        self._flush_seen = 0  # ... and those the worker has finished sending for
        self._enqueued = self._sent = self._retried = self._dropped = self._failed = 0
        self._taken_over = 0
        self._in_flight = 0
        self._sending: Claim | None = None  # the claim being sent, whose lease is kept
        self._sequence = itertools.count()
        self._stopping = threading.Event()
        self._abandon = threading.Event()
        self._worker: threading.Thread | None = None
        self._keeper: threading.Thread | None = None

    def __repr__(self) -> str:
        state = "closed" if self._closed else "closing" if self._closing else "open"
        return f"{type(self).__name__}({str(self._store.path)!r}, client={self._client!r}, {state})"

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
    def path(self) -> str:
        return str(self._store.path)

    @property
    def stats(self) -> OutboxStats:
        """Counters; reading the file's totals may raise :class:`OutboxError`."""
        totals = self._store.totals()
        with self._lock:
            return OutboxStats(
                enqueued=self._enqueued,
                sent=self._sent,
                retried=self._retried,
                dropped=self._dropped,
                failed=self._failed,
                queued=totals.rows,
                in_flight=self._in_flight,
                bytes=totals.bytes,
                dead_letters=totals.dead_letters,
                taken_over=self._taken_over,
            )

    # --- producers --------------------------------------------------------------------------------

    def enqueue(self, event: Event) -> bool:
        """Commit one event to the outbox; return ``True`` once it is on disk, ``False`` if it was
        dropped (outbox full, sender closed, a hook dropped it or failed).

        Raises :class:`OutboxError` if the file cannot be written (nothing was committed) and
        :class:`EventEncodingError` for an event that could never be sent.
        """
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            self._wait_if_terminating()
        encoded = self._encode(event)
        return encoded is not None and self._put([encoded]) == 1

    async def enqueue_async(self, event: Event) -> bool:
        """:meth:`enqueue` for asyncio code: the task waits for the commit, the event loop waits
        for no lock and no disk.

        Tasks enqueueing on one event loop share commits: the events they hand over while the loop
        runs them are committed together, so many tasks on one thread enqueue faster than as many
        threads calling :meth:`enqueue`. The loop makes that commit itself when the file is free
        (with ``durability="normal"`` it is an append to SQLite's log, as a log handler appends a
        line), and leaves it to a thread of its default executor when it would have to wait.
        Cancelling the waiting task does not take the event back: it may still be committed, and
        then it is sent.
        """
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            self._wait_if_terminating()
        encoded = self._encode(event)
        if encoded is None:
            return False
        loop = asyncio.get_running_loop()
        commits: LoopCommits | None = getattr(self._per_thread, "loop_commits", None)
        if commits is None or commits.loop is not loop:
            commits = self._commits_for(loop, commits)
        return await commits.add(encoded)

    def _commits_for(
        self, loop: asyncio.AbstractEventLoop, last: LoopCommits | None
    ) -> LoopCommits:
        """This thread's commits for ``loop``, its new event loop: the last loop's are dropped,
        once what it left behind is committed."""
        commits = LoopCommits(loop, self._commit_now, self._put, self._drop)
        with self._lock:
            self._loops.add(commits)
        if last is not None:
            last.commit_left_behind()
        with self._lock:  # the loops of threads that ended, or went on to another loop
            self._loops -= {each for each in self._loops if each.finished()}
        self._per_thread.loop_commits = commits
        return commits

    def enqueue_many(self, events: Iterable[Event]) -> int:
        """Commit several events in one transaction, the cheapest way to enqueue from a single
        thread; return how many were committed (the first ones: the rest were dropped as
        :meth:`enqueue` drops)."""
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            self._wait_if_terminating()
        encoded = [item for item in map(self._encode, events) if item is not None]
        return self._put(encoded) if encoded else 0

    def enqueue_payload(self, payload: Mapping[str, Any]) -> bool:
        """Validate a raw wire dict against the event schemas, then commit it as :meth:`enqueue`
        does."""
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            self._wait_if_terminating()
        violations = validate(payload)
        if violations:
            raise EventValidationError(violations)
        if self._hooks:
            return self.enqueue(payload_to_event(payload))
        return (
            self._put([encode_payload(payload, next(self._sequence), self._limits.max_bytes)]) == 1
        )

    def _encode(self, event: Event) -> EncodedEvent | None:
        if not isinstance(event, Event):
            raise TypeError(f"enqueue() takes a generated event object, not {type(event).__name__}")
        if self._hooks:
            kept = self._run_hooks(event)
            if kept is None:
                return None
            event = kept
        return encode_event(event, next(self._sequence), self._limits.max_bytes)

    def _run_hooks(self, event: Event) -> Event | None:
        try:
            return run_hooks(self._hooks, event)
        except SendHookError as error:
            log_hook_failure(_log, error)
            with self._lock:
                self._dropped += 1
            if self._on_error is not None:
                undelivered = UndeliveredEvent(-1, event.EVENT_NAME, "hook", event.ext_id, b"")
                self._call_back(self._on_error, error, [undelivered])
            return None

    def _put(self, events: list[EncodedEvent]) -> int:
        """Commit ``events`` in order, waiting for room under BLOCK; drop what does not fit.

        Raises :class:`OutboxError` only when nothing was committed: once some events are, a
        failure to commit the rest drops them (reason ``"failed"``), so that the caller does not
        take the committed ones for lost and enqueue them again."""
        committed = self._commit(events)
        if committed == len(events):
            return committed
        deadline = time.monotonic() + self._block_timeout
        while True:
            if (
                self._closing
                or self._overflow is not OverflowPolicy.BLOCK
                or time.monotonic() >= deadline
            ):
                reason = "closed" if self._closing else "queue_full"
                for event in events[committed:]:
                    self._drop(event, reason)
                return committed
            with self._lock:
                self._settled.wait(min(_ROOM_POLL, max(0.0, deadline - time.monotonic())))
            try:
                committed += self._commit(events[committed:])
            except OutboxError:
                if not committed:
                    raise
                _log.error("could not commit to the outbox %s", self.path, exc_info=True)
                for event in events[committed:]:
                    self._drop(event, "failed")
                return committed
            if committed == len(events):
                return committed

    def _commit(self, events: list[EncodedEvent]) -> int:
        """Commit events with the next group; return how many fitted (none if closing)."""
        return self._commits.commit(events)

    def _commit_now(self, events: list[EncodedEvent]) -> int:
        """Commit ``events`` from this thread if that needs no waiting (an event loop's commit);
        return how many were committed, the first ones: none when the file is busy or the sender
        closing, fewer when the outbox is full. The caller puts the rest."""
        if self._closing:
            return 0
        written = self._store.insert_now(events, self._max_rows, self._max_bytes)
        if written is None:
            return 0
        return self._count_written(*written)

    def _write(self, events: list[EncodedEvent]) -> int:
        """Store one group's events in one transaction; return how many fitted."""
        return self._count_written(*self._store.insert(events, self._max_rows, self._max_bytes))

    def _count_written(self, accepted: int, last_id: int) -> int:
        with self._lock:
            self._enqueued += accepted
            self._last_id = max(self._last_id, last_id)
            # Wake the worker when a batch is full; a partial one it picks up when due.
            self._unannounced += accepted
            if self._unannounced >= self._batch_size:
                self._unannounced = 0
                self._wake.notify()
        return accepted

    def _is_closing(self) -> bool:
        """(Lock held.)"""
        return self._closing

    def _drop(self, event: EncodedEvent, reason: str) -> bool:
        with self._lock:
            self._dropped += 1
            dropped = self._dropped
        if dropped & (dropped - 1) == 0:  # the 1st, 2nd, 4th, 8th... drop
            _log.warning(
                "dropped event %s (%s); %d events dropped so far", event.name, reason, dropped
            )
        if self._on_drop is not None:
            self._call_back(self._on_drop, UndeliveredEvent.of(event, reason))
        return False

    # --- flushing and closing ---------------------------------------------------------------------

    def flush(self, timeout: float = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Send everything in the outbox now (whichever process committed it), and wait up to
        ``timeout`` seconds until none of it is left (delivered, or moved to the dead letters).
        ``False`` on timeout: the rest stays in the outbox and is still sent."""
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            self._wait_if_terminating()
        return self._flush(timeout, everything=True)

    def _flush(self, timeout: float, *, everything: bool) -> bool:
        deadline = time.monotonic() + timeout
        newest = 0
        if everything:
            try:
                newest = self._store.last_id()
            except OutboxError:
                _log.warning("could not read the outbox while flushing", exc_info=True)
        with self._lock:
            target = max(self._last_id, newest)
            self._flush_asked += 1
            self._wake.notify()
        while True:
            try:
                if not self._store.pending_through(target):
                    return True
            except OutboxError:
                _log.warning("could not read the outbox while flushing", exc_info=True)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._lock:
                self._settled.wait(min(remaining, self._poll_interval))

    def close(self, timeout: float = DEFAULT_FLUSH_TIMEOUT) -> bool:
        """Stop accepting events, send what this process committed for up to ``timeout`` seconds,
        and stop the worker. Return ``True`` if all of it was delivered; what was not stays in the
        outbox for the next start (nothing committed is lost). Idempotent."""
        if _lifecycle.terminating is not None:  # a SIGTERM is closing the senders
            self._wait_if_terminating()
        if self._closed:
            return self._closed_clean
        deadline = time.monotonic() + timeout
        with self._lock:
            loops = list(self._loops)
        main = threading.main_thread() if _lifecycle.main_thread_stopped() else None
        for commits in loops:  # events an event loop stopped before committing
            commits.commit_left_behind(stopped=commits.thread is main)
        done = self._flush(timeout, everything=False) if self._deliver else True
        with self._lock:
            self._closing = True
            self._stopping.set()
            self._abandon.set()  # a batch still in flight is given back to the outbox
            self._wake.notify_all()
            worker, keeper = self._worker, self._keeper
        self._commits.stop()  # else its thread (and through it this sender) lived on with the process
        for thread in (worker, keeper):
            if thread is not None and thread is not threading.current_thread():
                thread.join(max(0.05, deadline - time.monotonic()))
        self._closed = True
        self._closed_clean = done
        if not done:
            try:
                left = self._store.totals().rows
            except OutboxError:
                left = -1
            _log.warning(
                "%s events remain in the outbox %s; they are sent by the next sender",
                left,
                self.path,
            )
        if worker is None or not worker.is_alive():
            self._store.close()
        if self._owns_client:
            self._client.close()
        _lifecycle.unregister(self)
        return done

    def _wait_if_terminating(self) -> None:
        """On the main thread, before it waits for a SIGTERM close: the events its event loop
        handed over and has not committed go in now (or are reported, once closed), as that loop
        will not run again."""
        commits: LoopCommits | None = getattr(self._per_thread, "loop_commits", None)
        if commits is not None and threading.current_thread() is threading.main_thread():
            commits.commit_left_behind(stopped=True)
        _lifecycle.wait_if_terminating()

    def _shutdown(self, timeout: float, reason: str) -> bool:
        """(At exit or on SIGTERM.) :meth:`close`: whatever ``reason``, nothing is lost, as what
        is not delivered stays in the file."""
        return self.close(timeout)

    # --- the worker -------------------------------------------------------------------------------

    def _start_worker(self) -> None:
        """(Lock held.) Start the worker and the thread that renews its leases; daemons, so they
        never keep the process alive (nothing committed is lost if they die with it)."""
        for target, name in (
            (self._run, "netmera-outbox-sender"),
            (self._keep_leases, "netmera-outbox-lease"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            try:
                thread.start()
            except RuntimeError:
                _log.debug("could not start the outbox's threads", exc_info=True)
                return
            if target == self._run:
                self._worker = thread
            else:
                self._keeper = thread

    def _run(self) -> None:
        failures = 0
        next_orphan_check = next_checkpoint = 0.0
        while not self._stopping.is_set():
            try:
                now = time.monotonic()
                if now >= next_orphan_check:
                    self._store.release_orphans()
                    next_orphan_check = now + self._lease / 2
                if now >= next_checkpoint:
                    self._store.checkpoint()
                    next_checkpoint = now + _CHECKPOINT_INTERVAL
                with self._lock:
                    asked = self._flush_asked
                    urgent = asked != self._flush_seen or self._closing
                claim, due = self._store.claim(
                    self._token,
                    self._limits,
                    self._lease,
                    min_events=1 if urgent else self._batch_size,
                    max_age=self._flush_interval,
                )
                failures = 0
            except OutboxError:
                failures += 1
                _log.error(
                    "could not read the outbox; trying again",
                    exc_info=failures & (failures - 1) == 0,
                )
                self._stopping.wait(min(self._poll_interval * failures, 5.0))
                continue
            if claim is None:
                with self._lock:
                    if urgent:
                        # Nothing left to claim for that flush: the rest is in backoff or leased
                        # by another worker, and flush() watches the file for it.
                        self._flush_seen = asked
                    if not self._stopping.is_set() and self._flush_asked == self._flush_seen:
                        wait = (
                            self._poll_interval
                            if due is None
                            else min(self._poll_interval, due - time.time())
                        )
                        self._settled.notify_all()
                        self._wake.wait(max(wait, 0.001))
                continue
            with self._lock:
                self._in_flight = len(claim)
                self._sending = claim
                self._retried += claim.resent
                self._taken_over += claim.taken_over
            if claim.taken_over:
                _log.warning(
                    "took over %d events from an expired lease; they may be sent twice",
                    claim.taken_over,
                )
            self._send(claim)

    def _send(self, claim: Claim) -> None:
        try:
            self._settle(claim, deliver_claim(self._client, claim, self._limits, self._abandon))
        except OutboxError:
            # The chunks stay claimed until their lease runs out (it is no longer renewed); then they
            # are sent again, and counted then.
            _log.error(
                "could not record the outcome of %d events in the outbox", len(claim), exc_info=True
            )
        except Exception as exc:  # noqa: BLE001 - a damaged chunk must not end the worker
            _log.error(
                "unexpected %s while sending %d events from the outbox; they stay in it",
                type(exc).__name__,
                len(claim),
                exc_info=True,
            )
        finally:
            with self._lock:
                self._in_flight = 0
                self._sending = None
                self._settled.notify_all()

    def _settle(self, claim: Claim, report: BatchReport) -> None:
        delivered = record_outcome(self._store, claim, report, self._backoff)
        with self._lock:
            self._sent += delivered
            self._retried += report.retried
            self._failed += len(report.rejected)
        if report.rejected:
            _log.warning(
                "%d events refused by Netmera moved to the dead letters", len(report.rejected)
            )
            if self._on_error is not None:
                rejected = [
                    UndeliveredEvent(r.index, r.name, "rejected", r.ext_id, r.payload)
                    for r in report.rejected
                ]
                result = FireResult(
                    report.sent, report.requests, report.retried, tuple(report.rejected)
                )
                self._call_back(
                    self._on_error, EventsRejectedError(report.rejected, result), rejected
                )
        if report.failure is not None and not report.abandoned:
            _log.warning(
                "could not deliver %d events (%s): %s; they stay in the outbox and are tried again",
                len(report.unsent),
                summarize_names(event.name for event in report.unsent),
                type(report.failure).__name__,
            )
            if self._on_error is not None:
                retrying = [UndeliveredEvent.of(event, "retrying") for event in report.unsent]
                self._call_back(self._on_error, report.failure, retrying)

    def _keep_leases(self) -> None:
        """Renew the lease of the batch being sent, so that no other worker takes it over while
        this one is alive (a send may take longer than one lease with retries and splitting)."""
        while not self._stopping.wait(self._lease / 3):
            with self._lock:
                sending = self._sending
            if sending is not None:
                try:
                    self._store.renew(self._token, self._lease, sending)
                except OutboxError:
                    _log.warning("could not renew the outbox lease", exc_info=True)

    def _call_back(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except Exception:  # noqa: BLE001 - a user callback must not stop later sends
            _log.error(
                "the %s callback raised; ignoring",
                getattr(callback, "__name__", "outbox"),
                exc_info=True,
            )

    def _after_fork_in_child(self) -> None:
        # The parent's threads do not exist here and its connection must not be used: start with
        # a new connection, token and worker. Rows the parent committed stay in the file for
        # whichever process claims them first.
        self._store.forget_after_fork()
        self._reset_state()
        if self._deliver and not self._closing:
            with self._lock:
                self._start_worker()
