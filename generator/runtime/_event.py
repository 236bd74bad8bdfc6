"""The base classes of every generated event and nested object: plain classes over the item they send.

A generated constructor takes snake_case keywords, builds the wire dict (wire names, dates in their wire form,
unset optional attributes left out) and runs the event's compiled check (`_validators/<event>.py`) on it, the
same code `validate()` runs; the event keeps that dict, and its attributes are read-only properties over it. So an
event is valid exactly when its payload is, `to_json()` is one encoder call, and `parse_event(payload)` keeps the
payload as it came. Everything on the failure path lives here: it runs only when something is wrong, and then
reports every violation at once, each by its JSON pointer and its Python name.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, NoReturn, TypeVar, cast, overload

import orjson
from typing_extensions import Self

from ._errors import EventValidationError
from ._types import DOUBLE_MAX, Invalid
from ._validate import Check, Issue, Violation

__all__ = ["Event", "EventObject"]

MISSING: Any = object()
"""The runtime default of a mandatory keyword: told apart from every value a caller can pass."""

_DOUBLE_MAX = DOUBLE_MAX
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)

ObjectT = TypeVar("ObjectT", bound="EventObject")


Value = TypeVar("Value")


class Attribute(Generic[Value]):
    """A read-only attribute of a generated class: the value under `key` in its wire dict, read through `read`
    (a date's conversion, a nested class's `_of`), or None when unset.

    One small object per attribute, instead of a property function: a package with many events stays quick to
    import (each event module is mostly these lines)."""

    __slots__ = ("key", "read")

    def __init__(self, key: str, read: Callable[[Any], Any] | None = None) -> None:
        self.key = key
        self.read = read

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Attribute[Value]: ...

    @overload
    def __get__(self, instance: EventObject, owner: type[Any]) -> Value: ...

    def __get__(self, instance: EventObject | None, owner: type[Any]) -> Attribute[Value] | Value:
        if instance is None:
            return self
        value = instance._wire.get(self.key)
        return cast(Value, value if self.read is None else self.read(value))


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

    def replace(self: ObjectT, **changes: Any) -> ObjectT:
        """A copy with some attributes changed (snake_case keywords, as the constructor takes them), checked
        like any new one. Keys the schema allows beyond its declared attributes are not carried over."""
        values = {python: getattr(self, python) for wire, python in self._ATTRIBUTES.items() if wire in self._wire}
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
                value = "<private>" if wire_name in self.PRIVATE_ATTRIBUTES else repr(getattr(self, python_name))
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
        so `from_payload(p).to_payload() == p`. Raises `EventValidationError` listing every violation."""
        wire = _copy(payload) if type(payload) is dict else _copy(dict(payload))
        issues: list[Issue] = []
        cls._CHECK(wire, issues)
        if issues or not carried(wire):
            raise _error(cls, issues, {}, wire)
        return cls._of(wire)

    def _head(self) -> list[str]:
        return [f"ext_id={self.ext_id!r}"]


EventT = TypeVar("EventT", bound=Event)


def wire_of(value: Any) -> Any:
    """What an argument that may be a generated object sends."""
    return value._wire if isinstance(value, EventObject) else value


def wires_of(values: Any) -> Any:
    """What a list argument that may hold generated objects sends."""
    if type(values) is list:
        return [value._wire if isinstance(value, EventObject) else value for value in values]
    return values


def carried(value: Any) -> bool:
    """Whether every number in a checked wire value is one JSON and Netmera carry: finite, within a Double's
    range. Constructors check each number as they convert it (`number_wire`); this walk is for payloads read
    with `parse_event` and for attributes the schema leaves open."""
    kind = type(value)
    if kind is dict:
        return all(map(carried, value.values()))
    if kind is list:
        return all(map(carried, value))
    if kind is float:
        return bool(-_DOUBLE_MAX <= value <= _DOUBLE_MAX)
    if kind is int:
        return bool(-_DOUBLE_MAX <= value <= _DOUBLE_MAX)
    if kind is str or kind is bool or value is None:
        return True
    # Anything else passed the schema as a number, string, object or array (a Decimal, an int subclass, a
    # tuple...): sent only if it is one of those JSON types as the encoder sees it.
    if isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return bool(-_DOUBLE_MAX <= value <= _DOUBLE_MAX)
    return False


def settle(made: EventObject, wire: dict[str, Any], unknown: dict[str, Any]) -> None:
    """A nested object's constructor got an unknown keyword or lacks a mandatory one. Unknown keywords are
    refused here (nothing else would notice them); a missing attribute is left out, for the event's check to
    report with its full pointer."""
    for key in [key for key, value in wire.items() if value is MISSING]:
        del wire[key]
    if unknown:
        raise _error(type(made), [], unknown, wire)


