"""Emitters of the scalar keywords: strings, numbers, Netmera's ranges, `enum` and `const`.

Each returns `Check`s, usable as statements (`if check.fail: <violation>`) and inside the inline boolean
expressions of yes/no questions (`check.ok`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..dialects import DRAFT2020, FORMATS
from ..schema_tree import Node
from .source import Check, python_literal

if TYPE_CHECKING:
    from .compiler import ModuleCompiler

_OPERATORS = {"minimum": ("<", ">="), "exclusiveMinimum": ("<=", ">"), "maximum": (">", "<="),
              "exclusiveMaximum": (">=", "<")}  # fmt: skip
"""Bound keyword -> (operator of a violation, operator of a pass)."""


def string_checks(c: ModuleCompiler, node: Node, var: str) -> list[Check]:
    """`minLength`, `maxLength`, `pattern` and `format` of a value known to be a string.

    {"minLength": 1, "maxLength": 64, "pattern": "^[A-Z]", "format": "date-time"}
    """
    checks = []
    hint = c.hint(node)
    if node.min_length is not None:
        limit = python_literal(node.min_length)
        message = f"{c.helper('length_message')}({var}, \"minLength\", {limit})"
        checks.append(Check(f"len({var}) < {limit}", f"len({var}) >= {limit}", "minLength", message))
    if node.max_length is not None:
        limit = python_literal(node.max_length)
        message = f"{c.helper('length_message')}({var}, \"maxLength\", {limit})"
        checks.append(Check(f"len({var}) > {limit}", f"len({var}) <= {limit}", "maxLength", message))
    for pattern in node.patterns:
        name = c.constant("pattern", "re.Pattern[str]", f"re.compile({python_literal(pattern)})", hint)
        message = f"{c.helper('pattern_message')}({var}, {name}.pattern)"
        checks.append(Check(f"{name}.search({var}) is None", f"{name}.search({var}) is not None", "pattern", message))
    if node.format is not None:
        check_name = c.helper(FORMATS[DRAFT2020][node.format])
        message = f"{c.helper('format_message')}({var}, {python_literal(node.format)})"
        checks.append(Check(f"not {check_name}({var})", f"{check_name}({var})", "format", message))
    return checks


def number_checks(c: ModuleCompiler, node: Node, var: str) -> list[Check]:
    """Bounds, `multipleOf` and the range of an `x-netmera-type`, for a value known to be a number.

    {"minimum": 0, "exclusiveMaximum": 100, "multipleOf": 0.5, "x-netmera-type": "Integer"}
    """
    checks = []
    for keyword, limit in node.bounds:
        bad, good = _OPERATORS[keyword]
        message = f"{c.helper('bound_message')}({var}, {python_literal(keyword)}, {python_literal(limit)})"
        checks.append(
            Check(f"{var} {bad} {python_literal(limit)}", f"{var} {good} {python_literal(limit)}", keyword, message)
        )
    if node.multiple_of is not None:
        factor = python_literal(node.multiple_of)
        message = f"{c.helper('multiple_message')}({var}, {factor})"
        if isinstance(node.multiple_of, float):
            fail = f"{c.helper('not_multiple_of')}({var}, {factor})"
            checks.append(Check(fail, f"not {fail}", "multipleOf", message))
        else:
            checks.append(Check(f"{var} % {factor}", f"not {var} % {factor}", "multipleOf", message))
    if node.netmera_range is not None:
        checks += range_checks(c, node.netmera_range, var, node.bounds)
    return checks


def range_checks(
    c: ModuleCompiler, netmera: tuple[str, int, int], var: str, bounds: Sequence[tuple[str, int | float]] = ()
) -> list[Check]:
    """The range an `x-netmera-type` implies, reported as `minimum` / `maximum` (a side that a schema bound
    already covers is left out).

    {"type": "integer", "x-netmera-type": "Integer"} -> -2147483648 <= value <= 2147483647
    """
    label, low, high = netmera
    message = (
        f"{c.helper('range_message')}({var}, {python_literal(label)}, {python_literal(low)}, {python_literal(high)})"
    )
    checks = []
    if not any(keyword in ("minimum", "exclusiveMinimum") and limit >= low for keyword, limit in bounds):
        checks.append(Check(f"{var} < {python_literal(low)}", f"{var} >= {python_literal(low)}", "minimum", message))
    if not any(keyword in ("maximum", "exclusiveMaximum") and limit <= high for keyword, limit in bounds):
        checks.append(Check(f"{var} > {python_literal(high)}", f"{var} <= {python_literal(high)}", "maximum", message))
    return checks


def enum_check(c: ModuleCompiler, node: Node, var: str, known_string: bool = False) -> Check | None:
    """`enum`: a set lookup (strings), or the runtime's JSON-equality lookup for other values.

    {"enum": ["card", "cash"]} -> v in frozenset(("card", "cash"))
    """
    if node.enum is None:
        return None
    hint = c.hint(node)
    values = node.enum
    shown = c.collection("values", "tuple[Any, ...]", values, hint)
    message = f"{c.helper('enum_message')}({var}, {shown})"
    if values and all(isinstance(value, str) for value in values):
        fast = c.collection("enum", "frozenset[str]", values, hint, "frozenset")
        if known_string:
            return Check(f"{var} not in {fast}", f"{var} in {fast}", "enum", message)
        return Check(
            f"not isinstance({var}, str) or {var} not in {fast}",
            f"isinstance({var}, str) and {var} in {fast}",
            "enum",
            message,
        )
    hashable: list[Any] = [
        value for value in values if isinstance(value, (str, int, float)) and not isinstance(value, bool)
    ]
    hashable += [None] if any(value is None for value in values) else []
    fast = c.collection("enum", "frozenset[Any]", hashable, hint, "frozenset")
    ok = f"{c.helper('in_enum')}({var}, {fast}, {shown})"
    return Check(f"not {ok}", ok, "enum", message)


def const_check(c: ModuleCompiler, node: Node, var: str) -> Check | None:
    """`const`: a comparison that keeps JSON's types apart (`true` is not `1`).

    {"const": "purchase"} -> v == "purchase"
    """
    if not node.has_const:
        return None
    value = node.const
    expected = python_literal(value)
    if isinstance(value, (dict, list)):
        expected = c.constant("const", "Any", expected, c.hint(node))
    message = f"{c.helper('const_message')}({var}, {expected})"
    if isinstance(value, str):
        return Check(f"{var} != {expected}", f"{var} == {expected}", "const", message)
    if value is None or isinstance(value, bool):
        return Check(f"{var} is not {expected}", f"{var} is {expected}", "const", message)
    if isinstance(value, (int, float)):
        return Check(
            f"isinstance({var}, bool) or {var} != {expected}",
            f"not isinstance({var}, bool) and {var} == {expected}",
            "const",
            message,
        )
    ok = f"{c.helper('json_equal')}({var}, {expected})"
    return Check(f"not {ok}", ok, "const", message)


def string_literals(node: Node) -> bool:
    """Whether the node has an enum of strings or a string const (which no non-string can equal)."""
    if node.enum is not None and not (node.enum and all(isinstance(value, str) for value in node.enum)):
        return False
    if node.has_const and not isinstance(node.const, str):
        return False
    return node.enum is not None or node.has_const
