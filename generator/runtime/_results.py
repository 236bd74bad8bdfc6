"""What a send reports: how many events went out, in how many requests, and which ones Netmera
refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["FireResult", "RejectedEvent"]


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    """One event Netmera refused, found by splitting the batch that held it until it stood alone.

    ``index`` is the event's position in the ``fire()`` call (for the background sender: its
    sequence number since the sender started; for the outbox: its place in the file, as in
    :class:`UndeliveredEvent`). ``payload`` is the JSON that was sent, for a
    dead-letter store; it and ``ext_id`` are left out of the repr so that logging a result never
    logs user data.
    """

    index: int
    name: str
    status_code: int
    code: int | None
    message: str
    ext_id: str = field(repr=False)
    payload: bytes = field(repr=False)

    def describe(self) -> str:
        where = (
            f"HTTP {self.status_code}"
            if self.code is None
            else f"HTTP {self.status_code}, Netmera code {self.code}"
        )
        return f"{self.name} #{self.index}: {where}: {self.message}"


@dataclass(frozen=True, slots=True)
class FireResult:
    """The outcome of one ``fire()`` call.

    ``sent`` events were accepted by Netmera in ``requests`` HTTP requests (retries and the requests
    used to find refused events included). ``retried`` counts events sent again after an attempt
    Netmera may have recorded all the same (a timeout or a dropped connection after sending, a 5xx,
    a 408; not a refused connection or a 429): fireEvents has no idempotency key, so this bounds the
    duplicates it may hold. ``unsent`` holds the positions of events that were not handled because
    the call failed part-way (empty on success), so exactly those can be sent again.
    """

    sent: int
    requests: int
    retried: int = 0
    rejected: tuple[RejectedEvent, ...] = ()
    unsent: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        """Every event was delivered."""
        return not self.rejected and not self.unsent

    def __str__(self) -> str:
        text = f"sent {self.sent} events in {self.requests} requests"
        if self.retried:
            text += f", {self.retried} re-sent (possible duplicates)"
        if self.rejected:
            text += f", {len(self.rejected)} refused"
        if self.unsent:
            text += f", {len(self.unsent)} not sent"
        return text


def summarize_names(names: Iterable[str], limit: int = 5) -> str:
    """``"ShareEvent x2, OrderCancelEvent x1"``: how log lines name the events they are about (never
    values)."""
    counts = Counter(names).most_common()
    text = ", ".join(f"{name} x{count}" for name, count in counts[:limit])
    if len(counts) > limit:
        text += f", and {len(counts) - limit} more event types"
    return text
