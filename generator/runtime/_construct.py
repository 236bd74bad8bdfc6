"""What a generated constructor uses besides the base classes: the attribute descriptor and the wire form of
an argument that may be a generated object.

Not the package's API (its `__init__` does not re-export them): only generated modules import them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast, overload

from ._event import EventObject

__all__ = ["Attribute", "wire_of", "wires_of"]

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


def wire_of(value: Any) -> Any:
    """What an argument that may be a generated object sends."""
    return value._wire if isinstance(value, EventObject) else value


def wires_of(values: Any) -> Any:
    """What a list argument that may hold generated objects sends."""
    if type(values) is list:
        return [value._wire if isinstance(value, EventObject) else value for value in values]
    return values
