"""One POST to fireEvents, bounded in time and size, with nothing of the request left behind.

- **Bounded in time as a whole.** httpx's timeouts apply to each socket operation, so a server that
  drip-feeds its answer (a byte every half second) could hold a request forever. The sync client's
  connections go through :class:`_DeadlineBackend`, which gives every connect, read and write at
  most the time left before the attempt's deadline; the async client wraps the exchange in
  :func:`asyncio.wait_for`.
- **Bounded in size.** At most :data:`MAX_ANSWER_BYTES` of an answer are read; nothing asks for a
  compressed answer, so the cap is also what is held in memory.
- **Nothing of the request left behind.** The API key is written into the request's headers inside
  :func:`_post` / :func:`_apost` only, and what comes back is turned into plain data
  (:class:`Answer`, :class:`Failure`) with the key masked out of every text. httpx's exceptions
  carry the request and its headers (``error.request.headers``); they are summarised and dropped
  here, and an exception that must propagate (Ctrl-C, cancellation) leaves with its traceback and
  chained exceptions cut at this module, so no frame, local or cause reachable from what the
  runtime raises holds the key.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpcore

from ._config import ClientSettings, Secret
from ._constants import API_KEY_HEADER, JSON_CONTENT_TYPE
from ._httpx import httpx
from ._retry import parse_retry_after

__all__ = [
    "MAX_ANSWER_BYTES",
    "Answer",
    "Failure",
    "Outcome",
    "apost",
    "open_async_http",
    "open_http",
    "post",
]

_log = logging.getLogger(__name__)

#: Bytes of an answer read at most: Netmera's error objects are tiny, a proxy's error page is a few
#: KiB; anything longer is cut (the cut text still names the status).
MAX_ANSWER_BYTES = 64 * 1024

#: Transport failures after which the same request may succeed. Others (a malformed request, an
#: unsupported scheme) would fail the same way again.
_RETRYABLE_TRANSPORT_ERRORS = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)

#: Failures that happen before a request is sent: retrying after them cannot duplicate events.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

_REQUEST_HEADERS = {"Content-Type": JSON_CONTENT_TYPE, "Accept-Encoding": "identity"}


@dataclass(frozen=True, slots=True)
class Answer:
    """What the server answered: the status, and for a non-2xx answer its reason phrase, its
    ``Retry-After`` in seconds and the first :data:`MAX_ANSWER_BYTES` of its body, the key masked
    in each."""

    status_code: int
    reason: str = ""
    retry_after: float | None = None
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Failure:
    """No answer: the httpx error's type name and its text (key masked), whether the same request
    may succeed if tried again, and whether the server may have received it (a retry could then
    record its events twice)."""

    kind: str
    detail: str
    retryable: bool
    maybe_sent: bool


Outcome = Answer | Failure


def scrubbed(error: BaseException) -> BaseException:
    """``error`` cut loose from the frames and exceptions it came through (which hold the request),
    for re-raising an exception this module cannot turn into a :class:`Failure`."""
    error.__cause__ = None
    error.__context__ = None
    error.__suppress_context__ = True
    return error.with_traceback(None)


def attempt_timeout(settings: ClientSettings, deadline: float) -> httpx.Timeout:
    """The client's timeout with every phase shortened to the time left before ``deadline``."""
    left = max(0.001, deadline - time.monotonic())
    timeout = settings.timeout
    return httpx.Timeout(
        connect=min(timeout.connect or left, left),
        read=min(timeout.read or left, left),
        write=min(timeout.write or left, left),
        pool=min(timeout.pool or left, left),
    )


# --- the sync client ----------------------------------------------------------------------------


def open_http(settings: ClientSettings) -> httpx.Client:
    """An httpx client whose every connection honours the deadline of the request using it."""
    http = httpx.Client(timeout=settings.timeout, limits=settings.limits)
    transports = [http._transport, *(t for t in http._mounts.values() if t is not None)]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is None:
            _log.warning(
                "cannot bound requests as a whole with this httpx (%s): only its per-read "
                "timeouts apply",
                httpx.__version__,
            )
            continue
        if not isinstance(backend, _DeadlineBackend):
            pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return http


def post(
    http: httpx.Client,
    settings: ClientSettings,
    body: bytes,
    deadline: float,
) -> Outcome:
    """POST ``body`` to fireEvents, finished by ``deadline`` (a :func:`time.monotonic` time)."""
    try:
        return _post(http, settings, body, deadline)
    except httpx.TransportError as error:
        return failure_of(error, settings.api_key)
    except Exception as error:  # noqa: BLE001 - an unexpected failure is reported, not leaked
        return unexpected(error, settings.api_key)
    except BaseException as error:  # noqa: BLE001 - re-raised, cut loose from the request
        raise scrubbed(error) from None


