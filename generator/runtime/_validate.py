"""Check raw fireEvents payloads against the event schemas, without building the event classes.

`validate(payload)` takes one event object or a list of them (a fireEvents body) and returns every violation it
finds, each with the item's index, its event name, a JSON pointer into the item and a readable message; the list
is empty when the payload is valid. The verdicts are those of jsonschema on the source schemas (plus the ranges
that `x-netmera-type` implies), with the validator class's format checker.

The checks themselves are compiled from the schemas into the `_validators` subpackage: one module per event, each
imported on first use, with straight-line code that runs through a valid item without allocating and appends one
issue per violation of an invalid one. This module holds the dispatch, the `Violation` type, and the helpers the compiled code calls: JSON-style equality, type
tests for unusual Python values, format checks and message texts.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from numbers import Number
from typing import Any

__all__ = ["Violation", "validate"]

Describe = Callable[[Any, Any], str]
Issue = tuple[str, str, Describe, Any, Any]
"""What compiled checks report: (JSON pointer, failing keyword, message helper, value, detail); the message is
`helper(value, detail)`, made only when `Violation.message` is read."""


@dataclass(frozen=True)
class Violation:
    """One reason why a payload item does not match its event schema."""

    index: int
    """Position of the item in the payload (0 for a single object)."""
    event: str | None
    """The item's event name, when it has a string `name`."""
    pointer: str
    """JSON pointer to the offending value inside the item ("" is the item itself)."""
    message: str
    keyword: str
    """The failing JSON Schema keyword (`type`, `required`, `maximum`, ...), or `unknown-event` / `payload`."""

    def __str__(self) -> str:
        event = self.event if self.event is not None else "?"
        return f"item {self.index} ({event}) at {self.pointer or '/'}: {self.message}"

    def __getattr__(self, name: str) -> Any:
        # A Violation made by validate() writes its message when it is first read: formatting every message up
        # front would cost more than finding the violations. (So a message shows the value as it is then.)
        fields = self.__dict__
        describe = fields.get("_describe") if name == "message" else None
        if describe is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        text: str = describe(fields["_value"], fields["_detail"])
        fields["message"] = text
        return text


Check = Callable[[Any, list[Issue]], None]
_validators: dict[str, Check] | None = None
_load_validator: Callable[[str], Check | None]


def _load_validators() -> dict[str, Check]:
    """Import the compiled checks' index on first use, so that importing the package stays cheap (each event's
    module is imported in turn when a payload of that event first comes by, see `_validators.load_validator`).
    """
    global _validators, _load_validator
    if _validators is None:
        from ._validators import VALIDATORS, load_validator

        _load_validator = load_validator
        _validators = VALIDATORS
    return _validators


