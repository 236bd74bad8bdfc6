"""Stage 3, parse: turn bundled event schemas into the intermediate model (`model.py`).

Here the schema's types become Python annotations, wire names become Python names (`naming.py`), and Netmera's
`x-netmera-type` annotations are checked against `type` and turned into datetimes with their wire form (RFC 3339
text, YYYY-MM-DD, or epoch milliseconds or seconds). Problems are collected as findings with the JSON pointer of
the offending keyword.

The annotations are what `mypy` checks in consumer code; they decide nothing at run time. A constructor checks
its arguments by building the wire item and running the event's compiled validator on it (see `runtime/_event.py`;
`fast_path.py` proves simple events valid without it), so the classes accept exactly what the schema accepts,
whatever this mapping can spell as a Python type: a keyword with no faithful Python type (`allOf`, `not`, `if`,
`patternProperties`, ...) only makes an annotation broader (`Any` at worst), never the check weaker.

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
from .fast_path import fast_path
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
from .netmera import DEFAULT_EPOCH
from .pointers import join_pointer, split_pointer
from .pystyle import literal
from .schema_tree import Node

_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
SHARED_MODULE = "types"
"""The package module holding classes shared between events."""
_OBJECT_CLASS_USES = ("EventObject", "MISSING", "settle", "TYPE_CHECKING", "ClassVar")
"""What a module defining a generated object class imports."""
MAX_LITERAL_MEMBERS = 256
"""Larger enums are annotated with their values' types rather than a `Literal` of every value: an annotation of
thousands of members helps no editor, and formatting it would make generation time grow with its square."""


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


@dataclass(frozen=True)
class _Inherited:
    """What an array's `x-netmera-type` and `x-netmera-epoch` say about its items."""

    netmera_type: str | None = None
    epoch: str | None = None


@dataclass
class SharedClasses:
    """The package's shared classes, each parsed once, by the file and pointer it is defined at."""

    classes: dict[tuple[str, str], ModelClass] = field(default_factory=dict)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    in_progress: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)
    """What their module imports."""

    def new_name(self, wanted: str) -> str:
        return _numbered(safe_class_name(wanted), set(self.names.values()) | self.in_progress)


def _numbered(wanted: str, taken: set[str]) -> str:
    name, counter = wanted, 2
    while name in taken:
        name, counter = f"{wanted}{counter}", counter + 1
    return name


@dataclass
class _Context:
    """State while parsing one event (or one shared class): its schema, the classes it needs and what it uses."""

    event: EventSchema
    findings: list[Finding]
    shared: SharedClasses
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
        return _numbered(safe_class_name(wanted), taken)

    def class_reference(self, name: str, module: str | None) -> str:
        """How this module spells a class: its plain name in its own module, `types.Name` elsewhere."""
        if module == self.module:
            return name
        self.shared_used.add(name)
        return f"{module}.{name}"

    def any(self, nullable: bool = False) -> _Type:
        self.use("Any")
        return replace(_ANY, nullable=nullable)


def _scalar(ctx: _Context, json_type: str, node: Node, netmera_type: str | None, epoch: str | None) -> _Type:
    if json_type == "integer":
        if netmera_type in ("Date", "Timestamp"):
            unit = node.netmera_epoch or epoch or ctx.epoch
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
        if node.format == "date-time":
            ctx.use("datetime", "datetime_wire", "datetime_value")
            return _Type(
                "datetime",
                netmera_type or "Timestamp",
                "RFC 3339 string",
                to_wire="datetime_wire({})",
                from_wire="datetime_value({})",
            )
        if node.format == "date" or netmera_type == "Date":
            ctx.use("date", "date_wire", "date_value")
            return _Type("date", "Date", "YYYY-MM-DD string", to_wire="date_wire({})", from_wire="date_value({})")
        return _Type("str", netmera_type or "String", "string")
    return _Type("bool", "Boolean", "true/false")


def _python_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "list[Any]" if isinstance(value, list) else "dict[str, Any]"


