"""One subschema of a bundled event schema, read into the facts the wire rules compare.

`$ref`s are followed inside the bundle, the common spellings of a nullable or a union of plain types
(`["T", "null"]`, `anyOf: [T, {"type": "null"}]`, `oneOf` of disjoint plain types, a one-branch `allOf`) are read
as types, `const` as a one-value `enum`, and `x-netmera-type` as the range it implies. Everything that cannot be
compared exactly (other composition keywords, `patternProperties`, `prefixItems`, a keyword with a value of the
wrong kind, ...) is kept as `opaque`, in a canonical form with references inlined, so two sides can at least be
told equal or not.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..pointers import resolve_pointer
from .adapter import NETMERA_RANGES, checked_formats

JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
ALL_VALUES = frozenset({"null", "boolean", "object", "array", "number", "string"})
"""Types that together accept every JSON value (`integer` is inside `number`)."""
METADATA_KEYWORDS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly", "$comment",
     "contentMediaType", "contentEncoding", "contentSchema"}
)  # fmt: skip
"""Keywords that never change what validates; `x-*` keywords (but `x-netmera-type`) are metadata as well."""
STRUCTURE_KEYWORDS = frozenset({"$schema", "$id", "$anchor", "$dynamicAnchor", "$vocabulary", "$defs", "definitions"})
"""Containers and identifiers: the definitions they hold are compared where they are used."""
MODELLED = frozenset(
    {"type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
     "minLength", "maxLength", "pattern", "format", "items", "minItems", "maxItems", "uniqueItems",
     "properties", "required", "additionalProperties", "minProperties", "maxProperties", "x-netmera-type"}
)  # fmt: skip
MAX_DEPTH = 64
"""Deeper than this (counting `$ref` hops) a subschema is only compared for equality."""

Bound = tuple[Fraction, bool]
"""A numeric bound and whether it is exclusive."""


@dataclass
class Shape:
    always: bool | None = None
    """True/False for the boolean schemas (and `{}`, which is `true`)."""
    types: frozenset[str] | None = None
    """Accepted JSON types; None means any."""
    enum: list[Any] | None = None
    lower: Bound | None = None
    upper: Bound | None = None
    netmera_type: str | None = None
    multiple_of: Fraction | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    items: Any = None
    """The `items` schema (None: absent, any item)."""
    min_items: int | None = None
    max_items: int | None = None
    unique_items: bool = False
    properties: dict[str, Any] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    additional: Any = None
    """`additionalProperties` (None: absent, any undeclared key)."""
    min_properties: int | None = None
    max_properties: int | None = None
    opaque: dict[str, str] = field(default_factory=dict)
    """Keywords compared only for equality, as canonical JSON with `$ref`s inlined."""
    opaque_raw: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    via: str | None = None
    """The `$ref` followed to reach this subschema."""
    draft7: bool = False
    folded: str | None = None
    """The composition keyword read as a plain type (`anyOf` of `T` and null, ...), if any."""

    def accepts_type(self, json_type: str) -> bool:
        if self.always is False:
            return False
        if self.types is None:
            return True
        return json_type in self.types or (json_type == "integer" and "number" in self.types)

    @property
    def allows_null(self) -> bool:
        if not self.accepts_type("null"):
            return False
        return self.enum is None or any(value is None for value in self.enum)


def resolve(root: dict[str, Any], ref: str) -> tuple[bool, Any]:
    if not ref.startswith("#"):
        return False, None
    fragment = ref[1:].replace("%23", "#").replace("%25", "%")
    return resolve_pointer(root, fragment)


def canonical(root: dict[str, Any], node: Any, depth: int = 0) -> str:
    """JSON text of a subschema with references inlined and metadata dropped: equal text, equal meaning."""
    return json.dumps(_inline(root, node, depth), sort_keys=True, separators=(",", ":"))


def _inline(root: dict[str, Any], node: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        return node
    if isinstance(node, list):
        return [_inline(root, item, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in METADATA_KEYWORDS or key in STRUCTURE_KEYWORDS or (key.startswith("x-") and key != "x-netmera-type"):
            continue
        if key == "$ref" and isinstance(value, str):
            found, target = resolve(root, value)
            result[key] = _inline(root, target, depth + 1) if found else value
        elif key in ("enum", "const"):
            result[key] = value
        else:
            result[key] = _inline(root, value, depth + 1)
    return result


def value_key(value: Any) -> Any:
    """A hashable key under JSON Schema's equality (1 == 1.0, true != 1)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", Fraction(value)) if not (isinstance(value, float) and not math.isfinite(value)) else ("f", value)
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z",)
    if isinstance(value, list):
        return ("a", tuple(value_key(item) for item in value))
    if isinstance(value, dict):
        return ("o", tuple(sorted((key, value_key(item)) for key, item in value.items())))
    return ("?", repr(value))