def validate(payload: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> list[Violation]:
    """Every violation in a payload: one event object or a list of them. Empty when the payload is valid."""
    validators = _validators if _validators is not None else _load_validators()
    issues: list[Any] = (
        []
    )  # returned as is when it stays empty: a valid payload allocates nothing else
    if type(payload) is dict:
        name = payload.get("name")
        check = (validators.get(name) or _load_validator(name)) if type(name) is str else None
        if check is not None:
            check(payload, issues)
            if not issues:
                return issues
            violations = []
            for issue in issues:
                violations.append(_violation(0, name, issue))
            return violations
        items: Sequence[Any] = (payload,)
    elif isinstance(payload, Mapping):
        items = (payload,)
    elif isinstance(payload, Sequence) and not isinstance(payload, (str, bytes, bytearray)):
        items = payload
    else:
        what = _kind(payload)
        return [
            Violation(
                0,
                None,
                "",
                f"a payload is an event object or an array of them, not {what}",
                "payload",
            )
        ]
    violations = []
    for index, item in enumerate(items):
        if type(item) is dict:
            name = item.get("name")
            check = (validators.get(name) or _load_validator(name)) if type(name) is str else None
            if check is not None:
                check(item, issues)
                if issues:
                    for issue in issues:
                        violations.append(_violation(index, name, issue))
                    issues.clear()
                continue
        _check_unusual_item(index, item, validators, violations)
    return violations


def _violation(index: int, event: str | None, issue: Issue) -> Violation:
    """A Violation for an issue, its message left to be written on first use (see `Violation.__getattr__`); built
    without the frozen dataclass's per-field `object.__setattr__`, as this is on the path of every invalid item.
    """
    violation = _new_violation(Violation)
    fields = violation.__dict__
    fields["index"] = index
    fields["event"] = event
    (
        fields["pointer"],
        fields["keyword"],
        fields["_describe"],
        fields["_value"],
        fields["_detail"],
    ) = issue
    return violation


_new_violation = object.__new__


def _check_unusual_item(
    index: int, item: Any, validators: Mapping[str, Check], violations: list[Violation]
) -> None:
    """Items that cannot go straight to their event's check: other mappings, non-objects, unknown or missing names."""
    if not isinstance(item, dict) and isinstance(item, Mapping):
        item = dict(item)
    if not isinstance(item, dict):
        violations.append(
            Violation(index, None, "", f"an event must be an object, not {_kind(item)}", "type")
        )
        return
    name = item.get("name")
    event = name if isinstance(name, str) else None
    check = (validators.get(event) or _load_validator(event)) if event is not None else None
    issues: list[Issue] = []
    if check is not None:
        check(item, issues)
    else:
        if "name" not in item:
            issues.append(("/name", "required", required_message, "name", None))
        elif event is None:
            issues.append(("/name", "type", type_message, name, "string"))
        else:
            issues.append(("/name", "unknown-event", unknown_event_message, name, None))
        if "extId" not in item:
            issues.append(("/extId", "required", required_message, "extId", None))
        elif not isinstance(item["extId"], str):
            issues.append(("/extId", "type", type_message, item["extId"], "string"))
    for issue in issues:
        violations.append(_violation(index, event, issue))


# ---------------------------------------------------------------------------------------------------------------
# JSON semantics the compiled checks rely on (the same as jsonschema's).


def is_number(value: Any) -> bool:
    """JSON number: any Python number except bool (the compiled code tests `int` and `float` inline first)."""
    return not isinstance(value, bool) and isinstance(value, Number)


def is_integer(value: Any) -> bool:
    """JSON integer: an int that is not a bool, or a float with no fractional part (1.0 is an integer)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int)


_TRUE = object()
_FALSE = object()


def _unbool(value: Any) -> Any:
    """Make True/False distinct from 1/0 for equality and sorting."""
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema means it: 1 == 1.0, but True != 1, recursively through arrays and objects."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and json_equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


_HASHABLE_SCALARS = frozenset({str, int, float, type(None)})


def in_enum(value: Any, fast: frozenset[Any], values: tuple[Any, ...]) -> bool:
    """`enum`: a set lookup for plain scalars (`fast` holds no bools), then JSON equality for the rest."""
    if type(value) in _HASHABLE_SCALARS and value in fast:
        return True
    return any(json_equal(each, value) for each in values)


def is_unique(items: list[Any]) -> bool:
    """`uniqueItems`: no two items are JSON-equal."""
    try:
        ordered = sorted(_unbool(item) for item in items)
        for one, two in zip(ordered, itertools.islice(ordered, 1, None)):
            if json_equal(one, two):
                return False
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in items:
            item = _unbool(item)
            if any(json_equal(other, item) for other in seen):
                return False
            seen.append(item)
    return True


def not_multiple_of(value: Any, factor: float) -> bool:
    """`multipleOf` with a float factor, exact for huge values (an int factor compiles to `value % factor`)."""
    quotient = value / factor
    try:
        return bool(int(quotient) != quotient)
    except OverflowError:
        from fractions import Fraction

        return (Fraction(value) / Fraction(factor)).denominator != 1


def pointer_token(key: Any) -> str:
    """One JSON pointer token for an object key (RFC 6901 escaping)."""
    return "/" + str(key).replace("~", "~0").replace("/", "~1")


# ---------------------------------------------------------------------------------------------------------------
# Formats, checked on strings only, with the semantics of jsonschema's FORMAT_CHECKER (date-time and time as
# rfc3339-validator, hostname as fqdn, uri and uri-reference as rfc3986-validator, which jsonschema uses when they
# are installed). Any other format is an annotation, as in jsonschema.

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
_DATE_TIME = re.compile(
    r"^(\d{4})-(0[1-9]|1[0-2])-(\d{2})T(?:[01]\d|2[0123]):(?:[0-5]\d):(?:[0-5]\d)(?:\.\d+)?"
    r"(?:Z|[+-](?:[01]\d|2[0123]):[0-5]\d)$",
    re.ASCII,
)
_HOSTNAME = re.compile(
    r"^((?![-])[-A-Z\d]{1,63}(?<!-)[.])*(?!-)[-A-Z\d]{1,63}(?<!-)[.]?$", re.IGNORECASE
)

_IPV6_LITERAL = (
    r"(?:(?:[0-9A-Fa-f]{1,4}:){6}(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]["
    r"0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))|::(?:[0-9A-Fa-f]{1,4}:){5}(?:[0-9A-Fa-f]{1,"
    r"4}:[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9]["
    r"0-9]?))|(?:[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){4}(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2["
    r"0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))|(?:(?:[0-9A-Fa-f]{1,"
    r"4}:)?[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){3}(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2[0-4]["
    r"0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))|(?:(?:[0-9A-Fa-f]{1,4}:){,"
    r"2}[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:){2}(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2[0-4]["
    r"0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))|(?:(?:[0-9A-Fa-f]{1,4}:){,"
    r"3}[0-9A-Fa-f]{1,4})?::(?:[0-9A-Fa-f]{1,4}:)(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2[0-4][0-9]|["
    r"01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?))|(?:(?:[0-9A-Fa-f]{1,4}:){,4}[0-9A-Fa-f]{1,"
    r"4})?::(?:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2["
    r"0-4][0-9]|[01]?[0-9][0-9]?))|(?:(?:[0-9A-Fa-f]{1,4}:){,5}[0-9A-Fa-f]{1,4})?::[0-9A-Fa-f]{1,4}|(?:(?:["
    r"0-9A-Fa-f]{1,4}:){,6}[0-9A-Fa-f]{1,4})?::)"
)
_AUTHORITY = (
    r"(?:(?:[a-zA-Z0-9_.~\-!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*@)?"
    r"(?:\[(?:" + _IPV6_LITERAL + r"|v[0-9A-Fa-f]+\.[a-zA-Z0-9_.~\-!$&'()*+,;=:]+)\]"
    r"|(?:(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\.){3}(?:25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)"
    r"|(?:[a-zA-Z0-9_.~\-!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)"
    r"(?::[0-9]*)?"
)
_PCHAR = r"(?:[a-zA-Z0-9_.~\-!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})"
_QUERY = r"(?:[a-zA-Z0-9_.~\-!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*"
_URI_TAIL = r"(?:\?" + _QUERY + r")?(?:\x23" + _QUERY + r")?"
_URI_TEXT = (
    r"[a-zA-Z][a-zA-Z0-9+.-]*:(?://" + _AUTHORITY + r"(?:/" + _PCHAR + r"*)*"
    r"|/(?:" + _PCHAR + r"+(?:/" + _PCHAR + r"*)*)?"
    r"|" + _PCHAR + r"+(?:/" + _PCHAR + r"*)*"
    r"|)" + _URI_TAIL
)
_RELATIVE_REF_TEXT = (
    r"(?://" + _AUTHORITY + r"(?:/" + _PCHAR + r"*)*"
    r"|/(?:" + _PCHAR + r"+(?:/" + _PCHAR + r"*)*)?"
    r"|(?:[a-zA-Z0-9_.~\-!$&'()*+,;=@]|%[0-9A-Fa-f]{2})+(?:/" + _PCHAR + r"*)*"
    r"|)" + _URI_TAIL
)
_uri_patterns: tuple[re.Pattern[str], re.Pattern[str]] | None = None


def _uri_regexes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The URI and URI-reference expressions, compiled on first use (they take milliseconds to compile)."""
    global _uri_patterns
    if _uri_patterns is None:
        _uri_patterns = (
            re.compile(r"^" + _URI_TEXT + r"$"),
            re.compile(r"^(?:" + _URI_TEXT + r"|" + _RELATIVE_REF_TEXT + r")$"),
        )
    return _uri_patterns


def is_date_time(value: str) -> bool:
    """RFC 3339 date-time: a 'T' separator (any case), seconds, an offset; a real calendar day."""
    match = _DATE_TIME.match(value.upper())
    if match is None:
        return False
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
    return year != 0 and 1 <= day <= _days_in_month(year, month)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def is_time(value: str) -> bool:
    """RFC 3339 full-time (with an offset), e.g. 08:30:06Z or 08:30:06.283185+01:00."""
    return is_date_time("1970-01-01T" + value)


def is_date(value: str) -> bool:
    """RFC 3339 full-date, YYYY-MM-DD, a real calendar day."""
    if not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_email(value: str) -> bool:
    """email and idn-email: contains '@' (the check jsonschema makes)."""
    return "@" in value


def is_ipv4(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.IPv4Address(value)
    except ipaddress.AddressValueError:
        return False
    return True


def is_ipv6(value: str) -> bool:
    import ipaddress

    try:
        address = ipaddress.IPv6Address(value)
    except ipaddress.AddressValueError:
        return False
    return not getattr(address, "scope_id", "")


def is_hostname(value: str) -> bool:
    """RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens, at most 253 characters."""
    if not value:
        return False
    name = value.lower()
    length = len(name) - 1 if name.endswith(".") else len(name)
    return length <= 253 and _HOSTNAME.match(name) is not None


def is_idn_hostname(value: str) -> bool:
    """Internationalized host name (IDNA 2008), checked with `idna` when it is installed (httpx depends on it)."""
    try:
        import idna
    except ImportError:
        return True
    try:
        idna.encode(value)
    except (idna.IDNAError, UnicodeError):
        return False
    return True


def is_uri(value: str) -> bool:
    """RFC 3986 URI (absolute, with a scheme)."""
    return _uri_regexes()[0].match(value) is not None


def is_uri_reference(value: str) -> bool:
    """RFC 3986 URI reference (a URI or a relative reference)."""
    return _uri_regexes()[1].match(value) is not None


def is_uuid(value: str) -> bool:
    """RFC 4122 UUID in its hyphenated form."""
    from uuid import UUID

    try:
        UUID(value)
    except ValueError:
        return False
    return all(value[position] == "-" for position in (8, 13, 18, 23))


def is_regex(value: str) -> bool:
    """A regular expression (as Python's `re` reads it)."""
    try:
        re.compile(value)
    except re.error:
        return False
    return True


# ---------------------------------------------------------------------------------------------------------------
# Message texts. Values are shown as JSON, shortened.

_JSON_TYPE_NAMES = (
    (bool, "boolean"),
    (str, "string"),
    (int, "integer"),
    (float, "number"),
    (dict, "object"),
    (list, "array"),
)
_KINDS: dict[type, str] = {
    type(None): "null",
    **{python_type: name for python_type, name in _JSON_TYPE_NAMES},
}
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False)
_encode_string: Callable[[str], str] = json.encoder.encode_basestring


def _kind(value: Any) -> str:
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    for python_type, name in _JSON_TYPE_NAMES:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def show(value: Any, limit: int = 60) -> str:
    """A value as JSON text, shortened to `limit` characters."""
    kind = type(value)
    try:
        if kind is str:
            text = _encode_string(value)
        elif kind is int:
            text = int.__repr__(value)
        elif kind is bool or value is None:
            text = "true" if value is True else "false" if value is False else "null"
        else:
            text = _ENCODER.encode(value)
    except (TypeError, ValueError):
        try:
            text = repr(value)
        except ValueError:  # an int too long to print
            text = f"<{kind.__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show_all(values: Iterable[Any], limit: int = 8) -> str:
    values = list(values)
    shown = ", ".join(show(value, 30) for value in values[:limit])
    return shown + (f" (and {len(values) - limit} more)" if len(values) > limit else "")


def type_message(value: Any, expected: str) -> str:
    if value is None:  # its kind and its text are the same word
        return f"expected {expected}, got null"
    return f"expected {expected}, got {_kind(value)} {show(value)}"


def required_message(name: Any, _: None = None) -> str:
    return f"required property {show(name)} is missing"


def dependency_message(name: Any, because: Any) -> str:
    return f"property {show(name)} is required when {show(because)} is present"


def unexpected_message(name: Any, _: None = None) -> str:
    return f"unexpected property {show(name)}: the schema allows no other properties here"


def false_schema_message(value: Any, _: None = None) -> str:
    return f"no value is allowed here (the schema is false), got {show(value)}"


def enum_message(value: Any, allowed: tuple[Any, ...]) -> str:
    return f"{show(value)} is not one of {_show_all(allowed)}"


def const_message(value: Any, expected: Any) -> str:
    return f"expected {show(expected)}, got {show(value)}"


_BOUND_TEXTS = {
    "minimum": "less than the minimum",
    "maximum": "greater than the maximum",
    "exclusiveMinimum": "not greater than the exclusive minimum",
    "exclusiveMaximum": "not less than the exclusive maximum",
}


def bound_message(value: Any, detail: tuple[str, Any]) -> str:
    keyword, limit = detail
    return f"{show(value)} is {_BOUND_TEXTS.get(keyword, keyword)} of {show(limit)}"


def range_message(value: Any, detail: tuple[str, int, int]) -> str:
    netmera_type, low, high = detail
    return f"{show(value)} is out of range for {netmera_type} ({low} to {high})"


def multiple_message(value: Any, factor: Any) -> str:
    return f"{show(value)} is not a multiple of {show(factor)}"


def length_message(value: str, detail: tuple[str, Any]) -> str:
    keyword, limit = detail
    relation = "shorter than" if keyword == "minLength" else "longer than"
    return f"{show(value)} is {relation} {limit} characters (it has {len(value)})"


def pattern_message(value: str, pattern: str) -> str:
    return f"{show(value)} does not match the pattern {show(pattern, 200)}"


def format_message(value: str, format_name: str) -> str:
    return f"{show(value)} is not a valid {format_name}"


def count_message(value: Any, detail: tuple[str, Any]) -> str:
    keyword, limit = detail
    what = "items" if isinstance(value, list) else "properties"
    relation = "fewer than" if keyword.startswith("min") else "more than"
    return f"has {len(value)} {what}, {relation} the {keyword} of {limit}"


def unique_message(value: list[Any], _: None = None) -> str:
    return f"array items are not unique: {show(value)}"


def contains_message(matches: int, detail: tuple[Any, Any]) -> str:
    low, high = detail
    if matches == 0:
        return "no item matches the `contains` schema"
    if matches < low:
        return f"only {matches} items match the `contains` schema, fewer than {low}"
    return f"{matches} items match the `contains` schema, more than {high}"


def extra_items_message(value: list[Any], allowed: int) -> str:
    return f"has {len(value)} items, at most {allowed} are allowed"


def property_name_message(name: Any, _: None = None) -> str:
    return f"property name {show(name)} is not allowed by `propertyNames`"


def unknown_event_message(name: Any, _: None = None) -> str:
    return f"unknown event name {show(name)}"


def any_of_message(value: Any, alternatives: str) -> str:
    return f"{show(value)} matches none of the alternatives ({alternatives})"


def one_of_message(value: Any, detail: tuple[int, str]) -> str:
    matches, alternatives = detail
    if matches == 0:
        return f"{show(value)} matches none of the `oneOf` alternatives ({alternatives})"
    return f"{show(value)} matches {matches} of the `oneOf` alternatives, exactly one is allowed"


def not_message(value: Any, _: None = None) -> str:
    return f"{show(value)} matches the schema under `not`"
