"""Emitters of the array keywords, for a value known to be an array (a `list`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..schema_tree import Node, trivial
from .scalars import range_checks
from .source import python_literal
from .writer import FunctionWriter

if TYPE_CHECKING:
    from .compiler import ModuleCompiler


def emit_array(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """Every array keyword of a node.

    {"type": "array", "minItems": 1, "prefixItems": [...], "items": {...}, "uniqueItems": true, "contains": {...}}
    """
    emit_item_counts(c, w, node)
    emit_items(c, w, node)
    emit_item_range(c, w, node)
    if node.unique_items:
        w.refuse(f"not {c.helper('is_unique')}({w.var})", "uniqueItems", f"{c.helper('unique_message')}({w.var})")
    if node.contains is not None:
        emit_contains(c, w, node, node.contains)


def emit_item_counts(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`minItems` and `maxItems`.

    {"minItems": 1, "maxItems": 10}
    """
    for keyword, limit, operator in (("minItems", node.min_items, "<"), ("maxItems", node.max_items, ">")):
        if limit is not None:
            message = f"{c.helper('count_message')}({w.var}, {python_literal(keyword)}, {python_literal(limit)})"
            w.refuse(f"len({w.var}) {operator} {python_literal(limit)}", keyword, message)


def emit_items(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`prefixItems` by position, then `items` for the rest (draft-07: an `items` array and `additionalItems`).

    {"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}
    """
    var = w.var
    for position, sub in enumerate(node.prefix_items):
        if trivial(sub):
            continue
        value = w.fresh("v")
        with w.block(f"if len({var}) > {position}:"):
            w.line(f"{value} = {var}[{position}]")
            c.descend(w, sub, value, w.path.child(str(position)))
    start = len(node.prefix_items)
    if node.items is not None and node.items.always is False:
        message = f"{c.helper('extra_items_message')}({var}, {start})"
        w.refuse(f"len({var}) > {start}" if start else var, node.items_keyword, message)
    elif node.items is not None and not trivial(node.items):
        value = w.fresh("v")
        if w.mode == "check" and start == 0:
            with w.block(f"for {value} in {var}:"):
                c.descend(w, node.items, value, w.path)
        elif start == 0:
            index = w.fresh("i")
            with w.block(f"for {index}, {value} in enumerate({var}):"):
                c.descend(w, node.items, value, w.path.child_index(index))
        else:
            index = w.fresh("i")
            with w.block(f"for {index} in range({start}, len({var})):"):
                w.line(f"{value} = {var}[{index}]")
                c.descend(w, node.items, value, w.path.child_index(index))


def emit_item_range(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """The range of an array's `x-netmera-type`, for each of its numbers.

    {"type": "array", "items": {"type": "integer"}, "x-netmera-type": "Integer"}
    """
    if node.item_range is None:
        return
    value, index = w.fresh("v"), w.fresh("i")
    with w.block(f"for {index}, {value} in enumerate({w.var}):"), w.block(f"if {c.kind_test('number', value)}:"):
        for check in range_checks(c, node.item_range, value):
            w.refuse(check.fail, check.keyword, check.message, w.path.child_index(index))


def emit_contains(c: ModuleCompiler, w: FunctionWriter, node: Node, contains: Node) -> None:
    """`contains`, with `minContains` / `maxContains`: a loop that stops at the first match when one is enough.

    {"contains": {"const": "gift"}, "maxContains": 1}
    """
    low, high = node.min_contains, node.max_contains
    if low == 0 and high is None:
        return
    var = w.var
    value = w.fresh("v")
    test = c.expression(contains, value)
    if high is None and low == 1:
        with w.block(f"for {value} in {var}:"), w.block(f"if {test}:"):
            w.line("break")
        with w.block("else:"):
            w.fail("contains", f"{c.helper('contains_message')}(0, 1, None)")
        return
    count = w.fresh("matches")
    w.line(f"{count} = 0")
    with w.block(f"for {value} in {var}:"), w.block(f"if {test}:"):
        w.line(f"{count} += 1")
    too_few = f"{count} < {python_literal(low)}"
    condition = too_few if high is None else f"{too_few} or {count} > {python_literal(high)}"
    keyword = "contains" if high is None else "maxContains"
    w.refuse(
        condition, keyword, f"{c.helper('contains_message')}({count}, {python_literal(low)}, {python_literal(high)})"
    )
