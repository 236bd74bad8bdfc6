"""Stage 3b, the constructor's fast path: a test of an event's keyword arguments that, when it passes, proves the
event's compiled check would find nothing, so the constructor builds the event without running the check.

`type(channel) is str and 1 <= len(channel) <= 20` proves `{"type": "string", "minLength": 1, "maxLength": 20}`.
Only what such a test proves completely gets one: strings (lengths, an enum or a const of strings), integers and
numbers (bounds, the range an `x-netmera-type` implies, a Double's range for what `number_wire` sends), booleans,
null, arrays of those (their lengths), and a `$ref` to one of them. An event using anything else, in an attribute
or in its own schema (patterns, formats, dates, objects, combinators, `patternProperties`, ...), gets none: its
constructor always runs the check.

Each test is stricter than the schema: a `str` subclass, `5.0` for an integer, a NaN or a `Decimal` fail it, and
then the check decides, as it does for every event without a fast path. So the fast path changes how quickly a
valid event is made, never what is accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from .bundle import EXT_ID, NAME
from .model import Attribute, FastPath
from .pystyle import literal
from .runtime._types import DOUBLE_MAX as _DOUBLE_MAX
from .schema_tree import Node

NUMBER_WIRE = "number_wire({})"
"""The one conversion a fast path allows: the identity on the numbers its test admits."""
DOUBLE_MAX = "DOUBLE_MAX"
"""The runtime's name for the largest finite Double, the bound of what `number_wire` sends."""

_ANNOTATIONS = frozenset(
    {"pointer", "dialect", "keywords", "title", "description", "netmera_type", "netmera_code", "netmera_epoch"}
    | {"netmera_private"}
)
# `item_range` is an `x-netmera-type`'s range for array items: no value a test admits is an array.
_SCALAR_FIELDS = _ANNOTATIONS | {"types", "min_length", "max_length", "bounds", "netmera_range", "item_range"}
_SCALAR_FIELDS |= {"enum", "has_const", "const"}
_ARRAY_FIELDS = _ANNOTATIONS | {"types", "items", "min_items", "max_items", "items_keyword", "min_contains"}
_REF_FIELDS = _ANNOTATIONS | {"ref", "ref_text"}
ITEM = "value"
"""The name an array's test gives each item (a constructor local: no keyword is named so)."""
MAX_REF_HOPS = 8
"""A `$ref` chain longer than this gets no test (the tree refuses circular ones already)."""
# `additionalProperties` may say anything: the constructor sends declared attributes only. The keyword spellings
# (`items_keyword`, ...) mean nothing without the checks they name.
_EVENT_FIELDS = _ANNOTATIONS | {"types", "properties", "required", "additional", "dependent_keyword", "items_keyword"}
_EVENT_FIELDS |= {"min_contains"}
BUILTINS = frozenset({"type", "len", "all"})
"""The builtins the tests call: an event with a keyword of one of these names (which would hide it inside the
constructor) gets no fast path."""
_BLANK = Node("")
_LOWER = ("minimum", "exclusiveMinimum")


def fast_path(event_name: str, root: Node, attributes: Sequence[Attribute]) -> FastPath | None:
    """The fast path of an event's constructor (its schema's root node and its attributes), or None."""
    properties = dict(root.properties)
    if not _uses_only(root, _EVENT_FIELDS) or root.types not in (None, ("object",)):
        return None
    if EXT_ID not in properties or NAME not in properties or not _admits_name(properties[NAME], event_name):
        return None
    if any(attribute.python_name in BUILTINS for attribute in attributes):
        return None
    tests = [_value_test(properties[EXT_ID], "ext_id", number_wire=False)]
    for attribute in attributes:
        if attribute.to_wire not in (None, NUMBER_WIRE) or attribute.from_wire is not None:
            return None
        test = _value_test(properties[attribute.wire_name], attribute.python_name, attribute.to_wire is not None)
        if not attribute.required:
            unset = _Test(f"{attribute.python_name} is {'None' if attribute.unset_is_none else 'MISSING'}")
            test = _any_of([unset, test])
        tests.append(test)
    proven = [test for test in tests if test is not None]
    if len(proven) < len(tests):
        return None
    return FastPath(
        tests=tuple(test.operand() for test in proven),
        numbers=tuple(attribute.wire_name for attribute in attributes if attribute.to_wire is not None),
        uses=tuple(sorted(set().union(*(test.uses for test in proven)))),
    )


@dataclass(frozen=True)
class _Test:
    """A Python test of one argument: its text, and its outermost operator ("and", "or", or None for one test)."""

    text: str
    operator: str | None = None
    uses: frozenset[str] = frozenset()
    """The runtime names the text uses."""

    def operand(self, operator: str = "and") -> str:
        """The text as an operand of `operator`: in parentheses when its own operator is the other one (needed
        for an `or` in an `and`, and clearer the other way round)."""
        return f"({self.text})" if self.operator not in (None, operator) else self.text


def _all_of(tests: Sequence[_Test]) -> _Test:
    if len(tests) == 1:
        return tests[0]
    uses = frozenset().union(*(test.uses for test in tests))
    return _Test(" and ".join(test.operand("and") for test in tests), "and", uses)


def _any_of(tests: Sequence[_Test | None]) -> _Test | None:
    """`a or b`; None when one of them is None (not proven), or there is none."""
    proven = [test for test in tests if test is not None]
    if not tests or len(proven) < len(tests):
        return None
    if len(proven) == 1:
        return proven[0]
    uses = frozenset().union(*(test.uses for test in proven))
    return _Test(" or ".join(test.operand("or") for test in proven), "or", uses)


