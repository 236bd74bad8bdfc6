"""The intermediate model between parsing and rendering: events, their attributes and nested classes.

Everything a template needs is decided here, as plain data (Python names, annotations, `Field(...)` arguments as
Python source); templates only print it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    wire_name: str
    python_name: str
    annotation: str
    """The Python type without the `| None` an optional attribute adds."""
    required: bool
    nullable: bool
    field_arguments: tuple[tuple[str, str], ...]
    """Keyword arguments of `Field(...)`, values already as Python source."""
    description: str | None
    type_label: str
    """How the catalogue shows the type, e.g. `Double`, `String[]`, `Address`."""
    netmera_code: str | None = None

    @property
    def full_annotation(self) -> str:
        """The annotation as declared: `| None` added where None is accepted (once, even for a null-only type)."""
        if (self.nullable or not self.required) and self.annotation != "None":
            return f"{self.annotation} | None"
        return self.annotation


@dataclass(frozen=True)
class ModelClass:
    """A nested object type (an object attribute or a `$defs` entry)."""

    name: str
    description: str | None
    attributes: tuple[Attribute, ...]
    extra: str
    """pydantic's `extra` policy: `forbid` when the schema says `additionalProperties: false`, else `allow`."""


@dataclass(frozen=True)
class EventClass:
    wire_name: str
    class_name: str
    module_name: str
    description: str | None
    netmera_code: str | None
    source: str
    """The schema file, relative to the schemas folder."""
    source_sha256: str
    attributes: tuple[Attribute, ...]
    nested: tuple[ModelClass, ...]
    """Classes this event's attributes use, each after the classes it uses."""
    extra: str
    imports: tuple[tuple[str, tuple[str, ...]], ...]
    """`from module import names` lines the module needs, sorted."""


@dataclass(frozen=True)
class Package:
    name: str
    events: tuple[EventClass, ...]
    """Sorted by wire name."""
