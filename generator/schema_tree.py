"""Stage 3a, read: one bundled event schema read once into a normalised tree that every code generator uses.

Each subschema that takes part in validation becomes one `Node`: its JSON pointer, its dialect, the keywords the
generator supports in typed form (`types`, bounds, `properties`, `items`, ...), its annotations (`title`,
`description`, `x-netmera-*`) and its children, with `$ref`s resolved to the shared node of their target inside the
bundle. The draft differences (draft-07 `items` arrays, `additionalItems`, `dependencies`, `$ref` hiding its
siblings) are normalised away, and Netmera's `x-netmera-type` is judged here, once: an unknown type or one that
contradicts `type` is an error, a valid one adds its range. Whatever the generator cannot honour (unsupported or
refused keywords, non-local or circular `$ref`, invalid keyword values, an unknown dialect) becomes a finding with
file and pointer, each reported once; `parse` (the typed classes) and `validators` (the compiled checks) read the
tree and report nothing of their own about the schema's shape.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .dialects import (
    ALL_KNOWN,
    ANNOTATION_KEYWORDS,
    DRAFT7,
    DRAFT2020,
    FORMATS,
    JSON_TYPES,
    REFUSED_KEYWORDS,
    SUPPORTED_KEYWORDS,
    Dialect,
    dialect_name,
    dialect_of,
)
from .findings import Finding, errors_in
from .netmera import DEFAULT_EPOCH, EPOCH_SECONDS, EPOCH_UNITS, INTEGER_RANGES, JSON_TYPES_OF, NETMERA_TYPES
from .pointers import join_pointer, split_pointer

MAX_NESTING = 64
"""Deeper schemas (counting subschemas and `$ref` hops) are refused rather than risking the recursion limit."""


@dataclass(eq=False)
class Node:
    """One subschema, normalised. Fields left at their defaults mean "no such check"."""

    pointer: str
    dialect: Dialect = DRAFT2020
    always: bool | None = None
    """True/False for the boolean schemas `true` and `false`."""
    keywords: frozenset[str] = frozenset()
    """Every keyword the subschema spells out (annotations and `x-*` included)."""
    # annotations
    title: str | None = None
    description: str | None = None
    netmera_type: str | None = None
    """`x-netmera-type` when it is one of Netmera's types and agrees with `type` (else an error was reported)."""
    netmera_code: str | None = None
    netmera_epoch: str | None = None
    """`x-netmera-epoch` when it names a unit (else an error was reported): the project's default applies."""
    netmera_private: bool = False
    """`x-netmera-private: true`: the value is sent but never shown."""
    types: tuple[str, ...] | None = None
    # strings
    min_length: int | float | None = None
    max_length: int | float | None = None
    patterns: list[str] = field(default_factory=list)
    format: str | None = None
    # numbers
    bounds: list[tuple[str, int | float]] = field(default_factory=list)
    multiple_of: int | float | None = None
    netmera_range: tuple[str, int, int] | None = None
    # objects
    properties: list[tuple[str, Node]] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    """As written (a name may repeat; `required_names` has each once)."""
    additional: Node | None = None
    pattern_properties: list[tuple[str, Node]] = field(default_factory=list)
    property_names: Node | None = None
    min_properties: int | float | None = None
    max_properties: int | float | None = None
    dependent_required: list[tuple[str, list[str]]] = field(default_factory=list)
    dependent_keyword: str = "dependentRequired"
    dependent_schemas: list[tuple[str, Node]] = field(default_factory=list)
    # arrays
    prefix_items: list[Node] = field(default_factory=list)
    items: Node | None = None
    """Applies to the items after `prefix_items`."""
    items_keyword: str = "items"
    item_range: tuple[str, int, int] | None = None
    min_items: int | float | None = None
    max_items: int | float | None = None
    unique_items: bool = False
    contains: Node | None = None
    min_contains: int | float = 1
    max_contains: int | float | None = None
    # any type
    enum: list[Any] | None = None
    has_const: bool = False
    const: Any = None
    all_of: list[Node] = field(default_factory=list)
    any_of: list[Node] = field(default_factory=list)
    one_of: list[Node] = field(default_factory=list)
    not_: Node | None = None
    if_: Node | None = None
    then: Node | None = None
    else_: Node | None = None
    ref: Node | None = None
    ref_text: str | None = None

    @property
    def required_names(self) -> list[str]:
        return list(dict.fromkeys(self.required))

    def string_checks(self) -> bool:
        return self.min_length is not None or self.max_length is not None or bool(self.patterns) or bool(self.format)

    def number_checks(self) -> bool:
        return bool(self.bounds) or self.multiple_of is not None or self.netmera_range is not None

    def object_checks(self) -> bool:
        return bool(
            self.required
            or any(not trivial(sub) for _, sub in self.properties)
            or (self.additional is not None and not trivial(self.additional))
            or any(not trivial(sub) for _, sub in self.pattern_properties)
            or (self.property_names is not None and not trivial(self.property_names))
            or self.min_properties is not None
            or self.max_properties is not None
            or self.dependent_required
            or any(not trivial(sub) for _, sub in self.dependent_schemas)
        )

    def array_checks(self) -> bool:
        return bool(
            any(not trivial(sub) for sub in self.prefix_items)
            or (self.items is not None and not trivial(self.items))
            or self.item_range is not None
            or self.min_items is not None
            or self.max_items is not None
            or self.unique_items
            or self.contains is not None
        )

    def generic_checks(self) -> bool:
        return bool(
            self.enum is not None
            or self.has_const
            or any(not trivial(sub) for sub in self.all_of)
            or self.any_of
            or self.one_of
            or self.not_ is not None
            or (self.if_ is not None and (self.then is not None or self.else_ is not None))
            or (self.ref is not None and not trivial(self.ref))
        )