def _post(
    http: httpx.Client,
    settings: ClientSettings,
    body: bytes,
    deadline: float,
) -> Outcome:
    _DEADLINE.value = deadline
    try:
        with http.stream(
            "POST",
            settings.url,
            content=body,
            headers={API_KEY_HEADER: settings.api_key.reveal(), **_REQUEST_HEADERS},
            timeout=attempt_timeout(settings, deadline),
        ) as response:
            if response.is_success:
                # Read to the end (Netmera's is empty), so that the connection goes back to the
                # pool: one closed unread is not reused.
                _drain(response.iter_raw())
                return Answer(response.status_code)
            data = bytearray()
            wanted = MAX_ANSWER_BYTES + len(settings.api_key)
            for chunk in response.iter_raw():
                data += chunk
                if len(data) >= wanted:
                    break
            return answer_of(response, bytes(data), settings.api_key)
    finally:
        _DEADLINE.value = None


def _drain(chunks: Iterator[bytes]) -> None:
    read = 0
    for chunk in chunks:
        read += len(chunk)
        if read > MAX_ANSWER_BYTES:
            return  # a success body this long is not worth reading: the connection closes


class _Deadline(threading.local):
    #: When the request running on this thread must be finished (monotonic clock), if it must.
    value: float | None = None


_DEADLINE = _Deadline()


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """The timeout for one socket operation: at most what is left before this thread's deadline."""
    deadline = _DEADLINE.value
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("no complete answer before the request's deadline")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    __slots__ = ("_stream",)

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Opens connections whose streams bound each operation by the current request's deadline."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


# --- the async client ---------------------------------------------------------------------------


def open_async_http(settings: ClientSettings) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=settings.timeout, limits=settings.limits)


async def apost(
    http: httpx.AsyncClient, settings: ClientSettings, body: bytes, deadline: float
) -> Outcome:
    """:func:`post` for asyncio: the whole exchange is cancelled at ``deadline``."""
    try:
        return await asyncio.wait_for(
            _apost(http, settings, body, deadline), max(0.0, deadline - time.monotonic())
        )
    except httpx.TransportError as error:
        return failure_of(error, settings.api_key)
    except asyncio.TimeoutError:
        return Failure(
            "ReadTimeout", "no complete answer before the request's deadline", True, True
        )
    except Exception as error:  # noqa: BLE001 - an unexpected failure is reported, not leaked
        return unexpected(error, settings.api_key)
    except BaseException as error:  # noqa: BLE001 - re-raised, cut loose from the request
        raise scrubbed(error) from None


async def _apost(
    http: httpx.AsyncClient, settings: ClientSettings, body: bytes, deadline: float
) -> Outcome:
    async with http.stream(
        "POST",
        settings.url,
        content=body,
        headers={API_KEY_HEADER: settings.api_key.reveal(), **_REQUEST_HEADERS},
        timeout=attempt_timeout(settings, deadline),
    ) as response:
        if response.is_success:
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read > MAX_ANSWER_BYTES:
                    break  # a success body this long is not worth reading: the connection closes
            return Answer(response.status_code)
        data = bytearray()
        wanted = MAX_ANSWER_BYTES + len(settings.api_key)
        async for chunk in response.aiter_raw():
            data += chunk
            if len(data) >= wanted:
                break
        return answer_of(response, bytes(data), settings.api_key)


# --- turning what happened into plain data ------------------------------------------------------


def answer_of(response: httpx.Response, body: bytes, secret: Secret) -> Answer:
    """The answer with the key masked, then cut to :data:`MAX_ANSWER_BYTES` (in that order, so
    that a key straddling the cut leaves no part of itself). ``body`` is read that far plus the
    key's length."""
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    reason = secret.redact(response.reason_phrase)
    return Answer(
        response.status_code, reason, retry_after, secret.redact_bytes(body)[:MAX_ANSWER_BYTES]
    )


def failure_of(error: httpx.TransportError, secret: Secret) -> Failure:
    return Failure(
        type(error).__name__,
        secret.redact(str(error)) or "no details",
        retryable=isinstance(error, _RETRYABLE_TRANSPORT_ERRORS),
        maybe_sent=not isinstance(error, _NOT_SENT_ERRORS),
    )


def unexpected(error: Exception, secret: Secret) -> Failure:
    """An exception httpx is not documented to raise (a bug, an odd proxy setting): reported as a
    final failure; the request may have been sent."""
    _log.debug("unexpected %s while posting to fireEvents", type(error).__name__)
    return Failure(type(error).__name__, secret.redact(str(error)) or "no details", False, True)