def type_of_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _number(value: Any) -> Fraction | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return Fraction(value)


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _only_metadata(node: dict[str, Any], ignore: set[str]) -> bool:
    return all(
        key in ignore or key in METADATA_KEYWORDS or key in STRUCTURE_KEYWORDS or key.startswith("x-") for key in node
    )


def _plain_types(node: Any) -> frozenset[str] | None:
    """The types of a branch that says nothing but `type` (and metadata), else None."""
    if not isinstance(node, dict) or not _only_metadata(node, {"type"}) or "x-netmera-type" in node:
        return None
    declared = node.get("type")
    if isinstance(declared, str) and declared in JSON_TYPES:
        return frozenset({declared})
    if isinstance(declared, list) and declared and all(isinstance(t, str) and t in JSON_TYPES for t in declared):
        return frozenset(declared)
    return None


def read_shape(
    root: dict[str, Any], node: Any, draft7: bool, depth: int = 0, inherited: str | None = None, fold: bool = True
) -> Shape:
    """The shape of `node`, a subschema of `root`; `inherited` is an array's `x-netmera-type` its items take.
    With `fold` false, composition keywords are always kept opaque (to compare with a side that could not fold)."""
    if node is True or node == {}:
        return Shape(always=True, draft7=draft7)
    if node is False:
        return Shape(always=False, draft7=draft7)
    if not isinstance(node, dict):
        return Shape(opaque={"schema": json.dumps(node)}, opaque_raw={"schema": node}, draft7=draft7)
    if depth > MAX_DEPTH:
        return Shape(opaque={"schema": canonical(root, node)}, opaque_raw={"schema": node}, draft7=draft7)
    ref = node.get("$ref")
    if isinstance(ref, str) and (draft7 or _only_metadata(node, {"$ref"})):
        found, target = resolve(root, ref)
        if found:
            shape = read_shape(root, target, draft7, depth + 1, inherited, fold)
            shape.via = shape.via or ref.removeprefix("#")
            shape.metadata.update(_metadata(node))
            return shape
    if inherited is not None and "x-netmera-type" not in node:
        node = {**node, "x-netmera-type": inherited}
    folded = _fold_composition(root, node, draft7, depth) if fold else None
    if folded is not None:
        return folded
    shape = Shape(draft7=draft7, metadata=_metadata(node))
    for key, value in node.items():
        if key in METADATA_KEYWORDS or key in STRUCTURE_KEYWORDS or (key.startswith("x-") and key != "x-netmera-type"):
            continue
        if key not in MODELLED or not _read_keyword(shape, key, value, node):
            shape.opaque[key] = canonical(root, {key: value} if key == "$ref" else value, depth)
            shape.opaque_raw[key] = value
    _apply_netmera_range(shape)
    return shape


def _metadata(node: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in node.items()
        if key in METADATA_KEYWORDS or (key.startswith("x-") and key != "x-netmera-type")
    }