def trivial(node: Node) -> bool:
    """Whether a node accepts every value (so no code is needed for it)."""
    if node.always is not None:
        return node.always
    return not (
        node.types is not None
        or node.string_checks()
        or node.number_checks()
        or node.object_checks()
        or node.array_checks()
        or node.generic_checks()
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    """A non-negative integer as JSON Schema reads it (2.0 counts)."""
    return _is_number(value) and value >= 0 and float(value).is_integer()


def _declared_types(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [item for item in declared if isinstance(item, str)]
    return []


class _Parser:
    def __init__(self, root: Any, path: str, dialect: Dialect, epoch: str) -> None:
        self.root = root
        self.path = path
        self.dialect = dialect
        self.epoch = epoch
        self.findings: list[Finding] = []
        self.nodes: dict[str, Node] = {}
        self.in_progress: list[str] = []

    def error(self, pointer: str, message: str) -> None:
        self.findings.append(Finding(self.path, pointer, message))

    def warning(self, pointer: str, message: str) -> None:
        self.findings.append(Finding(self.path, pointer, message, severity="warning"))

    # -- entry points

    def parse_root(self) -> Node:
        return self.parse(self.root, "")

    def parse(self, schema: Any, pointer: str) -> Node:
        known = self.nodes.get(pointer)
        if known is not None:
            return known
        if pointer in self.in_progress:
            return Node(pointer, self.dialect, always=True)  # reported by the $ref that closed the loop
        if len(self.in_progress) >= MAX_NESTING:
            self.error(pointer, f"schemas nested more than {MAX_NESTING} levels deep are not supported")
            return Node(pointer, self.dialect, always=True)
        self.in_progress.append(pointer)
        try:
            node = self._build(schema, pointer)
        finally:
            self.in_progress.pop()
        self.nodes[pointer] = node
        return node

    # -- one schema

    def _build(self, schema: Any, pointer: str) -> Node:
        if isinstance(schema, bool):
            return Node(pointer, self.dialect, always=schema)
        if not isinstance(schema, dict):
            self.error(pointer, f"a schema must be an object or a boolean, not {type(schema).__name__}")
            return Node(pointer, self.dialect, always=True)
        node = Node(pointer, self.dialect, keywords=frozenset(key for key in schema if isinstance(key, str)))
        self._annotations(node, schema)
        self._netmera(node, schema, pointer)
        if "$ref" in schema and self.dialect == DRAFT7:
            ignored = [key for key in schema if key != "$ref" and key in ALL_KNOWN]
            if ignored:
                self.warning(
                    pointer,
                    f"draft-07 ignores the keywords beside $ref ({', '.join(sorted(ignored))})",
                )
            self._ref(node, schema["$ref"], join_pointer(pointer, "$ref"))
            return node
        supported = SUPPORTED_KEYWORDS[self.dialect]
        refused = REFUSED_KEYWORDS[self.dialect]
        for key in schema:
            if not isinstance(key, str) or key.startswith("x-") or key in ANNOTATION_KEYWORDS:
                continue
            if key in refused:
                self.error(join_pointer(pointer, key), refused[key])
            elif key not in supported:
                at = join_pointer(pointer, key)
                if key in ALL_KNOWN:
                    self.warning(at, f"{key!r} is not a {dialect_name(self.dialect)} keyword and has no effect")
                else:
                    self.warning(at, f"unknown keyword {key!r} is ignored")
        self._types(node, schema, pointer)
        self._strings(node, schema, pointer)
        self._numbers(node, schema, pointer)
        self._objects(node, schema, pointer)
        self._arrays(node, schema, pointer)
        self._generic(node, schema, pointer)
        return node

    def _annotations(self, node: Node, schema: dict[str, Any]) -> None:
        for key in ("title", "description", "x-netmera-code"):
            value = schema.get(key)
            if isinstance(value, str):
                setattr(node, "netmera_code" if key == "x-netmera-code" else key, value)

    def _netmera(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        """The one verdict on `x-netmera-type`: one of Netmera's types, agreeing with `type` (an array's `type` is
        its items'), else an error; a valid integer type adds its range (in the unit `x-netmera-epoch` names, for
        dates). `x-netmera-epoch` and `x-netmera-private` are judged here too."""
        epoch = schema.get("x-netmera-epoch")
        if epoch is not None and epoch not in EPOCH_UNITS:
            self.error(
                join_pointer(pointer, "x-netmera-epoch"),
                f"x-netmera-epoch must be one of {', '.join(EPOCH_UNITS)}, not {epoch!r}",
            )
        elif epoch is not None:
            node.netmera_epoch = epoch
        private = schema.get("x-netmera-private", False)
        if isinstance(private, bool):
            node.netmera_private = private
        else:
            self.error(
                join_pointer(pointer, "x-netmera-private"), f"x-netmera-private must be true or false, not {private!r}"
            )
        netmera_type = schema.get("x-netmera-type")
        if netmera_type is None:
            return
        at = join_pointer(pointer, "x-netmera-type")
        if not isinstance(netmera_type, str) or netmera_type not in NETMERA_TYPES:
            self.error(at, f"unknown x-netmera-type {netmera_type!r}; expected one of {', '.join(NETMERA_TYPES)}")
            return
        declared = _declared_types(schema)
        if "array" in declared and isinstance(schema.get("items"), dict):
            declared = _declared_types(schema["items"]) or declared
        declared_values = {t for t in declared if t not in ("null", "array")}
        if declared_values and not declared_values <= JSON_TYPES_OF[netmera_type]:
            self.error(at, f"x-netmera-type {netmera_type} contradicts type {'/'.join(sorted(declared_values))}")
            return
        node.netmera_type = netmera_type
        if netmera_type in INTEGER_RANGES:
            in_seconds = (node.netmera_epoch or self.epoch) == "seconds" and netmera_type in ("Date", "Timestamp")
            low, high = EPOCH_SECONDS if in_seconds else INTEGER_RANGES[netmera_type]
            node.netmera_range = (netmera_type, low, high)
            node.item_range = (netmera_type, low, high)

    def _sub(self, schema: dict[str, Any], key: str, pointer: str) -> Node | None:
        if key not in schema:
            return None
        return self.parse(schema[key], join_pointer(pointer, key))

    def _schema_list(self, schema: dict[str, Any], key: str, pointer: str) -> list[Node]:
        if key not in schema:
            return []
        value = schema[key]
        at = join_pointer(pointer, key)
        if not isinstance(value, list):
            self.error(at, f"{key} must be an array of schemas")
            return []
        return [self.parse(sub, join_pointer(at, index)) for index, sub in enumerate(value)]

    def _schema_map(self, schema: dict[str, Any], key: str, pointer: str) -> list[tuple[str, Node]]:
        if key not in schema:
            return []
        value = schema[key]
        at = join_pointer(pointer, key)
        if not isinstance(value, dict):
            self.error(at, f"{key} must be an object whose values are schemas")
            return []
        return [(name, self.parse(sub, join_pointer(at, name))) for name, sub in value.items()]

    def _count(self, schema: dict[str, Any], key: str, pointer: str) -> int | float | None:
        if key not in schema:
            return None
        value = schema[key]
        if not _is_count(value):
            self.error(join_pointer(pointer, key), f"{key} must be a non-negative integer, not {value!r}")
            return None
        return value  # type: ignore[no-any-return]

    def _regex(self, pattern: Any, at: str) -> bool:
        if not isinstance(pattern, str):
            self.error(at, f"a pattern must be a string, not {pattern!r}")
            return False
        try:
            re.compile(pattern)
        except re.error as error:
            self.error(at, f"invalid regular expression {pattern!r}: {error}")
            return False
        return True

    def _types(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        if "type" not in schema:
            return
        declared = schema["type"]
        listed = [declared] if isinstance(declared, str) else declared
        if not isinstance(listed, list) or not listed or not all(t in JSON_TYPES for t in listed):
            self.error(
                join_pointer(pointer, "type"),
                f"type must be one of {', '.join(JSON_TYPES)} or a non-empty array of them, not {declared!r}",
            )
            return
        node.types = tuple(dict.fromkeys(listed))

    def _strings(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        node.min_length = self._count(schema, "minLength", pointer)
        node.max_length = self._count(schema, "maxLength", pointer)
        if "pattern" in schema and self._regex(schema["pattern"], join_pointer(pointer, "pattern")):
            node.patterns.append(schema["pattern"])
        if "format" in schema:
            name = schema["format"]
            if not isinstance(name, str):
                self.error(join_pointer(pointer, "format"), f"format must be a string, not {name!r}")
            elif name in FORMATS[self.dialect]:
                node.format = name
            else:
                self.warning(
                    join_pointer(pointer, "format"),
                    f"format {name!r} is not checked under {dialect_name(self.dialect)} (an annotation, as in jsonschema)",
                )

    def _numbers(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
            if key in schema:
                value = schema[key]
                if _is_number(value) and math.isfinite(value):
                    node.bounds.append((key, value))
                else:
                    self.error(join_pointer(pointer, key), f"{key} must be a number, not {value!r}")
        if "multipleOf" in schema:
            value = schema["multipleOf"]
            if _is_number(value) and value > 0 and math.isfinite(value):
                node.multiple_of = value
            else:
                self.error(join_pointer(pointer, "multipleOf"), f"multipleOf must be a number above 0, not {value!r}")

    def _objects(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        node.properties = self._schema_map(schema, "properties", pointer)
        if "required" in schema:
            required = schema["required"]
            if isinstance(required, list) and all(isinstance(name, str) for name in required):
                node.required = list(required)
            else:
                self.error(join_pointer(pointer, "required"), "required must be an array of strings")
        node.pattern_properties = [
            (pattern, sub)
            for pattern, sub in self._schema_map(schema, "patternProperties", pointer)
            if self._regex(pattern, join_pointer(pointer, "patternProperties", pattern))
        ]
        if node.pattern_properties:
            joined = "|".join(pattern for pattern, _ in node.pattern_properties)
            try:
                re.compile(joined)
            except re.error as error:
                self.error(
                    join_pointer(pointer, "patternProperties"),
                    f"the patterns cannot be combined into one regular expression ({error})",
                )
        node.additional = self._sub(schema, "additionalProperties", pointer)
        node.property_names = self._sub(schema, "propertyNames", pointer)
        node.min_properties = self._count(schema, "minProperties", pointer)
        node.max_properties = self._count(schema, "maxProperties", pointer)
        if self.dialect == DRAFT7:
            self._dependencies(node, schema, pointer)
        else:
            self._dependent_required(node, schema, pointer)
            node.dependent_schemas = self._schema_map(schema, "dependentSchemas", pointer)

    def _dependencies(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        if "dependencies" not in schema:
            return
        at = join_pointer(pointer, "dependencies")
        value = schema["dependencies"]
        if not isinstance(value, dict):
            self.error(at, "dependencies must be an object")
            return
        node.dependent_keyword = "dependencies"
        for name, dependency in value.items():
            if isinstance(dependency, list):
                if all(isinstance(each, str) for each in dependency):
                    node.dependent_required.append((name, list(dependency)))
                else:
                    self.error(join_pointer(at, name), "a property dependency must be an array of strings")
            else:
                node.dependent_schemas.append((name, self.parse(dependency, join_pointer(at, name))))

    def _dependent_required(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        if "dependentRequired" not in schema:
            return
        at = join_pointer(pointer, "dependentRequired")
        value = schema["dependentRequired"]
        if not isinstance(value, dict):
            self.error(at, "dependentRequired must be an object")
            return
        for name, dependency in value.items():
            if isinstance(dependency, list) and all(isinstance(each, str) for each in dependency):
                node.dependent_required.append((name, list(dependency)))
            else:
                self.error(join_pointer(at, name), "dependentRequired values must be arrays of strings")

    def _arrays(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        node.min_items = self._count(schema, "minItems", pointer)
        node.max_items = self._count(schema, "maxItems", pointer)
        if "uniqueItems" in schema:
            unique = schema["uniqueItems"]
            if isinstance(unique, bool):
                node.unique_items = unique
            else:
                self.error(join_pointer(pointer, "uniqueItems"), "uniqueItems must be a boolean")
        items = schema.get("items")
        if self.dialect == DRAFT7:
            if isinstance(items, list):
                node.prefix_items = self._schema_list(schema, "items", pointer)
                node.items = self._sub(schema, "additionalItems", pointer)
                node.items_keyword = "additionalItems"
            elif "items" in schema:
                node.items = self._sub(schema, "items", pointer)
                if isinstance(items, bool) and "additionalItems" in schema:
                    self.error(
                        join_pointer(pointer, "additionalItems"),
                        "additionalItems beside a boolean items is not supported (jsonschema cannot evaluate it)",
                    )
            node.contains = self._sub(schema, "contains", pointer)
        else:
            if isinstance(items, list):
                self.error(
                    join_pointer(pointer, "items"),
                    "in draft 2020-12 items takes one schema; use prefixItems for tuples",
                )
            else:
                node.items = self._sub(schema, "items", pointer)
            node.prefix_items = self._schema_list(schema, "prefixItems", pointer)
            node.contains = self._sub(schema, "contains", pointer)
            low = self._count(schema, "minContains", pointer)
            node.min_contains = 1 if low is None else low
            node.max_contains = self._count(schema, "maxContains", pointer)

    def _generic(self, node: Node, schema: dict[str, Any], pointer: str) -> None:
        if "enum" in schema:
            if isinstance(schema["enum"], list):
                node.enum = list(schema["enum"])
            else:
                self.error(join_pointer(pointer, "enum"), "enum must be an array")
        if "const" in schema:
            node.has_const = True
            node.const = schema["const"]
        for key in ("allOf", "anyOf", "oneOf"):
            subs = self._schema_list(schema, key, pointer)
            setattr(node, {"allOf": "all_of", "anyOf": "any_of", "oneOf": "one_of"}[key], subs)
        node.not_ = self._sub(schema, "not", pointer)
        if "if" in schema:
            node.if_ = self._sub(schema, "if", pointer)
            node.then = self._sub(schema, "then", pointer)
            node.else_ = self._sub(schema, "else", pointer)
        if "$ref" in schema:
            self._ref(node, schema["$ref"], join_pointer(pointer, "$ref"))

    # -- references

    def _in_id_scope(self, pointer: str) -> bool:
        """Whether a schema lies inside a subschema (not the root) that declares its own `$id`."""
        tokens = split_pointer(pointer) or []
        node: Any = self.root
        for position, token in enumerate(tokens):
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return False
            itself = position == len(tokens) - 1
            if isinstance(node, dict) and isinstance(node.get("$id"), str) and not (itself and self.dialect == DRAFT7):
                return True
        return False

    def _ref(self, node: Node, ref: Any, at: str) -> None:
        if not isinstance(ref, str):
            self.error(at, f"$ref must be a string, not {ref!r}")
            return
        if not ref.startswith("#"):
            self.error(at, f"$ref {ref!r}: only local JSON pointer references (#/...) can be compiled")
            return
        if self._in_id_scope(at.rsplit("/", 1)[0]):
            self.error(at, f"$ref {ref!r} inside a subschema with its own $id is not supported (the base URI changes)")
            return
        tokens = split_pointer(unquote(ref[1:]))
        if tokens is None:
            self.error(at, f"$ref {ref!r}: anchors are not supported, only JSON pointers")
            return
        target: Any = self.root
        for token in tokens:
            if isinstance(target, dict) and token in target:
                target = target[token]
            elif isinstance(target, list) and token.isdigit() and int(token) < len(target):
                target = target[int(token)]
            else:
                self.error(at, f"$ref {ref!r}: target not found")
                return
        target_pointer = join_pointer("", *tokens)
        if target_pointer in self.in_progress:
            self.error(at, f"circular $ref {ref!r}: recursive schemas are not supported")
            return
        node.ref = self.parse(target, target_pointer)
        node.ref_text = ref


@dataclass(frozen=True)
class SchemaTree:
    """One bundled event schema, read: its root node (None when its dialect is unknown) and every finding."""

    path: str
    dialect: Dialect | None
    root: Node | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether the schema can be compiled (no error findings)."""
        return self.root is not None and not errors_in(list(self.findings))


def read_tree(schema: Any, path: str, default_dialect: Dialect = DRAFT2020, epoch: str = DEFAULT_EPOCH) -> SchemaTree:
    """Read one bundled schema (findings name `path`); raises nothing. `epoch` is the unit of epoch-integer dates
    without `x-netmera-epoch` (the project's setting), which bounds them."""
    dialect = dialect_of(schema, default_dialect)
    if dialect is None:
        finding = Finding(
            path,
            "/$schema",
            f"unsupported $schema {schema.get('$schema')!r}: use draft-07 "
            "(http://json-schema.org/draft-07/schema#) or 2020-12 (https://json-schema.org/draft/2020-12/schema)",
        )
        return SchemaTree(path, None, None, (finding,))
    parser = _Parser(schema, path, dialect, epoch)
    root = parser.parse_root()
    return SchemaTree(path, dialect, root, tuple(parser.findings))
