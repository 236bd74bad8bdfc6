"""JSON Schema dialects and their keywords: what each draft validates, refuses or ignores, and which formats it checks.

The generator understands draft-07 and draft 2020-12 (the drafts jsonschema maps to Draft7Validator and
Draft202012Validator); a schema names its dialect with `$schema`, and one without is read as 2020-12. The schema
tree (`schema_tree`) reads keywords by these tables, and the validator compiler checks formats by `FORMATS`.
"""

from __future__ import annotations

from typing import Any, Literal

Dialect = Literal["draft7", "draft2020-12"]
DRAFT7: Dialect = "draft7"
DRAFT2020: Dialect = "draft2020-12"

DIALECT_URIS: dict[str, Dialect] = {
    "http://json-schema.org/draft-07/schema": DRAFT7,
    "http://json-schema.org/draft-07/schema#": DRAFT7,
    "https://json-schema.org/draft/2020-12/schema": DRAFT2020,
    "https://json-schema.org/draft/2020-12/schema#": DRAFT2020,
}
"""`$schema` values understood (the ones jsonschema maps to Draft7Validator and Draft202012Validator)."""

_COMMON_KEYWORDS = frozenset(
    {
        "$ref", "type", "enum", "const",
        "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "format",
        "items", "maxItems", "minItems", "uniqueItems", "contains",
        "maxProperties", "minProperties", "required", "properties", "patternProperties",
        "additionalProperties", "propertyNames",
        "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
    }
)  # fmt: skip
SUPPORTED_KEYWORDS: dict[Dialect, frozenset[str]] = {
    DRAFT7: _COMMON_KEYWORDS | {"additionalItems", "dependencies"},
    DRAFT2020: _COMMON_KEYWORDS
    | {"prefixItems", "minContains", "maxContains", "dependentRequired", "dependentSchemas"},
}
"""Validation keywords compiled into checks, per dialect."""

ANNOTATION_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$comment", "$anchor", "$dynamicAnchor", "$vocabulary", "$defs", "definitions",
        "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly",
        "contentMediaType", "contentEncoding", "contentSchema",
    }
)  # fmt: skip
"""Keywords that never affect validity (as in jsonschema); ignored on purpose. So is every `x-*` keyword."""

REFUSED_KEYWORDS: dict[Dialect, dict[str, str]] = {
    DRAFT7: {},
    DRAFT2020: {
        "$dynamicRef": "$dynamicRef is not supported (dynamic scopes cannot be compiled)",
        "unevaluatedProperties": "unevaluatedProperties is not supported; list the properties and use additionalProperties",
        "unevaluatedItems": "unevaluatedItems is not supported; use items / prefixItems",
    },
}
"""Keywords of the dialect that the compiler does not implement: a schema using them is refused."""

ALL_KNOWN = (
    SUPPORTED_KEYWORDS[DRAFT7]
    | SUPPORTED_KEYWORDS[DRAFT2020]
    | {"$dynamicRef", "unevaluatedProperties", "unevaluatedItems", "$recursiveRef", "$recursiveAnchor"}
)

_DATE_TIME_FORMATS = {
    "date": "is_date", "date-time": "is_date_time", "time": "is_time", "email": "is_email", "idn-email": "is_email",
    "hostname": "is_hostname", "idn-hostname": "is_idn_hostname", "ipv4": "is_ipv4", "ipv6": "is_ipv6",
    "uri": "is_uri", "uri-reference": "is_uri_reference", "regex": "is_regex",
}  # fmt: skip
FORMATS: dict[Dialect, dict[str, str]] = {
    DRAFT7: dict(_DATE_TIME_FORMATS),
    DRAFT2020: {**_DATE_TIME_FORMATS, "uuid": "is_uuid"},
}
"""Checked formats per dialect -> runtime helper. jsonschema's draft-07 checker has no `uuid`; other formats are
annotations in both (as with jsonschema and the reference format libraries installed)."""

JSON_TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")


def dialect_of(schema: Any, default: Dialect = DRAFT2020) -> Dialect | None:
    """The dialect a schema declares with `$schema` (None when it declares one this generator does not know)."""
    if not isinstance(schema, dict) or "$schema" not in schema:
        return default
    declared = schema["$schema"]
    return DIALECT_URIS.get(declared) if isinstance(declared, str) else None


def dialect_name(dialect: Dialect) -> str:
    return "draft-07" if dialect == DRAFT7 else "draft 2020-12"
