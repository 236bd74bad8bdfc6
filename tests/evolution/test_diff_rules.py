"""`diff --against FOLDER`: each kind of schema change alone, classified by its rule, at both levels.

One old and one new folder hold one event per case, so a single run of the real command classifies them all;
every event must get exactly the expected rules, and the verdicts a reviewer would give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from evolution_support import diff, diff_json, event, rules_by_event, write_schemas

S: dict[str, Any] = {"type": "string"}
I: dict[str, Any] = {"type": "integer"}

# name: (old properties, old required, new properties, new required, expected rules)
CASES: dict[str, tuple[dict[str, Any], list[str], dict[str, Any], list[str], set[str]]] = {
    "RequiredAdded": ({}, [], {"a": S}, ["a"], {"ATTRIBUTE_REQUIRED_ADDED"}),
    "OptionalAdded": ({}, [], {"a": S}, [], {"ATTRIBUTE_ADDED"}),
    "RemovedOpen": ({"a": S, "b": S}, [], {"b": S}, [], {"ATTRIBUTE_REMOVED"}),
    "MadeRequired": ({"a": S}, [], {"a": S}, ["a"], {"ATTRIBUTE_MADE_REQUIRED"}),
    "MadeOptional": ({"a": S}, ["a"], {"a": S}, [], {"ATTRIBUTE_MADE_OPTIONAL"}),
    "NumberToInteger": ({"a": {"type": "number"}}, [], {"a": I}, [], {"TYPE_NARROWED", "ANNOTATION_CHANGED"}),
    "StringOrInteger": ({"a": S}, [], {"a": {"type": ["string", "integer"]}}, [], {"TYPE_WIDENED", "ANNOTATION_CHANGED"}),
    "LongToInteger": (
        {"a": {"type": "integer", "x-netmera-type": "Long"}}, [],
        {"a": {"type": "integer", "x-netmera-type": "Integer"}}, [], {"RANGE_NARROWED"},
    ),
    "IntegerToLong": (
        {"a": {"type": "integer", "x-netmera-type": "Integer"}}, [],
        {"a": {"type": "integer", "x-netmera-type": "Long"}}, [], {"RANGE_WIDENED"},
    ),
    "MaximumLowered": ({"a": {**I, "maximum": 100}}, [], {"a": {**I, "maximum": 50}}, [], {"RANGE_NARROWED"}),
    "SameIntegers": ({"a": {**I, "minimum": 1}}, [], {"a": {**I, "exclusiveMinimum": 0}}, [], set()),
    "ExclusiveNow": (
        {"a": {"type": "number", "minimum": 0}}, [], {"a": {"type": "number", "exclusiveMinimum": 0}}, [],
        {"RANGE_NARROWED"},
    ),
    "MultipleOfStricter": (
        {"a": {"type": "number", "multipleOf": 0.5}}, [], {"a": {"type": "number", "multipleOf": 1}}, [],
        {"MULTIPLE_OF_NARROWED"},
    ),
    "MultipleOfDivisor": (
        {"a": {"type": "number", "multipleOf": 0.5}}, [], {"a": {"type": "number", "multipleOf": 0.25}}, [],
        {"MULTIPLE_OF_WIDENED"},
    ),
    "MaxLengthLowered": ({"a": {**S, "maxLength": 20}}, [], {"a": {**S, "maxLength": 10}}, [], {"LENGTH_NARROWED"}),
    "MinLengthLowered": ({"a": {**S, "minLength": 2}}, [], {"a": {**S, "minLength": 1}}, [], {"LENGTH_WIDENED"}),
    "PatternAdded": ({"a": S}, [], {"a": {**S, "pattern": "^[A-Z]+$"}}, [], {"PATTERN_ADDED"}),
    "PatternChanged": (
        {"a": {**S, "pattern": "^[A-Z]+$"}}, [], {"a": {**S, "pattern": "^[A-Z]*$"}}, [], {"PATTERN_CHANGED"},
    ),
    "PatternRemoved": ({"a": {**S, "pattern": "^[A-Z]+$"}}, [], {"a": S}, [], {"PATTERN_REMOVED"}),
    "FormatAdded": ({"a": S}, [], {"a": {**S, "format": "email"}}, [], {"FORMAT_ADDED"}),
    "UncheckedFormat": ({"a": S}, [], {"a": {**S, "format": "color"}}, [], {"METADATA_CHANGED"}),
    "EnumValueRemoved": (
        {"a": {**S, "enum": ["x", "y"]}}, [], {"a": {**S, "enum": ["x"]}}, [], {"ENUM_VALUE_REMOVED"},
    ),
    "EnumValueAdded": ({"a": {**S, "enum": ["x"]}}, [], {"a": {**S, "enum": ["x", "y"]}}, [], {"ENUM_VALUE_ADDED"}),
    "EnumAdded": ({"a": S}, [], {"a": {**S, "enum": ["x"]}}, [], {"ENUM_ADDED", "ANNOTATION_CHANGED"}),
    "ConstIsEnum": ({"a": {**S, "enum": ["x"]}}, [], {"a": {"const": "x"}}, [], set()),
    "NullRemoved": ({"a": {"type": ["string", "null"]}}, [], {"a": S}, [], {"NULL_NO_LONGER_ALLOWED"}),
    "NullAllowed": ({"a": S}, [], {"a": {"anyOf": [S, {"type": "null"}]}}, [], {"NULL_ALLOWED"}),
    "MandatoryNullable": ({"a": S}, ["a"], {"a": {"type": ["string", "null"]}}, ["a"], {"NULL_ALLOWED", "ANNOTATION_CHANGED"}),
    "Nested": (
        {"address": {"type": "object", "properties": {"zip": {**S, "maxLength": 10}}}}, [],
        {"address": {"type": "object", "properties": {"zip": {**S, "maxLength": 5}}}}, [], {"LENGTH_NARROWED"},
    ),
    "NestedRequired": (
        {"address": {"type": "object", "properties": {"zip": S}}}, [],
        {"address": {"type": "object", "properties": {"zip": S, "city": S}, "required": ["city"]}}, [],
        {"ATTRIBUTE_REQUIRED_ADDED"},
    ),
    "ItemsNarrowed": (
        {"tags": {"type": "array", "items": {"type": "number"}}}, [],
        {"tags": {"type": "array", "items": I}}, [], {"TYPE_NARROWED", "ANNOTATION_CHANGED"},
    ),
    "ItemsCount": (
        {"tags": {"type": "array", "items": S}}, [], {"tags": {"type": "array", "items": S, "maxItems": 3}}, [],
        {"LENGTH_NARROWED"},
    ),
    "UniqueItems": (
        {"tags": {"type": "array", "items": S}}, [], {"tags": {"type": "array", "items": S, "uniqueItems": True}}, [],
        {"UNIQUE_ITEMS_ADDED"},
    ),
    "AnyOfEdited": (
        {"a": {"anyOf": [{**S, "maxLength": 3}, I]}}, [], {"a": {"anyOf": [{**S, "maxLength": 2}, I]}}, [],
        {"COMPOSITION_CHANGED"},
    ),
    "AnyOfBranchAdded": (
        {"a": {"anyOf": [{**S, "maxLength": 3}, I]}}, [],
        {"a": {"anyOf": [{**S, "maxLength": 3}, I, {"type": "boolean"}]}}, [],
        {"COMPOSITION_WIDENED", "ANNOTATION_CHANGED"},
    ),
    "NotAdded": ({"a": S}, [], {"a": {**S, "not": {"const": "x"}}}, [], {"COMPOSITION_CHANGED"}),
    "IfEdited": (
        {"a": {**S, "if": {"minLength": 2}, "then": {"maxLength": 5}}}, [],
        {"a": {**S, "if": {"minLength": 2}, "then": {"maxLength": 4}}}, [], {"COMPOSITION_CHANGED"},
    ),
    "PythonName": ({"itemCount": I}, [], {"item_count": I, "itemCount": I}, [], {"PYTHON_NAME_CHANGED", "ATTRIBUTE_ADDED"}),
    "Described": ({"a": S}, [], {"a": {**S, "description": "Now documented."}}, [], {"METADATA_CHANGED"}),
    "Unchanged": ({"a": S, "b": {**I, "minimum": 0}}, ["a"], {"a": S, "b": {**I, "minimum": 0}}, ["a"], set()),
}  # fmt: skip

CLOSED = {"additionalProperties": False}
ROOT_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], set[str]]] = {
    "RemovedClosed": ({"a": S, "b": S}, {"b": S}, {"ATTRIBUTE_REMOVED"}),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("rules")
    old, new = {}, {}
    for name, (old_props, old_req, new_props, new_req, _) in CASES.items():
        old[f"{name.lower()}.json"] = event(name, old_props, old_req)
        new[f"{name.lower()}.json"] = event(name, new_props, new_req)
    for name, (old_props, new_props, _) in ROOT_CASES.items():
        old[f"{name.lower()}.json"] = event(name, old_props, **CLOSED)
        new[f"{name.lower()}.json"] = event(name, new_props, **CLOSED)
    old["closing.json"] = event("Closing", {"a": S})
    new["closing.json"] = event("Closing", {"a": S}, **CLOSED)
    old["opening.json"] = event("Opening", {"a": S}, **CLOSED)
    new["opening.json"] = event("Opening", {"a": S})
    write_schemas(root / "old", old)
    write_schemas(root / "new", new)
    code, found = diff_json(root, "--against", "old", "--schemas", "new")
    assert code == 1
    return found


def _changes(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [change for change in report["changes"] if change["event"] == name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_change_is_found_and_named(report: dict[str, Any], name: str) -> None:
    assert rules_by_event(report).get(name, set()) == CASES[name][4]


def test_closing_and_opening_objects(report: dict[str, Any]) -> None:
    found = rules_by_event(report)
    assert found["Closing"] == {"ADDITIONAL_PROPERTIES_CLOSED"}
    assert found["Opening"] == {"ADDITIONAL_PROPERTIES_OPENED"}
    assert [change["breaking_levels"] for change in _changes(report, "Closing")] == [["wire", "source"]]
    assert [change["breaking_levels"] for change in _changes(report, "Opening")] == [[]]


def test_a_removed_attribute_breaks_the_wire_only_on_a_closed_object(report: dict[str, Any]) -> None:
    (open_removal,) = _changes(report, "RemovedOpen")
    (closed_removal,) = _changes(report, "RemovedClosed")
    assert (open_removal["wire"], open_removal["source"]) == ("compatible", "breaking")
    assert (closed_removal["wire"], closed_removal["source"]) == ("breaking", "breaking")
    assert open_removal["pointer"] == "/properties/a"
    assert open_removal["old"] == "a" and open_removal["new"] is None


@pytest.mark.parametrize(
    ("name", "wire", "source"),
    [
        ("RequiredAdded", "breaking", "breaking"),
        ("OptionalAdded", "compatible", "compatible"),
        ("MadeOptional", "compatible", "breaking"),
        ("LongToInteger", "breaking", "breaking"),
        ("IntegerToLong", "compatible", "compatible"),
        ("EnumValueAdded", "compatible", "compatible"),
        ("PatternChanged", "unproven", "unproven"),
        ("AnyOfEdited", "unproven", "unproven"),
        ("NullRemoved", "breaking", "breaking"),
        ("Described", "compatible", "compatible"),
    ],
)
def test_verdicts(report: dict[str, Any], name: str, wire: str, source: str) -> None:
    changes = [change for change in _changes(report, name) if change["rule"] != "ANNOTATION_CHANGED"]
    assert [(change["wire"], change["source"]) for change in changes] == [(wire, source)]


def test_changes_name_pointer_attribute_and_values(report: dict[str, Any]) -> None:
    (nested,) = _changes(report, "Nested")
    assert nested["pointer"] == "/properties/address/properties/zip/maxLength"
    assert nested["attribute"] == "address.zip"
    assert (nested["old"], nested["new"]) == (10, 5)
    assert nested["file"] == "new/nested.json"
    items = {change["rule"]: change for change in _changes(report, "ItemsNarrowed")}
    assert items["TYPE_NARROWED"]["pointer"] == "/properties/tags/items/type"
    assert items["TYPE_NARROWED"]["attribute"] == "tags[]"
    assert items["TYPE_NARROWED"]["old"] == ["integer", "number"]
    assert items["TYPE_NARROWED"]["new"] == ["integer"]
    (removed,) = _changes(report, "EnumValueRemoved")
    assert removed["old"] == ["x", "y"] and removed["new"] == ["x"]
    (renamed,) = [change for change in _changes(report, "PythonName") if change["rule"] == "PYTHON_NAME_CHANGED"]
    assert (renamed["old"], renamed["new"]) == ("item_count", "item_count_2")


def test_summary_and_bump(report: dict[str, Any]) -> None:
    assert report["breaking"] is True
    assert report["bump"] == "major"
    assert report["level"] == "source"
    assert report["counts"]["changes"] == len(report["changes"])
    assert report["counts"]["breaking"]["source"] > report["counts"]["breaking"]["wire"] > 0


@pytest.mark.parametrize(
    ("old_props", "new_props", "bump", "wire_code", "source_code"),
    [
        ({"a": S}, {"a": S, "b": S}, "minor", 0, 0),
        ({"a": S}, {"a": {**S, "description": "d"}}, "patch", 0, 0),
        ({"a": S}, {"a": S}, "none", 0, 0),
        ({"a": S, "b": S}, {"a": S}, "major", 0, 1),
        ({"a": {**S, "maxLength": 4}}, {"a": {**S, "maxLength": 3}}, "major", 1, 1),
    ],
)
def test_exit_code_follows_the_level_and_the_bump_the_package(
    tmp_path: Path, old_props: dict[str, Any], new_props: dict[str, Any], bump: str, wire_code: int, source_code: int
) -> None:
    write_schemas(tmp_path / "old", {"e.json": event("E", old_props)})
    write_schemas(tmp_path / "new", {"e.json": event("E", new_props)})
    for level, code in (("wire", wire_code), ("source", source_code)):
        # Both exit statuses as the shell sees them once (the major cases exit 0 and 1); the rest run in-process.
        result = diff(
            tmp_path, "--against", "old", "--schemas", "new", "--level", level, subprocess_run=bump == "major"
        )
        assert result.returncode == code, result.stdout + result.stderr
        assert result.stdout.splitlines()[-1].endswith(f"suggested version bump: {bump}")
