"""The synchronous client."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._batching import Batch, EventSource
from ._config import DEFAULT_HTTP_TIMEOUT, ClientSettings
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_REQUEST_BYTES,
    MAX_EXT_IDS_PER_REQUEST,
)
from ._delivery import BatchReport, CallTally, Post, Reply, Step, deliver
from ._errors import EventEncodingError, EventValidationError
from ._event import Event
from ._hooks import SendHook, as_hooks, run_hooks_all, run_hooks_on_payloads
from ._http import Outcome, open_http, post
from ._httpx import httpx
from ._results import FireResult
from ._retry import DEFAULT_RETRY_POLICY, RetryPolicy
from ._validate import validate

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["NetmeraClient"]

_log = logging.getLogger(__name__)


class NetmeraClient:
    """Sends events to Netmera's fireEvents endpoint, synchronously.

    ``api_key`` defaults to the ``NETMERA_API_KEY`` environment variable. Connections are pooled and
    kept alive; every request has a timeout. One client is safe to share between threads, and safe
    to use in a child process after ``os.fork()`` (the child opens its own connections). Close it,
    or use it as a context manager, when done.

    ``fire()`` splits events into requests of at most ``max_ext_ids_per_request`` distinct extIds
    and ``max_request_bytes`` bytes, retries what may succeed later according to ``retry``
    (connection errors, timeouts, 5xx, 408, 429 honouring Retry-After; never 400 or 403) and, with
    ``isolate_rejected``, splits a refused batch to deliver every event Netmera accepts. fireEvents
    has no idempotency key: a request retried after a timeout or a 5xx may record its events twice,
    and ``FireResult.retried`` counts such events.

    ``before_send`` hooks (a callable or a sequence of them) see each event first and return it, a
    changed copy or ``None`` to leave it out; a hook that raises stops the call with
    :class:`SendHookError` before anything is sent. With hooks set, ``FireResult`` positions count
    the events the hooks kept.

    Bodies are compact UTF-8 JSON arrays (no spaces after ``,`` and ``:``), keys in ``to_payload()``
    order. Requests go out in order, one at a time, each batch encoded just before it is sent.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx.Timeout = DEFAULT_HTTP_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY_POLICY,
        max_ext_ids_per_request: int = MAX_EXT_IDS_PER_REQUEST,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        isolate_rejected: bool = True,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        before_send: SendHook | Sequence[SendHook] | None = None,
    ) -> None:
        try:
            self._settings = ClientSettings.create(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                retry=retry,
                max_ext_ids_per_request=max_ext_ids_per_request,
                max_request_bytes=max_request_bytes,
                isolate_rejected=isolate_rejected,
                max_connections=max_connections,
            )
        finally:
            del api_key  # an exception passing through here must not find the key in this frame
        self._before_send = as_hooks(before_send)
        self._closed = False
        self._pid = os.getpid()
        self._http = self._open_http()

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def settings(self) -> ClientSettings:
        """The validated settings (the key inside stays masked)."""
        return self._settings

    def __repr__(self) -> str:
        # getattr: a reporter may show a client whose construction failed.
        settings = getattr(self, "_settings", None)
        if settings is None:
            return f"{type(self).__name__}(not configured)"
        state = ", closed" if self._closed else ""
        return f"{type(self).__name__}(base_url={settings.base_url!r}{state})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the pooled connections. Idempotent."""
        self._closed = True
        if self._pid == os.getpid():
            self._http.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def fire(self, *events: Event) -> FireResult:
        """Send events; return how many were sent in how many requests.

        Raises :class:`EventsRejectedError` (after delivering the others) if Netmera refused some
        events, :class:`NetmeraAuthError` for a bad key, :class:`NetmeraConnectionError` /
        :class:`NetmeraAPIError` when retrying had to stop; such errors carry ``result`` telling
        what was delivered and what was not.
        """
        if self._before_send:
            events = tuple(run_hooks_all(self._before_send, events))
        return self._send(EventSource.from_events(events))

    def fire_payloads(self, *payloads: Mapping[str, Any]) -> FireResult:
        """Send raw wire dicts (``{"extId": ..., "name": ..., <attributes>}``) after validating
        every one of them against the event schemas; nothing is sent if any is invalid
        (:class:`EventValidationError`).
        """
        if self._before_send:
            violations = validate(list(payloads))
            if violations:
                raise EventValidationError(violations)
            payloads = tuple(run_hooks_on_payloads(self._before_send, payloads))
        return self._send(EventSource.from_payloads(payloads))

    # --- sending ----------------------------------------------------------------------------------

    def _send(self, source: EventSource) -> FireResult:
        self._http_client()  # fail fast on a closed client, before encoding anything
        tally = CallTally(source.count)
        batches = source.batches(self._settings.batch_limits)
        # Batches are encoded and sent in turn, on this thread. Encoding the next one on this thread
        # while a helper thread sent the current one was measured slower (0.25 vs 0.28 of the wire's
        # ceiling): every socket call of the helper gave the interpreter lock up and then waited for
        # the encoding to hand it back. An event that cannot be encoded ends the call, but every batch
        # before it has been sent: the events delivered are exactly those before the refused event's batch.
        while True:
            try:
                batch = next(batches, None)
            except EventEncodingError as error:
                return tally.finish(error)
            if batch is None:
                return tally.finish(None)
            failure = tally.add(batch, self._deliver(batch))
            if failure is not None:
                return tally.finish(failure)

    def _deliver(self, batch: Batch, abandon: threading.Event | None = None) -> BatchReport:
        """Deliver one batch with retries and poison isolation; ``abandon`` (a sender closing)
        cuts retry waits short."""
        settings = self._settings
        http = self._http_client()

        def send(body: bytes, deadline: float) -> Outcome:
            return post(http, settings, body, deadline)

        def pause(seconds: float) -> bool:
            if abandon is None:
                time.sleep(seconds)
                return True
            return not abandon.wait(seconds)

        steps = deliver(
            batch,
            settings.retry,
            settings.api_key,
            settings.request_timeout,
            isolate=settings.isolate_rejected,
        )
        return drive(steps, send, pause)

    def _http_client(self) -> httpx.Client:
        if self._closed:
            raise RuntimeError("this NetmeraClient is closed")
        if self._pid != os.getpid():
            # A forked child inherits the parent's pooled sockets; writing to them would interleave
            # with the parent's requests. Open fresh connections and leave the inherited ones alone.
            self._http = self._open_http()
            self._pid = os.getpid()
        return self._http

    def _open_http(self) -> httpx.Client:
        return open_http(self._settings)


def drive(
    steps: Generator[Step, Reply, BatchReport],
    send: Callable[[bytes, float], Outcome],
    pause: Callable[[float], bool],
) -> BatchReport:
    """Run a delivery generator with blocking I/O."""
    try:
        step = next(steps)
        while True:
            reply: Reply
            if isinstance(step, Post):
                reply = send(step.body, step.deadline)
            else:
                reply = pause(step.seconds)
            step = steps.send(reply)
    except StopIteration as done:
        report: BatchReport = done.value
        return report
    finally:
        steps.close()
