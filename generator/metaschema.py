"""Lint's metaschema check: is a schema file valid against its draft's metaschema, and if not, where and why.

The findings are jsonschema's (`iter_errors` of the draft's metaschema validator, one per violation at its
pointer), but jsonschema takes about 20 ms a file to find that a schema is valid, nearly all of it resolving the
2020-12 metaschema's `$dynamicRef`s. So each file is first screened by `surely_valid`, a walk that knows the
metaschemas' keywords and accepts a schema only when every keyword it constrains holds a value the metaschema
certainly allows; everything else (a violation, or a keyword the screen does not judge, such as `$vocabulary` or
an integer written `1.0`) goes to jsonschema for its exact findings. The screen can only send a file to the full
check, never pass one the full check would refuse; the tests compare both on every schema they have.

jsonschema itself (a tenth of a second to import) is imported only for a file the screen does not pass: the
screen reads the metaschemas' keywords from the JSON files jsonschema-specifications ships, the same ones
jsonschema checks against.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .findings import Finding
from .load import SchemaFile
from .pointers import join_pointer

DRAFT_2020_URI = "https://json-schema.org/draft/2020-12/schema"
DRAFT_7_URI = "http://json-schema.org/draft-07/schema"
DIALECT_URIS = (DRAFT_2020_URI, DRAFT_7_URI)
"""The `$schema` values (without a trailing `#`) whose metaschema checks a file."""
SPECIFICATIONS = "jsonschema_specifications"
"""The distribution whose metaschema files jsonschema checks against (and the screen reads)."""

_SIMPLE_TYPES = frozenset({"array", "boolean", "integer", "null", "number", "object", "string"})
_ID_2020 = re.compile(r"^[^#]*#?$")


def dialect_uri(data: dict[str, Any]) -> str | None:
    """The metaschema's URI for a file's `$schema` (2020-12 when absent); None for an unknown one."""
    declared = data.get("$schema")
    if declared is None:
        return DRAFT_2020_URI
    if not isinstance(declared, str):
        return None
    uri = declared.rstrip("#")
    return uri if uri in DIALECT_URIS else None


@functools.cache
def _validator_classes() -> dict[str, type[Any]]:
    from jsonschema import Draft7Validator, Draft202012Validator  # type: ignore[import-untyped]

    return {DRAFT_2020_URI: Draft202012Validator, DRAFT_7_URI: Draft7Validator}


def validator_class(data: dict[str, Any]) -> type[Any] | None:
    """The metaschema's validator class for a file's `$schema` (2020-12 when absent); None for an unknown one."""
    uri = dialect_uri(data)
    return None if uri is None else _validator_classes()[uri]


def meta_validate(schema_file: SchemaFile) -> list[Finding]:
    """The findings of the metaschema check of one file: a warning for an unknown `$schema`, an error for each
    violation of the metaschema (jsonschema's message, at its pointer)."""
    data = schema_file.data
    uri = dialect_uri(data)
    findings = []
    if uri is None:
        findings.append(
            Finding(
                schema_file.display,
                "/$schema",
                f"unknown $schema {data.get('$schema')!r}: read as draft 2020-12 "
                "(supported: draft 2020-12 and draft-07)",
                severity="warning",
            )
        )
        uri = DRAFT_2020_URI
    if _schema(data, _rules(uri)):
        return findings
    return findings + full_check(schema_file, _validator_classes()[uri])


def full_check(schema_file: SchemaFile, cls: type[Any]) -> list[Finding]:
    """jsonschema's own metaschema check of a file, as findings (what `meta_validate` reports for a file the
    screen does not pass)."""
    from jsonschema.exceptions import SchemaError  # type: ignore[import-untyped]

    try:
        errors = sorted(
            _metaschema_validator(cls.META_SCHEMA["$id"]).iter_errors(schema_file.data),
            key=lambda error: list(map(str, error.absolute_path)),
        )
    except SchemaError as problem:  # pragma: no cover - the metaschemas themselves are valid
        return [Finding(schema_file.display, "", f"invalid schema: {problem.message}")]
    return [
        Finding(
            schema_file.display,
            join_pointer("", *error.absolute_path),
            f"not a valid {_draft_name(cls)} schema: {error.message}",
        )
        for error in errors
    ]


@functools.cache
def _metaschema_validator(uri: str) -> Any:
    """One validator of the metaschema per draft, by the metaschema's `$id` (it holds no state between checks, and
    keeps what it has resolved)."""
    cls = _validator_classes()[uri.rstrip("#")]
    return cls(cls.META_SCHEMA)


def _draft_name(cls: type[Any]) -> str:
    return "draft-07" if cls is _validator_classes()[DRAFT_7_URI] else "draft 2020-12"


# -- the screen

Judge = Callable[[Any, "_Rules"], bool]
_Rules = dict[str, Judge]


def surely_valid(schema: Any, cls: type[Any]) -> bool:
    """Whether the schema is certainly valid against `cls`'s metaschema (False: it may not be; ask jsonschema)."""
    return _schema(schema, _rules(DRAFT_7_URI if cls is _validator_classes()[DRAFT_7_URI] else DRAFT_2020_URI))


def _schema(value: Any, rules: _Rules) -> bool:
    if isinstance(value, bool):
        return True
    if not isinstance(value, dict):
        return False
    for key, member in value.items():
        judge = rules.get(key)
        if judge is not None and not judge(member, rules):
            return False
    return True


def _schema_map(value: Any, rules: _Rules) -> bool:
    return isinstance(value, dict) and all(_schema(member, rules) for member in value.values())


def _schema_array(value: Any, rules: _Rules) -> bool:
    return isinstance(value, list) and len(value) > 0 and all(_schema(member, rules) for member in value)


def _string(value: Any, rules: _Rules) -> bool:
    return isinstance(value, str)


def _boolean(value: Any, rules: _Rules) -> bool:
    return isinstance(value, bool)


def _anything(value: Any, rules: _Rules) -> bool:
    return True


def _array(value: Any, rules: _Rules) -> bool:
    return isinstance(value, list)


def _number(value: Any, rules: _Rules) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _positive_number(value: Any, rules: _Rules) -> bool:
    return _number(value, rules) and value > 0


def _count(value: Any, rules: _Rules) -> bool:
    # jsonschema also takes 2.0 as an integer: left to it, as is anything unusual
    return type(value) is int and value >= 0


def _string_array(value: Any, rules: _Rules) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value) and len(set(value)) == len(value)


