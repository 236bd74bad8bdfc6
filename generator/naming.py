"""Python names for wire names: deterministic, documented, and never changing the wire name itself.

Attribute names (`snake_name`): the wire name is transliterated to ASCII (accents dropped, a few letters spelled
out), camelCase is split at case changes, every run of other characters becomes `_`, and the result is lowercased.
A result that starts with a digit gets the prefix `field_`; an empty one becomes `field`. A name that is a Python
keyword, shadows a member of the generated classes (`to_payload`, `to_json`, `ext_id`, ...), a type the generated
modules use in annotations (`str`, `int`, `date`, ...), a name they import (`check`, `refuse`, ...) or a local of
the generated constructors (`wire`, `issues`, ...) gets a trailing `_`.
When two wire names of one class end up with the same Python name, the wire name that already *is* that Python
name keeps it, the others follow in schema order and get `_2`, `_3`, ...

Class names (`class_name`): the same words in PascalCase; a leading digit gets the prefix `Event`; names that
clash with what a generated module imports get a trailing `_`; collisions are numbered `2`, `3`, ... with the wire
name equal to the class name first, then in sorted wire-name order. Module names are the snake_case of the class
name, cut to `MAX_MODULE_NAME` characters (file systems limit a file name's length), numbered the same way when
two differ only in case or share their first `MAX_MODULE_NAME` characters.
"""

from __future__ import annotations

import functools
import keyword
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

from .runtime_source import event_module_imports

_SPELLED_OUT = {
    "ı": "i",
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "ø": "o",
    "Ø": "O",
    "œ": "oe",
    "Œ": "OE",
    "đ": "d",
    "Đ": "D",
    "ł": "l",
    "Ł": "L",
    "þ": "th",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_WORD = re.compile(r"[^A-Za-z0-9]+")

ANNOTATION_NAMES = frozenset(
    {
        "str",
        "int",
        "float",
        "bool",
        "list",
        "dict",
        "date",
        "datetime",
        "time",
        "none",
        "any",
        "object",
        "type",
        "types",
    }
)
"""Names that would shadow a type (or the shared `types` module) inside a class body that uses it in an annotation."""

CLASS_MEMBERS = frozenset({"ext_id", "to_payload", "to_json", "from_payload", "replace", "event_name", "self", "cls"})
"""Public members of the generated classes (`Event`, `EventObject`): an attribute must not replace one."""

MAX_MODULE_NAME = 100
"""Longest module name (without `.py` and a collision number): well below the 255 bytes a file name may have."""
NAMES_KEPT = 1 << 16
"""Wire names whose Python spellings are kept by value: the same names recur across a package's events, and
spelling one (Unicode decomposition, word splitting) is most of what naming costs."""

IMPORT_SOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("datetime", ("date", "datetime")),
    ("functools", ("partial",)),
    ("typing", ("TYPE_CHECKING", "Any", "ClassVar", "Literal")),
    *event_module_imports(),
)
"""What a generated event module may import, by module in isort's order (the package's own modules without their
dot, with the names of their `__all__`)."""

MODULE_IMPORTS = frozenset(name for _, names in IMPORT_SOURCES for name in names) | {"check", "types"}
"""Names a generated module imports (its check and the shared `types` module too); nothing generated may take
one of them."""

CONSTRUCTOR_LOCALS = frozenset({"wire", "issues", "unknown", "value"})
"""Local names of the generated constructors and properties: a keyword of the same name would replace one."""


def words(wire_name: str) -> list[str]:
    """The words of a wire name, ASCII only, in their original case."""
    spelled = "".join(_SPELLED_OUT.get(char, char) for char in wire_name)
    decomposed = unicodedata.normalize("NFKD", spelled)
    ascii_text = "".join(
        char if char.isascii() else ("" if unicodedata.combining(char) else f" u{ord(char):04x} ")
        for char in decomposed
    )
    return [word for word in _NOT_WORD.split(_CAMEL_BOUNDARY.sub(" ", ascii_text)) if word]


