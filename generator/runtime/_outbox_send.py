"""Sending a claim: its requests one after the other, up to the first that fails (the rest would fail
as it did; they stay in the outbox, reported unsent)."""

from __future__ import annotations

import logging
import threading

from ._batching import Batch, BatchLimits
from ._client import NetmeraClient
from ._delivery import BatchReport
from ._errors import NetmeraError
from ._outbox_claim import Claim

__all__ = ["deliver_claim"]

_log = logging.getLogger(__name__)


def deliver_claim(
    client: NetmeraClient, claim: Claim, limits: BatchLimits, abandon: threading.Event
) -> BatchReport:
    """Deliver the events of ``claim`` in requests within ``limits``; one report for them all.
    ``abandon`` (the sender closing) cuts retry waits short."""
    report = BatchReport()
    for batch in claim.batches(limits):
        if report.failure is not None or report.abandoned:
            report.unsent += batch.events  # not tried: it would fail as the last one did
            continue
        part = _deliver(client, batch, abandon)
        report.sent += part.sent
        report.requests += part.requests
        report.retried += part.retried
        report.rejected += part.rejected
        report.unsent += part.unsent
        report.failure = part.failure
        report.abandoned = part.abandoned
    return report


def _deliver(client: NetmeraClient, batch: Batch, abandon: threading.Event) -> BatchReport:
    try:
        return client._deliver(batch, abandon)
    except Exception as exc:  # noqa: BLE001 - a bug or a closed client must not end the worker
        _log.error(
            "unexpected %s while sending %d events", type(exc).__name__, len(batch), exc_info=True
        )
        return BatchReport(
            failure=NetmeraError(f"unexpected {type(exc).__name__}"), unsent=batch.events
        )
