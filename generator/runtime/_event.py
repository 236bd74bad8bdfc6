"""The base classes of every generated event and nested object: plain classes over the item they send.

A generated constructor takes snake_case keywords, builds the wire dict (wire names, dates in their
wire form, unset optional attributes left out) and runs the event's compiled check
(`_validators/<event>.py`) on it, the same code `validate()` runs. An event of plain strings,
numbers and booleans first tests its arguments' exact types and bounds, and skips the check when
that proves it would pass. The event keeps the dict, and its attributes are read-only properties
over it (`_construct.Attribute`). So an event is valid exactly when its payload is, `to_json()` is
one encoder call, and `parse_event(payload)` keeps the payload as it came. What goes wrong is
reported by `_refusal`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import orjson

from ._refusal import event_error
from ._types import carried
from ._validate import Check, Issue

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["Event", "EventObject"]

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


class EventObject:
    """An object attribute's class (and the base of `Event`): its wire dict and read-only attributes."""

    __slots__ = ("_wire",)
    _wire: dict[str, Any]

    PRIVATE_ATTRIBUTES: ClassVar[frozenset[str]] = frozenset()
    """Wire names of the attributes marked `x-netmera-private`: their values appear in no repr or error."""
    _ATTRIBUTES: ClassVar[dict[str, str]] = {}
    """Wire name -> Python name of every declared attribute, in schema order."""
    _NESTED: ClassVar[dict[str, type[EventObject]]] = {}
    """Wire name -> class, for attributes holding objects (or arrays of them) of a generated class."""

    @classmethod
    def _of(cls, wire: Any) -> Self:
        """The object over a wire value already checked (a value that is not an object is returned as it is:
        some schemas allow one in the same place)."""
        if type(wire) is not dict:
            return wire  # type: ignore[no-any-return]
        made = object.__new__(cls)
        made._wire = wire
        return made

    def replace(self, **changes: Any) -> Self:
        """A copy with some attributes changed (snake_case keywords, as the constructor takes them), checked
        like any new one. Keys the schema allows beyond its declared attributes are not carried over.
        """
        values = {
            python: getattr(self, python)
            for wire, python in self._ATTRIBUTES.items()
            if wire in self._wire
        }
        if "extId" in self._wire:
            values["ext_id"] = self._wire["extId"]
        values.update(changes)
        return type(self)(**values)

    def to_payload(self) -> dict[str, Any]:
        """The wire form, with wire names; a copy, so changing it changes nothing here."""
        copied: dict[str, Any] = _copy(self._wire)
        return copied

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._wire == other._wire

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = []
        for wire_name, python_name in self._ATTRIBUTES.items():
            if wire_name in self._wire:
                value = (
                    "<private>"
                    if wire_name in self.PRIVATE_ATTRIBUTES
                    else repr(getattr(self, python_name))
                )
                shown.append(f"{python_name}={value}")
        return f"{type(self).__name__}({', '.join(self._head() + shown)})"

    def _head(self) -> list[str]:
        return []


class Event(EventObject):
    """One custom event as fireEvents receives it: the user's `extId`, the event `name` and its attributes."""

    __slots__ = ()

    EVENT_NAME: ClassVar[str]
    """The event name exactly as defined in the Netmera panel; sent as `name`."""
    _CHECK: ClassVar[Check]
    """The event's compiled check (`_validators/<event>.py`), the one `validate()` runs."""

    @property
    def ext_id(self) -> str:
        """The user's id in your system (`extId`)."""
        value: str = self._wire["extId"]
        return value

    def to_json(self) -> bytes:
        """`to_payload()` as compact UTF-8 JSON (the client's hot path)."""
        try:
            return orjson.dumps(self._wire)
        except orjson.JSONEncodeError:
            # orjson stops at 64-bit integers; a wider one (a Double given as an int) is still JSON.
            return _COMPACT.encode(self._wire).encode()

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        """The event for one fireEvents item of this event, checked as `validate()` checks it; the item is copied,
        so `from_payload(p).to_payload() == p`. Raises `EventValidationError` listing every violation.
        """
        wire = _copy(payload) if type(payload) is dict else _copy(dict(payload))
        issues: list[Issue] = []
        cls._CHECK(wire, issues)
        if issues or not carried(wire):
            raise event_error(cls, issues, {}, wire)
        return cls._of(wire)

    def _head(self) -> list[str]:
        return [f"ext_id={self.ext_id!r}"]


def _copy(value: Any) -> Any:
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value
