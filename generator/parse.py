"""Stage 3, parse: turn bundled event schemas into the intermediate model (`model.py`).

Here the schema's types become Python annotations, wire names become Python names (`naming.py`), and Netmera's
`x-netmera-type` annotations are checked against `type` and turned into datetimes with their wire form (RFC 3339
text, YYYY-MM-DD, or epoch milliseconds or seconds). Problems are collected as findings with the JSON pointer of
the offending keyword.

The annotations are what `mypy` checks in consumer code; they decide nothing at run time. A constructor checks
its arguments by building the wire item and running the event's compiled validator on it (see `runtime/_event.py`),
so the classes accept exactly what the schema accepts, whatever this mapping can spell as a Python type: a
keyword with no faithful Python type (`allOf`, `not`, `if`, `patternProperties`, ...) only makes an annotation
broader (`Any` at worst), never the check weaker.

Definitions that an event reaches through a `$ref` into another file (a shared `_*.json`) become one class for the
whole package, in its `types` module, used by every event that refers to them.

The split between this mapping and datamodel-code-generator: the model code is ours, not dcg's. dcg declares
`Field(alias=...)`, which mypy's dataclass-transform support turns into the constructor keyword (consumers would
write `paymentMethod=` and a misspelt snake_case keyword would pass without the pydantic plugin), and has no notion
of Netmera's ranges, epoch datetimes or sending an explicit None only where the schema allows null.
datamodel-code-generator remains the baseline the generator's speed is measured against (`benchmarks/generate.py`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .bundle import BUNDLE_DEFS, EXT_ID, NAME, EventSchema
from .findings import Finding
from .model import Attribute, EventClass, ModelClass
from .naming import (
    IMPORT_SOURCES,
    MODULE_IMPORTS,
    attribute_names,
    class_names,
    module_names,
    pascal_case,
    safe_class_name,
)
from .netmera import JSON_TYPES_OF, NETMERA_TYPES
from .pointers import join_pointer, resolve_pointer
from .pystyle import literal

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")
SHARED_MODULE = "types"
"""The package module holding classes shared between events."""
EPOCH_UNITS = ("milliseconds", "seconds")
DEFAULT_EPOCH = "milliseconds"
"""Unit of an epoch integer (`x-netmera-type` Date or Timestamp) unless `x-netmera-epoch` or the project says."""


@dataclass(frozen=True)
class _Type:
    annotation: str
    label: str
    wire: str
    nullable: bool = False
    to_wire: str | None = None
    """Expression with `{}` for the argument, or None when the value is sent as it is."""
    from_wire: str | None = None
    nested: str | None = None


_ANY = _Type("Any", "any", "any JSON value", to_wire="json_wire({})")


@dataclass
class _Shared:
    """The package's shared classes, each parsed once, by the file and pointer it is defined at."""

    classes: dict[tuple[str, str], ModelClass] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)
    """What their module imports."""

    def new_name(self, wanted: str) -> str:
        taken = set(self.names.values()) | self.in_progress
        name, counter = safe_class_name(wanted), 2
        while name in taken:
            name, counter = f"{safe_class_name(wanted)}{counter}", counter + 1
        return name


@dataclass
class _Context:
    """State while parsing one event (or one shared class): its schema, the classes it needs and what it uses."""

    event: EventSchema
    findings: list[Finding]
    shared: _Shared
    epoch: str
    module: str | None = None
    """None while parsing an event's own classes; `types` while parsing a shared class."""
    classes: dict[str, ModelClass] = field(default_factory=dict)
    class_for_pointer: dict[str, str] = field(default_factory=dict)
    uses: set[str] = field(default_factory=set)
    shared_used: set[str] = field(default_factory=set)
    in_progress: set[str] = field(default_factory=set)

    def refuse(self, pointer: str, message: str) -> None:
        self.findings.append(Finding(self.event.path, pointer, message))

    def use(self, *names: str) -> None:
        self.uses.update(names)

    def new_class_name(self, wanted: str) -> str:
        if self.module is not None:
            return self.shared.new_name(wanted)
        taken = set(self.classes) | set(self.class_for_pointer.values()) | self.in_progress
        name, counter = safe_class_name(wanted), 2
        while name in taken:
            name, counter = f"{safe_class_name(wanted)}{counter}", counter + 1
        return name

    def class_reference(self, name: str, module: str | None) -> str:
        """How this module spells a class: its plain name in its own module, `types.Name` elsewhere."""
        if module == self.module:
            return name
        self.shared_used.add(name)
        return f"{module}.{name}"