def _literal(ctx: _Context, values: list[Any]) -> _Type | None:
    """`Literal[...]` for enum/const values Python can spell as literals (strings, ints, bools, null); other
    values (floats, arrays, objects) give the union of their types: the compiled check holds them exactly."""
    plain = [value for value in values if value is not None]
    if not plain:
        return None
    large = len(plain) > MAX_LITERAL_MEMBERS
    label = f"one of {len(plain)} values" if large else " | ".join(literal(value) for value in plain)
    if large or any(isinstance(value, (float, list, dict)) for value in plain):
        kinds = list(dict.fromkeys(_python_kind(value) for value in plain))
        if "int" in kinds and "float" in kinds:
            kinds.remove("int")  # a float annotation admits ints
        if any("Any" in kind for kind in kinds):
            ctx.use("Any")
        return _Type(" | ".join(kinds), label, "the value", nullable=None in values)
    ctx.use("Literal")
    members = ", ".join(literal(value) for value in plain)
    return _Type(f"Literal[{members}]", label, "the value", nullable=None in values)


def _schema_type(ctx: _Context, node: Node, hint: str, inherited: _Inherited = _Inherited()) -> _Type:
    """The Python type of a schema node; `hint` names a class it may need."""
    if node.always is False:
        ctx.refuse(node.pointer, "a false schema admits no value")
        return ctx.any()
    if node.always is True or (not node.keywords and inherited.netmera_type is None):
        return ctx.any(nullable=True)
    if "$ref" in node.keywords:
        return _ref_type(ctx, node, hint)
    netmera_type = node.netmera_type if "x-netmera-type" in node.keywords else inherited.netmera_type
    if node.has_const:
        constant = _literal(ctx, [node.const])
        if constant is not None:
            return constant
        if node.const is None:
            return _Type("None", "null", "null", nullable=True)
    if node.enum is not None:
        members = _literal(ctx, node.enum)
        if members is not None:
            return members
        if all(value is None for value in node.enum):
            return _Type("None", "null", "null", nullable=True)
    if "type" in node.keywords and node.types is None:  # an invalid type, reported by the tree
        return ctx.any()
    types = list(node.types or ())
    if not types and netmera_type is not None:
        types = [{"String": "string", "Double": "number", "Boolean": "boolean"}.get(netmera_type, "integer")]
    for key, branches in (("anyOf", node.any_of), ("oneOf", node.one_of)):
        if not types and key in node.keywords:
            return _union(ctx, branches, hint)
    if not types and "allOf" in node.keywords and len(node.all_of) == 1:
        return _schema_type(ctx, node.all_of[0], hint)
    if not types and node.properties:
        # Without `type` the schema also admits non-objects; the class is what its author meant, and only the
        # annotation says so: the check still accepts what the schema does.
        types = ["object"]
    if not types:
        return ctx.any(nullable=True)
    nullable = "null" in types
    parts = [
        _one_type(ctx, json_type, node, hint, netmera_type, inherited.epoch)
        for json_type in types
        if json_type != "null"
    ]
    if not parts:
        return _Type("None", "null", "null", nullable=True)
    return _combine(ctx, parts, nullable)


def _combine(ctx: _Context, parts: list[_Type], nullable: bool) -> _Type:
    """One type for several alternatives; values convert with the first alternative that converts, which only
    touches values of its own Python type (a datetime for a date, a generated object for a class)."""
    concrete = [part for part in parts if part.annotation != "None"]
    nullable = nullable or any(part.nullable for part in parts) or len(concrete) < len(parts)
    if not concrete:
        return _Type("None", "null", "null", nullable=True)
    if any(part.annotation == "Any" for part in concrete):
        return ctx.any(nullable)
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


def _union(ctx: _Context, branches: list[Node], hint: str) -> _Type:
    if not branches:
        return ctx.any()
    return _combine(
        ctx, [_schema_type(ctx, branch, f"{hint}{index + 1}") for index, branch in enumerate(branches)], False
    )


def _simple(expression: str | None) -> str | None:
    """The function of a conversion that is one call of it (`f({})`), else None."""
    if expression is not None and expression.endswith("({})") and "(" not in expression[:-4]:
        return expression[:-4]
    return None


def _mapped(mapper: str, expression: str | None) -> tuple[bool, str | None]:
    """A conversion applied to every item (`each`) or value (`each_value`) of a container: (whether it can be
    written, the expression). Only a conversion that is one call can: anything else leaves the container untyped."""
    if expression is None:
        return True, None
    function = _simple(expression)
    if function is None:
        return False, None
    return True, f"{mapper}({function}, {{}})"


def _optional(part: _Type) -> str:
    """The annotation of an array item or a map value, with `| None` where it may be null."""
    if part.nullable and part.annotation not in ("None", "Any"):
        return f"{part.annotation} | None"
    return part.annotation