def refuse(made: Event, wire: dict[str, Any], issues: list[Issue], unknown: dict[str, Any], check: Check) -> NoReturn:
    """Raise the error of a constructor whose wire dict failed its check (or was given unknown keywords)."""
    missing = [key for key, value in wire.items() if value is MISSING]
    if missing:
        for key in missing:
            del wire[key]
        issues = []
        check(wire, issues)
    raise _error(type(made), issues, unknown, wire)


def _error(
    cls: type[EventObject], issues: list[Issue], unknown: dict[str, Any], wire: dict[str, Any]
) -> EventValidationError:
    event = getattr(cls, "EVENT_NAME", None)
    invalid: dict[str, Invalid] = {}
    _find_invalid(wire, "", invalid)
    violations: list[Violation] = []
    described: list[str] = []

    def add(pointer: str, keyword: str, message: str) -> None:
        violations.append(Violation(0, event, pointer, message, keyword))
        described.append(f"{pointer or '/'} ({_python_path(cls, pointer)}): {message}")

    missing: dict[str, str] = {}
    for pointer, keyword, describe, value, detail in issues:
        if any(pointer == at or pointer.startswith(at + "/") for at in invalid):
            continue
        if keyword == "required" and isinstance(value, str):
            missing[_join(pointer.rsplit("/", 1)[0], value)] = pointer
        message = describe(value, detail)
        if keyword != "required" and _is_private(cls, pointer):
            message = f"the value fails {keyword!r} (not shown: a private attribute)"
        add(pointer, keyword, message)
    for pointer, marker in invalid.items():
        add(pointer, "type", marker.reason)
    reported = {violation.pointer for violation in violations}
    for pointer in _uncarried(wire, ""):
        if pointer not in reported:
            add(pointer, "range", "a number JSON cannot carry (NaN, Infinity, or beyond a Double's range)")
    wire_of_python = {python: wire_name for wire_name, python in cls._ATTRIBUTES.items()}
    if event is not None:
        wire_of_python["ext_id"] = "extId"
    for keyword in unknown:
        guess = difflib.get_close_matches(keyword, list(wire_of_python), n=1, cutoff=0.5)
        hint = f"; did you mean {guess[0]} ({wire_of_python[guess[0]]})?" if guess else ""
        message = f"unexpected keyword argument {keyword!r}{hint}"
        target = "/" + wire_of_python[guess[0]] if guess else None
        if target is not None and target in missing:
            # One mistake, one error: the misspelt keyword is why the attribute is missing.
            index = [v.pointer for v in violations].index(target)
            violations[index] = Violation(0, event, target, f"missing: {message}", "required")
            described[index] = f"{target} ({guess[0]}): missing, got {message}"
            continue
        violations.append(Violation(0, event, "", message, "unknown-keyword"))
        described.append(f"{keyword}: {message}")
    what = cls.__name__
    count = f"{len(described)} violation{'s' if len(described) != 1 else ''}"
    text = f"{what} is invalid ({count}):\n  " + "\n  ".join(described)
    return EventValidationError(violations, text)


def _join(pointer: str, key: str) -> str:
    return f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"


def _tokens(pointer: str) -> list[str]:
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]


def _python_path(cls: type[EventObject] | None, pointer: str) -> str:
    """`/lineItems/0/price` as `line_items[0].price`; the Python spelling of a JSON pointer into an event."""
    if not pointer:
        return "the event" if isinstance(getattr(cls, "EVENT_NAME", None), str) else "the object"
    path = ""
    for token in _tokens(pointer):
        if cls is not None and token in cls._ATTRIBUTES:
            path += ("." if path else "") + cls._ATTRIBUTES[token]
            cls = cls._NESTED.get(token)
        elif token == "extId" and not path:
            path = "ext_id"
        elif token.isdigit() and path:
            path += f"[{token}]"
        else:
            path += f"[{token!r}]"
            cls = None
    return path


def _is_private(cls: type[EventObject] | None, pointer: str) -> bool:
    for token in _tokens(pointer):
        if cls is None:
            return False
        if token in cls.PRIVATE_ATTRIBUTES:
            return True
        if not token.isdigit():
            cls = cls._NESTED.get(token)
    return False


def _uncarried(value: Any, pointer: str) -> list[str]:
    """Pointers to the values `carried` refuses."""
    if type(value) is dict:
        return [found for key, item in value.items() for found in _uncarried(item, _join(pointer, str(key)))]
    if type(value) is list:
        return [found for index, item in enumerate(value) for found in _uncarried(item, f"{pointer}/{index}")]
    return [] if value is MISSING or isinstance(value, Invalid) or carried(value) else [pointer]


def _find_invalid(value: Any, pointer: str, found: dict[str, Invalid]) -> None:
    if isinstance(value, Invalid):
        found[pointer] = value
    elif type(value) is dict:
        for key, item in value.items():
            _find_invalid(item, _join(pointer, str(key)), found)
    elif type(value) is list:
        for index, item in enumerate(value):
            _find_invalid(item, f"{pointer}/{index}", found)


def _copy(value: Any) -> Any:
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value
