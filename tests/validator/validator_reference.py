"""The reference the compiled validator is compared with: jsonschema itself, on the schema plus the ranges that
`x-netmera-type` implies, with the validator class's FORMAT_CHECKER."""

from __future__ import annotations

import copy
from typing import Any

from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from netmera_codegen.dialects import DRAFT7, DRAFT2020, FORMATS
from netmera_codegen.netmera import INTEGER_RANGES

REFERENCE_PACKAGES = {"date-time": "rfc3339-validator", "time": "rfc3339-validator", "uri": "rfc3986-validator",
                      "uri-reference": "rfc3986-validator", "hostname": "fqdn", "idn-hostname": "idna"}  # fmt: skip
"""The packages jsonschema needs to enforce the formats the compiled validator checks."""

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_VALUES = (
    "additionalProperties", "additionalItems", "items", "contains", "propertyNames", "not", "if", "then", "else",
)  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def with_netmera_ranges(schema: Any, draft7: bool) -> Any:
    """A copy of the schema in which every subschema with an `x-netmera-type` that implies a range also requires
    numbers (and the items of arrays) to lie in it: the range is appended to its `allOf` (a draft-07 `$ref` node is
    turned into `allOf: [{$ref}, range]`, since draft-07 ignores the siblings of `$ref`)."""
    result = copy.deepcopy(schema)
    _add_ranges(result, draft7)
    return result


def _add_ranges(node: Any, draft7: bool) -> None:
    if not isinstance(node, dict):
        return
    for key in _SCHEMA_MAPS:
        if isinstance(node.get(key), dict):
            for sub in node[key].values():
                _add_ranges(sub, draft7)
    if isinstance(node.get("dependencies"), dict):
        for sub in node["dependencies"].values():
            _add_ranges(sub, draft7)
    for key in _SCHEMA_VALUES:
        if isinstance(node.get(key), dict):
            _add_ranges(node[key], draft7)
    for key in _SCHEMA_LISTS:
        if isinstance(node.get(key), list):
            for sub in node[key]:
                _add_ranges(sub, draft7)
    netmera_type = node.get("x-netmera-type")
    if netmera_type not in INTEGER_RANGES:
        return
    low, high = INTEGER_RANGES[netmera_type]
    bounds = {"minimum": low, "maximum": high}
    range_schema = {**bounds, "items": dict(bounds)}
    if draft7 and "$ref" in node:
        node["allOf"] = [{"$ref": node.pop("$ref")}, range_schema]
        for key in list(node):
            if key not in ("allOf", "x-netmera-type") and not key.startswith("$") and key != "definitions":
                del node[key]  # siblings of a draft-07 $ref never applied
    else:
        node["allOf"] = list(node.get("allOf", [])) + [range_schema]


def reference_validator(schema: Any, default_draft7: bool = False) -> Validator:
    """jsonschema's validator for the schema (class by `$schema`, default 2020-12) with ranges and formats."""
    default = Draft7Validator if default_draft7 else Draft202012Validator
    cls = validator_for(schema, default=default)
    draft7 = cls is Draft7Validator
    unchecked = sorted(set(FORMATS[DRAFT7 if draft7 else DRAFT2020]) - set(cls.FORMAT_CHECKER.checkers))
    if unchecked:
        packages = sorted({REFERENCE_PACKAGES.get(name, "?") for name in unchecked})
        raise RuntimeError(
            f"jsonschema does not check the formats {unchecked} here: install {', '.join(packages)} (test extras)"
        )
    return cls(with_netmera_ranges(schema, draft7), format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]
