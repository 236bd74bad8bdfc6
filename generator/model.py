"""The intermediate model between parsing and rendering: events, their attributes and the classes they use.

Everything a template needs is decided here, as plain data (Python names, annotations, the expressions that turn
a value into its wire form and back); templates only print it.
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
    description: str | None
    type_label: str
    """How the catalogue shows the type, e.g. `Double`, `String[]`, `Address`."""
    wire_label: str
    """What goes on the wire, e.g. `number`, `RFC 3339 string`, `epoch milliseconds`."""
    to_wire: str | None = None
    """A Python expression with `{}` for the argument: what the constructor sends for it (None: the value)."""
    from_wire: str | None = None
    """A Python expression with `{}` for the wire value: what the attribute reads (None: the wire value)."""
    nested: str | None = None
    """The generated class held by this attribute (or by its array items), for error paths and privacy."""
    netmera_code: str | None = None
    private: bool = False
    """`x-netmera-private`: the value is sent but never shown in a repr or an error."""

    @property
    def optional_annotation(self) -> str:
        """The annotation of the keyword and the attribute: `| None` added where None is accepted or read back."""
        if (self.nullable or not self.required) and not _admits_none(self.annotation):
            return f"{self.annotation} | None"
        return self.annotation

    @property
    def unset_is_none(self) -> bool:
        """An optional attribute that the schema does not allow to be null: `None` means leave it out."""
        return not self.required and not self.nullable


def _admits_none(annotation: str) -> bool:
    return annotation in ("None", "Any") or annotation.endswith("| None")


@dataclass(frozen=True)
class FastPath:
    """What lets an event's constructor skip its check (`fast_path.py`)."""

    tests: tuple[str, ...]
    """Python tests of the keyword arguments, all true only when the check would find nothing."""
    numbers: tuple[str, ...]
    """Wire names of the attributes sent through `number_wire` when a test fails (on the fast path, each is a number
    that it sends as it is)."""
    uses: tuple[str, ...]
    """The runtime's names the tests use (the module imports them)."""


@dataclass(frozen=True)
class ModelClass:
    """An object type: an object attribute, or a `$defs` entry, of one event or shared by several."""

    name: str
    description: str | None
    attributes: tuple[Attribute, ...]
    module: str | None = None
    """Where the class lives: None for the event's own module, else the shared module (`types`)."""


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
    """Classes defined in this event's module, each after the classes it uses."""
    shared: tuple[str, ...]
    """Shared classes (in the `types` module) this event's module uses."""
    imports: tuple[tuple[str, tuple[str, ...]], ...]
    """`from module import names` lines the module needs, sorted."""
    fast_path: FastPath | None = None
    """None: the constructor always runs the check."""


@dataclass(frozen=True)
class Package:
    name: str
    events: tuple[EventClass, ...]
    """Sorted by wire name."""
    shared: tuple[ModelClass, ...] = ()
    """Classes shared between events (definitions in `_*.json` files), each after the classes it uses."""
    shared_imports: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """`from module import names` lines the shared classes' module needs."""