def _types_of(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [item for item in declared if isinstance(item, str)]
    return []


def _netmera_type(schema: dict[str, Any]) -> str | None:
    """The schema's `x-netmera-type` when it is usable; an unknown or contradicting one is the schema tree's
    finding (reported once, there), and is ignored here."""
    netmera_type = schema.get("x-netmera-type")
    if netmera_type not in NETMERA_TYPES:
        return None
    declared = _types_of(schema)
    if "array" in declared and isinstance(schema.get("items"), dict):
        declared = _types_of(schema["items"]) or declared
    declared_values = {t for t in declared if t not in ("null", "array")}
    if declared_values and not declared_values <= JSON_TYPES_OF[netmera_type]:
        return None
    return str(netmera_type)


def _epoch_unit(ctx: _Context, schema: dict[str, Any], pointer: str) -> str:
    unit = schema.get("x-netmera-epoch", ctx.epoch)
    if unit not in EPOCH_UNITS:
        ctx.refuse(join_pointer(pointer, "x-netmera-epoch"), f"x-netmera-epoch must be one of {', '.join(EPOCH_UNITS)}")
        return ctx.epoch
    return str(unit)


def _scalar(ctx: _Context, json_type: str, schema: dict[str, Any], pointer: str, netmera_type: str | None) -> _Type:
    if json_type == "integer":
        if netmera_type in ("Date", "Timestamp"):
            unit = _epoch_unit(ctx, schema, pointer)
            short = "ms" if unit == "milliseconds" else "s"
            ctx.use("datetime", f"epoch_{short}_wire", f"epoch_{short}_value")
            return _Type(
                "datetime",
                netmera_type,
                f"epoch {unit}",
                to_wire=f"epoch_{short}_wire({{}})",
                from_wire=f"epoch_{short}_value({{}})",
            )
        if netmera_type in ("Integer", "Long"):
            return _Type("int", netmera_type, "integer")
        ctx.use("number_wire")
        return _Type("int", "Long", "integer", to_wire="number_wire({})")
    if json_type == "number":
        ctx.use("number_wire")
        return _Type("float", "Double", "number", to_wire="number_wire({})")
    if json_type == "string":
        string_format = schema.get("format")
        if string_format == "date-time":
            ctx.use("datetime", "datetime_wire", "datetime_value")
            return _Type(
                "datetime",
                netmera_type or "Timestamp",
                "RFC 3339 string",
                to_wire="datetime_wire({})",
                from_wire="datetime_value({})",
            )
        if string_format == "date" or netmera_type == "Date":
            ctx.use("date", "date_wire", "date_value")
            return _Type("date", "Date", "YYYY-MM-DD string", to_wire="date_wire({})", from_wire="date_value({})")
        return _Type("str", netmera_type or "String", "string")
    return _Type("bool", "Boolean", "true/false")


def _literal(ctx: _Context, values: list[Any]) -> _Type | None:
    """`Literal[...]` for enum/const values Python can spell as literals (strings, ints, bools, null); other
    values (floats, arrays, objects) give the union of their types: the compiled check holds them exactly."""
    plain = [value for value in values if value is not None]
    if not plain:
        return None
    label = " | ".join(literal(value) for value in plain)
    if any(isinstance(value, (float, list, dict)) for value in plain):
        kinds = []
        for value in plain:
            kind = (
                "bool"
                if isinstance(value, bool)
                else "float"
                if isinstance(value, (int, float))
                else "str"
                if isinstance(value, str)
                else "list[Any]"
                if isinstance(value, list)
                else "dict[str, Any]"
            )
            if kind not in kinds:
                kinds.append(kind)
        if any("Any" in kind for kind in kinds):
            ctx.use("Any")
        return _Type(" | ".join(kinds), label, "the value", nullable=None in values)
    ctx.use("Literal")
    members = ", ".join(literal(value) for value in plain)
    return _Type(f"Literal[{members}]", label, "the value", nullable=None in values)


def _schema_type(ctx: _Context, schema: Any, pointer: str, hint: str) -> _Type:
    """The Python type of a schema found at `pointer`; `hint` names a class it may need."""
    if schema is True or schema == {}:
        ctx.use("Any")
        return replace(_ANY, nullable=True)
    if not isinstance(schema, dict):
        if schema is False:
            ctx.refuse(pointer, "a false schema admits no value")
        # anything else that is not a schema is the schema tree's finding
        ctx.use("Any")
        return _ANY
    if isinstance(schema.get("$ref"), str):
        return _ref_type(ctx, schema["$ref"], join_pointer(pointer, "$ref"), hint)
    netmera_type = _netmera_type(schema)
    if "const" in schema:
        constant = _literal(ctx, [schema["const"]])
        if constant is not None:
            return constant
        if schema["const"] is None:
            return _Type("None", "null", "null", nullable=True)
    if isinstance(schema.get("enum"), list):
        members = _literal(ctx, schema["enum"])
        if members is not None:
            return members
        if all(value is None for value in schema["enum"]):
            return _Type("None", "null", "null", nullable=True)
    declared = schema.get("type")
    declared_list = declared if isinstance(declared, list) else [] if declared is None else [declared]
    if any(json_type not in JSON_TYPES for json_type in declared_list):  # the schema tree's finding
        ctx.use("Any")
        return _ANY
    types = _types_of(schema)
    if not types and netmera_type is not None:
        types = [{"String": "string", "Double": "number", "Boolean": "boolean"}.get(netmera_type, "integer")]
    branches = [key for key in ("anyOf", "oneOf") if isinstance(schema.get(key), list)]
    if not types and branches:
        return _union(ctx, schema[branches[0]], join_pointer(pointer, branches[0]), hint)
    if not types and isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        return _schema_type(ctx, schema["allOf"][0], join_pointer(pointer, "allOf", 0), hint)
    if not types and isinstance(schema.get("properties"), dict):
        # Without `type` the schema also admits non-objects; the class is what its author meant, and only the
        # annotation says so: the check still accepts what the schema does.
        types = ["object"]
    if not types:
        ctx.use("Any")
        return replace(_ANY, nullable=True)
    nullable = "null" in types
    parts = [
        _one_type(ctx, json_type, schema, pointer, hint, netmera_type) for json_type in types if json_type != "null"
    ]
    if not parts and nullable:
        return _Type("None", "null", "null", nullable=True)
    if not parts:
        ctx.use("Any")
        return _ANY
    return _combine(ctx, parts, nullable)


def _combine(ctx: _Context, parts: list[_Type], nullable: bool) -> _Type:
    """One type for several alternatives; values convert with the first alternative that converts, which only
    touches values of its own Python type (a datetime for a date, a generated object for a class)."""
    concrete = [part for part in parts if part.annotation != "None"]
    nullable = nullable or any(part.nullable for part in parts) or len(concrete) < len(parts)
    if not concrete:
        return _Type("None", "null", "null", nullable=True)
    if any(part.annotation == "Any" for part in concrete):
        ctx.use("Any")
        return replace(_ANY, nullable=nullable)
    if len(concrete) == 1:
        return replace(concrete[0], nullable=nullable)
    converting = [part for part in concrete if part.to_wire is not None]
    nested = [part.nested for part in concrete if part.nested is not None]
    return _Type(
        " | ".join(dict.fromkeys(part.annotation for part in concrete)),
        " | ".join(dict.fromkeys(part.label for part in concrete)),
        " or ".join(dict.fromkeys(part.wire for part in concrete)),
        nullable,
        to_wire=converting[0].to_wire if converting else None,
        from_wire=converting[0].from_wire if len(converting) == 1 else None,
        nested=nested[0] if len(nested) == 1 else None,
    )


def _union(ctx: _Context, branches: list[Any], pointer: str, hint: str) -> _Type:
    parts = [
        _schema_type(ctx, branch, join_pointer(pointer, index), f"{hint}{index + 1}")
        for index, branch in enumerate(branches)
    ]
    if not parts:
        ctx.use("Any")
        return _ANY
    return _combine(ctx, parts, False)


def _simple(expression: str | None) -> str | None:
    """The function of a conversion that is one call of it (`f({})`), else None."""
    if expression is not None and expression.endswith("({})") and "(" not in expression[:-4]:
        return expression[:-4]
    return None


def _one_type(
    ctx: _Context, json_type: str, schema: dict[str, Any], pointer: str, hint: str, netmera_type: str | None
) -> _Type:
    if json_type == "array":
        items = schema.get("items", {})
        if not isinstance(items, (dict, bool)) or "prefixItems" in schema:
            ctx.use("Any")
            return _Type("list[Any]", "any[]", "array", to_wire="json_wire({})")
        item_schema = items
        if netmera_type is not None and isinstance(items, dict) and "x-netmera-type" not in items:
            item_schema = {**items, "x-netmera-type": netmera_type}
        item = _schema_type(ctx, item_schema, join_pointer(pointer, "items"), hint + "Item")
        item_annotation = (
            f"{item.annotation} | None" if item.nullable and item.annotation not in ("None", "Any") else item.annotation
        )
        to_wire = from_wire = None
        if item.to_wire is not None:
            if item.to_wire == "wire_of({})":
                to_wire = "wires_of({})"
                ctx.use("wires_of")
            elif _simple(item.to_wire) is not None:
                to_wire = f"each({_simple(item.to_wire)}, {{}})"
                ctx.use("each")
            else:
                ctx.use("Any")
                return _Type("list[Any]", f"{item.label}[]", "array", to_wire="json_wire({})")
        if item.from_wire is not None:
            if _simple(item.from_wire) is None:
                ctx.use("Any")
                return _Type("list[Any]", f"{item.label}[]", "array", to_wire="json_wire({})")
            from_wire = f"each({_simple(item.from_wire)}, {{}})"
            ctx.use("each")
        return _Type(
            f"list[{item_annotation}]",
            f"{item.label}[]",
            f"array of {item.wire}",
            to_wire=to_wire,
            from_wire=from_wire,
            nested=item.nested,
        )
    if json_type == "object":
        properties = schema.get("properties")
        if isinstance(properties, dict) and properties:
            name, module = _nested_class(ctx, schema, pointer, hint)
            ctx.use("wire_of")
            reference = ctx.class_reference(name, module)
            return _Type(
                reference, name, "object", to_wire="wire_of({})", from_wire=f"{reference}._of({{}})", nested=reference
            )
        additional = schema.get("additionalProperties")
        ctx.use("Any")
        if isinstance(additional, dict) and additional and not schema.get("patternProperties"):
            value = _schema_type(ctx, additional, join_pointer(pointer, "additionalProperties"), hint + "Value")
            if (value.to_wire is not None and _simple(value.to_wire) is None) or (
                value.from_wire is not None and _simple(value.from_wire) is None
            ):
                return _Type("dict[str, Any]", "Object", "object", to_wire="json_wire({})")
            value_annotation = (
                f"{value.annotation} | None"
                if value.nullable and value.annotation not in ("None", "Any")
                else value.annotation
            )
            to_wire = f"each_value({_simple(value.to_wire)}, {{}})" if value.to_wire else None
            from_wire = f"each_value({_simple(value.from_wire)}, {{}})" if value.from_wire else None
            if to_wire or from_wire:
                ctx.use("each_value")
            return _Type(f"dict[str, {value_annotation}]", "Object", "object", to_wire=to_wire, from_wire=from_wire)
        return _Type("dict[str, Any]", "Object", "object", to_wire="json_wire({})")
    return _scalar(ctx, json_type, schema, pointer, netmera_type)


def _ref_type(ctx: _Context, ref: str, pointer: str, hint: str) -> _Type:
    fragment = ref.removeprefix("#")
    found, target = resolve_pointer(ctx.event.schema, fragment.replace("%23", "#").replace("%25", "%"))
    if not found:  # the schema tree's finding
        ctx.use("Any")
        return _ANY
    name_hint = pascal_case(fragment.rsplit("/", 1)[-1].split(".")[-1]) if fragment else hint
    origin = _shared_origin(ctx, fragment)
    if origin is not None and _is_class(target):
        return _shared_type(ctx, origin, fragment, target, name_hint)
    return _schema_type(ctx, target, fragment or "", name_hint)


def _is_class(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and isinstance(schema.get("properties"), dict)
        and bool(schema["properties"])
        and _types_of(schema) in ([], ["object"])
        and "$ref" not in schema
    )


def _shared_origin(ctx: _Context, fragment: str) -> tuple[str, str] | None:
    """The (file, pointer) a bundled `$defs` entry was copied from, when it came from another file."""
    prefix = f"/{BUNDLE_DEFS}/"
    if not fragment.startswith(prefix):
        return None
    key = fragment[len(prefix) :].replace("~1", "/").replace("~0", "~")
    return ctx.event.shared.get(key)


def _shared_type(ctx: _Context, origin: tuple[str, str], fragment: str, target: dict[str, Any], hint: str) -> _Type:
    shared = ctx.shared
    if origin not in shared.names:
        name = shared.new_name(hint)
        shared.in_progress.add(name)
        sub = _Context(ctx.event, ctx.findings, shared, ctx.epoch, module=SHARED_MODULE)
        attributes = _attributes(sub, target, fragment, name, reserved=())
        shared.in_progress.discard(name)
        shared.names[origin] = name
        shared.classes[origin] = ModelClass(name, _description(target), attributes, module=SHARED_MODULE)
        shared.uses |= sub.uses
    name = shared.names[origin]
    ctx.use("wire_of")
    reference = ctx.class_reference(name, SHARED_MODULE)
    return _Type(reference, name, "object", to_wire="wire_of({})", from_wire=f"{reference}._of({{}})", nested=reference)


def _nested_class(ctx: _Context, schema: dict[str, Any], pointer: str, hint: str) -> tuple[str, str | None]:
    if pointer in ctx.class_for_pointer:
        return ctx.class_for_pointer[pointer], ctx.module
    name = ctx.new_class_name(hint)
    ctx.class_for_pointer[pointer] = name
    if ctx.module is not None:
        ctx.shared.in_progress.add(name)
    ctx.use("EventObject", "MISSING", "settle", "TYPE_CHECKING", "ClassVar")
    attributes = _attributes(ctx, schema, pointer, name, reserved=())
    model = ModelClass(name, _description(schema), attributes, module=ctx.module)
    if ctx.module is None:
        ctx.classes[name] = model
    else:
        ctx.shared.in_progress.discard(name)
        ctx.shared.names[(f"#nested:{ctx.event.path}", pointer)] = name
        ctx.shared.classes[(f"#nested:{ctx.event.path}", pointer)] = model
    return name, ctx.module


def _description(schema: dict[str, Any]) -> str | None:
    for key in ("description", "title"):
        value = schema.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _attributes(
    ctx: _Context, schema: dict[str, Any], pointer: str, owner: str, reserved: tuple[str, ...]
) -> tuple[Attribute, ...]:
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict):  # the schema tree's finding, as for `required` below
        return ()
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(key, str) for key in required):
        required = []
    for index, key in enumerate(required):
        if key not in properties and key not in reserved:
            ctx.refuse(
                join_pointer(pointer, "required", index), f"required attribute {key!r} is not declared in properties"
            )
    wire_names = [key for key in properties if key not in reserved]
    python_names = attribute_names(wire_names)
    attributes = []
    for wire_name in wire_names:
        at = join_pointer(pointer, "properties", wire_name)
        python_type = _schema_type(ctx, properties[wire_name], at, owner + pascal_case(wire_name))
        for expression in (python_type.to_wire, python_type.from_wire):
            ctx.use(*(name for name in _IDENTIFIER.findall(expression or "") if name in MODULE_IMPORTS))
        ctx.use("Attribute")
        if python_type.from_wire is not None and not python_type.from_wire.endswith("({})"):
            ctx.use("partial")
        property_schema = properties[wire_name] if isinstance(properties[wire_name], dict) else {}
        code = property_schema.get("x-netmera-code")
        private = property_schema.get("x-netmera-private", False)
        if not isinstance(private, bool):
            ctx.refuse(join_pointer(at, "x-netmera-private"), "x-netmera-private must be true or false")
            private = False
        attributes.append(
            Attribute(
                wire_name=wire_name,
                python_name=python_names[wire_name],
                annotation=python_type.annotation,
                required=wire_name in required,
                nullable=python_type.nullable,
                description=_description(property_schema),
                type_label=python_type.label,
                wire_label=python_type.wire,
                to_wire=python_type.to_wire,
                from_wire=python_type.from_wire,
                nested=python_type.nested,
                netmera_code=code if isinstance(code, str) else None,
                private=private,
            )
        )
    return tuple(attributes)


