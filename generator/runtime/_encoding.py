"""Turning events into the JSON Netmera receives, one event at a time.

Each event is serialised once, when it enters the runtime; batches are then assembled by joining
bytes, so splitting a refused batch or retrying it never serialises anything again. Bodies are
compact JSON (no spaces after ``,`` and ``:``), UTF-8, keys in the order ``to_payload()`` gives
(extId, name, then attributes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from operator import itemgetter
from typing import Any, NamedTuple

from ._errors import EventEncodingError
from ._event import Event

__all__ = ["EncodedEvent", "encode_event", "encode_payload", "encoded_sizes", "ensure_finite"]

#: An event in the background sender's queue: ``(position, name, ext_id, data)``, the fields of
#: :class:`EncodedEvent` as a plain tuple (cheaper to build on the caller's thread).
QueuedEvent = tuple[int, str, str, bytes]

_ORJSON_ENCODER = Event.to_json
_new_tuple = tuple.__new__


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
        try:
            item = json.loads(data, parse_constant=lambda constant: None)
        except (ValueError, RecursionError):
            item = None  # an encoding JSON cannot read back (a 5000-digit number): still reported
        if not isinstance(item, dict):
            return cls(position, "?", "?", data)
        return cls(position, str(item.get("name")), str(item.get("extId")), data)


def encoded_sizes(events: Iterable[EncodedEvent]) -> Iterator[int]:
    """The byte size of each event's JSON, counted in C (a map, not a Python loop)."""
    return map(len, map(_DATA, events))


_DATA = itemgetter(3)  # EncodedEvent.data


def encode_payload(payload: Mapping[str, Any], index: int, max_bytes: int) -> EncodedEvent:
    """Serialise one wire dict; refuse what JSON cannot carry or what could never fit in a request.

    Only JSON's own types are sent (str, int, float, bool, None, lists and dicts with str keys): a
    ``Decimal`` or a ``Fraction`` passes ``validate()`` as a number but would go out as a string,
    so it is refused rather than sent as something it was not validated as; NaN and Infinity are
    refused too.
    """
    name = str(payload.get("name"))
    try:
        data = encode_json(payload)
    except (TypeError, ValueError, RecursionError) as exc:
        raise EventEncodingError(
            f"event #{index} ({name}) cannot be sent as JSON: {_reason(exc)}",
            index=index,
            event=name,
        ) from None
    if len(data) + 2 > max_bytes:
        raise EventEncodingError(
            f"event #{index} ({name}) is {len(data)} bytes, more than fits in one request "
            f"(max_request_bytes={max_bytes})",
            index=index,
            event=name,
        )
    return EncodedEvent(index, name, str(payload.get("extId")), data)


def encode_json(payload: Mapping[str, Any]) -> bytes:
    """A raw payload as compact UTF-8 JSON, or TypeError/ValueError for anything JSON does not
    carry as itself (see :func:`encode_payload`)."""
    _check_native(payload)
    return _JSON.encode(payload).encode("utf-8")


#: The standard library's encoder refuses NaN, Infinity and types it does not know; it is what
#: raw payloads are checked and sent with.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))

_NATIVE_SCALARS = (str, int, float, bool, type(None))


def _check_native(value: object, pointer: str = "") -> None:
    """Refuse keys that are not strings (the encoder would turn ``1`` into ``"1"``) and values
    that are not JSON's own, naming where."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"key {key!r} at {pointer or '/'} is not a string")
            if not isinstance(item, _NATIVE_SCALARS):
                _check_native(item, f"{pointer}/{key}")
    elif isinstance(value, (list, tuple)):
        for position, item in enumerate(value):
            if not isinstance(item, _NATIVE_SCALARS):
                _check_native(item, f"{pointer}/{position}")
    elif not isinstance(value, _NATIVE_SCALARS):
        raise TypeError(
            f"{type(value).__name__} at {pointer or '/'} is not a JSON type "
            "(send a float, an int or a str)"
        )


def _reason(error: BaseException) -> str:
    if isinstance(error, RecursionError):
        return "nested too deeply"
    if isinstance(error, ValueError) and "Out of range float" in str(error):
        return "NaN or Infinity, which JSON cannot carry"
    return str(error)


def encode_event(event: Event, index: int, max_bytes: int) -> EncodedEvent:
    """Serialise one typed event as :func:`encode_payload` does, without building its wire dict."""
    try:
        data = event.to_json()
    except (TypeError, ValueError):
        return encode_payload(event.to_payload(), index, max_bytes)  # raises the explanatory error
    if len(data) + 2 > max_bytes or (
        # Event.to_json never writes a bare NaN or Infinity: orjson writes null for them (and the
        # constructors refuse them), its fallback refuses them; only a class with an encoder of
        # its own needs the search.
        type(event).to_json is not _ORJSON_ENCODER
        and may_hold_non_finite(data)
        and not _is_finite_json(data)
    ):
        return encode_payload(event.to_payload(), index, max_bytes)  # raises the explanatory error
    # tuple.__new__ skips the named tuple's own __new__, written in Python: a third of this call.
    return _new_tuple(EncodedEvent, (index, event.EVENT_NAME, event.ext_id, data))


def ensure_finite(body: bytes, datas: Iterable[bytes], positions: Iterable[int]) -> None:
    """Raise :class:`EventEncodingError` for the first event of a request body holding NaN or
    Infinity.

    One substring search over the whole body; the events (``datas``, at ``positions``) are only
    examined when it finds something."""
    if may_hold_non_finite(body):
        for position, data in zip(positions, datas):
            if may_hold_non_finite(data) and not _is_finite_json(data):
                raise _non_finite(position, EncodedEvent.from_data(position, data).name)


def may_hold_non_finite(data: bytes) -> bool:
    # An event class's own encoder (a replaced runtime file) may write NaN and Infinity as bare words,
    # which is not JSON. This test is
    # cheap and almost always false; when true, the text is parsed to tell such a number from a
    # string that mentions it.
    return b"NaN" in data or b"Infinity" in data


def _non_finite(index: int, name: str) -> EventEncodingError:
    message = f"event #{index} ({name}) holds NaN or Infinity, which JSON cannot carry"
    return EventEncodingError(message, index=index, event=name)


def non_finite_event(data: bytes) -> bool:
    """Whether one event's encoding holds NaN or Infinity as a number (not inside a string)."""
    return may_hold_non_finite(data) and not _is_finite_json(data)


class _NonFinite(Exception):
    pass


def _is_finite_json(data: bytes) -> bool:
    def refuse(constant: str) -> Any:
        raise _NonFinite(constant)

    try:
        json.loads(data, parse_constant=refuse)
    except _NonFinite:
        return False
    except (ValueError, RecursionError):
        return True  # unreadable for another reason (a 5000-digit number): the server decides
    return True
