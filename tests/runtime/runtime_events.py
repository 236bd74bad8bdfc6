"""A small event class built on the runtime's source, for the unit tests of its pure modules.

It is written the way generated event classes are laid out (a wire dict behind read-only attributes), without a
compiled check: these tests are about what happens to an event after it was built, including one holding a value
that a generated constructor would have refused.
"""

from __future__ import annotations

from typing import Any, ClassVar

from netmera_codegen.runtime._construct import Attribute
from netmera_codegen.runtime._event import Event


class Rated(Event):
    """An event with a string and an optional number, as generated event classes have."""

    __slots__ = ()

    EVENT_NAME: ClassVar[str] = "Rated"
    _ATTRIBUTES: ClassVar[dict[str, str]] = {"itemId": "item_id", "score": "score"}

    def __init__(self, *, ext_id: str, item_id: str, score: float | None = None) -> None:
        wire: dict[str, Any] = {"extId": ext_id, "name": "Rated", "itemId": item_id}
        if score is not None:
            wire["score"] = score
        self._wire = wire

    item_id: Attribute[str] = Attribute("itemId")
    score: Attribute[float | None] = Attribute("score")