def _type(value: Any, rules: _Rules) -> bool:
    if isinstance(value, str):
        return value in _SIMPLE_TYPES
    return (
        isinstance(value, list)
        and len(value) > 0
        and all(isinstance(item, str) and item in _SIMPLE_TYPES for item in value)
        and len(set(value)) == len(value)
    )


def _items_7(value: Any, rules: _Rules) -> bool:
    return _schema(value, rules) or _schema_array(value, rules)


def _dependencies_7(value: Any, rules: _Rules) -> bool:
    return isinstance(value, dict) and all(
        _schema(member, rules) or _string_array(member, rules) for member in value.values()
    )


def _string_array_map(value: Any, rules: _Rules) -> bool:
    return isinstance(value, dict) and all(_string_array(member, rules) for member in value.values())


def _id_2020(value: Any, rules: _Rules) -> bool:
    return isinstance(value, str) and _ID_2020.match(value) is not None


def _undecided(value: Any, rules: _Rules) -> bool:
    return False


_COMMON: _Rules = {
    "$schema": _string,
    "$ref": _string,
    "$comment": _string,
    "title": _string,
    "description": _string,
    "default": _anything,
    "readOnly": _boolean,
    "writeOnly": _boolean,
    "examples": _array,
    "multipleOf": _positive_number,
    "maximum": _number,
    "exclusiveMaximum": _number,
    "minimum": _number,
    "exclusiveMinimum": _number,
    "maxLength": _count,
    "minLength": _count,
    "pattern": _string,
    "maxItems": _count,
    "minItems": _count,
    "uniqueItems": _boolean,
    "contains": _schema,
    "maxProperties": _count,
    "minProperties": _count,
    "required": _string_array,
    "additionalProperties": _schema,
    "definitions": _schema_map,
    "properties": _schema_map,
    "patternProperties": _schema_map,
    "propertyNames": _schema,
    "const": _anything,
    "enum": _array,
    "type": _type,
    "format": _string,
    "contentMediaType": _string,
    "contentEncoding": _string,
    "if": _schema,
    "then": _schema,
    "else": _schema,
    "allOf": _schema_array,
    "anyOf": _schema_array,
    "oneOf": _schema_array,
    "not": _schema,
}
"""How the screen judges the keywords both metaschemas constrain alike."""

