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
from .naming import pascal_case, snake_case
from .parse import parse_events
from .validator_compile import unsupported_keywords

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
        findings += unsupported_keywords(event.schema, event.path)
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
    by_python: dict[str, list[str]] = {}
    for wire_name in wire_names:
        by_python.setdefault(snake_case(wire_name).lower(), []).append(wire_name)
    findings = []
    for python_name, rivals in by_python.items():
        if len(rivals) < 2:
            continue
        keeper = python_name if python_name in rivals else rivals[0]
        for wire_name in rivals:
            if wire_name == keeper:
                continue
            findings.append(
                Finding(
                    schema_file.display,
                    join_pointer(pointer, "properties", wire_name),
                    f"attribute {wire_name!r} collides with {keeper!r} as the Python name {python_name!r}; "
                    "it gets a numbered name",
                    severity="warning",
                )
            )
    return findings


def event_name_collisions(files: list[SchemaFile]) -> list[Finding]:
    by_class: dict[str, list[tuple[str, SchemaFile]]] = {}
    for schema_file in files:
        name = event_name_of(schema_file)
        by_class.setdefault(pascal_case(name).lower(), []).append((name, schema_file))
    findings = []
    for rivals in by_class.values():
        names = sorted({name for name, _ in rivals})
        if len(names) < 2:
            continue
        for name, schema_file in rivals:
            others = ", ".join(repr(other) for other in names if other != name)
            findings.append(
                Finding(
                    schema_file.display,
                    "",
                    f"event {name!r} collides with {others} as a Python class name; the class names get numbered",
                    severity="warning",
                )
            )
    return findings


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