def _fold_composition(root: dict[str, Any], node: dict[str, Any], draft7: bool, depth: int) -> Shape | None:
    """Read the composition spellings of a plain type as that type; None when `node` is not one of them."""
    for keyword in ("anyOf", "oneOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list) or not branches or not _only_metadata(node, {keyword}):
            continue
        plain = [_plain_types(branch) for branch in branches]
        if all(types is not None for types in plain):
            union = frozenset().union(*(types for types in plain if types is not None))
            overlapping = sum(len(types) for types in plain if types is not None) != len(union) or (
                "integer" in union and "number" in union
            )
            if keyword == "anyOf" or not overlapping:
                return Shape(types=union, draft7=draft7, metadata=_metadata(node), folded=keyword)
        nulls = [index for index, types in enumerate(plain) if types == frozenset({"null"})]
        if len(branches) == 2 and len(nulls) == 1:
            other = read_shape(root, branches[1 - nulls[0]], draft7, depth + 1)
            if not other.opaque and (keyword == "anyOf" or not other.allows_null):
                if other.types is not None:
                    other.types = other.types | {"null"}
                if other.enum is not None and not any(value is None for value in other.enum):
                    other.enum = [*other.enum, None]
                other.metadata.update(_metadata(node))
                other.folded = keyword
                return other
    branches = node.get("allOf")
    if isinstance(branches, list) and len(branches) == 1 and _only_metadata(node, {"allOf"}):
        shape = read_shape(root, branches[0], draft7, depth + 1)
        shape.metadata.update(_metadata(node))
        shape.folded = "allOf"
        return shape
    return None


def _read_keyword(shape: Shape, key: str, value: Any, node: dict[str, Any]) -> bool:
    """Record one modelled keyword; False when its value is not of the expected kind (kept opaque)."""
    if key == "type":
        types = [value] if isinstance(value, str) else value
        if not isinstance(types, list) or not all(isinstance(t, str) and t in JSON_TYPES for t in types):
            return False
        shape.types = frozenset(types)
        return True
    if key in ("enum", "const"):
        values = [value] if key == "const" else value
        if not isinstance(values, list):
            return False
        if shape.enum is not None:
            keys = {value_key(item) for item in values}
            shape.enum = [item for item in shape.enum if value_key(item) in keys]
        else:
            shape.enum = list(values)
        return True
    if key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        number = _number(value)
        if number is None:
            return False
        bound: Bound = (number, key.startswith("exclusive"))
        if key.endswith("inimum"):
            shape.lower = bound if shape.lower is None else _tighter_lower(shape.lower, bound)
        else:
            shape.upper = bound if shape.upper is None else _tighter_upper(shape.upper, bound)
        return True
    if key == "multipleOf":
        number = _number(value)
        if number is None or number <= 0:
            return False
        shape.multiple_of = number
        return True
    if key in ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"):
        count = _count(value)
        if count is None:
            return False
        attribute = {"minLength": "min_length", "maxLength": "max_length", "minItems": "min_items",
                     "maxItems": "max_items", "minProperties": "min_properties",
                     "maxProperties": "max_properties"}[key]  # fmt: skip
        setattr(shape, attribute, count)
        return True
    if key == "pattern":
        if not isinstance(value, str):
            return False
        shape.pattern = value
        return True
    if key == "format":
        if not isinstance(value, str):
            return False
        if value in checked_formats(shape.draft7):
            shape.format = value
        else:
            shape.metadata["format"] = value
        return True
    if key == "uniqueItems":
        if not isinstance(value, bool):
            return False
        shape.unique_items = value
        return True
    if key == "items":
        if not isinstance(value, (dict, bool)) or "prefixItems" in node or "additionalItems" in node:
            return False
        shape.items = value
        return True
    if key == "properties":
        if not isinstance(value, dict):
            return False
        shape.properties = dict(value)
        return True
    if key == "required":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return False
        shape.required = frozenset(value)
        return True
    if key == "additionalProperties":
        if not isinstance(value, (dict, bool)):
            return False
        shape.additional = None if value is True or value == {} else value
        return True
    if key == "x-netmera-type":
        if not isinstance(value, str):
            return False
        shape.netmera_type = value
        return True
    return False


def _tighter_lower(first: Bound, second: Bound) -> Bound:
    if first[0] != second[0]:
        return max(first, second, key=lambda bound: bound[0])
    return (first[0], first[1] or second[1])


def _tighter_upper(first: Bound, second: Bound) -> Bound:
    if first[0] != second[0]:
        return min(first, second, key=lambda bound: bound[0])
    return (first[0], first[1] or second[1])


def _apply_netmera_range(shape: Shape) -> None:
    netmera = NETMERA_RANGES.get(shape.netmera_type or "")
    if netmera is None:
        return
    low, high = (Fraction(netmera[0]), False), (Fraction(netmera[1]), False)
    shape.lower = low if shape.lower is None else _tighter_lower(shape.lower, low)
    shape.upper = high if shape.upper is None else _tighter_upper(shape.upper, high)
