"""Stage 3, parse: turn bundled event schemas into the intermediate model (`model.py`).

Here the schema's types become Python annotations, wire names become Python names (`naming.py`), and Netmera's
`x-netmera-type` annotations are checked against `type` and turned into ranges and epoch-millisecond datetimes.
Problems are collected as findings with the JSON pointer of the offending keyword.

The typed classes check what pydantic can check at construction (types, ranges, lengths, patterns, enums, nested
objects); composition keywords that have no faithful Python type (`allOf` of several schemas, `not`, `if`, ...)
give `Any` here and are enforced by the compiled validator, which implements the JSON Schema semantics in full.

The split between this mapping and datamodel-code-generator: the model code is ours, not dcg's. dcg (driven with
custom templates, scoped aliases and `x-python-type`) was tried for the classes and gave them up on four counts:
it declares `Field(alias=...)`, which mypy's dataclass-transform support turns into the constructor keyword, so
consumers would write `paymentMethod=` and a misspelt snake_case keyword would pass without the pydantic plugin;
it has no notion of Netmera's 32/64-bit ranges, of epoch-millisecond datetimes that keep their wire form, or of
sending an explicit None only where the schema allows null; and it validates `pattern` with pydantic's regex
engine rather than JSON Schema's `re.search`. Injecting each of those per property left dcg only the class
layout, at about 5 ms an event. So this stage decides every name and type, `templates/event.py.jinja` prints them,
and datamodel-code-generator remains the baseline the generator's speed is measured against
(`benchmarks/generate.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .bundle import EXT_ID, NAME, EventSchema, resolve_pointer
from .findings import Finding, join_pointer
from .model import Attribute, EventClass, ModelClass
from .naming import IMPORT_SOURCES, MODULE_IMPORTS, attribute_names, class_names, module_names, pascal_case
from .netmera import INTEGER_RANGES, JSON_TYPES_OF, NETMERA_TYPES
from .pystyle import literal

JSON_TYPES = ("string", "integer", "number", "boolean", "array", "object", "null")


@dataclass(frozen=True)
class _Type:
    annotation: str
    label: str
    nullable: bool = False


@dataclass
class _Context:
    """State while parsing one event: its schema, the classes it needs and the names it imports."""

    event: EventSchema
    findings: list[Finding]
    classes: dict[str, ModelClass] = field(default_factory=dict)
    class_for_pointer: dict[str, str] = field(default_factory=dict)
    uses: set[str] = field(default_factory=set)
    in_progress: set[str] = field(default_factory=set)

    def refuse(self, pointer: str, message: str) -> None:
        self.findings.append(Finding(self.event.path, pointer, message))

    def use(self, *names: str) -> None:
        self.uses.update(names)

    def new_class_name(self, wanted: str) -> str:
        taken = set(self.classes) | set(self.class_for_pointer.values()) | self.in_progress
        name, counter = wanted, 2
        while name in taken or name in MODULE_IMPORTS:
            name, counter = f"{wanted}{counter}", counter + 1
        return name


def _types_of(schema: dict[str, Any]) -> list[str]:
    declared = schema.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [item for item in declared if isinstance(item, str)]
    return []


def _check_netmera_type(ctx: _Context, schema: dict[str, Any], pointer: str) -> str | None:
    netmera_type = schema.get("x-netmera-type")
    if netmera_type is None:
        return None
    at = join_pointer(pointer, "x-netmera-type")
    if netmera_type not in NETMERA_TYPES:
        ctx.refuse(at, f"unknown x-netmera-type {netmera_type!r}; expected one of {', '.join(NETMERA_TYPES)}")
        return None
    declared = _types_of(schema)
    if "array" in declared and isinstance(schema.get("items"), dict):
        declared = _types_of(schema["items"]) or declared
    declared_values = {t for t in declared if t not in ("null", "array")}
    if declared_values and not declared_values <= JSON_TYPES_OF[netmera_type]:
        ctx.refuse(at, f"x-netmera-type {netmera_type} contradicts type {'/'.join(sorted(declared_values))}")
        return None
    return str(netmera_type)


def _field_call(arguments: list[tuple[str, str]]) -> str:
    return "Field(" + ", ".join(f"{key}={value}" for key, value in arguments) + ")"


def _numeric_constraints(schema: dict[str, Any], bounds: tuple[int, int] | None) -> list[tuple[str, str]]:
    constraints: list[tuple[str, str]] = []
    lower: Any = schema.get("minimum")
    upper: Any = schema.get("maximum")
    if bounds is not None:
        lower = max(lower, bounds[0]) if _is_number(lower) else bounds[0]
        upper = min(upper, bounds[1]) if _is_number(upper) else bounds[1]
    for keyword, value in (("ge", lower), ("le", upper)):
        if _is_number(value):
            constraints.append((keyword, literal(value)))
    # multipleOf is left to the validator: pydantic and JSON Schema round float remainders differently, and a
    # payload the schema accepts must always build its event.
    for json_keyword, keyword in (("exclusiveMinimum", "gt"), ("exclusiveMaximum", "lt")):
        if _is_number(schema.get(json_keyword)):
            constraints.append((keyword, literal(schema[json_keyword])))
    return constraints


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _constrained(ctx: _Context, base: str, constraints: list[tuple[str, str]]) -> str:
    if not constraints:
        return base
    ctx.use("Annotated", "Field")
    return f"Annotated[{base}, {_field_call(constraints)}]"


def _scalar(ctx: _Context, json_type: str, schema: dict[str, Any], netmera_type: str | None) -> _Type:
    if json_type == "integer":
        if netmera_type in ("Date", "Timestamp"):
            ctx.use("EpochMillis")
            return _Type("EpochMillis", netmera_type)
        bounds = INTEGER_RANGES.get(netmera_type or "")
        alias = {"Integer": "Int32", "Long": "Int64"}.get(netmera_type or "")
        constraints = _numeric_constraints(schema, bounds)
        if alias and constraints == _numeric_constraints({}, bounds):
            ctx.use(alias)
            return _Type(alias, netmera_type or "Long")
        ctx.use("JsonInt")
        return _Type(_constrained(ctx, "JsonInt", constraints), netmera_type or "Long")
    if json_type == "number":
        ctx.use("JsonNumber")
        return _Type(_constrained(ctx, "JsonNumber", _numeric_constraints(schema, None)), "Double")
    if json_type == "string":
        string_format = schema.get("format")
        if string_format == "date-time":
            ctx.use("DateTime")
            return _Type("DateTime", netmera_type or "Timestamp")
        if string_format == "date":
            ctx.use("IsoDate")
            return _Type("IsoDate", "Date")
        constraints = [
            (keyword, literal(schema[json_keyword]))
            for json_keyword, keyword in (("minLength", "min_length"), ("maxLength", "max_length"))
            if isinstance(schema.get(json_keyword), int) and not isinstance(schema.get(json_keyword), bool)
        ]
        base = "StrictStr"
        ctx.use("StrictStr")
        if isinstance(schema.get("pattern"), str):
            ctx.use("Annotated", "Matches")
            base = f"Annotated[StrictStr, Matches({literal(schema['pattern'])})]"
        return _Type(_constrained(ctx, base, constraints), "String")
    ctx.use("StrictBool")
    return _Type("StrictBool", "Boolean")


def _literal(ctx: _Context, values: list[Any]) -> _Type | None:
    """`Literal[...]` for enum/const values Python can spell as literals (strings, ints, bools, null)."""
    plain = [value for value in values if value is not None]
    if any(isinstance(value, (float, list, dict)) for value in plain) or not plain:
        return None
    ctx.use("Literal")
    members = ", ".join(literal(value) for value in plain)
    label = " | ".join(literal(value) for value in plain)
    return _Type(f"Literal[{members}]", label, nullable=None in values)


def _schema_type(ctx: _Context, schema: Any, pointer: str, hint: str) -> _Type:
    """The Python type of a schema found at `pointer`; `hint` names a class it may need."""
    if schema is True or schema == {}:
        ctx.use("Any")
        return _Type("Any", "any")
    if not isinstance(schema, dict):
        if schema is False:
            ctx.refuse(pointer, "a false schema admits no value")
        else:
            ctx.refuse(pointer, f"a schema must be an object, not {type(schema).__name__}")
        ctx.use("Any")
        return _Type("Any", "any")
    if isinstance(schema.get("$ref"), str):
        return _ref_type(ctx, schema["$ref"], join_pointer(pointer, "$ref"), hint)
    netmera_type = _check_netmera_type(ctx, schema, pointer)
    if "const" in schema:
        literal = _literal(ctx, [schema["const"]])
        if literal is not None:
            return literal
    if isinstance(schema.get("enum"), list):
        literal = _literal(ctx, schema["enum"])
        if literal is not None:
            return literal
        if all(value is None for value in schema["enum"]):
            return _Type("None", "null", nullable=True)
    declared = schema.get("type")
    if declared is not None:
        for index, json_type in enumerate(_types_of(schema) if isinstance(declared, list) else [declared]):
            if json_type not in JSON_TYPES:
                at = (
                    join_pointer(pointer, "type", index)
                    if isinstance(declared, list)
                    else join_pointer(pointer, "type")
                )
                ctx.refuse(at, f"unknown type {json_type!r}; expected one of {', '.join(JSON_TYPES)}")
                ctx.use("Any")
                return _Type("Any", "any")
    types = _types_of(schema)
    if not types and netmera_type is not None:
        types = [{"String": "string", "Double": "number", "Boolean": "boolean"}.get(netmera_type, "integer")]
    branches = [key for key in ("anyOf", "oneOf") if isinstance(schema.get(key), list)]
    if not types and branches:
        return _union(ctx, schema[branches[0]], join_pointer(pointer, branches[0]), hint)
    if not types and isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        return _schema_type(ctx, schema["allOf"][0], join_pointer(pointer, "allOf", 0), hint)
    if not types and isinstance(schema.get("properties"), dict):
        types = ["object"]
    nullable = "null" in types
    parts = [
        _one_type(ctx, json_type, schema, pointer, hint, netmera_type) for json_type in types if json_type != "null"
    ]
    if not parts and nullable:
        return _Type("None", "null", nullable=True)
    if not parts:
        ctx.use("Any")
        return _Type("Any", "any")
    return _Type(" | ".join(part.annotation for part in parts), " | ".join(part.label for part in parts), nullable)


def _union(ctx: _Context, branches: list[Any], pointer: str, hint: str) -> _Type:
    parts = [
        _schema_type(ctx, branch, join_pointer(pointer, index), f"{hint}{index + 1}")
        for index, branch in enumerate(branches)
    ]
    nullable = any(part.nullable for part in parts)
    concrete = [part for part in parts if part.annotation != "None"]
    if not concrete or any(part.annotation == "Any" for part in concrete):
        ctx.use("Any")
        return _Type("Any", "any", nullable)
    annotations = list(dict.fromkeys(part.annotation for part in concrete))
    labels = list(dict.fromkeys(part.label for part in concrete))
    return _Type(" | ".join(annotations), " | ".join(labels), nullable)


def _one_type(
    ctx: _Context, json_type: str, schema: dict[str, Any], pointer: str, hint: str, netmera_type: str | None
) -> _Type:
    if json_type == "array":
        items = schema.get("items", {})
        if not isinstance(items, (dict, bool)) or "prefixItems" in schema:
            ctx.use("Any")
            item = _Type("Any", "any")
        else:
            item_schema = items
            if netmera_type is not None and isinstance(items, dict) and "x-netmera-type" not in items:
                item_schema = {**items, "x-netmera-type": netmera_type}
            item = _schema_type(ctx, item_schema, join_pointer(pointer, "items"), hint + "Item")
        item_annotation = (
            f"{item.annotation} | None" if item.nullable and item.annotation != "None" else item.annotation
        )
        constraints = [
            (keyword, literal(schema[json_keyword]))
            for json_keyword, keyword in (("minItems", "min_length"), ("maxItems", "max_length"))
            if isinstance(schema.get(json_keyword), int) and not isinstance(schema.get(json_keyword), bool)
        ]
        return _Type(_constrained(ctx, f"list[{item_annotation}]", constraints), f"{item.label}[]")
    if json_type == "object":
        properties = schema.get("properties")
        if isinstance(properties, dict) and properties:
            name = _nested_class(ctx, schema, pointer, hint)
            return _Type(name, name)
        additional = schema.get("additionalProperties")
        ctx.use("Any")
        if isinstance(additional, dict) and additional:
            value = _schema_type(ctx, additional, join_pointer(pointer, "additionalProperties"), hint + "Value")
            value_annotation = f"{value.annotation} | None" if value.nullable else value.annotation
            return _Type(f"dict[str, {value_annotation}]", "Object")
        return _Type("dict[str, Any]", "Object")
    return _scalar(ctx, json_type, schema, netmera_type)


def _ref_type(ctx: _Context, ref: str, pointer: str, hint: str) -> _Type:
    fragment = ref.removeprefix("#")
    found, target = resolve_pointer(ctx.event.schema, fragment.replace("%23", "#").replace("%25", "%"))
    if not found:
        ctx.refuse(pointer, f"$ref {ref!r}: target not found")
        ctx.use("Any")
        return _Type("Any", "any")
    name_hint = pascal_case(fragment.rsplit("/", 1)[-1].split(".")[-1]) if fragment else hint
    if fragment in ctx.class_for_pointer:
        name = ctx.class_for_pointer[fragment]
        return _Type(name, name)
    return _schema_type(ctx, target, fragment or "", name_hint)


def _nested_class(ctx: _Context, schema: dict[str, Any], pointer: str, hint: str) -> str:
    if pointer in ctx.class_for_pointer:
        return ctx.class_for_pointer[pointer]
    name = ctx.new_class_name(hint)
    ctx.class_for_pointer[pointer] = name
    ctx.use("EventModel")
    attributes = _attributes(ctx, schema, pointer, name, reserved=())
    ctx.classes[name] = ModelClass(name, _description(schema), attributes, _extra(schema))
    return name


def _description(schema: dict[str, Any]) -> str | None:
    for key in ("description", "title"):
        value = schema.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _extra(schema: dict[str, Any]) -> str:
    return "forbid" if schema.get("additionalProperties") is False else "allow"


def _attributes(
    ctx: _Context, schema: dict[str, Any], pointer: str, owner: str, reserved: tuple[str, ...]
) -> tuple[Attribute, ...]:
    properties = schema.get("properties") or {}
    if not isinstance(properties, dict):
        ctx.refuse(join_pointer(pointer, "properties"), "properties must be an object")
        return ()
    required = schema.get("required", [])
    if not isinstance(required, list) or not all(isinstance(key, str) for key in required):
        ctx.refuse(join_pointer(pointer, "required"), "required must be an array of property names")
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
        is_required = wire_name in required
        arguments: list[tuple[str, str]] = []
        if not is_required:
            arguments.append(("default", "None"))
            if not python_type.nullable:
                ctx.use("is_none")
                arguments.append(("exclude_if", "is_none"))
        python_name = python_names[wire_name]
        if python_name != wire_name:
            arguments += [
                ("validation_alias", literal(wire_name)),
                ("serialization_alias", literal(wire_name)),
            ]
        property_schema = properties[wire_name] if isinstance(properties[wire_name], dict) else {}
        code = property_schema.get("x-netmera-code")
        attributes.append(
            Attribute(
                wire_name=wire_name,
                python_name=python_name,
                annotation=python_type.annotation,
                required=is_required,
                nullable=python_type.nullable,
                field_arguments=tuple(arguments),
                description=_description(property_schema),
                type_label=python_type.label,
                netmera_code=code if isinstance(code, str) else None,
            )
        )
        if arguments and arguments != [("default", "None")]:
            ctx.use("Field")
    return tuple(attributes)


def parse_event(event: EventSchema, class_name: str, module_name: str, findings: list[Finding]) -> EventClass:
    ctx = _Context(event, findings)
    ctx.in_progress.add(class_name)
    attributes = _attributes(ctx, event.schema, "", class_name, reserved=(EXT_ID, NAME))
    ctx.use("ClassVar", "Event")
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
        extra=_extra(event.schema),
        imports=_imports(ctx.uses),
    )


def _imports(uses: set[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        (module, tuple(name for name in names if name in uses))
        for module, names in IMPORT_SOURCES
        if any(name in uses for name in names)
    )


def parse_events(events: list[EventSchema], reserved: Iterable[str] = ()) -> tuple[list[EventClass], list[Finding]]:
    """Parse every bundled event; classes are named across the whole package (avoiding the `reserved` names the
    package exports besides them), modules after their classes."""
    findings: list[Finding] = []
    classes = class_names([event.name for event in events], taken=reserved)
    modules = module_names(list(classes.values()))
    parsed = [parse_event(event, classes[event.name], modules[classes[event.name]], findings) for event in events]
    return sorted(parsed, key=lambda event: event.wire_name), findings
