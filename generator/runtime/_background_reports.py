"""What a background sender tells the application about the events it did not deliver.

Each undelivered event is reported once, through the channel the application chose:
``on_drop(event)`` for one dropped (queue full, closed, out of time at close or exit),
``on_error(error, events)`` for events Netmera refused, that failed to send or that a
``before_send`` hook stopped; without the callback, as a warning (:func:`report_loss`). A callback
that raises is logged and ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ._delivery import BatchReport
from ._encoding import EncodedEvent, QueuedEvent
from ._errors import EventEncodingError, EventsRejectedError
from ._event import Event
from ._hooks import SendHookError, log_hook_failure
from ._reporting import report_loss
from ._results import FireResult, summarize_names
from ._sender_records import DropCallback, ErrorCallback, UndeliveredEvent, describe_error

__all__ = ["UndeliveredReports"]


class UndeliveredReports:
    """Reports a sender's undelivered events to its callbacks or, without one, to ``log``."""

    def __init__(
        self, log: logging.Logger, on_drop: DropCallback | None, on_error: ErrorCallback | None
    ) -> None:
        self._log = log
        self._on_drop = on_drop
        self._on_error = on_error

    def hook_failed(self, error: SendHookError, event: Event) -> None:
        """A ``before_send`` hook raised: the event was not queued (reason ``"hook"``)."""
        log_hook_failure(self._log, error)
        if self._on_error is not None:
            undelivered = UndeliveredEvent(-1, event.EVENT_NAME, "hook", event.ext_id, b"")
            self.call_back(self._on_error, error, [undelivered])

    def dropped(self, event: QueuedEvent, reason: str, dropped_so_far: int) -> None:
        """One event was dropped at ``enqueue()``, the ``dropped_so_far``-th."""
        if self._on_drop is not None:
            self.call_back(self._on_drop, UndeliveredEvent.of(event, reason))
        elif dropped_so_far & (dropped_so_far - 1) == 0:
            # Warn on the 1st, 2nd, 4th, 8th... drop: visible, without flooding the log when the
            # queue stays full.
            report_loss(
                self._log,
                logging.WARNING,
                "dropped event %s (%s); %d events dropped so far",
                event[1],
                reason,
                dropped_so_far,
            )

    def gave_up(
        self, leftovers: list[QueuedEvent], sending: list[EncodedEvent], reason: str
    ) -> None:
        """Out of time at close or exit: ``leftovers`` were still queued, ``sending`` in flight."""
        dropped = [UndeliveredEvent.of(event, reason) for event in leftovers]
        dropped += [UndeliveredEvent.of(event, reason, in_flight=True) for event in sending]
        self._drop_all(
            dropped,
            "%d events could not be sent before %s (%s); %d more were still being sent "
            "and may or may not have been delivered",
            len(leftovers),
            "exit" if reason == "exit" else "close",
            summarize_names(event[1] for event in leftovers) or "none queued",
            len(sending),
        )

    def unencodable(self, refused: list[EncodedEvent]) -> None:
        """Events of a batch held NaN or Infinity and were set aside unsent: they failed."""
        first = refused[0]
        error = EventEncodingError(
            f"event #{first.position} ({first.name}) holds NaN or Infinity, which JSON cannot "
            f"carry ({len(refused)} such events)",
            index=first.position,
            event=first.name,
        )
        if self._on_error is not None:
            failed = [UndeliveredEvent.of(event, "failed") for event in refused]
            self.call_back(self._on_error, error, failed)
        else:
            report_loss(
                self._log, logging.WARNING, "could not send %d events: %s", len(refused), error
            )

    def batch(self, report: BatchReport, reason: str) -> None:
        """Tell the application what became of a batch's events not delivered: once, through its
        callback, or a warning when it gave none. A batch abandoned at close or exit is dropped
        with ``reason``."""
        if report.rejected:
            rejected = [
                UndeliveredEvent(r.index, r.name, "rejected", r.ext_id, r.payload)
                for r in report.rejected
            ]
            if self._on_error is not None:
                result = FireResult(
                    report.sent, report.requests, report.retried, tuple(report.rejected)
                )
                error = EventsRejectedError(report.rejected, result)
                self.call_back(self._on_error, error, rejected)
            else:
                report_loss(
                    self._log,
                    logging.WARNING,
                    "Netmera refused %d events (%s): %s",
                    len(rejected),
                    summarize_names(event.name for event in rejected),
                    describe_error(EventsRejectedError(report.rejected, FireResult(0, 0))),
                )
        if report.failure is not None:
            if self._on_error is not None:
                unsent = [UndeliveredEvent.of(event, "failed") for event in report.unsent]
                self.call_back(self._on_error, report.failure, unsent)
            else:
                report_loss(
                    self._log,
                    logging.WARNING,
                    "could not deliver %d events (%s): %s",
                    len(report.unsent),
                    summarize_names(event.name for event in report.unsent),
                    describe_error(report.failure),
                )
        if report.abandoned:
            self._drop_all(
                [UndeliveredEvent.of(event, reason) for event in report.unsent],
                "%d events were dropped while waiting to be retried at %s",
                len(report.unsent),
                reason,
            )

    def _drop_all(self, dropped: list[UndeliveredEvent], message: str, *args: object) -> None:
        """Each of ``dropped`` to ``on_drop``; without it, one warning for them all."""
        if self._on_drop is not None:
            for event in dropped:
                self.call_back(self._on_drop, event)
        elif dropped:
            report_loss(self._log, logging.WARNING, message, *args)

    def call_back(self, callback: Callable[..., None], *args: Any) -> None:
        """Call one of the application's callbacks; what it raises is logged, never passed on."""
        try:
            callback(*args)
        except BaseException as exc:  # noqa: BLE001 - not even SystemExit may stop later sends
            report_loss(
                self._log,
                logging.ERROR,
                "the %s callback raised %s; ignoring it",
                getattr(callback, "__name__", "sender"),
                type(exc).__name__,
            )
