"""What the background sender promises and reports: its overflow policies, the events it could not
deliver (as its callbacks receive them) and its counters."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ._encoding import QueuedEvent
from ._errors import NetmeraError

__all__ = ["OverflowPolicy", "SenderStats", "UndeliveredEvent"]


class OverflowPolicy(enum.Enum):
    """What ``enqueue()`` does when the queue is full."""

    #: Drop the new event at once: it is counted, logged (rate-limited) and passed to ``on_drop``.
    DROP = "drop"
    #: Wait up to ``block_timeout`` seconds for room, then drop as above.
    BLOCK = "block"


@dataclass(frozen=True, slots=True)
class UndeliveredEvent:
    """An event the background sender gave up on, as passed to ``on_drop`` and ``on_error``.

    ``reason`` is ``"queue_full"``, ``"closed"`` (enqueued after, or still queued or being sent at,
    ``close()``), ``"exit"`` (the same when the process ended), ``"rejected"`` (Netmera refused it),
    ``"failed"`` (delivery failed after every retry; from the outbox: its commit failed, and
    its ``enqueue_async()`` task was cancelled, so nobody else hears of it), ``"hook"`` (a ``before_send`` hook failed;
    ``index`` is -1 and ``payload`` empty) or, from the outbox, ``"retrying"`` (delivery failed and
    the event waits in the outbox for another attempt). ``index`` is the event's sequence number in
    this sender (from the outbox: its place in the file, its chunk's id times 65536 plus its place
    in the chunk, which changes when the chunk is written back). ``in_flight`` is true for an event that was
    being sent when time ran out: it may have been delivered all the same. ``payload`` is the JSON
    that was or would have been sent, for a dead-letter store; neither it nor ``ext_id`` is in the
    repr.
    """

    index: int
    name: str
    reason: str
    ext_id: str = field(repr=False)
    payload: bytes = field(repr=False)
    in_flight: bool = False

    @classmethod
    def of(cls, event: QueuedEvent, reason: str, *, in_flight: bool = False) -> UndeliveredEvent:
        position, name, ext_id, data = event
        return cls(position, name, reason, ext_id, data, in_flight)


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


def describe_error(error: NetmeraError) -> str:
    """An error for a log line: its type, status and code, not the server's text (which may quote
    payloads)."""
    status = getattr(error, "status_code", None)
    if status is None:
        return type(error).__name__
    code = getattr(error, "code", None)
    return f"{type(error).__name__} HTTP {status}" + (
        f", Netmera code {code}" if code is not None else ""
    )
