"""No false "compatible": whenever the wire rules find no break, every payload the old schema accepted is accepted
by the new one. Checked on random pairs of attribute schemas against jsonschema, the reference validator, over a
pool of values that covers every JSON type and the edges of the constraints the pairs use."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from netmera_codegen.evolution.wire import compare_schemas

POOL: list[Any] = [
    None, True, False, 0, 1, -1, 2, 3, 5, 10, 100, 2**40, 0.5, 1.5, -0.25, "", "a", "ab", "ABC", "abcdef",
    "x@example.com", "2024-01-31", [], ["a"], ["a", "a"], [1, 2], [1, 1], ["a", 1], {}, {"zip": "1"},
    {"zip": 1}, {"zip": "12345", "city": "X"}, {"city": "X"}, {"other": True},
]  # fmt: skip

strings = st.fixed_dictionaries(
    {"type": st.just("string")},
    optional={
        "minLength": st.integers(0, 3),
        "maxLength": st.integers(1, 6),
        "pattern": st.sampled_from(["^[A-Z]+$", "^a", "b"]),
        "format": st.sampled_from(["email", "date", "color"]),
        "enum": st.lists(st.sampled_from(["a", "ab", "ABC", "x@example.com"]), min_size=1, max_size=3, unique=True),
    },
)
numbers = st.fixed_dictionaries(
    {"type": st.sampled_from(["integer", "number"])},
    optional={
        "minimum": st.sampled_from([0, 1, 0.5]),
        "exclusiveMinimum": st.sampled_from([0, -1]),
        "maximum": st.sampled_from([3, 10, 2**40]),
        "exclusiveMaximum": st.sampled_from([5, 100]),
        "multipleOf": st.sampled_from([0.5, 1, 2]),
        "enum": st.lists(st.sampled_from([0, 1, 2, 5, 0.5]), min_size=1, max_size=3, unique=True),
    },
)
scalars = st.one_of(strings, numbers, st.just({"type": "boolean"}), st.just({}), st.just({"type": "null"}))


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    arrays = st.fixed_dictionaries(
        {"type": st.just("array")},
        optional={"items": children, "maxItems": st.integers(0, 2), "uniqueItems": st.booleans()},
    )
    objects = st.fixed_dictionaries(
        {
            "type": st.just("object"),
            "properties": st.fixed_dictionaries({}, optional={"zip": children, "city": children}),
        },
        optional={
            "required": st.lists(st.sampled_from(["zip", "city"]), unique=True),
            "additionalProperties": st.sampled_from([False, True, {"type": "string"}]),
        },
    )
    nullable = children.map(lambda schema: {"anyOf": [schema, {"type": "null"}]})
    typed_null = children.filter(lambda schema: isinstance(schema.get("type"), str)).map(
        lambda schema: {**schema, "type": [schema["type"], "null"]}
    )
    unions = st.lists(children, min_size=1, max_size=3).map(lambda branches: {"anyOf": branches})
    return st.one_of(arrays, objects, nullable, typed_null, unions)


attributes = st.recursive(scalars, _extend, max_leaves=4)


def _event(attribute: dict[str, Any], required: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": {"a": attribute}}
    if required:
        schema["required"] = ["a"]
    return schema


def _accepted(schema: dict[str, Any]) -> list[dict[str, Any]]:
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    payloads = [{}] + [{"a": value} for value in POOL]
    return [payload for payload in payloads if validator.is_valid(payload)]


@settings(max_examples=200, deadline=None)
@given(old=attributes, new=attributes, old_required=st.booleans(), new_required=st.booleans())
def test_compatible_at_wire_level_means_no_payload_is_refused(
    old: dict[str, Any], new: dict[str, Any], old_required: bool, new_required: bool
) -> None:
    old_event, new_event = _event(old, old_required), _event(new, new_required)
    changes = compare_schemas("E", "e.json", old_event, new_event, False, False)
    if any(change.breaks("wire") for change in changes):
        return
    refused = [payload for payload in _accepted(old_event) if payload not in _accepted(new_event)]
    assert not refused, (changes, refused)


@settings(max_examples=100, deadline=None)
@given(schema=attributes, required=st.booleans())
def test_a_schema_compared_with_itself_has_no_changes(schema: dict[str, Any], required: bool) -> None:
    event = _event(schema, required)
    assert compare_schemas("E", "e.json", event, event, False, False) == []
