"""The asyncio client: the same behaviour as :class:`NetmeraClient`, with awaitable sends."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Generator, Mapping, Sequence
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
from ._errors import EventEncodingError, EventValidationError, NetmeraError
from ._event import Event
from ._hooks import SendHook, as_hooks, run_hooks_all, run_hooks_on_payloads
from ._http import Outcome, apost, open_async_http
from ._httpx import httpx
from ._results import FireResult
from ._retry import DEFAULT_RETRY_POLICY, RetryPolicy
from ._validate import validate

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AsyncNetmeraClient"]


class AsyncNetmeraClient:
    """Sends events to Netmera's fireEvents endpoint from asyncio code.

    Same arguments, batching, retries, poison isolation, ``before_send`` hooks and errors as
    :class:`NetmeraClient`; see there. Batches go out one after another in order. Use ``async with``, or ``await
    client.aclose()`` when done.
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
        return self._settings

    def __repr__(self) -> str:
        # getattr: a reporter may show a client whose construction failed.
        settings = getattr(self, "_settings", None)
        if settings is None:
            return f"{type(self).__name__}(not configured)"
        state = ", closed" if self._closed else ""
        return f"{type(self).__name__}(base_url={settings.base_url!r}{state})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections. Idempotent."""
        self._closed = True
        if self._pid == os.getpid():
            await self._http.aclose()

    #: The same as :meth:`aclose`, for symmetry with :meth:`NetmeraClient.close`.
    close = aclose

    @property
    def closed(self) -> bool:
        return self._closed

    async def fire(self, *events: Event) -> FireResult:
        """Send events; see :meth:`NetmeraClient.fire`."""
        if self._before_send:
            events = tuple(run_hooks_all(self._before_send, events))
        return await self._send(EventSource.from_events(events))

    async def fire_payloads(self, *payloads: Mapping[str, Any]) -> FireResult:
        """Validate raw wire dicts, then send them; see :meth:`NetmeraClient.fire_payloads`."""
        if self._before_send:
            violations = validate(list(payloads))
            if violations:
                raise EventValidationError(violations)
            payloads = tuple(run_hooks_on_payloads(self._before_send, payloads))
        return await self._send(EventSource.from_payloads(payloads))

    async def _send(self, source: EventSource) -> FireResult:
        self._http_client()
        tally = CallTally(source.count)
        failure: NetmeraError | None = None
        try:
            # Encoding is CPU work done between awaits; each batch is sent as soon as it is
            # complete.
            for batch in source.batches(self._settings.batch_limits):
                failure = tally.add(batch, await self._deliver(batch))
                if failure is not None:
                    break
        except EventEncodingError as error:
            failure = error
        return tally.finish(failure)

    async def _deliver(self, batch: Batch) -> BatchReport:
        settings = self._settings
        http = self._http_client()

        async def send(body: bytes, deadline: float) -> Outcome:
            return await apost(http, settings, body, deadline)

        async def pause(seconds: float) -> bool:
            await asyncio.sleep(seconds)
            return True

        steps = deliver(
            batch,
            settings.retry,
            settings.api_key,
            settings.request_timeout,
            isolate=settings.isolate_rejected,
        )
        return await drive_async(steps, send, pause)

    def _http_client(self) -> httpx.AsyncClient:
        if self._closed:
            raise RuntimeError("this AsyncNetmeraClient is closed")
        if self._pid != os.getpid():
            # See NetmeraClient._http_client: a forked child must not share the parent's sockets.
            self._http = self._open_http()
            self._pid = os.getpid()
        return self._http

    def _open_http(self) -> httpx.AsyncClient:
        return open_async_http(self._settings)


async def drive_async(
    steps: Generator[Step, Reply, BatchReport],
    send: Callable[[bytes, float], Awaitable[Outcome]],
    pause: Callable[[float], Awaitable[bool]],
) -> BatchReport:
    """Run a delivery generator with asyncio I/O. Cancellation propagates; the batch is then
    abandoned."""
    try:
        step = next(steps)
        while True:
            reply: Reply
            if isinstance(step, Post):
                reply = await send(step.body, step.deadline)
            else:
                reply = await pause(step.seconds)
            step = steps.send(reply)
    except StopIteration as done:
        report: BatchReport = done.value
        return report
    finally:
        steps.close()
