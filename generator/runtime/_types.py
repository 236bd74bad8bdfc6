"""How attribute values travel: each Python value type and its wire form, both ways.

Dates are the only attributes whose Python value differs from what is sent. A `format: date-time` string is an
aware `datetime` sent as RFC 3339 text; a `format: date` string (or a string with `x-netmera-type: Date`) is a
`date` sent as YYYY-MM-DD; an integer with `x-netmera-type` Date or Timestamp is an aware `datetime` sent as epoch
milliseconds or seconds, as the schema (`x-netmera-epoch`) or the project says.

The `*_wire` functions turn what a constructor was given into what is sent. A value of another type is passed
through unchanged, so that the compiled validator names what is wrong with it; a value of the right type that
cannot be sent (a naive datetime names no instant) becomes an `Invalid`, whose reason replaces the validator's.
The `*_value` functions read a wire value back; an event keeps its wire form, so reading never changes a payload.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from numbers import Number
from typing import Any

from ._validate import is_date

__all__ = [
    "DOUBLE_MAX",
    "carried",
    "date_value",
    "date_wire",
    "datetime_value",
    "datetime_wire",
    "each",
    "each_value",
    "epoch_ms_value",
    "epoch_ms_wire",
    "epoch_s_value",
    "epoch_s_wire",
    "json_wire",
    "number_wire",
]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
MILLISECONDS = 1000
SECONDS = 1
"""Units of an epoch integer: how many of them make a second."""

_DAY_SECONDS = 86_400
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\n?",
    re.ASCII,
)


class Invalid:
    """A constructor argument of the right type that cannot be sent, with the reason; never sent itself."""

    __slots__ = ("reason", "value")

    def __init__(self, value: Any, reason: str) -> None:
        self.value = value
        self.reason = reason

    def __repr__(self) -> str:
        return f"Invalid({self.reason!r})"


def _naive(value: datetime) -> Invalid:
    # A naive datetime names no instant: sending it would silently shift by the sender's UTC offset.
    return Invalid(
        value, "a datetime must be timezone-aware (for example datetime.now(timezone.utc))"
    )


def datetime_wire(value: Any) -> Any:
    """An aware datetime as RFC 3339 text (`Z` for UTC)."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return _naive(value)
        return value.isoformat().replace("+00:00", "Z")
    return value


def datetime_value(value: Any) -> Any:
    """RFC 3339 text as an aware datetime (fractions past microseconds are cut, a leap second reads as :59)."""
    if not isinstance(value, str):
        return value
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise ValueError(f"not an RFC 3339 date-time: {value!r}")
    year, month, day, hour, minute, second = (int(group) for group in match.group(1, 2, 3, 4, 5, 6))
    micros = int((match.group(7) or "").ljust(6, "0")[:6])
    if match.group(8):
        zone = timezone.utc
    else:
        offset = timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
        zone = timezone(-offset if match.group(9) == "-" else offset)
    return datetime(year, month, day, hour, minute, min(second, 59), micros, tzinfo=zone)


def date_wire(value: Any) -> Any:
    """A date as YYYY-MM-DD; a string must already be one (a datetime is not a date here)."""
    if isinstance(value, datetime):
        return Invalid(value, "expected a date, not a datetime (use .date())")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and not is_date(value):
        return Invalid(value, "expected a date as YYYY-MM-DD")
    return value


def date_value(value: Any) -> Any:
    """YYYY-MM-DD text as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def epoch_wire(value: Any, unit: int) -> Any:
    """An aware datetime as an epoch integer in `unit`s (`MILLISECONDS` or `SECONDS`), rounded down."""
    if isinstance(value, datetime):
        if value.utcoffset() is None:
            return _naive(value)
        delta = value - EPOCH
        seconds = delta.days * _DAY_SECONDS + delta.seconds
        if unit == MILLISECONDS:
            return seconds * MILLISECONDS + delta.microseconds // 1000
        return seconds
    return value


def epoch_value(value: Any, unit: int) -> Any:
    """An epoch integer in `unit`s (an integral float too) as an aware UTC datetime."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    try:
        return (
            EPOCH + timedelta(milliseconds=value)
            if unit == MILLISECONDS
            else EPOCH + timedelta(seconds=value)
        )
    except OverflowError:
        raise ValueError(f"epoch value {value!r} is outside the years 1 to 9999") from None


DOUBLE_MAX = 1.7976931348623157e308
"""The largest finite 64-bit float: Netmera's Double, and the bound of every number an event carries (an int
beyond it, 4300 digits or more, would pass the schema and then break the encoder or the server)."""


def number_wire(value: Any) -> Any:
    """A number as sent: a finite float or an int within a Double's range; another number type (Decimal,
    Fraction) would be sent as something else, so it is refused too."""
    kind = type(value)
    if kind is float or kind is int:
        if -DOUBLE_MAX <= value <= DOUBLE_MAX:
            return value
        return Invalid(
            value, "a number JSON cannot carry (NaN, Infinity, or beyond a Double's range)"
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_wire(float(value) if isinstance(value, float) else int(value))
    if isinstance(value, Number) and not isinstance(value, bool):
        return Invalid(value, f"send a float or an int, not {type(value).__name__}")
    return value


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
        return bool(-DOUBLE_MAX <= value <= DOUBLE_MAX)
    if kind is int:
        return bool(-DOUBLE_MAX <= value <= DOUBLE_MAX)
    if kind is str or kind is bool or value is None:
        return True
    # Anything else passed the schema as a number, string, object or array (a Decimal, an int subclass, a
    # tuple...): sent only if it is one of those JSON types as the encoder sees it.
    if isinstance(value, (bool, str)):
        return True
    if isinstance(value, (int, float)):
        return bool(-DOUBLE_MAX <= value <= DOUBLE_MAX)
    return False


def json_wire(value: Any) -> Any:
    """A value of an attribute the schema leaves open, refused when JSON cannot carry it as it is."""
    return value if carried(value) else Invalid(value, "a value JSON cannot carry as it is")


def epoch_ms_wire(value: Any) -> Any:
    """An aware datetime as epoch milliseconds."""
    return epoch_wire(value, MILLISECONDS)


def epoch_ms_value(value: Any) -> Any:
    """Epoch milliseconds as an aware UTC datetime."""
    return epoch_value(value, MILLISECONDS)


def epoch_s_wire(value: Any) -> Any:
    """An aware datetime as epoch seconds."""
    return epoch_wire(value, SECONDS)


def epoch_s_value(value: Any) -> Any:
    """Epoch seconds as an aware UTC datetime."""
    return epoch_value(value, SECONDS)


def each(convert: Callable[[Any], Any], value: Any) -> Any:
    """`convert` applied to every item of a list (any other value is returned as it is, for the check to name)."""
    return [convert(item) for item in value] if type(value) is list else value


def each_value(convert: Callable[[Any], Any], value: Any) -> Any:
    """`convert` applied to every value of a dict (any other value is returned as it is)."""
    return {key: convert(item) for key, item in value.items()} if type(value) is dict else value
