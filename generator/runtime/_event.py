"""The base classes of every generated event and nested object."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationInfo, model_validator
from pydantic_core import to_json

__all__ = ["Event", "EventModel"]

WIRE_CONTEXT = {"wire": True}
"""Validation context of payloads read from the wire: keys the schema allows beyond its properties are kept."""


class EventModel(BaseModel):
    """A pydantic model built from keyword arguments named in snake_case and sent with wire names.

    Constructors take the Python names; `parse_event` reads wire names. Keys a schema allows beyond its declared
    properties are kept when read from a payload, but a constructor argument that names no attribute is an error
    (it is almost always a typo).
    """

    # NaN and Infinity are written as bare words, which is not JSON, so that senders can refuse them instead of
    # pydantic's default of sending null in their place.
    model_config = ConfigDict(
        validate_by_name=True, validate_by_alias=True, extra="allow", ser_json_inf_nan="constants"
    )

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_arguments(cls, data: Any, info: ValidationInfo) -> Any:
        if (
            isinstance(data, dict)
            and info.context is None
            and cls.model_config.get("extra") == "allow"
        ):
            known = _known_keys(cls)
            unknown = [key for key in data if key not in known]
            if unknown:
                raise ValueError(
                    f"unexpected keyword argument(s): {', '.join(map(repr, sorted(unknown)))}"
                )
        return data


_KNOWN_KEYS: dict[type[BaseModel], frozenset[str]] = {}


def _known_keys(cls: type[BaseModel]) -> frozenset[str]:
    known = _KNOWN_KEYS.get(cls)
    if known is None:
        names = set(cls.model_fields)
        for field in cls.model_fields.values():
            if isinstance(field.validation_alias, str):
                names.add(field.validation_alias)
        known = _KNOWN_KEYS[cls] = frozenset(names)
    return known


class Event(EventModel):
    """One custom event as fireEvents receives it: the user's `extId`, the event `name` and its attributes."""

    EVENT_NAME: ClassVar[str]
    """The event name exactly as defined in the Netmera panel; sent as `name`."""

    ext_id: StrictStr = Field(validation_alias="extId", serialization_alias="extId")
    """The user's id in your system (`extId`)."""

    def to_payload(self) -> dict[str, Any]:
        """The event as one item of a fireEvents body: wire names, unset optional attributes left out."""
        payload: dict[str, Any] = {"extId": self.ext_id, "name": self.EVENT_NAME}
        payload.update(
            self.__pydantic_serializer__.to_python(
                self, mode="json", by_alias=True, exclude_unset=True, exclude=_EXT_ID_ONLY
            )
        )
        return payload

    def to_json(self) -> bytes:
        """`to_payload()` as compact JSON, serialised straight from the model (the client's hot path)."""
        attributes = self.__pydantic_serializer__.to_json(
            self, by_alias=True, exclude_unset=True, exclude=_EXT_ID_ONLY
        )
        head = b'{"extId":' + to_json(self.ext_id) + b',"name":' + to_json(self.EVENT_NAME)
        return head + (b"}" if attributes == b"{}" else b"," + attributes[1:])


_EXT_ID_ONLY = {"ext_id"}
