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

from .bundle import EXT_ID, NAME, EventSchema
from .findings import Finding, join_pointer
from .model import Attribute, EventClass, ModelClass
from .naming import IMPORT_SOURCES, MODULE_IMPORTS, attribute_names, class_names, module_names, pascal_case
from .netmera import INTEGER_RANGES
from .pystyle import literal
from .schema_tree import Node


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


def _field_call(arguments: list[tuple[str, str]]) -> str:
    return "Field(" + ", ".join(f"{key}={value}" for key, value in arguments) + ")"


def _numeric_constraints(node: Node | None, bounds: tuple[int, int] | None) -> list[tuple[str, str]]:
    constraints: list[tuple[str, str]] = []
    declared: dict[str, Any] = dict(node.bounds) if node is not None else {}
    lower: Any = declared.get("minimum")
    upper: Any = declared.get("maximum")
    if bounds is not None:
        lower = max(lower, bounds[0]) if _is_number(lower) else bounds[0]
        upper = min(upper, bounds[1]) if _is_number(upper) else bounds[1]
    for keyword, value in (("ge", lower), ("le", upper)):
        if _is_number(value):
            constraints.append((keyword, literal(value)))
    # multipleOf is left to the validator: pydantic and JSON Schema round float remainders differently, and a
    # payload the schema accepts must always build its event.
    for json_keyword, keyword in (("exclusiveMinimum", "gt"), ("exclusiveMaximum", "lt")):
        if _is_number(declared.get(json_keyword)):
            constraints.append((keyword, literal(declared[json_keyword])))
    return constraints


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _constrained(ctx: _Context, base: str, constraints: list[tuple[str, str]]) -> str:
    if not constraints:
        return base
    ctx.use("Annotated", "Field")
    return f"Annotated[{base}, {_field_call(constraints)}]"


def _scalar(ctx: _Context, json_type: str, node: Node, netmera_type: str | None) -> _Type:
    if json_type == "integer":
        if netmera_type in ("Date", "Timestamp"):
            ctx.use("EpochMillis")
            return _Type("EpochMillis", netmera_type)
        bounds = INTEGER_RANGES.get(netmera_type or "")
        alias = {"Integer": "Int32", "Long": "Int64"}.get(netmera_type or "")
        constraints = _numeric_constraints(node, bounds)
        if alias and constraints == _numeric_constraints(None, bounds):
            ctx.use(alias)
            return _Type(alias, netmera_type or "Long")
        ctx.use("JsonInt")
        return _Type(_constrained(ctx, "JsonInt", constraints), netmera_type or "Long")
    if json_type == "number":
        ctx.use("JsonNumber")
        return _Type(_constrained(ctx, "JsonNumber", _numeric_constraints(node, None)), "Double")
    if json_type == "string":
        string_format = node.format
        if string_format == "date-time":
            ctx.use("DateTime")
            return _Type("DateTime", netmera_type or "Timestamp")
        if string_format == "date":
            ctx.use("IsoDate")
            return _Type("IsoDate", "Date")
        constraints = [
            (keyword, literal(value))
            for value, keyword in ((node.min_length, "min_length"), (node.max_length, "max_length"))
            if isinstance(value, int) and not isinstance(value, bool)
        ]
        base = "StrictStr"
        ctx.use("StrictStr")
        if node.patterns:
            ctx.use("Annotated", "Matches")
            base = f"Annotated[StrictStr, Matches({literal(node.patterns[0])})]"
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


def _schema_type(ctx: _Context, node: Node, hint: str, inherited: str | None = None) -> _Type:
    """The Python type of a schema node; `hint` names a class it may need, `inherited` is the `x-netmera-type` of
    the array whose items the node describes."""
    if node.always is False:
        ctx.refuse(node.pointer, "a false schema admits no value")
        ctx.use("Any")
        return _Type("Any", "any")
    if node.always is True or (not node.keywords and inherited is None):
        ctx.use("Any")
        return _Type("Any", "any")
    if "$ref" in node.keywords:
        return _ref_type(ctx, node, hint)
    netmera_type = node.netmera_type if "x-netmera-type" in node.keywords else inherited
    if node.has_const:
        literal = _literal(ctx, [node.const])
        if literal is not None:
            return literal
    if node.enum is not None:
        literal = _literal(ctx, node.enum)
        if literal is not None:
            return literal
        if all(value is None for value in node.enum):
            return _Type("None", "null", nullable=True)
    if "type" in node.keywords and node.types is None:  # an invalid type, reported by the tree
        ctx.use("Any")
        return _Type("Any", "any")
    types = list(node.types or ())
    if not types and netmera_type is not None:
        types = [{"String": "string", "Double": "number", "Boolean": "boolean"}.get(netmera_type, "integer")]
    branches = [(key, subs) for key, subs in (("anyOf", node.any_of), ("oneOf", node.one_of)) if key in node.keywords]
    if not types and branches:
        return _union(ctx, branches[0][1], hint)
    if not types and "allOf" in node.keywords and len(node.all_of) == 1:
        return _schema_type(ctx, node.all_of[0], hint)
    if not types and "properties" in node.keywords:
        types = ["object"]
    nullable = "null" in types
    parts = [_one_type(ctx, json_type, node, hint, netmera_type) for json_type in types if json_type != "null"]
    if not parts and nullable:
        return _Type("None", "null", nullable=True)
    if not parts:
        ctx.use("Any")
        return _Type("Any", "any")
    return _Type(" | ".join(part.annotation for part in parts), " | ".join(part.label for part in parts), nullable)


