"""Turning events into the JSON Netmera receives, one event at a time.

Each event is serialised once, when it enters the runtime; batches are then assembled by joining
bytes, so splitting a refused batch or retrying it never serialises anything again. Bodies are
compact JSON (no spaces after ``,`` and ``:``), UTF-8, keys in the order ``to_payload()`` gives
(extId, name, then attributes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from ._errors import EventEncodingError
from ._event import Event

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def to_json(value: Any) -> bytes:
    """Compact UTF-8 JSON of a raw payload; NaN and Infinity come out as bare words, for the checks below to
    refuse (typed events encode themselves: `Event.to_json`)."""
    return _COMPACT.encode(value).encode()


class EncodedEvent(NamedTuple):
    """An event ready to send: its position in the call (or the sender's sequence number), its name,
    whose it is, and its JSON bytes.

    A named tuple because the background queue holds many of these and they are built on the
    caller's thread.
    """

    position: int
    name: str
    ext_id: str
    data: bytes

    def __repr__(self) -> str:
        # Never the ext_id or the data: reprs end up in logs.
        return (
            f"EncodedEvent(position={self.position!r}, name={self.name!r}, size={len(self.data)})"
        )

    @classmethod
    def from_data(cls, position: int, data: bytes) -> EncodedEvent:
        """Read the name and extId back from an encoding (for reports, which are rare; batches on
        the hot path keep only the bytes)."""
        item = json.loads(data, parse_constant=lambda constant: None)
        return cls(position, str(item.get("name")), str(item.get("extId")), data)


def encode_payload(
    payload: Mapping[str, Any], index: int, max_bytes: int, *, check_finite: bool = True
) -> EncodedEvent:
    """Serialise one wire dict; refuse what JSON cannot carry or what could never fit in a request.

    ``check_finite=False`` skips the NaN/Infinity test for callers that run it once per request body
    instead (:func:`ensure_finite`), which is much cheaper than once per event.
    """
    name = str(payload.get("name"))
    try:
        data = to_json(payload if isinstance(payload, dict) else dict(payload))
    except (TypeError, ValueError) as exc:
        raise EventEncodingError(
            f"event #{index} ({name}) cannot be encoded as JSON: {exc}", index=index, event=name
        ) from None
    if check_finite and _may_hold_non_finite(data) and not _is_finite_json(data):
        raise _non_finite(index, name)
    if len(data) + 2 > max_bytes:
        raise EventEncodingError(
            f"event #{index} ({name}) is {len(data)} bytes, more than fits in one request "
            f"(max_request_bytes={max_bytes})",
            index=index,
            event=name,
        )
    return EncodedEvent(index, name, payload["extId"], data)


def encode_event(event: Event, index: int, max_bytes: int) -> EncodedEvent:
    """Serialise one typed event as :func:`encode_payload` does, without building its wire dict."""
    try:
        data = event.to_json()
    except (TypeError, ValueError):
        return encode_payload(event.to_payload(), index, max_bytes)  # raises the explanatory error
    if len(data) + 2 > max_bytes or (_may_hold_non_finite(data) and not _is_finite_json(data)):
        return encode_payload(event.to_payload(), index, max_bytes)  # raises the explanatory error
    return EncodedEvent(index, event.EVENT_NAME, event.ext_id, data)


def ensure_finite(body: bytes, datas: Iterable[bytes], positions: Iterable[int]) -> None:
    """Raise :class:`EventEncodingError` for the first event of a request body holding NaN or
    Infinity.

    One substring search over the whole body; the events (``datas``, at ``positions``) are only
    examined when it finds something."""
    if _may_hold_non_finite(body):
        for position, data in zip(positions, datas):
            if _may_hold_non_finite(data) and not _is_finite_json(data):
                raise _non_finite(position, EncodedEvent.from_data(position, data).name)


def _may_hold_non_finite(data: bytes) -> bool:
    # The raw-payload encoder writes NaN and Infinity as bare words, which is not JSON. This test is
    # cheap and almost always false; when true, the text is parsed to tell such a number from a
    # string that mentions it.
    return b"NaN" in data or b"Infinity" in data


def _non_finite(index: int, name: str) -> EventEncodingError:
    message = f"event #{index} ({name}) holds NaN or Infinity, which JSON cannot carry"
    return EventEncodingError(message, index=index, event=name)


def _is_finite_json(data: bytes) -> bool:
    def refuse(constant: str) -> Any:
        raise ValueError(constant)

    try:
        json.loads(data, parse_constant=refuse)
    except ValueError:
        return False
    return True