def parse_event(
    event: EventSchema,
    class_name: str,
    module_name: str,
    findings: list[Finding],
    shared: _Shared | None = None,
    epoch: str = DEFAULT_EPOCH,
) -> EventClass:
    ctx = _Context(event, findings, shared if shared is not None else _Shared(), epoch)
    ctx.in_progress.add(class_name)
    attributes = _attributes(ctx, event.schema, "", class_name, reserved=(EXT_ID, NAME))
    ctx.use("TYPE_CHECKING", "ClassVar", "Event", "MISSING", "Issue", "refuse")
    if any(attribute.nested for attribute in attributes):
        ctx.use("EventObject")
    code = event.schema.get("x-netmera-code")
    return EventClass(
        wire_name=event.name,
        class_name=class_name,
        module_name=module_name,
        description=_description(event.schema) if event.schema.get("description") else None,
        netmera_code=code if isinstance(code, str) else None,
        source=event.source.relative,
        source_sha256=event.source.sha256,
        attributes=attributes,
        nested=tuple(ctx.classes.values()),
        shared=tuple(sorted(ctx.shared_used)),
        imports=imports_for(ctx.uses),
    )


def imports_for(uses: Iterable[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`from module import names` for the names a generated module uses, in the order of `IMPORT_SOURCES`."""
    used = set(uses)
    return tuple(
        (module, tuple(name for name in names if name in used))
        for module, names in IMPORT_SOURCES
        if any(name in used for name in names)
    )


def parse_events(
    events: list[EventSchema], reserved: Iterable[str] = (), epoch: str = DEFAULT_EPOCH
) -> tuple[list[EventClass], list[Finding]]:
    """Parse every bundled event (see `parse_package`), without the shared classes."""
    parsed, findings, _, _ = parse_package(events, reserved, epoch)
    return parsed, findings


def parse_package(
    events: list[EventSchema], reserved: Iterable[str] = (), epoch: str = DEFAULT_EPOCH
) -> tuple[list[EventClass], list[Finding], list[ModelClass], tuple[tuple[str, tuple[str, ...]], ...]]:
    """Parse every bundled event; classes are named across the whole package (avoiding the `reserved` names the
    package exports besides them), modules after their classes. Also returns the shared classes, in an order
    where each comes after the classes it uses, and the imports of their module."""
    findings: list[Finding] = []
    shared = _Shared()
    classes = class_names([event.name for event in events], taken=reserved)
    modules = module_names(list(classes.values()))
    ordered = sorted(events, key=lambda event: event.name)
    parsed = [
        parse_event(event, classes[event.name], modules[classes[event.name]], findings, shared, epoch)
        for event in ordered
    ]
    uses = shared.uses | (
        {"EventObject", "MISSING", "settle", "TYPE_CHECKING", "ClassVar"} if shared.classes else set()
    )
    return parsed, findings, list(shared.classes.values()), imports_for(uses)