def _union(ctx: _Context, branches: list[Node], hint: str) -> _Type:
    parts = [_schema_type(ctx, branch, f"{hint}{index + 1}") for index, branch in enumerate(branches)]
    nullable = any(part.nullable for part in parts)
    concrete = [part for part in parts if part.annotation != "None"]
    if not concrete or any(part.annotation == "Any" for part in concrete):
        ctx.use("Any")
        return _Type("Any", "any", nullable)
    annotations = list(dict.fromkeys(part.annotation for part in concrete))
    labels = list(dict.fromkeys(part.label for part in concrete))
    return _Type(" | ".join(annotations), " | ".join(labels), nullable)


def _one_type(ctx: _Context, json_type: str, node: Node, hint: str, netmera_type: str | None) -> _Type:
    if json_type == "array":
        if "prefixItems" in node.keywords or node.items_keyword == "additionalItems":
            ctx.use("Any")
            item = _Type("Any", "any")
        else:
            items = node.items if node.items is not None else Node(join_pointer(node.pointer, "items"), node.dialect)
            passed_on = None
            if netmera_type is not None and items.always is None and "x-netmera-type" not in items.keywords:
                passed_on = netmera_type
            item = _schema_type(ctx, items, hint + "Item", passed_on)
        item_annotation = (
            f"{item.annotation} | None" if item.nullable and item.annotation != "None" else item.annotation
        )
        constraints = [
            (keyword, literal(value))
            for value, keyword in ((node.min_items, "min_length"), (node.max_items, "max_length"))
            if isinstance(value, int) and not isinstance(value, bool)
        ]
        return _Type(_constrained(ctx, f"list[{item_annotation}]", constraints), f"{item.label}[]")
    if json_type == "object":
        if node.properties:
            name = _nested_class(ctx, node, hint)
            return _Type(name, name)
        additional = node.additional
        ctx.use("Any")
        if additional is not None and additional.always is None and additional.keywords:
            value = _schema_type(ctx, additional, hint + "Value")
            value_annotation = f"{value.annotation} | None" if value.nullable else value.annotation
            return _Type(f"dict[str, {value_annotation}]", "Object")
        return _Type("dict[str, Any]", "Object")
    return _scalar(ctx, json_type, node, netmera_type)


def _ref_type(ctx: _Context, node: Node, hint: str) -> _Type:
    target = node.ref
    if target is None:  # a reference the tree refused (not found, circular, not local)
        ctx.use("Any")
        return _Type("Any", "any")
    fragment = (node.ref_text or "").removeprefix("#")
    name_hint = pascal_case(fragment.rsplit("/", 1)[-1].split(".")[-1]) if fragment else hint
    if target.pointer in ctx.class_for_pointer:
        name = ctx.class_for_pointer[target.pointer]
        return _Type(name, name)
    return _schema_type(ctx, target, name_hint)


def _nested_class(ctx: _Context, node: Node, hint: str) -> str:
    pointer = node.pointer
    if pointer in ctx.class_for_pointer:
        return ctx.class_for_pointer[pointer]
    name = ctx.new_class_name(hint)
    ctx.class_for_pointer[pointer] = name
    ctx.use("EventModel")
    attributes = _attributes(ctx, node, name, reserved=())
    ctx.classes[name] = ModelClass(name, _description(node), attributes, _extra(node))
    return name


def _description(node: Node) -> str | None:
    for value in (node.description, node.title):
        if value is not None and value.strip():
            return value.strip()
    return None


def _extra(node: Node) -> str:
    return "forbid" if node.additional is not None and node.additional.always is False else "allow"


def _attributes(ctx: _Context, node: Node, owner: str, reserved: tuple[str, ...]) -> tuple[Attribute, ...]:
    properties = dict(node.properties)
    for index, key in enumerate(node.required):
        if key not in properties and key not in reserved:
            ctx.refuse(
                join_pointer(node.pointer, "required", index),
                f"required attribute {key!r} is not declared in properties",
            )
    wire_names = [key for key in properties if key not in reserved]
    python_names = attribute_names(wire_names)
    attributes = []
    for wire_name in wire_names:
        property_node = properties[wire_name]
        python_type = _schema_type(ctx, property_node, owner + pascal_case(wire_name))
        is_required = wire_name in node.required
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
        attributes.append(
            Attribute(
                wire_name=wire_name,
                python_name=python_name,
                annotation=python_type.annotation,
                required=is_required,
                nullable=python_type.nullable,
                field_arguments=tuple(arguments),
                description=_description(property_node),
                type_label=python_type.label,
                netmera_code=property_node.netmera_code,
            )
        )
        if arguments and arguments != [("default", "None")]:
            ctx.use("Field")
    return tuple(attributes)


def parse_event(event: EventSchema, class_name: str, module_name: str, findings: list[Finding]) -> EventClass:
    ctx = _Context(event, findings)
    ctx.in_progress.add(class_name)
    root = event.tree.root if event.tree.root is not None else Node("", always=True)
    attributes = _attributes(ctx, root, class_name, reserved=(EXT_ID, NAME))
    ctx.use("ClassVar", "Event")
    return EventClass(
        wire_name=event.name,
        class_name=class_name,
        module_name=module_name,
        description=_description(root) if root.description else None,
        netmera_code=root.netmera_code,
        source=event.source.relative,
        source_sha256=event.source.sha256,
        attributes=attributes,
        nested=tuple(ctx.classes.values()),
        extra=_extra(root),
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
