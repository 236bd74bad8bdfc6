"""Client settings: the API key, the endpoint URL, timeouts and connection limits, checked once at
construction."""

from __future__ import annotations

import ipaddress
import os
import warnings
from dataclasses import dataclass
from typing import Any

from ._batching import BatchLimits
from ._constants import (
    API_KEY_ENV_VAR,
    API_KEY_HEADER,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT,
    FIRE_EVENTS_PATH,
    JSON_CONTENT_TYPE,
)
from ._errors import InsecureBaseURLWarning
from ._http import httpx
from ._retry import RetryPolicy

_REDACTED = "********"
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


class Secret:
    """A string that never shows itself: its repr and str are a fixed mask, so it cannot leak into a
    log line, an exception message or a debugger's variable view by accident. ``reveal()`` is the
    one way to read it.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """Return ``text`` with every occurrence of the secret masked (for text that came from
        elsewhere, such as a server's error message, which might echo the key back)."""
        return text.replace(self._value, _REDACTED) if self._value in text else text

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
    value = api_key if api_key is not None else os.environ.get(API_KEY_ENV_VAR)
    value = (value or "").strip()
    if not value:
        raise ValueError(
            f"no Netmera API key: pass api_key=... "
            f"or set the {API_KEY_ENV_VAR} environment variable"
        )
    if not value.isprintable() or not value.isascii():
        raise ValueError(
            "the Netmera API key contains characters that cannot be sent in an HTTP header"
        )
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
        phases = (timeout.connect, timeout.read, timeout.write, timeout.pool)
        if any(phase is None for phase in phases):
            raise ValueError("every phase of the timeout (connect, read, write, pool) must be set")
        return timeout
    if timeout <= 0:
        raise ValueError(f"timeout must be positive, not {timeout!r}")
    return httpx.Timeout(timeout)


#: Used when no timeout is given: a short connect phase so an unreachable host fails fast.
DEFAULT_HTTP_TIMEOUT = httpx.Timeout(DEFAULT_TIMEOUT, connect=DEFAULT_CONNECT_TIMEOUT)


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Everything a client needs, validated; shared by the sync and async clients."""

    base_url: str
    url: str
    api_key: Secret
    timeout: httpx.Timeout
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
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        return cls(
            base_url=base_url,
            url=fire_events_url(base_url),
            api_key=resolve_api_key(api_key),
            timeout=resolve_timeout(timeout),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            retry=retry,
            batch_limits=BatchLimits(
                max_ext_ids=max_ext_ids_per_request, max_bytes=max_request_bytes
            ),
            isolate_rejected=isolate_rejected,
        )

    def request_headers(self) -> dict[str, str]:
        # Built per request rather than stored in the httpx client's default headers, so the plain
        # key lives only inside the Secret and never in an object a user might print.
        return {API_KEY_HEADER: self.api_key.reveal(), "Content-Type": JSON_CONTENT_TYPE}
