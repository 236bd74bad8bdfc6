"""Exceptions and warnings, and the parsing of Netmera's error answers into them.

Every exception carries what a caller needs to decide what to do (HTTP status, Netmera's code, the
server's message, how many attempts were made) and never the API key: it is not part of any message
this package writes, and it is masked out of any text that came from the server.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._constants import MAX_ERROR_TEXT

if TYPE_CHECKING:
    from ._config import Secret
    from ._results import FireResult, RejectedEvent
    from ._validate import Violation

__all__ = [
    "EventEncodingError",
    "EventValidationError",
    "EventsRejectedError",
    "InsecureBaseURLWarning",
    "NetmeraAPIError",
    "NetmeraAuthError",
    "NetmeraConnectionError",
    "NetmeraError",
    "NetmeraRateLimitError",
    "NetmeraServerError",
]


class InsecureBaseURLWarning(UserWarning):
    """The base URL is plain http on a non-loopback host: the API key would travel unencrypted."""


class NetmeraError(Exception):
    """Base class of every error this package raises.

    ``result`` is set on errors raised by ``fire()`` after part of the call was already handled: it
    says how many events were delivered and which ones (by position in the call) were not, so they
    can be sent again.
    """

    result: FireResult | None = None


class NetmeraConnectionError(NetmeraError):
    """Netmera could not be reached, or did not answer in time, after every allowed attempt.

    When the last attempt timed out after the request was written, Netmera may have accepted the
    events.
    """

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.attempts = attempts


class NetmeraAPIError(NetmeraError):
    """Netmera answered with a non-2xx status.

    ``status_code`` is the HTTP status, ``code`` Netmera's own error code (``None`` when the answer
    had none, e.g. a proxy's error page) and ``message`` the server's explanation.
    """

    def __init__(
        self,
        status_code: int,
        code: int | None,
        message: str,
        *,
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(status_code, code, message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.attempts = attempts
        #: Seconds the server asked us to wait (a ``Retry-After`` header), when it did.
        self.retry_after = retry_after

    def __str__(self) -> str:
        where = (
            f"HTTP {self.status_code}"
            if self.code is None
            else f"HTTP {self.status_code}, Netmera code {self.code}"
        )
        return f"{where}: {self.message}" if self.message else where

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r})"
        )


class NetmeraAuthError(NetmeraAPIError):
    """401 or 403: a wrong or missing API key (code 2010), a caller IP not allowed (2021), or no
    permission (2022). Never retried."""


class NetmeraRateLimitError(NetmeraAPIError):
    """429: still throttled after every allowed attempt, or asked to wait longer than the retry
    budget."""


class NetmeraServerError(NetmeraAPIError):
    """5xx (or 408): the server failed after every allowed attempt."""


class EventsRejectedError(NetmeraAPIError):
    """Netmera refused some events (each one found by splitting the batch that held it); the others
    were delivered. ``rejected`` lists every refused event with its status, code and message;
    ``status_code``, ``code`` and ``message`` are those of the first one."""

    def __init__(self, rejected: Sequence[RejectedEvent], result: FireResult) -> None:
        first = rejected[0]
        super().__init__(first.status_code, first.code, first.message)
        self.rejected = tuple(rejected)
        self.result = result

    def __str__(self) -> str:
        first = self.rejected[0]
        total = (
            self.result.sent + len(self.rejected) if self.result is not None else len(self.rejected)
        )
        return f"Netmera refused {len(self.rejected)} of {total} events; first: {first.describe()}"


class EventValidationError(NetmeraError, ValueError):
    """An event or a raw payload does not match its schema; nothing was built or sent.

    Raised by a generated constructor, `parse_event` and the senders' payload checks. `violations` lists every
    violation, each with its JSON pointer into the item; the message names each also by its Python name.
    """

    def __init__(self, violations: Sequence[Violation], message: str | None = None) -> None:
        self.violations = tuple(violations)
        if message is None:
            lines = [
                f"#{v.index} {v.event or '?'} {v.pointer or '/'}: {v.message}"
                for v in self.violations
            ]
            message = f"{len(lines)} schema violation(s), nothing was sent:\n  " + "\n  ".join(
                lines
            )
        super().__init__(message)


class EventEncodingError(NetmeraError, ValueError):
    """An event cannot be sent at all: it holds a value JSON cannot carry (NaN, Infinity, an unknown
    type) or is larger than the request size cap on its own. ``index`` is its position in the call.
    """

    def __init__(self, message: str, *, index: int, event: str) -> None:
        super().__init__(message)
        self.index = index
        self.event = event


def api_error(
    status_code: int,
    code: int | None,
    message: str,
    *,
    attempts: int = 1,
    retry_after: float | None = None,
) -> NetmeraAPIError:
    """The most specific :class:`NetmeraAPIError` subclass for an HTTP status."""
    cls: type[NetmeraAPIError]
    if status_code in (401, 403):
        cls = NetmeraAuthError
    elif status_code == 429:
        cls = NetmeraRateLimitError
    elif status_code >= 500 or status_code == 408:
        cls = NetmeraServerError
    else:
        cls = NetmeraAPIError
    return cls(status_code, code, message, attempts=attempts, retry_after=retry_after)


def parse_error_body(
    content: bytes, reason: str = "", secret: Secret | None = None
) -> tuple[int | None, str]:
    """Netmera's ``{"code": ..., "error": ...}``, else RFC 9457 problem+json, else the text itself.

    JSON is tried whatever the Content-Type says, because error answers are not always labelled
    correctly. Returns ``(code, message)``; the message falls back to the HTTP reason phrase for an
    empty body. Any body gives an answer (deep nesting, odd numbers, bytes that are not UTF-8);
    ``secret`` is masked out of the text before it is shortened, so a cut cannot leave part of it.
    """
    text = content.decode("utf-8", errors="replace").strip()
    try:
        code, message = _parse_json_error(text, reason)
    except (ValueError, TypeError, RecursionError):
        code, message = None, text or reason
    if secret is not None:
        message = secret.redact(message)
    return code, _shorten(message)


def _parse_json_error(text: str, reason: str) -> tuple[int | None, str]:
    document: Any = json.loads(text) if text.startswith("{") else None
    if isinstance(document, dict):
        if "code" in document or "error" in document:
            message = document.get("error", document.get("message", ""))
            return _as_code(document.get("code")), _as_text(message) or reason
        if "title" in document or "detail" in document:
            parts = [_as_text(document[key]) for key in ("title", "detail") if document.get(key)]
            return _as_code(document.get("code")), ": ".join(parts) or reason
    return None, text or reason


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    # A number or a structure where text was expected: shown as JSON, cut to what a message holds
    # (a structure could be deep enough to exhaust str()'s recursion).
    return json.dumps(value)[: MAX_ERROR_TEXT * 2]


#: Netmera's codes are 4 digits; a longer "code" is not one of them.
_MAX_CODE_DIGITS = 9


def _as_code(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 10**_MAX_CODE_DIGITS else None
    if isinstance(value, str):
        digits = value.strip()
        # isdigit() alone admits "²" and other digits int() refuses.
        if digits.isascii() and digits.isdigit() and len(digits) <= _MAX_CODE_DIGITS:
            return int(digits)
    return None


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_TEXT else text[: MAX_ERROR_TEXT - 3] + "..."
