"""The compiler of one event module: its module-wide state and the dispatch from a schema node to its emitters.

`ModuleCompiler` holds what the whole module shares (names taken, module-level constants, the runtime helpers
used, the shared `_valid_*` / `_collect_*` functions) and decides, for each node, which statements check it: by
type (`emit_types`), then the keywords for any type (`combinators.emit_generic`). The keyword emitters themselves
are in `scalars`, `objects`, `arrays` and `combinators`; the function being written is a `FunctionWriter`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import layout
from ..schema_tree import Node, trivial
from . import arrays, combinators, objects, scalars
from .inline import inline_here, only_ref
from .source import (
    Check,
    all_true,
    any_true,
    expected_text,
    negate,
    pointer_slug,
    python_literal,
    safe_comment,
    tuple_source,
)
from .writer import PARAMETER_PATH, FunctionWriter, Mode, PointerSource


class ModuleCompiler:
    def __init__(self, shared: frozenset[str] = frozenset()) -> None:
        self.shared = shared
        """Pointers of the `$ref` targets that get functions of their own (`inline.shared_pointers`)."""
        self.constants: dict[tuple[str, str], str] = {}
        self.constant_lines: list[str] = []
        self.functions: list[list[str]] = []
        self.names: set[str] = set()
        self.helpers: set[str] = set()
        self.predicates: dict[Node, str] = {}
        self.collectors: dict[Node, str] = {}
        self.uses_re = False

    # -- names

    def unique(self, base: str) -> str:
        base = base[:72].rstrip("_") or "schema"
        name, counter = base, 2
        while name in self.names:
            name, counter = f"{base}_{counter}", counter + 1
        self.names.add(name)
        return name

    def helper(self, name: str) -> str:
        """A function of the runtime's `_validate` module, imported by the module."""
        self.helpers.add(name)
        return name

    def constant(self, kind: str, annotation: str, source: str, hint: str) -> str:
        """A module-level constant holding `source` (made once per kind and source)."""
        name, new = self._constant_name(kind, source, hint)
        if new:
            self.constant_lines.append("\n".join(layout.statement("", f"{name}: {annotation} = {source}")))
        return name

    def collection(self, kind: str, annotation: str, values: Sequence[Any], hint: str, call: str = "") -> str:
        """A module-level tuple (or `call(tuple)`, such as a frozenset) of JSON values, laid out from its elements
        (one a line when it is long) rather than as one line split afterwards."""
        elements = [python_literal(value) for value in values]
        source = tuple_source(elements)
        name, new = self._constant_name(kind, f"{call}({source})" if call else source, hint)
        if new:
            self.constant_lines.append(layout.collection(f"{name}: {annotation}", elements, call))
        return name

    def _constant_name(self, kind: str, source: str, hint: str) -> tuple[str, bool]:
        """The name of the constant of a kind holding `source`, and whether it is new."""
        key = (kind, source)
        if key in self.constants:
            return self.constants[key], False
        base = ("_" + hint.strip("_"))[: 39 - len(kind)].rstrip("_")
        name = self.constants[key] = self.unique((base + "_" + kind).upper())
        self.uses_re = self.uses_re or "re.compile(" in source
        return name, True

    def hint(self, node: Node) -> str:
        return pointer_slug(node.pointer)

    # -- shared functions

    def predicate(self, node: Node) -> str:
        """A named function `(value) -> bool` for a node (created once per node)."""
        return self._shared(node, self.predicates, "check")

    def collector(self, node: Node) -> str:
        """A named function `(value, path, out) -> None` for a node (created once per node)."""
        return self._shared(node, self.collectors, "collect")

    def _shared(self, node: Node, made: dict[Node, str], mode: Mode) -> str:
        if node not in made:
            prefix, signature, summary = (
                ("_valid_", "(value: Any) -> bool", "Whether a value matches")
                if mode == "check"
                else (
                    "_collect_",
                    "(value: Any, path: str, out: list[Issue]) -> None",
                    "Append the issues of a value against",
                )
            )
            name = made[node] = self.unique((prefix + self.hint(node).strip("_"))[:40])
            docstring = f"{summary} {safe_comment(node.pointer or '/')[-50:]}."
            function = FunctionWriter(f"def {name}{signature}:", docstring, mode, "value", PARAMETER_PATH)
            self.emit(function, node)
            if mode == "check":
                function.line("return True")
            self.functions.append(function.lines)
        return made[node]

    def expression(self, node: Node, var: str) -> str:
        """A boolean expression: does `var` match the node."""
        simple = self.simple_expression(node, var)
        if simple is not None:
            return simple
        return f"{self.predicate(node)}({var})"

    # -- emission

    def emit(self, w: FunctionWriter, node: Node) -> None:
        """Statements checking the writer's current value against `node`."""
        var = w.var
        if node.always is True:
            return
        if node.always is False:
            w.fail("false", f"{self.helper('false_schema_message')}({var})")
            return
        if node.types == ("string",) and scalars.string_literals(node):
            # A string enum/const already rejects every non-string: it doubles as the type check.
            known = (scalars.enum_check(self, node, var, True), scalars.const_check(self, node, var))
            literal_checks = [check for check in known if check]
            if w.mode == "check":
                for check in (scalars.enum_check(self, node, var), scalars.const_check(self, node, var)):
                    if check is not None:
                        with w.block(f"if {check.fail}:"):
                            w.line("return False")
                self.emit_kind_body(w, node, "string")
            else:
                with w.block(f"if isinstance({var}, str):"):
                    for check in literal_checks:
                        w.refuse(check.fail, check.keyword, check.message)
                    self.emit_kind_body(w, node, "string")
                with w.block("else:"):
                    w.fail("type", f"{self.helper('type_message')}({var}, \"string\")")
                    for check in literal_checks:
                        w.fail(check.keyword, check.message)
            combinators.emit_generic(self, w, node, literals=False)
            return
        self.emit_types(w, node)
        combinators.emit_generic(self, w, node)

    def descend(self, w: FunctionWriter, node: Node, var: str, path: PointerSource) -> None:
        """Check a child value (`var`, at `path`): inline while shallow, else through the node's own function."""
        if trivial(node):
            return
        if node.ref is not None and node.always is None and only_ref(node):
            node = node.ref
        with w.at(var, path):
            if inline_here(w.depth, w.indent) and node.pointer not in self.shared:
                self.emit(w, node)
            elif w.mode == "check":
                with w.block(f"if not {self.predicate(node)}({var}):"):
                    w.line("return False")
            else:
                w.line(f"{self.collector(node)}({var}, {path.render()}, out)")

    # -- type dispatch

    def kind_test(self, kind: str, var: str, integer_only: bool = False) -> str:
        """Whether `var` is of a JSON type (`number` with `integer_only` is `integer`)."""
        if kind == "string":
            return f"isinstance({var}, str)"
        if kind == "null":
            return f"{var} is None"
        if kind == "boolean":
            return f"isinstance({var}, bool)"
        if kind == "object":
            return f"isinstance({var}, dict)"
        if kind == "array":
            return f"isinstance({var}, list)"
        if integer_only:
            return f"type({var}) is int or {self.helper('is_integer')}({var})"
        return f"type({var}) is int or type({var}) is float or {self.helper('is_number')}({var})"

    def kinds(self, node: Node) -> list[tuple[str, bool, bool]]:
        """(kind, integer_only, has_body) for the type branches of a node, most likely first."""
        checks = {
            "string": node.string_checks(),
            "number": node.number_checks(),
            "object": node.object_checks(),
            "array": node.array_checks(),
            "null": False,
            "boolean": False,
        }
        if node.types is None:
            return [(kind, False, True) for kind in ("string", "number", "object", "array") if checks[kind]]
        kinds: list[tuple[str, bool, bool]] = []
        for declared in node.types:
            kind = "number" if declared == "integer" else declared
            if any(existing == kind for existing, _, _ in kinds):
                continue
            integer_only = kind == "number" and "number" not in node.types
            kinds.append((kind, integer_only, checks[kind]))
        kinds.sort(key=lambda entry: entry[0] == "null")
        return kinds

    def emit_types(self, w: FunctionWriter, node: Node) -> None:
        """`type`, and the keywords that apply to one type only, in one branch per type.

        {"type": ["string", "null"], "maxLength": 20} -> if isinstance(v, str): <maxLength> elif not v is None: <type>
        """
        var = w.var
        kinds = self.kinds(node)
        with_body = [entry for entry in kinds if entry[2]]
        plain = [self.kind_test(kind, var, integer_only) for kind, integer_only, body in kinds if not body]
        type_message = ""
        if node.types is not None:
            type_message = f"{self.helper('type_message')}({var}, {python_literal(expected_text(node.types))})"
        if node.types is not None and not with_body:
            w.refuse(negate(any_true(plain)), "type", type_message)
            return
        if node.types is not None and w.mode == "check" and len(kinds) == 1:
            kind, integer_only, _ = kinds[0]
            with w.block(f"if {negate(self.kind_test(kind, var, integer_only))}:"):
                w.line("return False")
            self.emit_kind_body(w, node, kind)
            return
        for position, (kind, integer_only, _) in enumerate(with_body):
            keyword = "if" if position == 0 else "elif"
            with w.block(f"{keyword} {self.kind_test(kind, var, integer_only)}:", ensure_body=True):
                self.emit_kind_body(w, node, kind)
        if node.types is not None:
            with w.block(f"elif {negate(any_true(plain))}:" if plain else "else:"):
                w.fail("type", type_message)

    def emit_kind_body(self, w: FunctionWriter, node: Node, kind: str) -> None:
        """The keywords of one JSON type, for a value known to be of that type."""
        if kind == "object":
            objects.emit_object(self, w, node)
            return
        if kind == "array":
            arrays.emit_array(self, w, node)
            return
        for check in self.kind_scalar_checks(node, kind, w.var):
            w.refuse(check.fail, check.keyword, check.message)

    def kind_scalar_checks(self, node: Node, kind: str, var: str) -> list[Check]:
        if kind == "string":
            return scalars.string_checks(self, node, var)
        if kind == "number":
            return scalars.number_checks(self, node, var)
        return []

    def simple_expression(self, node: Node, var: str) -> str | None:
        """An inline boolean expression for nodes with only scalar checks; None for anything bigger."""
        if node.always is not None:
            return repr(node.always)
        if node.ref is not None and only_ref(node):
            return self.expression(node.ref, var)
        if (
            node.object_checks()
            or node.array_checks()
            or any(not trivial(sub) for sub in node.all_of)
            or node.any_of
            or node.one_of
            or node.not_ is not None
            or node.if_ is not None
            or node.ref is not None
        ):
            return None
        terms: list[str] = []
        kinds = self.kinds(node)
        if node.types is not None:
            alternatives = []
            for kind, integer_only, _ in kinds:
                checks = self.kind_scalar_checks(node, kind, var)
                alternatives.append(all_true([self.kind_test(kind, var, integer_only)] + [c.ok for c in checks]))
            terms.append(any_true(alternatives))
        else:
            for kind, integer_only, _ in kinds:
                checks = self.kind_scalar_checks(node, kind, var)
                terms.append(
                    any_true([negate(self.kind_test(kind, var, integer_only)), all_true([c.ok for c in checks])])
                )
        for check in (scalars.enum_check(self, node, var), scalars.const_check(self, node, var)):
            if check is not None:
                terms.append(check.ok)
        return all_true(terms)
