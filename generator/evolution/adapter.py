"""The one place where schema evolution touches the rest of the compiler.

A schemas folder goes through the same load -> bundle -> parse stages as `generate`, and comes out as plain data
this sub-package owns: each event's bundled schema (what the wire rules compare) and a view of its generated Python
API (what the source rules and `status` compare). Keeping every import of the compiler's stages here means a
change to the model or to the schema tree touches this module only.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..bundle import EXT_ID, NAME
from ..dialects import DIALECT_URIS, DRAFT7, FORMATS
from ..findings import Finding, errors_in
from ..load import display_path
from ..model import Attribute, EventClass, ModelClass
from ..netmera import INTEGER_RANGES
from ..parse import parse_events
from ..pipeline import DEFAULT_PACKAGE, DEFAULT_SCHEMAS, Options, bundle, reserved_names
from ..render import environment

__all__ = [
    "DEFAULT_PACKAGE", "DEFAULT_SCHEMAS", "EVENT_KEYWORDS", "NETMERA_RANGES", "RESERVED_WIRE_NAMES",
    "EventSnapshot", "Finding", "Snapshot", "SourceAttribute", "SourceClass",
    "checked_formats", "display_path", "load_snapshot", "names_in", "runtime_names", "type_level",
]  # fmt: skip

RESERVED_WIRE_NAMES = (EXT_ID, NAME)
"""Keys every event has; never custom attributes."""
EVENT_KEYWORDS = frozenset({"ext_id"})
"""Constructor keywords every event class takes besides its attributes."""
NETMERA_RANGES = INTEGER_RANGES
"""The range each integer `x-netmera-type` implies."""


@functools.cache
def runtime_names() -> frozenset[str]:
    """What the generated package exports besides its event classes, read from its modules' `__all__` as `generate`
    reads them (once, when first needed: it renders the package's templates)."""
    options = Options()
    return frozenset(reserved_names(options, environment(options.templates)))


_TYPE_LEVEL_NAMES = {
    "StrictStr": "str",
    "StrictBool": "bool",
    "StrictInt": "int",
    "Int32": "int",
    "Int64": "int",
    "JsonInt": "int",
    "JsonNumber": "float",
    "DateTime": "datetime",
    "EpochMillis": "datetime",
    "IsoDate": "date",
}
"""The generated package's annotated aliases, by the type a type checker sees (their ranges are wire rules)."""


@dataclass(frozen=True)
class SourceAttribute:
    wire_name: str
    python_name: str
    annotation: str
    """As generated, without the `| None` of an optional attribute."""
    required: bool
    nullable: bool

    @property
    def full_annotation(self) -> str:
        if (self.nullable or not self.required) and self.annotation != "None":
            return f"{self.annotation} | None"
        return self.annotation


@dataclass(frozen=True)
class SourceClass:
    name: str
    attributes: tuple[SourceAttribute, ...]


@dataclass(frozen=True)
class EventSnapshot:
    name: str
    file: str
    """Path of the schema file relative to the schemas folder."""
    schema: dict[str, Any]
    """The bundled, self-contained schema."""
    class_name: str
    module_name: str
    attributes: tuple[SourceAttribute, ...]
    nested: dict[str, SourceClass]
    draft7: bool


@dataclass
class Snapshot:
    events: dict[str, EventSnapshot] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    """Errors that stopped the build of this folder (warnings are dropped: `lint` reports them)."""


def _attribute(attribute: Attribute) -> SourceAttribute:
    return SourceAttribute(
        attribute.wire_name, attribute.python_name, attribute.annotation, attribute.required, attribute.nullable
    )


def _class(model: ModelClass) -> SourceClass:
    return SourceClass(model.name, tuple(_attribute(attribute) for attribute in model.attributes))


def _is_draft7(schema: dict[str, Any]) -> bool:
    return DIALECT_URIS.get(str(schema.get("$schema", ""))) == DRAFT7


def load_snapshot(schemas: Path) -> Snapshot:
    """Every event of a schemas folder, as `generate` would see it."""
    bundled, findings = bundle(Options(schemas=schemas))
    errors = errors_in(findings)
    if errors:
        return Snapshot(findings=sorted(set(errors)))
    parsed, parse_findings = parse_events(bundled, reserved=runtime_names())
    errors = errors_in(parse_findings)
    if errors:
        return Snapshot(findings=sorted(set(errors)))
    schema_of = {event.name: event for event in bundled}
    snapshot = Snapshot()
    for event in parsed:
        source = schema_of[event.wire_name]
        snapshot.events[event.wire_name] = _event(event, source.schema)
    return snapshot


def _event(event: EventClass, schema: dict[str, Any]) -> EventSnapshot:
    return EventSnapshot(
        name=event.wire_name,
        file=event.source,
        schema=schema,
        class_name=event.class_name,
        module_name=event.module_name,
        attributes=tuple(_attribute(attribute) for attribute in event.attributes),
        nested={model.name: _class(model) for model in event.nested},
        draft7=_is_draft7(schema),
    )


def checked_formats(draft7: bool) -> frozenset[str]:
    """Formats the validator checks (others are annotations, as in jsonschema)."""
    return frozenset(FORMATS[DRAFT7 if draft7 else "draft2020-12"])


def type_level(annotation: str, renamed: dict[str, str] | None = None) -> str:
    """The annotation as a type checker compares it: aliases by their base type, `Annotated[...]` metadata and
    `Literal` members dropped (enum values are wire rules), union members sorted; nested class names mapped
    through `renamed` (old name -> new name)."""
    try:
        tree = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return annotation
    return _canonical(tree, renamed or {})


def _canonical(node: ast.expr, renamed: dict[str, str]) -> str:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        members = sorted(set(_union_members(node, renamed)))
        return " | ".join(members)
    if isinstance(node, ast.Subscript):
        base = _canonical(node.value, renamed)
        if base == "Annotated":
            first = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) else node.slice
            return _canonical(first, renamed)
        if base == "Literal":
            return "Literal"
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return f"{base}[{', '.join(_canonical(item, renamed) for item in inner)}]"
    if isinstance(node, ast.Name):
        return _TYPE_LEVEL_NAMES.get(node.id, renamed.get(node.id, node.id))
    return ast.unparse(node)


def _union_members(node: ast.expr, renamed: dict[str, str]) -> list[str]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left, renamed) + _union_members(node.right, renamed)
    return [_canonical(node, renamed)]


def names_in(annotation: str, candidates: set[str] | dict[str, Any]) -> list[str]:
    """The names from `candidates` an annotation mentions, in order of appearance (nested class names)."""
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return []
    found = [node for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id in candidates]
    return [node.id for node in sorted(found, key=lambda node: node.col_offset)]