@functools.lru_cache(maxsize=NAMES_KEPT)
def snake_case(wire_name: str) -> str:
    name = "_".join(word.lower() for word in words(wire_name))
    if not name:
        return "field"
    return "field_" + name if name[0].isdigit() else name


@functools.lru_cache(maxsize=NAMES_KEPT)
def pascal_case(wire_name: str) -> str:
    name = "".join(word[:1].upper() + word[1:] for word in words(wire_name))
    if not name:
        return "Event"
    return "Event" + name if name[0].isdigit() else name


def _reserved_attribute(name: str) -> bool:
    return (
        keyword.iskeyword(name)
        or keyword.issoftkeyword(name)
        or name in CLASS_MEMBERS
        or name in ANNOTATION_NAMES
        or name in MODULE_IMPORTS
        or name in CONSTRUCTOR_LOCALS
    )


def attribute_name(wire_name: str) -> str:
    """The Python name a wire name gets when nothing else in its class collides with it."""
    name = snake_case(wire_name)
    return name + "_" if _reserved_attribute(name) else name


def attribute_names(wire_names: Sequence[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Python attribute names for the wire names of one class, in schema order."""
    wanted = {wire_name: attribute_name(wire_name) for wire_name in wire_names}
    return _settle(wanted, preferred=lambda wire, name: wire == name, taken=set(taken), separator="_")


def class_name(wire_name: str) -> str:
    """The class name an event gets when no other event collides with it."""
    return safe_class_name(pascal_case(wire_name))


def safe_class_name(name: str) -> str:
    """A class name that is no keyword (`None`, `True`, `False`) and hides nothing a generated module imports."""
    return name + "_" if name in MODULE_IMPORTS or keyword.iskeyword(name) else name


def class_names(wire_names: Sequence[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """Class names for a set of names, independent of the order the names arrive in."""
    wanted = {wire_name: class_name(wire_name) for wire_name in sorted(wire_names)}
    return _settle(wanted, preferred=lambda wire, name: wire == name, taken=set(taken), separator="")


def module_names(class_names_in_order: Sequence[str]) -> dict[str, str]:
    """Module file names for class names, unique even on case-insensitive file systems."""
    wanted = {}
    for class_name in sorted(class_names_in_order):
        name = "_".join(part.lower() for part in _CAMEL_BOUNDARY.sub(" ", class_name).split() if part) or "event"
        name = "_".join(segment for segment in name.split("_") if segment) or "event"
        name = name[:MAX_MODULE_NAME].rstrip("_")
        wanted[class_name] = name + "_" if keyword.iskeyword(name) or name[0].isdigit() else name
    return _settle(wanted, preferred=lambda _wire, _name: False, taken=set(), separator="_")


def _settle(
    wanted: dict[str, str], preferred: Callable[[str, str], bool], taken: set[str], separator: str
) -> dict[str, str]:
    """Give each key its wanted name; on a clash the preferred key keeps it and the others are numbered."""
    result: dict[str, str] = {}
    claimed = {name.lower() for name in taken}
    by_name: dict[str, list[str]] = {}
    for key, name in wanted.items():
        by_name.setdefault(name.lower(), []).append(key)
    # First pass: every name wanted once, or the preferred key of a clash, is claimed as it is.
    for key, name in wanted.items():
        rivals = by_name[name.lower()]
        first = next((rival for rival in rivals if preferred(rival, wanted[rival])), rivals[0])
        if key == first and name.lower() not in claimed:
            result[key] = name
            claimed.add(name.lower())
    for key, name in wanted.items():
        if key in result:
            continue
        counter = 2
        while f"{name}{separator}{counter}".lower() in claimed:
            counter += 1
        result[key] = f"{name}{separator}{counter}"
        claimed.add(result[key].lower())
    return {key: result[key] for key in wanted}
