"""Client settings: the API key, the endpoint URL, timeouts and connection limits, checked once at
construction."""

from __future__ import annotations

import ipaddress
import math
import os
import secrets
import warnings
from dataclasses import dataclass
from typing import Any

from ._batching import BatchLimits
from ._constants import (
    API_KEY_ENV_VAR,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    FIRE_EVENTS_PATH,
)
from ._errors import InsecureBaseURLWarning
from ._httpx import httpx
from ._retry import RetryPolicy

__all__ = [
    "DEFAULT_HTTP_TIMEOUT",
    "ClientSettings",
    "Secret",
    "fire_events_url",
    "resolve_api_key",
    "resolve_timeout",
]

_REDACTED = "********"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class Secret:
    """A string that never shows itself: its repr and str are a fixed mask, so it cannot leak into a
    log line, an exception message or a debugger's variable view by accident; pickling is refused.

    The value is not even kept as itself: it is stored XOR-ed with a random pad of its length, so
    that walking the objects reachable from an exception (as error reporters that capture local
    variables do) never meets the key in clear. ``reveal()`` is the one way to read it.
    """

    __slots__ = ("_length", "_masked", "_pad")

    def __init__(self, value: str) -> None:
        data = value.encode("utf-8")
        self._length = len(data)
        pad = secrets.token_bytes(len(data))
        self._pad = int.from_bytes(pad, "big")
        self._masked = int.from_bytes(data, "big") ^ self._pad

    def reveal(self) -> str:
        return (self._masked ^ self._pad).to_bytes(self._length, "big").decode("utf-8")

    def __len__(self) -> int:
        return self._length

    def redact(self, text: str) -> str:
        """Return ``text`` with every occurrence of the secret masked (for text that came from
        elsewhere, such as a server's error message, which might echo the key back)."""
        value = self.reveal()
        return text.replace(value, _REDACTED) if value in text else text

    def redact_bytes(self, data: bytes) -> bytes:
        """:meth:`redact` for bytes as they arrived."""
        value = self.reveal().encode("utf-8")
        return data.replace(value, _REDACTED.encode()) if value in data else data

    def __repr__(self) -> str:
        return f"Secret({_REDACTED!r})"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[Any, ...]:
        # Pickling would write the key to wherever the pickle goes (a task queue, a cache); refuse.
        raise TypeError("a Secret cannot be pickled")


def resolve_api_key(api_key: str | None) -> Secret:
    """The key given, else ``NETMERA_API_KEY``; surrounding whitespace (a newline from a secrets
    file) is dropped.

    The error messages describe the problem without quoting the value.
    """
    value = (api_key if api_key is not None else os.environ.get(API_KEY_ENV_VAR)) or ""
    del api_key  # an exception raised below must not find the key in this frame's locals
    value = value.strip()
    problem = None
    if not value:
        problem = (
            f"no Netmera API key: pass api_key=... "
            f"or set the {API_KEY_ENV_VAR} environment variable"
        )
    elif not value.isprintable() or not value.isascii():
        problem = "the Netmera API key contains characters that cannot be sent in an HTTP header"
    if problem is not None:
        del value
        raise ValueError(problem)
    return Secret(value)


def fire_events_url(base_url: str) -> str:
    """The fireEvents URL under ``base_url``. Plain http is refused nowhere (local fakes need it)
    but outside loopback it means the API key travels unencrypted, so it draws an
    :class:`InsecureBaseURLWarning`.
    """
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"invalid base_url {base_url!r}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(
            f"base_url must be an http:// or https:// URL with a host, not {base_url!r}"
        )
    if url.query or url.fragment:
        raise ValueError(f"base_url must not have a query or fragment: {base_url!r}")
    if url.scheme == "http" and not _is_loopback(url.host):
        warnings.warn(
            f"base_url {base_url!r} uses plain http: the Netmera API key would be sent unencrypted",
            InsecureBaseURLWarning,
            stacklevel=4,
        )
    return str(url.copy_with(path=url.path.rstrip("/") + FIRE_EVENTS_PATH))


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_timeout(timeout: float | httpx.Timeout | None) -> httpx.Timeout:
    """An :class:`httpx.Timeout` with every phase set: a number applies to all of them; ``None`` (no
    limit) is refused because a request that can wait forever can hang a worker or an exit forever.
    """
    if timeout is None:
        raise ValueError("timeout cannot be None: every request needs a time limit")
    if isinstance(timeout, httpx.Timeout):
        phases = {
            "connect": timeout.connect,
            "read": timeout.read,
            "write": timeout.write,
            "pool": timeout.pool,
        }
        for name, phase in phases.items():
            if phase is None:
                raise ValueError(
                    "every phase of the timeout (connect, read, write, pool) must be set"
                )
            check_seconds(f"the {name} timeout", phase)
        return timeout
    return httpx.Timeout(check_seconds("timeout", timeout))


def check_seconds(name: str, value: object, *, zero: bool = False) -> float:
    """``value`` as a finite number of seconds, positive (or, with ``zero``, not negative); a
    :class:`ValueError` naming ``name`` otherwise. NaN and infinity are refused: a deadline computed
    from them never arrives (or arrives at once)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {value!r}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not zero):
        bound = "a finite number of seconds, 0 or more" if zero else "a finite, positive number"
        raise ValueError(f"{name} must be {bound}, not {value!r}")
    return seconds


def request_bound(timeout: httpx.Timeout) -> float:
    """How long one attempt may take from start to its answer's last byte: the longest phase.
    httpx bounds each socket operation; this bounds the attempt as a whole."""
    phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
    return max(phase for phase in phases if phase is not None)


#: Used when no timeout is given: a short connect phase so an unreachable host fails fast.
DEFAULT_HTTP_TIMEOUT = httpx.Timeout(DEFAULT_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Everything a client needs, validated; shared by the sync and async clients."""

    base_url: str
    url: str
    api_key: Secret
    timeout: httpx.Timeout
    #: Seconds one attempt may take as a whole (see :func:`request_bound`).
    request_timeout: float
    limits: httpx.Limits
    retry: RetryPolicy
    batch_limits: BatchLimits
    isolate_rejected: bool

    @classmethod
    def create(
        cls,
        *,
        api_key: str | None,
        base_url: str,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy,
        max_ext_ids_per_request: int,
        max_request_bytes: int,
        isolate_rejected: bool,
        max_connections: int,
    ) -> ClientSettings:
        try:
            secret = resolve_api_key(api_key)
        finally:
            del api_key  # no frame an exception passes through keeps the key
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        timeout = resolve_timeout(timeout)
        return cls(
            base_url=base_url,
            url=fire_events_url(base_url),
            api_key=secret,
            timeout=timeout,
            request_timeout=request_bound(timeout),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            retry=retry,
            batch_limits=BatchLimits(
                max_ext_ids=max_ext_ids_per_request, max_bytes=max_request_bytes
            ),
            isolate_rejected=isolate_rejected,
        )
