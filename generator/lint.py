"""`netmera-codegen lint`: every problem a build would hit, plus rules that keep schemas healthy for Netmera.

Errors (exit 1):
- files that are not JSON objects (from `load`), and schemas that are not valid against their draft's metaschema
  (draft 2020-12 unless `$schema` names draft-07), one finding per metaschema violation at its pointer;
- everything `generate` refuses, found by the same stages (bundle: duplicate event names, `extId`/`name` declared
  wrongly, `$ref`s that leave the folder or do not resolve; parse: `x-netmera-type` contradicting `type`, required
  attributes that are not declared; keywords the generator does not support).

Warnings (exit 0 unless `--strict`):
- an unknown `$schema` (the file is read as draft 2020-12);
- attribute names that collide once converted to Python names (they get numbered: `item_count_2`), and event
  names that collide as class names (`OrderCompleted2`);
- `additionalProperties: false`: Netmera accepts attributes added later in the panel, and a closed schema
  rejects payloads carrying them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]

from .bundle import EXT_ID, NAME, bundle_events, event_name_of
from .findings import Finding, join_pointer
from .load import SchemaFile, load_schemas
from .naming import attribute_name, attribute_names, class_name, class_names
from .parse import parse_events

DIALECTS: dict[str, type[Any]] = {
    "https://json-schema.org/draft/2020-12/schema": Draft202012Validator,
    "http://json-schema.org/draft-07/schema": Draft7Validator,
}

_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "additionalItems",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def lint(schemas_dir: Path) -> list[Finding]:
    """All findings for a schemas folder, errors and warnings, sorted by file and pointer."""
    files, findings = load_schemas(schemas_dir)
    for schema_file in files:
        findings += meta_validate(schema_file)
    # A schema that breaks its metaschema would only produce confusing follow-up findings.
    broken = {finding.path for finding in findings if finding.severity == "error"}
    usable = [schema_file for schema_file in files if schema_file.display not in broken]
    events, bundle_findings = bundle_events(usable, schemas_dir)
    findings += bundle_findings
    for event in events:
        findings += event.tree.findings
    _, parse_findings = parse_events(events)
    findings += parse_findings
    for schema_file in usable:
        findings += netmera_rules(schema_file)
    findings += event_name_collisions([f for f in usable if not f.is_shared])
    return sorted(set(findings))


def validator_class(data: dict[str, Any]) -> type[Any] | None:
    declared = data.get("$schema")
    if declared is None:
        return DIALECTS["https://json-schema.org/draft/2020-12/schema"]
    if not isinstance(declared, str):
        return None
    return DIALECTS.get(declared.rstrip("#"))


def meta_validate(schema_file: SchemaFile) -> list[Finding]:
    data = schema_file.data
    cls = validator_class(data)
    findings = []
    if cls is None:
        findings.append(
            Finding(
                schema_file.display,
                "/$schema",
                f"unknown $schema {data.get('$schema')!r}: read as draft 2020-12 "
                "(supported: draft 2020-12 and draft-07)",
                severity="warning",
            )
        )
        cls = Draft202012Validator
    try:
        errors = sorted(cls(cls.META_SCHEMA).iter_errors(data), key=lambda error: list(map(str, error.absolute_path)))
    except SchemaError as problem:  # pragma: no cover - the metaschemas themselves are valid
        return findings + [Finding(schema_file.display, "", f"invalid schema: {problem.message}")]
    for error in errors:
        pointer = join_pointer("", *error.absolute_path)
        findings.append(
            Finding(schema_file.display, pointer, f"not a valid {_draft_name(cls)} schema: {error.message}")
        )
    return findings


def _draft_name(cls: type[Any]) -> str:
    return "draft-07" if cls is Draft7Validator else "draft 2020-12"


def netmera_rules(schema_file: SchemaFile) -> list[Finding]:
    findings = []
    for pointer, schema in subschemas(schema_file.data, ""):
        if schema.get("additionalProperties") is False:
            findings.append(
                Finding(
                    schema_file.display,
                    join_pointer(pointer, "additionalProperties"),
                    "additionalProperties is false: payloads carrying attributes added later in the panel "
                    "will be refused",
                    severity="warning",
                )
            )
        properties = schema.get("properties")
        if isinstance(properties, dict):
            reserved = (EXT_ID, NAME) if pointer == "" and not schema_file.is_shared else ()
            findings += _attribute_collisions(schema_file, pointer, [k for k in properties if k not in reserved])
    return findings


def _attribute_collisions(schema_file: SchemaFile, pointer: str, wire_names: list[str]) -> list[Finding]:
    """Attributes that get a numbered Python name, as `naming` settles them, each naming the one that kept it."""
    settled = attribute_names(wire_names)
    keeper_of = {name: wire_name for wire_name, name in settled.items()}
    return [
        Finding(
            schema_file.display,
            join_pointer(pointer, "properties", wire_name),
            f"attribute {wire_name!r} collides with {keeper_of.get(attribute_name(wire_name), '?')!r} as the Python "
            f"name {attribute_name(wire_name)!r}; it is named {name!r}",
            severity="warning",
        )
        for wire_name, name in settled.items()
        if name != attribute_name(wire_name)
    ]


def event_name_collisions(files: list[SchemaFile]) -> list[Finding]:
    """Events whose class gets a numbered name, as `naming` settles them, each naming the one that kept it."""
    file_of = {event_name_of(schema_file): schema_file for schema_file in files}
    settled = class_names(list(file_of))
    keeper_of = {name: wire_name for wire_name, name in settled.items()}
    return [
        Finding(
            file_of[wire_name].display,
            "",
            f"event {wire_name!r} collides with {keeper_of.get(class_name(wire_name), '?')!r} as the class name "
            f"{class_name(wire_name)!r}; its class is named {name!r}",
            severity="warning",
        )
        for wire_name, name in settled.items()
        if name != class_name(wire_name)
    ]


def subschemas(schema: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object subschema with its pointer, the root first."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for key in _SCHEMA_MAPS:
        members = schema.get(key)
        if isinstance(members, dict):
            for name, member in members.items():
                yield from subschemas(member, join_pointer(pointer, key, name))
    for key in _SCHEMA_VALUES:
        yield from subschemas(schema.get(key), join_pointer(pointer, key))
    for key in _SCHEMA_LISTS:
        members = schema.get(key)
        if isinstance(members, list):
            for index, member in enumerate(members):
                yield from subschemas(member, join_pointer(pointer, key, index))