def _array_type(ctx: _Context, node: Node, hint: str, netmera_type: str | None, epoch: str | None) -> _Type:
    if "prefixItems" in node.keywords or node.items_keyword == "additionalItems":
        ctx.use("Any")
        return _Type("list[Any]", "any[]", "array", to_wire="json_wire({})")
    items = node.items if node.items is not None else Node(join_pointer(node.pointer, "items"), node.dialect)
    passed_on = _Inherited()
    if items.always is None and "x-netmera-type" not in items.keywords:
        passed_on = _Inherited(netmera_type, node.netmera_epoch or epoch)
    item = _schema_type(ctx, items, hint + "Item", passed_on)
    # What each item converts with is named in the expressions; `_attributes` imports it from there.
    sends, to_wire = (True, "wires_of({})") if item.to_wire == "wire_of({})" else _mapped("each", item.to_wire)
    reads, from_wire = _mapped("each", item.from_wire)
    if not (sends and reads):
        ctx.use("Any")
        return _Type("list[Any]", f"{item.label}[]", "array", to_wire="json_wire({})")
    return _Type(
        f"list[{_optional(item)}]",
        f"{item.label}[]",
        f"array of {item.wire}",
        to_wire=to_wire,
        from_wire=from_wire,
        nested=item.nested,
    )


def _object_type(ctx: _Context, node: Node, hint: str) -> _Type:
    if node.properties:
        name, module = _nested_class(ctx, node, hint)
        return _class_type(ctx, name, module)
    additional = node.additional
    ctx.use("Any")
    untyped = _Type("dict[str, Any]", "Object", "object", to_wire="json_wire({})")
    if additional is None or additional.always is not None or not additional.keywords or node.pattern_properties:
        return untyped
    value = _schema_type(ctx, additional, hint + "Value")
    sends, to_wire = _mapped("each_value", value.to_wire)
    reads, from_wire = _mapped("each_value", value.from_wire)
    if not (sends and reads):
        return untyped
    return _Type(f"dict[str, {_optional(value)}]", "Object", "object", to_wire=to_wire, from_wire=from_wire)


def _class_type(ctx: _Context, name: str, module: str | None) -> _Type:
    reference = ctx.class_reference(name, module)
    return _Type(reference, name, "object", to_wire="wire_of({})", from_wire=f"{reference}._of({{}})", nested=reference)


def _one_type(
    ctx: _Context, json_type: str, node: Node, hint: str, netmera_type: str | None, epoch: str | None
) -> _Type:
    if json_type == "array":
        return _array_type(ctx, node, hint, netmera_type, epoch)
    if json_type == "object":
        return _object_type(ctx, node, hint)
    return _scalar(ctx, json_type, node, netmera_type, epoch)


def _ref_type(ctx: _Context, node: Node, hint: str) -> _Type:
    target = node.ref
    if target is None:  # a reference the tree refused (not found, circular, not local)
        return ctx.any()
    fragment = (node.ref_text or "").removeprefix("#")
    name_hint = pascal_case(fragment.rsplit("/", 1)[-1].split(".")[-1]) if fragment else hint
    origin = _shared_origin(ctx, target)
    if origin is not None and _is_class(target):
        return _shared_type(ctx, origin, target, name_hint)
    return _schema_type(ctx, target, name_hint)


def _is_class(node: Node) -> bool:
    return bool(node.properties) and node.types in (None, ("object",)) and "$ref" not in node.keywords


def _shared_origin(ctx: _Context, target: Node) -> tuple[str, str] | None:
    """The (file, pointer) a bundled `$defs` entry was copied from, when it came from another file."""
    tokens = split_pointer(target.pointer)
    if tokens is None or len(tokens) != 2 or tokens[0] != BUNDLE_DEFS:
        return None
    return ctx.event.shared.get(tokens[1])


def _shared_type(ctx: _Context, origin: tuple[str, str], target: Node, hint: str) -> _Type:
    shared = ctx.shared
    if origin not in shared.names:
        name = shared.new_name(hint)
        shared.in_progress.add(name)
        sub = _Context(ctx.event, ctx.findings, shared, ctx.epoch, module=SHARED_MODULE)
        attributes = _attributes(sub, target, name, reserved=())
        shared.in_progress.discard(name)
        shared.names[origin] = name
        shared.classes[origin] = ModelClass(name, _description(target), attributes, module=SHARED_MODULE)
        shared.uses |= sub.uses
    return _class_type(ctx, shared.names[origin], SHARED_MODULE)


