"""The value types event attributes are declared with.

Netmera's Integer and Long are ranged ints; dates travel either as ISO 8601 text (`format: date-time` / `date`)
or as epoch milliseconds (an integer with `x-netmera-type` Date or Timestamp). In Python every one of them is a
timezone-aware `datetime` (or a `date`): a value read from the wire keeps its original text or number, so
`parse_event(payload).to_payload() == payload` holds even where two spellings denote the same instant.
"""

import re
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    PlainSerializer,
    StrictFloat,
    StrictInt,
)
from pydantic_core import core_schema

__all__ = [
    "DateTime",
    "EpochMillis",
    "Int32",
    "Int64",
    "IsoDate",
    "JsonInt",
    "JsonNumber",
    "Matches",
    "is_none",
]

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
EPOCH_MILLIS_MIN = -62135596800000
EPOCH_MILLIS_MAX = 253402300799999
"""Epoch milliseconds of 0001-01-01 and 9999-12-31T23:59:59.999Z, the instants a datetime can hold."""
_MILLISECOND = timedelta(milliseconds=1)
_RFC3339_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)


class _WireDatetime(datetime):
    """A datetime read from a payload, remembering the exact value it was read from."""

    wire: "str | int"

    def __repr__(self) -> str:
        return repr(datetime.combine(self.date(), self.timetz()))


class _WireDate(date):
    wire: str

    def __repr__(self) -> str:
        return repr(date(self.year, self.month, self.day))


def _parse_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return _aware(value)
    if not isinstance(value, str) or not _RFC3339_DATETIME.match(value):
        raise ValueError("expected a timezone-aware datetime or an RFC 3339 date-time string")
    text = value.upper().replace(" ", "T")
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = head + "." + tail[:digits][:6].ljust(6, "0") + tail[digits:]
    parsed = _WireDatetime.fromisoformat(text.replace("Z", "+00:00"))
    parsed.wire = value
    return parsed


def _format_datetime(value: datetime) -> str:
    if isinstance(value, _WireDatetime):
        return str(value.wire)
    return value.isoformat().replace("+00:00", "Z")


def _parse_date(value: Any) -> Any:
    if isinstance(value, datetime) or not isinstance(value, (date, str)):
        raise ValueError("expected a date or a YYYY-MM-DD string")
    if isinstance(value, date):
        return value
    if not _ISO_DATE.match(value):
        raise ValueError("expected a date as YYYY-MM-DD")
    parsed = _WireDate.fromisoformat(value)
    parsed.wire = value
    return parsed


def _format_date(value: date) -> str:
    return value.wire if isinstance(value, _WireDate) else value.isoformat()


def _from_epoch_millis(value: Any) -> Any:
    if isinstance(value, datetime):
        return _aware(value)
    millis = _integral(value)
    if isinstance(millis, bool) or not isinstance(millis, int):
        raise ValueError("expected a timezone-aware datetime or epoch milliseconds")
    if not EPOCH_MILLIS_MIN <= millis <= EPOCH_MILLIS_MAX:
        raise ValueError("epoch milliseconds out of range (years 1 to 9999)")
    moment = EPOCH + millis * _MILLISECOND
    parsed = _WireDatetime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        tzinfo=timezone.utc,
    )
    parsed.wire = millis
    return parsed


def _to_epoch_millis(value: datetime) -> int:
    if isinstance(value, _WireDatetime) and isinstance(value.wire, int):
        return value.wire
    return (value - EPOCH) // _MILLISECOND


def _aware(value: datetime) -> datetime:
    # A naive datetime names no instant: sending it would silently shift by the sender's UTC offset.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (for example datetime.now(timezone.utc))")
    return value


def _integral(value: Any) -> Any:
    return int(value) if type(value) is float and value.is_integer() else value


JsonInt = Annotated[StrictInt, BeforeValidator(_integral)]
"""JSON Schema's integer: an int, or a float with an integral value (`1.0`, read as `1`); never a bool."""

JsonNumber = StrictInt | StrictFloat
"""JSON Schema's number (Netmera's Double): a float or an int, kept as given, so no large int loses digits."""

Int32 = Annotated[JsonInt, Field(ge=INT32_MIN, le=INT32_MAX)]
"""Netmera's Integer: a 32-bit signed integer (bool refused)."""

Int64 = Annotated[JsonInt, Field(ge=INT64_MIN, le=INT64_MAX)]
"""Netmera's Long: a 64-bit signed integer (bool refused)."""

DateTime = Annotated[
    datetime, BeforeValidator(_parse_datetime), PlainSerializer(_format_datetime, return_type=str)
]
"""A timezone-aware instant sent as an RFC 3339 string."""

IsoDate = Annotated[
    date, BeforeValidator(_parse_date), PlainSerializer(_format_date, return_type=str)
]
"""A calendar date sent as YYYY-MM-DD."""

EpochMillis = Annotated[
    datetime,
    BeforeValidator(_from_epoch_millis),
    PlainSerializer(_to_epoch_millis, return_type=int),
]
"""A timezone-aware instant sent as epoch milliseconds (Netmera's Date and Timestamp)."""


class Matches:
    """Constrains a string to a regular expression, searched anywhere in it as JSON Schema's `pattern` is."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        if self.pattern.search(value) is None:
            raise ValueError(f"string does not match the pattern {self.pattern.pattern!r}")
        return value


def is_none(value: object) -> bool:
    """Leaves an attribute explicitly set to None out of the payload where the schema does not allow null."""
    return value is None