_DRAFT_RULES: dict[str, _Rules] = {
    DRAFT_7_URI: _COMMON
    | {"$id": _string, "additionalItems": _schema, "items": _items_7, "dependencies": _dependencies_7},
    DRAFT_2020_URI: _COMMON
    | {
        "$id": _id_2020,
        "$dynamicRef": _string,
        "$defs": _schema_map,
        "prefixItems": _schema_array,
        "items": _schema,
        "dependentSchemas": _schema_map,
        "unevaluatedItems": _schema,
        "unevaluatedProperties": _schema,
        "maxContains": _count,
        "minContains": _count,
        "dependentRequired": _string_array_map,
        "deprecated": _boolean,
        "contentSchema": _schema,
    },
}


def metaschema_keywords(cls: type[Any]) -> frozenset[str]:
    """Every keyword the draft's metaschema constrains: the `properties` of the metaschema and of the vocabulary
    metaschemas its `allOf` includes (read from jsonschema's copies, so none is overlooked)."""
    from jsonschema_specifications import REGISTRY  # type: ignore[import-untyped]

    return _keywords(cls.META_SCHEMA, REGISTRY.contents)


def _keywords(meta: dict[str, Any], contents: Callable[[str], dict[str, Any]]) -> frozenset[str]:
    keywords = set(meta.get("properties", {}))
    base = meta["$id"].rsplit("/", 1)[0]
    for part in meta.get("allOf", []):
        keywords |= set(contents(f"{base}/{part['$ref']}").get("properties", {}))
    return frozenset(keywords)


def shipped_metaschema_keywords(uri: str) -> frozenset[str] | None:
    """`metaschema_keywords` of a draft read straight from the metaschema files jsonschema-specifications ships
    (every JSON file under its `schemas` folder, known by its `$id`), without importing it or jsonschema; None
    when they cannot be found or read so (an installation that keeps them elsewhere)."""
    try:
        by_id = _shipped_metaschemas()
        return _keywords(by_id[uri], lambda ref: by_id[ref])
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return None


@functools.cache
def _shipped_metaschemas() -> dict[str, Any]:
    spec = importlib.util.find_spec(SPECIFICATIONS)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    by_id = {}
    for folder in folders:
        for path in sorted((Path(folder) / "schemas").rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                contents = json.loads(path.read_text(encoding="utf-8"))
                by_id[str(contents.get("$id", "")).rstrip("#")] = contents
    return by_id


@functools.cache
def _rules(uri: str) -> _Rules:
    """The screen's judges for a draft: its own where it has one, `_undecided` for every other keyword the
    metaschema constrains (`$anchor`, `$vocabulary`, ...); keywords the metaschema does not know are free."""
    known = _DRAFT_RULES[uri]
    keywords = shipped_metaschema_keywords(uri)
    if keywords is None:
        keywords = metaschema_keywords(_validator_classes()[uri])
    return {keyword: known.get(keyword, _undecided) for keyword in keywords}