def _nested_class(ctx: _Context, node: Node, hint: str) -> tuple[str, str | None]:
    if node.pointer in ctx.class_for_pointer:
        return ctx.class_for_pointer[node.pointer], ctx.module
    name = ctx.new_class_name(hint)
    ctx.class_for_pointer[node.pointer] = name
    if ctx.module is not None:
        ctx.shared.in_progress.add(name)
    ctx.use(*_OBJECT_CLASS_USES)
    model = ModelClass(name, _description(node), _attributes(ctx, node, name, reserved=()), module=ctx.module)
    if ctx.module is None:
        ctx.classes[name] = model
    else:
        key = (f"#nested:{ctx.event.path}", node.pointer)
        ctx.shared.in_progress.discard(name)
        ctx.shared.names[key] = name
        ctx.shared.classes[key] = model
    return name, ctx.module


def _description(node: Node) -> str | None:
    for value in (node.description, node.title):
        if value is not None and value.strip():
            return value.strip()
    return None


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
        for expression in (python_type.to_wire, python_type.from_wire):
            ctx.use(*(name for name in _IDENTIFIER.findall(expression or "") if name in MODULE_IMPORTS))
        ctx.use("Attribute")
        if python_type.from_wire is not None and not python_type.from_wire.endswith("({})"):
            ctx.use("partial")
        attributes.append(
            Attribute(
                wire_name=wire_name,
                python_name=python_names[wire_name],
                annotation=python_type.annotation,
                required=wire_name in node.required,
                nullable=python_type.nullable,
                description=_description(property_node),
                type_label=python_type.label,
                wire_label=python_type.wire,
                to_wire=python_type.to_wire,
                from_wire=python_type.from_wire,
                nested=python_type.nested,
                netmera_code=property_node.netmera_code,
                private=property_node.netmera_private,
            )
        )
    return tuple(attributes)


def parse_event(
    event: EventSchema,
    class_name: str,
    module_name: str,
    findings: list[Finding],
    shared: SharedClasses | None = None,
    epoch: str = DEFAULT_EPOCH,
) -> EventClass:
    ctx = _Context(event, findings, shared if shared is not None else SharedClasses(), epoch)
    ctx.in_progress.add(class_name)
    root = event.tree.root if event.tree.root is not None else Node("", always=True)
    attributes = _attributes(ctx, root, class_name, reserved=(EXT_ID, NAME))
    ctx.use("TYPE_CHECKING", "ClassVar", "Event", "MISSING")
    if any(attribute.nested for attribute in attributes):
        ctx.use("EventObject")
    fast = fast_path(event.name, root, attributes)
    if fast is None:
        ctx.use("refuse")
    else:  # its constructor sends numbers as given, and converts them only on the checked path
        ctx.uses.discard("number_wire")
        ctx.use("check_or_refuse", *fast.uses)
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
        shared=tuple(sorted(ctx.shared_used)),
        imports=imports_for(ctx.uses),
        fast_path=fast,
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


ParsedPackage = tuple[list[EventClass], list[Finding], list[ModelClass], tuple[tuple[str, tuple[str, ...]], ...]]
"""The event classes, the findings, the shared classes (each after the classes it uses) and their imports."""


def parse_package(events: list[EventSchema], reserved: Iterable[str] = (), epoch: str = DEFAULT_EPOCH) -> ParsedPackage:
    """Parse every bundled event; classes are named across the whole package (avoiding the `reserved` names the
    package exports besides them), modules after their classes. Also returns the shared classes, in an order
    where each comes after the classes it uses, and the imports of their module."""
    findings: list[Finding] = []
    shared = SharedClasses()
    names = package_names(events, reserved)
    parsed = [
        parse_event(event, *names[event.name], findings, shared, epoch)
        for event in sorted(events, key=lambda event: event.name)
    ]
    return parsed, findings, *shared_part(shared)


def package_names(events: list[EventSchema], reserved: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each event's class and module name (by wire name), unique across the package."""
    classes = class_names([event.name for event in events], taken=reserved)
    modules = module_names(list(classes.values()))
    return {name: (class_name, modules[class_name]) for name, class_name in classes.items()}


def shared_part(shared: SharedClasses) -> tuple[list[ModelClass], tuple[tuple[str, tuple[str, ...]], ...]]:
    """The shared classes in the order they were defined (each after the classes it uses), and their imports."""
    uses = shared.uses | (set(_OBJECT_CLASS_USES) if shared.classes else set())
    return list(shared.classes.values()), imports_for(uses)
