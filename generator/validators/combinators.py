"""Emitters of the keywords for any type: `enum`/`const` and the applicators `allOf`, `anyOf`, `oneOf`, `not`,
`if`/`then`/`else` and `$ref`.

Yes/no sub-questions (`anyOf`, `oneOf`, `not`, `if`) are inline boolean expressions when simple, else calls of
`_valid_*` predicates; `allOf`, `then`, `else` and inlined `$ref` targets are checked in place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..pystyle import LINE_LENGTH
from ..schema_tree import Node, trivial
from . import scalars
from .source import alternatives, any_true, group, negate, python_literal, unparen
from .writer import FunctionWriter

if TYPE_CHECKING:
    from .compiler import ModuleCompiler


def emit_generic(c: ModuleCompiler, w: FunctionWriter, node: Node, literals: bool = True) -> None:
    """Every keyword for any type of a node (`literals`: with `enum` and `const`, unless already checked)."""
    var = w.var
    for check in (scalars.enum_check(c, node, var), scalars.const_check(c, node, var)) if literals else ():
        if check is not None:
            w.refuse(check.fail, check.keyword, check.message)
    for sub in node.all_of:
        c.emit(w, sub)
    emit_any_of(c, w, node)
    emit_one_of(c, w, node)
    if node.not_ is not None:
        emit_not(c, w, node.not_)
    if node.if_ is not None and (node.then is not None or node.else_ is not None):
        emit_if(c, w, node, node.if_)
    if node.ref is not None and not trivial(node.ref):
        emit_ref(c, w, node.ref)


def emit_any_of(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`anyOf`: one violation when no branch matches.

    {"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 0}]}
    """
    if not node.any_of:
        return
    terms = [c.expression(sub, w.var) for sub in node.any_of]
    message = f"{c.helper('any_of_message')}({w.var}, {python_literal(alternatives(node.any_of))})"
    w.refuse(negate(any_true(terms)), "anyOf", message)


def emit_one_of(c: ModuleCompiler, w: FunctionWriter, node: Node) -> None:
    """`oneOf`: the branches that match are counted; anything but one is a violation.

    {"oneOf": [{"required": ["card"]}, {"required": ["cash"]}]}
    """
    if not node.one_of:
        return
    var = w.var
    terms = [c.expression(sub, var) for sub in node.one_of]
    matched = " + ".join(group(term) for term in terms)
    long = 4 * w.indent + len(matched) + 24 > LINE_LENGTH
    if w.mode == "check" and not long:
        with w.block(f"if {matched} != 1:"):
            w.line("return False")
        return
    count = w.fresh("matches")
    if long:  # one term a line, as black would not split the sum the same way
        w.line(f"{count}: int = {unparen(terms[0])}")
        for term in terms[1:]:
            w.line(f"{count} += {unparen(term)}")
    else:
        w.line(f"{count} = {matched}")
    message = f"{c.helper('one_of_message')}({var}, {count}, {python_literal(alternatives(node.one_of))})"
    w.refuse(f"{count} != 1", "oneOf", message)


def emit_not(c: ModuleCompiler, w: FunctionWriter, sub: Node) -> None:
    """`not`: a violation when the subschema matches.

    {"not": {"const": "test"}}
    """
    w.refuse(c.expression(sub, w.var), "not", f"{c.helper('not_message')}({w.var})")


def emit_if(c: ModuleCompiler, w: FunctionWriter, node: Node, condition: Node) -> None:
    """`if` asked as a yes/no question, then `then` or `else` checked in place.

    {"if": {"required": ["refund"]}, "then": {"required": ["reason"]}, "else": {...}}
    """
    with w.block(f"if {c.expression(condition, w.var)}:", ensure_body=True):
        if node.then is not None:
            c.emit(w, node.then)
    if node.else_ is not None and not trivial(node.else_):
        with w.block("else:"):
            c.emit(w, node.else_)


def emit_ref(c: ModuleCompiler, w: FunctionWriter, target: Node) -> None:
    """`$ref`: the target inlined, or a call of its shared function (see `inline`).

    {"$ref": "#/$defs/address"}
    """
    if target.pointer not in c.shared:
        c.emit(w, target)
    elif w.mode == "check":
        with w.block(f"if not {c.predicate(target)}({w.var}):"):
            w.line("return False")
    else:
        w.line(f"{c.collector(target)}({w.var}, {w.path.render()}, out)")
