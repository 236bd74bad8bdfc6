"""A small event class built on the runtime's source, for the unit tests of its pure modules."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, StrictStr

from netmera_codegen.runtime._event import Event
from netmera_codegen.runtime._types import JsonNumber, is_none


class Rated(Event):
    """An event with a string and an optional number, as generated event classes have."""

    EVENT_NAME: ClassVar[str] = "Rated"

    item_id: StrictStr = Field(validation_alias="itemId", serialization_alias="itemId")
    score: JsonNumber | None = Field(default=None, exclude_if=is_none)