def _uses_only(node: Node, allowed: frozenset[str]) -> bool:
    """Whether every check the node holds is among `allowed` (any other field is at its "no such check" default)."""
    for name, default in _other_fields(allowed):
        if getattr(node, name) != default:
            return False
    return True


@functools.cache
def _other_fields(allowed: frozenset[str]) -> tuple[tuple[str, Any], ...]:
    """The fields of a node outside `allowed`, with their defaults."""
    return tuple((field.name, getattr(_BLANK, field.name)) for field in fields(Node) if field.name not in allowed)


def _admits_name(node: Node, event_name: str) -> bool:
    """Whether the `name` attribute's schema accepts the event's name, which the constructor always sends."""
    if not _uses_only(node, _SCALAR_FIELDS) or (node.types is not None and "string" not in node.types):
        return False
    if (node.has_const and node.const != event_name) or (node.enum is not None and event_name not in node.enum):
        return False
    low, high = node.min_length, node.max_length
    return (low is None or len(event_name) >= low) and (high is None or len(event_name) <= high)


def _value_test(node: Node, argument: str, number_wire: bool, hops: int = 0) -> _Test | None:
    """The test proving an argument valid against its schema node (`number_wire`: an integer sent through it, so
    within a Double's range, as every number is), or None when no simple test proves it. A node that is only a
    `$ref` (a shared enum, say) is tested as its target."""
    if node.ref is not None and _uses_only(node, _REF_FIELDS) and hops < MAX_REF_HOPS:
        return _value_test(node.ref, argument, number_wire, hops + 1)
    if node.types == ("array",) and node.items is not None and _uses_only(node, _ARRAY_FIELDS):
        return _array_test(node, node.items, argument)
    if not _uses_only(node, _SCALAR_FIELDS):
        return None
    values = node.enum
    if node.has_const:  # beside an enum, the const is the one value, and only if the enum holds it too
        if values is not None and not any(type(value) is type(node.const) and value == node.const for value in values):
            return None
        values = [node.const]
    if values is not None:
        if not all(type(value) is str for value in values) or (node.types is not None and "string" not in node.types):
            return None
        members = ", ".join(literal(value) for value in dict.fromkeys(values))
        member_test = f"{argument} == {members}" if len(values) == 1 else f"{argument} in {{{members}}}"
        return _all_of([_Test(f"type({argument}) is str"), _Test(member_test), *_length_tests(node, argument)])
    if not node.types:
        return None
    tests: list[_Test | None] = []
    for json_type in node.types:
        if json_type == "null":
            tests.append(_Test(f"{argument} is None"))
        elif json_type == "boolean":
            tests.append(_Test(f"type({argument}) is bool"))
        elif json_type == "string":
            tests.append(_all_of([_Test(f"type({argument}) is str"), *_length_tests(node, argument)]))
        elif json_type == "number":
            kind = _Test(f"type({argument}) is float or type({argument}) is int", "or")
            tests.append(_all_of([kind, *_range_tests(node, argument, double=True)]))
        elif json_type == "integer":
            if "number" not in node.types:  # else the number's test covers the integers
                tests.append(_all_of([_Test(f"type({argument}) is int"), *_range_tests(node, argument, number_wire)]))
        else:
            tests.append(None)
    return _any_of(tests)


def _array_test(node: Node, items: Node, argument: str) -> _Test | None:
    """`type(tags) is list and all(<the item's test> for value in tags)`, with the array's length bounds."""
    item = _value_test(items, ITEM, number_wire=False)
    if item is None or item.uses:
        return None
    tests = [_Test(f"type({argument}) is list")]
    low, high = node.min_items, node.max_items
    if low is not None or high is not None:
        tests += _length_tests(Node("", min_length=low, max_length=high), argument)
    tests.append(_Test(f"all({item.text} for {ITEM} in {argument})"))
    return _all_of(tests)


def _length_tests(node: Node, argument: str) -> list[_Test]:
    low, high = node.min_length, node.max_length
    if high is None:
        return [] if low is None else [_Test(f"len({argument}) >= {literal(low)}")]
    return [_Test((f"{literal(low)} <= " if low is not None else "") + f"len({argument}) <= {literal(high)}")]


def _range_tests(node: Node, argument: str, double: bool) -> list[_Test]:
    """`low <= argument <= high` for the tightest bounds of the schema, its `x-netmera-type` and (`double`) a
    Double's range; NaN, which compares false, never passes one."""
    lows: list[tuple[float, bool, str]] = []
    highs: list[tuple[float, bool, str]] = []
    for keyword, value in node.bounds:
        (lows if keyword in _LOWER else highs).append((value, keyword.startswith("exclusive"), literal(value)))
    if node.netmera_range is not None:
        _, low, high = node.netmera_range
        lows.append((low, False, literal(low)))
        highs.append((high, False, literal(high)))
    if double:
        lows.append((-_DOUBLE_MAX, False, f"-{DOUBLE_MAX}"))
        highs.append((_DOUBLE_MAX, False, DOUBLE_MAX))
    if not lows and not highs:
        return []
    text = argument
    uses: set[str] = set()
    if lows:  # the largest low bound, the exclusive one of two equal ones
        value, exclusive, written = max(lows, key=lambda bound: (bound[0], bound[1]))
        text = f"{written} {'<' if exclusive else '<='} {text}"
        uses.update({DOUBLE_MAX} if written == f"-{DOUBLE_MAX}" else ())
    if highs:  # the smallest high bound, the exclusive one of two equal ones
        value, exclusive, written = min(highs, key=lambda bound: (bound[0], not bound[1]))
        text = f"{text} {'<' if exclusive else '<='} {written}"
        uses.update({DOUBLE_MAX} if written == DOUBLE_MAX else ())
    return [_Test(text, uses=frozenset(uses))]
