"""Emitters of the object keywords, for a value known to be an object (a `dict`)."""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING

from ..schema_tree import Node, trivial
from .source import negate, python_literal
from .writer import FunctionWriter, PointerSource

if TYPE_CHECKING:
    from .compiler import ModuleCompiler


def emit_object(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """Every object keyword of a node, in the order a reader expects them.

    {"type": "object", "required": ["amount"], "properties": {"amount": {...}}, "additionalProperties": false,
     "patternProperties": {...}, "propertyNames": {...}, "minProperties": 1, "dependentRequired": {...}}
    """
    emit_required_undeclared(c, w, node)
    if node.additional is not None and not trivial(node.additional):
        emit_additional(c, w, node)
    emit_properties(c, w, node)
    emit_pattern_properties(c, w, node)
    emit_property_names(c, w, node)
    emit_property_counts(c, w, node)
    emit_dependencies(c, w, node)


def emit_required_undeclared(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`required` names that `properties` does not declare (the declared ones are checked with their value).

    {"required": ["coupon"]} -> if "coupon" not in item: <required>
    """
    declared = {name for name, _ in node.properties}
    for name in node.required_names:
        if name not in declared:
            w.refuse(
                f"{python_literal(name)} not in {w.var}", "required", _required_message(c, name), w.path.child(name)
            )


def emit_properties(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`properties` (and `required` for the declared ones): each present value checked inline or by function.

    {"properties": {"amount": {"type": "number"}}, "required": ["amount"]}
    """
    var = w.var
    required = set(node.required)
    for name, sub in node.properties:
        is_required = name in required
        child_path = w.path.child(name)
        if trivial(sub):
            if is_required:
                w.refuse(f"{python_literal(name)} not in {var}", "required", _required_message(c, name), child_path)
            continue
        value = w.fresh("v")
        if w.mode == "check" and is_required:
            with w.block(f"if {python_literal(name)} not in {var}:"):
                w.line("return False")
            w.line(f"{value} = {var}[{python_literal(name)}]")
            c.descend(w, sub, value, child_path)
            continue
        with w.block(f"if {python_literal(name)} in {var}:"):
            w.line(f"{value} = {var}[{python_literal(name)}]")
            c.descend(w, sub, value, child_path)
        if is_required:
            with w.block("else:"):
                w.fail("required", _required_message(c, name), child_path)


def emit_additional(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`additionalProperties`: keys neither declared nor matched by `patternProperties` (one set test while none).

    {"properties": {"amount": {...}}, "additionalProperties": false}
    """
    assert node.additional is not None
    var = w.var
    hint = c.hint(node)
    declared = [name for name, _ in node.properties]
    names = c.collection("properties", "frozenset[str]", declared, hint, "frozenset")
    joined = None
    if node.pattern_properties:
        source = "|".join(pattern for pattern, _ in node.pattern_properties)
        joined = c.constant("pattern", "re.Pattern[str]", f"re.compile({python_literal(source)})", hint)
    forbidden = node.additional.always is False
    if forbidden and w.mode == "check" and joined is None:
        with w.block(f"if not {names}.issuperset({var}):"):
            w.line("return False")
        return
    key, value = w.fresh("k"), w.fresh("v")
    condition = f"{key} not in {names}" + (f" and {joined}.search({key}) is None" if joined else "")
    if forbidden:
        message = f"{c.helper('unexpected_message')}({key})"
        guard = w.block(f"if not {names}.issuperset({var}):") if joined is None else nullcontext()
        with guard, w.block(f"for {key} in {var}:"):
            w.refuse(condition, "additionalProperties", message, _key_path(c, w.path, key))
        return
    with w.block(f"for {key}, {value} in {var}.items():"), w.block(f"if {condition}:"):
        c.descend(w, node.additional, value, _key_path(c, w.path, key))


def emit_pattern_properties(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`patternProperties`: every key is searched with each pattern, its value checked where one matches.

    {"patternProperties": {"^x_": {"type": "string"}}}
    """
    patterns = [(pattern, sub) for pattern, sub in node.pattern_properties if not trivial(sub)]
    if not patterns:
        return
    hint = c.hint(node)
    key, value = w.fresh("k"), w.fresh("v")
    with w.block(f"for {key}, {value} in {w.var}.items():"):
        for pattern, sub in patterns:
            regex = c.constant("pattern", "re.Pattern[str]", f"re.compile({python_literal(pattern)})", hint)
            with w.block(f"if {regex}.search({key}) is not None:", ensure_body=True):
                c.descend(w, sub, value, _key_path(c, w.path, key))


def emit_property_names(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`propertyNames`: each key checked as a string value.

    {"propertyNames": {"maxLength": 32}}
    """
    if node.property_names is None or trivial(node.property_names):
        return
    key = w.fresh("k")
    with w.block(f"for {key} in {w.var}:"):
        if w.mode == "check":
            with w.at(key):
                c.emit(w, node.property_names)
        else:
            condition = negate(c.expression(node.property_names, key))
            message = f"{c.helper('property_name_message')}({key})"
            w.refuse(condition, "propertyNames", message, _key_path(c, w.path, key))


def emit_property_counts(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`minProperties` and `maxProperties`.

    {"minProperties": 1, "maxProperties": 50}
    """
    for keyword, limit, operator in (("minProperties", node.min_properties, "<"),
                                     ("maxProperties", node.max_properties, ">")):  # fmt: skip
        if limit is not None:
            message = f"{c.helper('count_message')}({w.var}, {python_literal(keyword)}, {python_literal(limit)})"
            w.refuse(f"len({w.var}) {operator} {python_literal(limit)}", keyword, message)


def emit_dependencies(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`dependentRequired` and `dependentSchemas` (draft-07: `dependencies`), checked when their key is present.

    {"dependentRequired": {"coupon": ["discount"]}, "dependentSchemas": {"refund": {"required": ["reason"]}}}
    """
    var = w.var
    for name, dependencies in node.dependent_required:
        if not dependencies:
            continue
        with w.block(f"if {python_literal(name)} in {var}:"):
            for dependency in dependencies:
                message = f"{c.helper('dependency_message')}({python_literal(dependency)}, {python_literal(name)})"
                w.refuse(
                    f"{python_literal(dependency)} not in {var}",
                    node.dependent_keyword,
                    message,
                    w.path.child(dependency),
                )
    for name, sub in node.dependent_schemas:
        if trivial(sub):
            continue
        with w.block(f"if {python_literal(name)} in {var}:", ensure_body=True):
            c.emit(w, sub)


def _required_message(c: ModuleCompiler, name: str) -> str:
    return f"{c.helper('required_message')}({python_literal(name)})"


def _key_path(c: ModuleCompiler, path: PointerSource, key: str) -> PointerSource:
    return path.child_source(f"{c.helper('pointer_token')}({key})")
