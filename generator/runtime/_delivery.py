"""Delivering one batch: retries, and isolating the events Netmera refuses.

The logic is written once, free of I/O, as a generator that yields what to do next (:class:`Post` a
body or :class:`Pause`) and is sent back what happened (the response or transport error, or whether
the pause ran to its end). The sync client, the async client and the background sender each drive it
with their own I/O, so they cannot drift apart in how they retry or split.

Poison isolation: Netmera accepts or refuses a request as a whole and does not say which event it
objected to. When a batch is refused with an event-level error (a 400 other than the account-level
codes below, 413, 422), it is split in halves and each half sent on its own, recursively, until
every refused event stands alone; the others are delivered. Finding ``k`` refused events among ``n``
costs about ``2 k log2(n / k)`` extra requests.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Generator
from dataclasses import dataclass, field

from ._batching import Batch
from ._config import Secret
from ._encoding import EncodedEvent
from ._errors import (
    EventsRejectedError,
    NetmeraAPIError,
    NetmeraConnectionError,
    NetmeraError,
    api_error,
    parse_error_body,
)
from ._http import Answer, Failure
from ._private import redact_error, redact_text
from ._results import FireResult, RejectedEvent
from ._retry import RetryPolicy, is_retryable_status

__all__ = ["BatchReport", "CallTally", "Pause", "Post", "Reply", "Step", "deliver"]

_log = logging.getLogger(__name__)

#: Statuses that mean "something in this body is wrong", so splitting the body can find it.
EVENT_LEVEL_STATUSES = frozenset({400, 413, 422})

#: 400 codes about the account or the request as a whole (service usage not allowed, quota exceeded,
#: app schema not defined): every event would be refused, so splitting would only multiply the
#: requests.
REQUEST_LEVEL_CODES = frozenset({5021, 5022, 5023})


@dataclass(frozen=True, slots=True)
class Post:
    """Send ``body`` (a JSON array of events) to fireEvents, finished by ``deadline`` (a
    :func:`time.monotonic` time); reply with the :class:`Answer` or the :class:`Failure`."""

    body: bytes
    deadline: float


@dataclass(frozen=True, slots=True)
class Pause:
    """Wait ``seconds`` before retrying; reply ``True`` if the wait ran to its end, ``False`` if the
    driver was told to give up (a closing background sender), which abandons the batch."""

    seconds: float


Step = Post | Pause
Reply = Answer | Failure | bool


@dataclass(slots=True)
class BatchReport:
    """What became of one batch."""

    sent: int = 0
    requests: int = 0
    retried: int = 0
    rejected: list[RejectedEvent] = field(default_factory=list)
    #: Why the batch could not be (fully) delivered, if it could not.
    failure: NetmeraError | None = None
    #: Set when the driver asked to give up during a retry wait.
    abandoned: bool = False
    #: Events neither delivered nor refused (because of ``failure`` or ``abandoned``).
    unsent: list[EncodedEvent] = field(default_factory=list)


class _Abandoned(Exception):
    """Internal: the driver cut a retry wait short."""


def deliver(
    batch: Batch,
    retry: RetryPolicy,
    secret: Secret,
    request_timeout: float,
    *,
    isolate: bool = True,
    rng: random.Random | None = None,
) -> Generator[Step, Reply, BatchReport]:
    """Deliver ``batch``; see the module docstring for the protocol. Each attempt must be finished
    within ``request_timeout`` seconds, and all of them within the policy's ``total_timeout``
    (splitting a refused batch starts a new budget for each part, which has made progress)."""
    report = BatchReport()
    pending = [batch]  # a stack: the first half of a split is tried first, keeping order
    while pending:
        part = pending.pop()
        try:
            yield from _send_with_retries(part, retry, secret, request_timeout, report, rng)
        except NetmeraAPIError as error:
            if not _refuses_events(error):
                report.failure = redact_error(error, part.datas)
            elif len(part) > 1 and isolate:
                first, second = part.halves()
                pending += (second, first)
                _log.info(
                    "fireEvents refused %d events (HTTP %d, Netmera code %s); "
                    "splitting them to find the refused ones",
                    len(part),
                    error.status_code,
                    error.code,
                )
                continue
            elif len(part) == 1:
                event = part.events[0]
                report.rejected.append(
                    RejectedEvent(
                        event.position,
                        event.name,
                        error.status_code,
                        error.code,
                        redact_text(error.message, [event.data]),
                        event.ext_id,
                        event.data,
                    )
                )
                # Debug only: the caller hears of it once, through the exception or on_error.
                _log.debug(
                    "Netmera refused event %s #%d: HTTP %d, Netmera code %s",
                    event.name,
                    event.position,
                    error.status_code,
                    error.code,
                )
                continue
            else:
                report.failure = redact_error(error, part.datas)
        except NetmeraConnectionError as error:
            report.failure = error
        except _Abandoned:
            report.abandoned = True
        else:
            report.sent += len(part)
            continue
        # Failed or abandoned: this part and everything still pending stay unsent, in order.
        report.unsent = [event for piece in (part, *reversed(pending)) for event in piece.events]
        break
    return report


def _refuses_events(error: NetmeraAPIError) -> bool:
    return error.status_code in EVENT_LEVEL_STATUSES and error.code not in REQUEST_LEVEL_CODES


def _send_with_retries(
    batch: Batch,
    retry: RetryPolicy,
    secret: Secret,
    request_timeout: float,
    report: BatchReport,
    rng: random.Random | None,
) -> Generator[Step, Reply, None]:
    """Post ``batch`` until it is accepted; raise the final error when retrying must stop."""
    started = time.monotonic()
    # The first attempt always has its full request timeout; later ones end with the budget.
    budget_ends = started + max(retry.total_timeout, request_timeout)
    attempts = 0
    # Whether the last failed attempt may have been recorded by Netmera all the same.
    maybe_recorded = False
    while True:
        attempts += 1
        report.requests += 1
        if maybe_recorded:
            report.retried += len(batch)
        deadline = min(time.monotonic() + request_timeout, budget_ends)
        reply = yield Post(batch.body, deadline)
        retry_after: float | None = None
        error: NetmeraError
        if isinstance(reply, Answer):
            status = reply.status_code
            if 200 <= status < 300:
                # Netmera answers 200 with an empty body: there is nothing to parse on success.
                return
            code, message = parse_error_body(reply.body, reply.reason, secret)
            retry_after = reply.retry_after
            error = api_error(status, code, message, attempts=attempts, retry_after=retry_after)
            retryable = is_retryable_status(status)
            maybe_recorded = status != 429  # throttled requests are refused before processing
            # Log lines name statuses and codes, not the server's message: it may quote what we
            # sent.
            cause = f"HTTP {status}" if code is None else f"HTTP {status}, Netmera code {code}"
        elif isinstance(reply, Failure):
            # The httpx error itself is not chained: it holds the request and its headers.
            error = NetmeraConnectionError(f"{reply.kind}: {reply.detail}", attempts=attempts)
            retryable = reply.retryable
            maybe_recorded = reply.maybe_sent
            cause = reply.kind
        else:
            raise TypeError(
                f"a Post step must be answered with an Answer or a Failure, not {reply!r}"
            )
        if not retryable:
            raise error
        delay = retry.delay_before_retry(attempts, time.monotonic() - started, retry_after, rng)
        if delay is None:
            raise error
        _log.info(
            "fireEvents request with %d events failed (%s); "
            "retrying in %.2f s (attempt %d of at most %d)",
            len(batch),
            cause,
            delay,
            attempts + 1,
            retry.max_attempts,
        )
        if (yield Pause(delay)) is False:
            raise _Abandoned()


class CallTally:
    """Adds up the batch reports of one ``fire()`` call and turns them into its result or its
    exception.

    Batches cover consecutive positions of the call and are sent in order, stopping at the first
    failure, so the events not handled are those the failed batch left unsent plus everything after
    the last batch seen.
    """

    def __init__(self, count: int) -> None:
        self._count = count
        self._covered = 0
        self._sent = 0
        self._requests = 0
        self._retried = 0
        self._rejected: list[RejectedEvent] = []
        self._unsent: list[int] = []

    def add(self, batch: Batch, report: BatchReport) -> NetmeraError | None:
        """Record a batch's report; return its failure, if it failed."""
        self._sent += report.sent
        self._requests += report.requests
        self._retried += report.retried
        self._rejected += report.rejected
        self._unsent += [event.position for event in report.unsent]
        self._covered = batch.positions[-1] + 1
        return report.failure

    def result(self, failed: bool = False) -> FireResult:
        unsent = tuple(self._unsent) + (tuple(range(self._covered, self._count)) if failed else ())
        return FireResult(self._sent, self._requests, self._retried, tuple(self._rejected), unsent)

    def finish(self, failure: NetmeraError | None) -> FireResult:
        """The call's result, or raise: ``failure`` (with the partial result attached) if there was
        one, else :class:`EventsRejectedError` if Netmera refused any event."""
        result = self.result(failed=failure is not None)
        if failure is not None:
            failure.result = result
            raise failure
        if result.rejected:
            raise EventsRejectedError(result.rejected, result)
        _log.debug("fireEvents: %s", result)
        return result
