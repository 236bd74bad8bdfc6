"""What a sent batch's report means for the outbox file: delivered rows are deleted, refused ones
move to the dead letters, and unsent ones wait out a backoff (or, when the sender is closing, are
free at once for whoever runs next)."""

from __future__ import annotations

import random
import time

from ._delivery import BatchReport
from ._outbox_store import ClaimedRow, OutboxStore
from ._private import redact_text

__all__ = ["record_outcome"]


def record_outcome(
    store: OutboxStore,
    rows: list[ClaimedRow],
    report: BatchReport,
    backoff: tuple[float, float],
) -> int:
    """Record in ``store`` how the batch of claimed ``rows`` went; return how many were delivered.

    ``backoff`` is (first delay, cap) in seconds, doubling with each attempt of the row tried most
    often, with jitter. Raises :class:`OutboxError` if the file cannot be written (the rows then
    stay claimed until their lease runs out)."""
    unsent_ids = {event.position for event in report.unsent}
    refused_ids = {rejected.index for rejected in report.rejected}
    delivered = [row.id for row in rows if row.id not in unsent_ids and row.id not in refused_ids]
    if delivered:
        store.delete(delivered)
    if report.rejected:
        store.bury(
            [
                (r.index, r.status_code, r.code, redact_text(r.message, [r.payload]))
                for r in report.rejected
            ]
        )
    if report.unsent:
        if report.abandoned:
            available_at = 0.0
        else:
            attempts = max(row.attempts for row in rows if row.id in unsent_ids) + 1
            initial, cap = backoff
            delay = min(cap, initial * 2.0 ** (attempts - 1)) * (0.5 + random.random() / 2)
            available_at = time.time() + delay
        store.release([event.position for event in report.unsent], available_at)
    return len(delivered)
