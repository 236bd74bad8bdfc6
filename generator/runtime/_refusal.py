"""What a generated constructor or `parse_event` reports when something is wrong: every violation at once, each
by its JSON pointer and its Python name (`/lineItems/0/price (line_items[0].price)`), with a suggestion for a
misspelt keyword and no value of a private attribute.

This is the failure path: it runs only when a check failed or a keyword was unknown, so it may take its time.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, NoReturn

from ._errors import EventValidationError
from ._types import Invalid, carried, number_wire
from ._validate import Check, Issue, Violation

if TYPE_CHECKING:
    from ._event import Event, EventObject

__all__ = ["MISSING", "check_or_refuse", "event_error", "refuse", "settle"]

MISSING: Any = object()
"""The runtime default of a mandatory keyword: told apart from every value a caller can pass."""


def settle(made: EventObject, wire: dict[str, Any], unknown: dict[str, Any]) -> None:
    """A nested object's constructor got an unknown keyword or lacks a mandatory one. Unknown keywords are
    refused here (nothing else would notice them); a missing attribute is left out, for the event's check to
    report with its full pointer."""
    for key in [key for key, value in wire.items() if value is MISSING]:
        del wire[key]
    if unknown:
        raise event_error(type(made), [], unknown, wire)


def check_or_refuse(
    made: Event,
    wire: dict[str, Any],
    unknown: dict[str, Any],
    check: Check,
    numbers: tuple[str, ...] = (),
) -> None:
    """The checked path of a constructor with a fast path, taken when the types and bounds of its
    arguments alone did not prove the event valid. The attributes under `numbers` are made what they
    send (`number_wire`: a float subclass becomes a float, a Decimal or a NaN is refused), then the
    check decides; raises the event's error."""
    for key in numbers:
        if key in wire:
            wire[key] = number_wire(wire[key])
    issues: list[Issue] = []
    check(wire, issues)
    if issues or unknown or any(value is MISSING for value in wire.values()):
        refuse(made, wire, issues, unknown, check)


def refuse(
    made: Event, wire: dict[str, Any], issues: list[Issue], unknown: dict[str, Any], check: Check
) -> NoReturn:
    """Raise the error of a constructor whose wire dict failed its check (or was given unknown keywords)."""
    missing = [key for key, value in wire.items() if value is MISSING]
    if missing:
        for key in missing:
            del wire[key]
        issues = []
        check(wire, issues)
    raise event_error(type(made), issues, unknown, wire)


def event_error(
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
            add(
                pointer,
                "range",
                "a number JSON cannot carry (NaN, Infinity, or beyond a Double's range)",
            )
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
        return [
            found
            for key, item in value.items()
            for found in _uncarried(item, _join(pointer, str(key)))
        ]
    if type(value) is list:
        return [
            found
            for index, item in enumerate(value)
            for found in _uncarried(item, f"{pointer}/{index}")
        ]
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
