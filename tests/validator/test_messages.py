"""validate(): what it reports for each kind of problem: index, event, pointer, keyword and a readable message, and
every violation of an item rather than the first one."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import FrozenInstanceError, fields
from typing import Any

import pytest
from validator_support import compile_pairs

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "extId": {"type": "string"},
        "name": {"type": "string", "const": "OrderCompleted"},
        "total": {"type": "number", "minimum": 0, "x-netmera-type": "Double"},
        "count": {"type": "integer", "x-netmera-type": "Integer"},
        "points": {"type": "integer", "x-netmera-type": "Long"},
        "placedAt": {"type": "integer", "x-netmera-type": "Timestamp"},
        "method": {"type": "string", "enum": ["Card", "Cash"]},
        "email": {"type": ["string", "null"], "format": "email", "maxLength": 40},
        "when": {"type": "string", "format": "date-time"},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$", "minLength": 3},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 3},
        "scores": {"type": "array", "items": {"type": "integer"}, "x-netmera-type": "Integer"},
        "address": {"$ref": "#/$defs/Address"},
        "choice": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "either": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "a/b~c": {"type": "boolean"},
        "never": False,
    },
    "required": ["extId", "name", "total"],
    "additionalProperties": False,
    "$defs": {
        "Address": {
            "type": "object",
            "properties": {"city": {"type": "string", "minLength": 1}, "zip": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        }
    },
}
OTHER = {
    "type": "object",
    "properties": {"extId": {"type": "string"}, "name": {"const": "Ping"}},
    "required": ["extId", "name"],
}
COMPILED = compile_pairs([("OrderCompleted", SCHEMA), ("Ping", OTHER)])
validate = COMPILED.runtime.validate
Violation = COMPILED.runtime.Violation
VALID = {"extId": "u1", "name": "OrderCompleted", "total": 10.5}


def one(payload: Any) -> Any:
    violations = validate(payload)
    assert len(violations) == 1, violations
    return violations[0]


def test_valid_payloads_give_no_refusal() -> None:
    assert validate(VALID) == []
    assert validate([VALID, {"extId": "u2", "name": "Ping"}]) == []
    assert validate([]) == []
    full = dict(VALID, count=2**31 - 1, points=-(2**63), placedAt=1715940000000, method="Card", email=None,
                when="2024-05-17T10:20:30Z", code="ABC", tags=["a", "b"], scores=[1, -(2**31)],
                address={"city": "Istanbul"}, choice=3, either=None, **{"a/b~c": True})  # fmt: skip
    assert validate(full) == []
    assert validate(dict(VALID, total=10, count=5.0)) == []  # an int is a number; 5.0 is an integer


@pytest.mark.parametrize(
    ("change", "pointer", "keyword", "words"),
    [
        ({"total": "10"}, "/total", "type", "expected number, got string"),
        ({"total": True}, "/total", "type", "got boolean true"),
        ({"total": -1}, "/total", "minimum", "less than the minimum of 0"),
        ({"count": 2**31}, "/count", "maximum", "out of range for Integer"),
        ({"count": -(2**31) - 1}, "/count", "minimum", "out of range for Integer"),
        ({"points": 2**63}, "/points", "maximum", "out of range for Long"),
        ({"placedAt": -(2**63) - 1}, "/placedAt", "minimum", "out of range for Timestamp"),
        ({"count": 1.5}, "/count", "type", "expected integer"),
        ({"method": "Wire"}, "/method", "enum", '"Wire" is not one of "Card", "Cash"'),
        ({"email": "nobody"}, "/email", "format", "not a valid email"),
        ({"email": 5}, "/email", "type", "expected string or null"),
        ({"email": "a@" + "b" * 40}, "/email", "maxLength", "longer than 40 characters"),
        ({"when": "2024-02-30T10:00:00Z"}, "/when", "format", "not a valid date-time"),
        ({"code": "ABCD"}, "/code", "pattern", "does not match the pattern"),
        ({"tags": ["a", "a"]}, "/tags", "uniqueItems", "not unique"),
        ({"tags": ["a", "b", "c", "d"]}, "/tags", "maxItems", "more than the maxItems of 3"),
        ({"tags": ["a", 7]}, "/tags/1", "type", "expected string"),
        ({"scores": [1, 2**31]}, "/scores/1", "maximum", "out of range for Integer"),
        ({"address": {"city": ""}}, "/address/city", "minLength", "shorter than 1 characters"),
        ({"address": {}}, "/address/city", "required", 'required property "city" is missing'),
        ({"address": {"city": "x", "zzz": 1}}, "/address/zzz", "additionalProperties", 'unexpected property "zzz"'),
        ({"choice": 1.5}, "/choice", "oneOf", "matches none of the `oneOf` alternatives"),
        ({"either": 5}, "/either", "anyOf", "matches none of the alternatives (string; null)"),
        ({"a/b~c": "yes"}, "/a~1b~0c", "type", "expected boolean"),
        ({"never": 1}, "/never", "false", "no value is allowed here"),
        ({"extra": 1}, "/extra", "additionalProperties", 'unexpected property "extra"'),
        ({"extId": 7}, "/extId", "type", "expected string, got integer 7"),
    ],
)
def test_each_kind_of_violation(change: dict[str, Any], pointer: str, keyword: str, words: str) -> None:
    violation = one(dict(VALID, **change))
    assert (violation.index, violation.event, violation.pointer, violation.keyword) == (
        0,
        "OrderCompleted",
        pointer,
        keyword,
    )
    assert words in violation.message


def test_missing_required() -> None:
    payload = dict(VALID)
    del payload["total"]
    violation = one(payload)
    assert (violation.pointer, violation.keyword) == ("/total", "required")
    assert violation.message == 'required property "total" is missing'


def test_every_violation_is_reported_not_just_the_first() -> None:
    payload = {"name": "OrderCompleted", "total": "x", "count": 2**40, "method": 1, "extra": 1,
               "address": {"zip": 5}, "tags": [1, 2, 2]}  # fmt: skip
    found = {(violation.pointer, violation.keyword) for violation in validate(payload)}
    assert found == {
        ("/extId", "required"),
        ("/total", "type"),
        ("/count", "maximum"),
        ("/method", "type"),
        ("/method", "enum"),
        ("/extra", "additionalProperties"),
        ("/address/city", "required"),
        ("/address/zip", "type"),
        ("/tags/0", "type"),
        ("/tags/1", "type"),
        ("/tags/2", "type"),
        ("/tags", "uniqueItems"),
    }


def test_items_of_a_fireevents_body_keep_their_index_and_event() -> None:
    body = [VALID, dict(VALID, total=-5), {"extId": "u", "name": "Ping"}, {"extId": 1, "name": "Ping"}]
    violations = validate(body)
    assert [(v.index, v.event, v.pointer) for v in violations] == [
        (1, "OrderCompleted", "/total"),
        (3, "Ping", "/extId"),
    ]


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"extId": "u", "name": "Nope"}, [("/name", "unknown-event", None)]),
        ({"extId": "u"}, [("/name", "required", None)]),
        ({"name": 5, "extId": "u"}, [("/name", "type", None)]),
        ({"name": "Nope"}, [("/name", "unknown-event", "Nope"), ("/extId", "required", "Nope")]),
        ({"name": "Nope", "extId": 3}, [("/name", "unknown-event", "Nope"), ("/extId", "type", "Nope")]),
        (["not", "an", "object"], [("", "type", None)]),
        (None, [("", "type", None)]),
    ],
)
def test_items_that_cannot_be_dispatched(item: Any, expected: list[tuple[str, str, str | None]]) -> None:
    violations = validate([item])
    assert [(v.pointer, v.keyword) for v in violations] == [(pointer, keyword) for pointer, keyword, _ in expected]
    assert all(v.index == 0 for v in violations)
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        assert all(v.event == item["name"] for v in violations)


def test_payload_shapes() -> None:
    assert validate(OrderedDict(VALID)) == []  # any Mapping is an object
    assert validate((VALID,)) == []  # any sequence is a body
    assert [v.keyword for v in validate("OrderCompleted")] == ["payload"]  # type: ignore[arg-type]
    assert [v.keyword for v in validate(5)] == ["payload"]  # type: ignore[arg-type]


def test_json_equality_semantics() -> None:
    enum_schema = {"type": "object", "properties": {"extId": {"type": "string"}, "name": {"const": "E"},
                   "v": {"enum": [1, "a", None, [1, 2], {"k": True}]}, "c": {"const": 0}, "u": {"uniqueItems": True}}}  # fmt: skip
    compiled = compile_pairs([("E", enum_schema)])
    check = compiled.runtime.validate
    base = {"extId": "x", "name": "E"}
    assert check(dict(base, v=1.0)) == []  # 1 == 1.0
    assert check(dict(base, v=[1.0, 2])) == []
    assert check(dict(base, v={"k": True})) == []
    assert [v.keyword for v in check(dict(base, v=True))] == ["enum"]  # True is not 1
    assert [v.keyword for v in check(dict(base, v={"k": 1}))] == ["enum"]
    assert [v.keyword for v in check(dict(base, c=False))] == ["const"]  # False is not 0
    assert check(dict(base, c=0.0)) == []
    assert check(dict(base, u=[1, True, "1", [1], [True]])) == []
    assert [v.keyword for v in check(dict(base, u=[1, 1.0]))] == ["uniqueItems"]
    assert [v.keyword for v in check(dict(base, u=[{"a": 1}, {"a": 1.0}]))] == ["uniqueItems"]


def test_violation_is_a_frozen_readable_dataclass() -> None:
    violation = one(dict(VALID, total="x"))
    assert [field.name for field in fields(Violation)] == ["index", "event", "pointer", "message", "keyword"]
    with pytest.raises(FrozenInstanceError):
        violation.index = 3
    assert str(violation) == 'item 0 (OrderCompleted) at /total: expected number, got string "x"'
    assert violation == Violation(0, "OrderCompleted", "/total", 'expected number, got string "x"', "type")
    assert hash(violation) == hash(Violation(0, "OrderCompleted", "/total", 'expected number, got string "x"', "type"))


def test_long_values_are_shortened_in_messages() -> None:
    violation = one(dict(VALID, method="x" * 500))
    assert len(violation.message) < 150 and "..." in violation.message


def test_non_json_python_values_do_not_crash() -> None:
    from decimal import Decimal

    assert validate(dict(VALID, total=Decimal("1.5"))) == []  # a Number, like jsonschema
    assert [v.keyword for v in validate(dict(VALID, total=10**5000))] == []  # huge ints are fine
    assert [v.keyword for v in validate(dict(VALID, count=10**5000))] == ["maximum"]
    assert [v.keyword for v in validate(dict(VALID, method=object()))] == ["type", "enum"]


def test_messages_are_written_on_first_use_and_behave_like_fields() -> None:
    import copy
    import pickle

    first, second = validate(dict(VALID, total="x", count=1.5))
    assert copy.copy(first) == first and pickle.loads(pickle.dumps(second)) == second
    assert repr(first).endswith("message='expected number, got string \"x\"', keyword='type')")
    assert {first, second} == set(validate(dict(VALID, total="x", count=1.5)))
    with pytest.raises(AttributeError):
        first.no_such_field  # noqa: B018
