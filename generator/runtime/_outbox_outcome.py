"""What a sent claim's report means for the outbox file: delivered events are deleted, refused ones
move to the dead letters, and unsent ones stay, waiting out a backoff (or, when the sender is
closing, free at once for whoever runs next)."""

from __future__ import annotations

import random
import time

from ._delivery import BatchReport
from ._outbox_claim import Chunk, Claim
from ._outbox_store import DeadRow, OutboxStore
from ._private import redact_text

__all__ = ["record_outcome"]


def record_outcome(
    store: OutboxStore,
    claim: Claim,
    report: BatchReport,
    backoff: tuple[float, float],
) -> int:
    """Record in ``store`` how the events of ``claim`` went; return how many were delivered.

    ``backoff`` is (first delay, cap) in seconds, doubling with each attempt of the chunk tried
    most often, with jitter. Raises :class:`OutboxError` if the file cannot be written (the chunks
    then stay claimed until their lease runs out)."""
    unsent = {event.position for event in report.unsent}
    refused: list[DeadRow] = []
    for rejected in report.rejected:
        chunk, _ = claim.chunk_of(rejected.index)
        message = redact_text(rejected.message, [rejected.payload])
        refused.append(
            (
                rejected.name,
                rejected.ext_id,
                rejected.payload,
                chunk.created_at,
                rejected.status_code,
                rejected.code,
                message,
            )
        )
    done: list[int] = []
    kept: list[Chunk] = []
    for chunk in claim.chunks:
        left = [i for i in range(len(chunk)) if chunk.first + i in unsent] if unsent else []
        if not left:
            done.append(chunk.id)
        elif len(left) == len(chunk):
            kept.append(chunk)
        else:
            kept.append(_part(chunk, left))
    available_at = 0.0
    if kept and not report.abandoned:
        attempts = max(chunk.attempts for chunk in kept) + 1
        initial, cap = backoff
        delay = min(cap, initial * 2.0 ** (attempts - 1)) * (0.5 + random.random() / 2)
        available_at = time.time() + delay
    store.settle(done, kept, available_at, refused)
    return len(claim) - len(unsent) - len(report.rejected)


def _part(chunk: Chunk, indexes: list[int]) -> Chunk:
    """The chunk holding only the events at ``indexes``."""
    return Chunk(
        chunk.id,
        b",".join(chunk.encoding(i) for i in indexes),
        [chunk.sizes[i] for i in indexes],
        [chunk.names[i] for i in indexes],
        [chunk.ext_ids[i] for i in indexes],
        chunk.created_at,
        chunk.attempts,
    )
