"""Keeping the values of private attributes (the panel's "Private Info" flag, ``x-netmera-private``
in a schema) out of everything the runtime writes for people: log lines, exception messages, reprs,
the outbox's dead-letter listing. The values are still sent to Netmera.

An event class names its private attributes by wire name in ``PRIVATE_ATTRIBUTES``. The runtime
mostly holds events as JSON bytes, so the class is found by the event's name; this happens only
when something is reported, never on the sending path.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._errors import NetmeraAPIError

__all__ = ["PRIVATE_MASK"]

#: What stands in for a private value.
PRIVATE_MASK = "<private>"


def private_attributes(event_name: str) -> frozenset[str]:
    """The wire names of an event's private attributes (none for an unknown event)."""
    try:
        registry: Any = importlib.import_module(f"{__package__}._registry")
        event_class = registry.EVENTS[event_name]
    except (ImportError, KeyError):
        return frozenset()
    names: frozenset[str] = getattr(event_class, "PRIVATE_ATTRIBUTES", frozenset())
    return names


def _load(data: bytes) -> dict[str, Any] | None:
    try:
        item = json.loads(data, parse_constant=lambda constant: None)
    except ValueError:
        return None
    return item if isinstance(item, dict) else None


def private_values(data: bytes) -> list[str]:
    """The text of every private value in one encoded event, longest first (each scalar inside an
    array or object too), as it could appear in a message: as written in JSON and as Python's str.
    """
    item = _load(data)
    if item is None:
        return []
    found: set[str] = set()
    for name in private_attributes(str(item.get("name"))):
        if name in item:
            for value in _scalars(item[name]):
                found.add(json.dumps(value, ensure_ascii=False))
                found.add(str(value))
    return sorted((text for text in found if text), key=len, reverse=True)


def _scalars(value: Any) -> Iterable[Any]:
    if isinstance(value, Mapping):
        for inner in value.values():
            yield from _scalars(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _scalars(inner)
    elif value is not None:
        yield value


def redact_text(text: str, datas: Iterable[bytes]) -> str:
    """``text`` (a server's message, which may quote what was sent) with every private value of the
    given encoded events masked where it stands as a whole word."""
    if not text:
        return text
    for data in datas:
        for value in private_values(data):
            if value in text:
                text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", PRIVATE_MASK, text)
    return text


def redacted_attributes(data: bytes) -> dict[str, Any]:
    """An encoded event's attributes (not ``extId`` or ``name``) with private values masked."""
    item = _load(data)
    if item is None:
        return {}
    private = private_attributes(str(item.get("name")))
    return {
        key: PRIVATE_MASK if key in private else value
        for key, value in item.items()
        if key not in ("extId", "name")
    }


def redact_error(error: NetmeraAPIError, datas: Iterable[bytes]) -> NetmeraAPIError:
    """``error`` with the private values of the events it is about masked out of its message."""
    message = redact_text(error.message, datas)
    if message != error.message:
        error.message = message
        error.args = (error.status_code, error.code, message)
    return error
