"""Compile bundled event schemas into the Python sources of the generated package's `_validators` subpackage.

Approach: each schema is parsed into a small tree of `Node`s (one per subschema, `$ref`s resolved to the shared node
of their target, circular references refused), with the draft differences (draft-07 `items` arrays, `additionalItems`,
`dependencies`, `$ref` hiding its siblings) normalised away and the `x-netmera-type` ranges added. Each event becomes
one function, `validate_<event>(item, out)`: straight-line checks with nested objects and arrays inlined, set lookups
for enums and `additionalProperties: false`, and nothing allocated while the item is valid; each failure appends a
(pointer, keyword, message helper, value, detail) issue and checking goes on, so every violation is reported (the
message text is only made if someone reads it). Subschemas asked a yes/no question (`anyOf`, `oneOf`, `not`, `if`,
`contains`, `propertyNames`) become inline boolean expressions when simple, else `_valid_*` predicates that return at
the first failure; big `$ref` targets used several times get shared functions, the others are inlined.

Schema text never becomes code: every key, value and pattern from a schema is written as a Python literal made by
`repr()`, names are sanitised slugs, and regular expressions are compiled once at module level. The semantics are
jsonschema's (Draft7Validator or Draft202012Validator by `$schema`, default 2020-12, with the class's FORMAT_CHECKER,
see `FORMATS`); what the compiler cannot honour is refused with a finding (`unsupported_keywords`).
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import io
import math
import re
import sys
import tokenize
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from keyword import iskeyword
from pathlib import Path
from typing import Any, Literal, Protocol

from .dialects import ANNOTATION_KEYWORDS, DRAFT7, DRAFT2020, FORMATS, SUPPORTED_KEYWORDS, Dialect, dialect_of
from .findings import Finding, SchemaErrors, errors_in
from .pystyle import black_number, black_string
from .schema_tree import Node, SchemaTree, read_tree, trivial

__all__ = ["ANNOTATION_KEYWORDS", "DRAFT7", "DRAFT2020", "FORMATS", "SUPPORTED_KEYWORDS", "Dialect", "dialect_of"]

MAX_INLINE_DEPTH = 6
"""Nested objects/arrays deeper than this get their own functions (keeps the generated code flat and readable)."""
MAX_INLINE_INDENT = 8
"""Nor are values inlined that deep in indentation levels (keeps the lines within black's line length)."""


class EventLike(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def schema(self) -> dict[str, Any]: ...


class ReadEvent(Protocol):
    """A bundled event with its schema read (`bundle.EventSchema`)."""

    @property
    def name(self) -> str: ...

    @property
    def tree(self) -> SchemaTree: ...


# ---------------------------------------------------------------------------------------------------------------
# Code generation


def _literal(value: Any) -> str:
    """Python source for a JSON value (repr, which never splices text into code)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(key)}: {_literal(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _tuple_literal(values: Sequence[Any]) -> str:
    inner = ", ".join(_literal(value) for value in values)
    return f"({inner},)" if len(values) == 1 else f"({inner})"


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_NAME = re.compile(r"[^a-z0-9]+")
_TOKEN_WORDS = {"properties": "", "items": "item", "prefixItems": "item", "$defs": "def", "definitions": "def",
                "additionalProperties": "extra", "patternProperties": "pattern", "anyOf": "any_of",
                "oneOf": "one_of", "allOf": "all_of", "additionalItems": "extra_item"}  # fmt: skip


def slug(text: str) -> str:
    """A lowercase identifier fragment: ASCII letters, digits and single underscores (possibly empty)."""
    return _NOT_NAME.sub("_", _CAMEL.sub("_", text).lower()).strip("_")


def _pointer_slug(pointer: str) -> str:
    words = []
    for token in pointer.split("/")[1:] if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        word = _TOKEN_WORDS.get(token)
        words.append(slug(token) if word is None else word)
    return "_".join(word for word in words if word)


def _safe_comment(text: str) -> str:
    """Schema text made inert for a comment or docstring: only plain characters survive."""
    return re.sub(r"[^A-Za-z0-9_$./~ -]", "?", text)[:100]


@dataclass
class _Path:
    """A JSON pointer being built, as Python source: literal parts and expressions (rendered only on failure)."""

    parts: tuple[tuple[bool, str], ...] = ()

    def child(self, token: str) -> _Path:
        return _Path(self.parts + ((True, "/" + token.replace("~", "~0").replace("/", "~1")),))

    def child_source(self, source: str) -> _Path:
        return _Path(self.parts + ((False, source),))

    def child_index(self, index: str) -> _Path:
        return _Path(self.parts + ((True, "/"), (False, f"str({index})")))

    def render(self) -> str:
        merged: list[tuple[bool, str]] = []
        for literal, text in self.parts:
            if literal and merged and merged[-1][0]:
                merged[-1] = (True, merged[-1][1] + text)
            else:
                merged.append((literal, text))
        if not merged:
            return '""'
        return " + ".join(repr(text) if literal else text for literal, text in merged)


_PARAM_PATH = _Path(((False, "path"),))

Mode = Literal["check", "collect"]


class _Function:
    def __init__(self, header: str, docstring: str) -> None:
        self.lines = [header, f'    """{docstring}"""']
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def add(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)

    def mark(self) -> int:
        return len(self.lines)

    def ensure_body(self, mark: int, indent: int) -> None:
        if len(self.lines) == mark:
            self.add(indent, "pass")


@dataclass
class _Check:
    fail: str
    ok: str
    keyword: str
    message: str


def _group(expression: str) -> str:
    """Parenthesise an expression unless it is atomic (a name, call, attribute, subscript or constant)."""
    body = ast.parse(expression, mode="eval").body
    if isinstance(body, (ast.Name, ast.Call, ast.Attribute, ast.Subscript, ast.Constant)):
        return expression
    if expression.startswith("(") and expression.endswith(")"):
        try:
            ast.parse(expression[1:-1], mode="eval")
        except SyntaxError:
            pass
        else:
            inner = _group(expression[1:-1])
            return inner if inner.startswith("(") else f"({inner})"
    return f"({expression})"


def _unparen(expression: str) -> str:
    """An expression without redundant outer brackets (black drops them on the right of an assignment)."""
    while expression.startswith("(") and _matching(expression, 0) == len(expression) - 1:
        inner = expression[1:-1]
        try:
            ast.parse(inner, mode="eval")
        except SyntaxError:
            break
        if isinstance(ast.parse(inner, mode="eval").body, ast.Tuple):
            break
        expression = inner
    return expression


def _negate(expression: str) -> str:
    return f"not {_group(expression)}"


def _any(expressions: Sequence[str]) -> str:
    return " or ".join(_group(expression) for expression in expressions) if expressions else "False"


def _all(expressions: Sequence[str]) -> str:
    return " and ".join(_group(expression) for expression in expressions) if expressions else "True"


def _expected_text(declared: Sequence[str]) -> str:
    names = list(declared)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


class _ModuleWriter:
    def __init__(self) -> None:
        self.constants: dict[tuple[str, str], str] = {}
        self.constant_lines: list[str] = []
        self.functions: list[list[str]] = []
        self.names: set[str] = set()
        self.helpers: set[str] = set()
        self.predicates: dict[Node, str] = {}
        self.collectors: dict[Node, str] = {}
        self.prefix = ""
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
        self.helpers.add(name)
        return name

    def constant(self, kind: str, annotation: str, source: str, hint: str) -> str:
        key = (kind, source)
        if key not in self.constants:
            base = ("_" + (self.prefix + "_" + hint).strip("_"))[: 39 - len(kind)].rstrip("_")
            name = self.unique((base + "_" + kind).upper())
            self.constants[key] = name
            self.uses_re = self.uses_re or "re.compile(" in source
            self.constant_lines.append(f"{name}: {annotation} = {source}")
        return self.constants[key]

    def _hint(self, node: Node) -> str:
        return _pointer_slug(node.pointer)

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
            name = made[node] = self.unique((prefix + (self.prefix + "_" + self._hint(node)).strip("_"))[:40])
            function = _Function(f"def {name}{signature}:", f"{summary} {_safe_comment(node.pointer or '/')[-50:]}.")
            self.emit(function, node, "value", mode, _PARAM_PATH, 1, 0)
            if mode == "check":
                function.add(1, "return True")
            self.functions.append(function.lines)
        return made[node]

    def expression(self, node: Node, var: str) -> str:
        """A boolean expression: does `var` match the node."""
        simple = self._simple_expression(node, var)
        if simple is not None:
            return simple
        return f"{self.predicate(node)}({var})"

    # -- emission

    def fail(self, fn: _Function, indent: int, mode: Mode, path: _Path, keyword: str, message: str) -> None:
        """A failure: `return False` (check), or append an issue (collect). `message` is a call of a runtime
        message helper, `helper(value, detail...)`; the issue carries the helper and its arguments, and the text is
        only made if someone reads `Violation.message`."""
        if mode == "check":
            fn.add(indent, "return False")
            return
        call = ast.parse(message, mode="eval").body
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.args
        pieces = [ast.get_source_segment(message, argument) or "" for argument in call.args]
        if len(pieces) == 1:
            detail = "None"
        elif len(pieces) == 2:
            detail = pieces[1]
        else:
            detail = "(" + ", ".join(pieces[1:]) + ")"
        fn.add(indent, f"out.append(({path.render()}, {keyword!r}, {call.func.id}, {pieces[0]}, {detail}))")

    def emit(self, fn: _Function, node: Node, var: str, mode: Mode, path: _Path, indent: int, depth: int) -> None:
        """Statements checking `var` against `node`: `return False` (check) or append issues (collect)."""
        if node.always is True:
            return
        if node.always is False:
            self.fail(fn, indent, mode, path, "false", f"{self.helper('false_schema_message')}({var})")
            return
        if node.types == ("string",) and _string_literals(node):
            # A string enum/const already rejects every non-string: it doubles as the type check.
            literal_checks = [c for c in (self._enum_check(node, var, True), self._const_check(node, var)) if c]
            if mode == "check":
                for check in (self._enum_check(node, var), self._const_check(node, var)):
                    if check is not None:
                        fn.add(indent, f"if {check.fail}:")
                        fn.add(indent + 1, "return False")
                self._emit_kind_body(fn, node, "string", var, mode, path, indent, depth)
            else:
                fn.add(indent, f"if isinstance({var}, str):")
                for check in literal_checks:
                    fn.add(indent + 1, f"if {check.fail}:")
                    self.fail(fn, indent + 2, mode, path, check.keyword, check.message)
                self._emit_kind_body(fn, node, "string", var, mode, path, indent + 1, depth)
                fn.add(indent, "else:")
                self.fail(fn, indent + 1, mode, path, "type", f"{self.helper('type_message')}({var}, 'string')")
                for check in literal_checks:
                    self.fail(fn, indent + 1, mode, path, check.keyword, check.message)
            self._emit_generic(fn, node, var, mode, path, indent, depth, literals=False)
            return
        self._emit_types(fn, node, var, mode, path, indent, depth)
        self._emit_generic(fn, node, var, mode, path, indent, depth)

    def descend(self, fn: _Function, node: Node, var: str, mode: Mode, path: _Path, indent: int, depth: int) -> None:
        """Check a child value: inline while shallow, else through the node's own function."""
        if trivial(node):
            return
        if node.ref is not None and node.always is None and _only_ref(node):
            node = node.ref
        if depth < MAX_INLINE_DEPTH and indent <= MAX_INLINE_INDENT and node.pointer not in self.shared:
            self.emit(fn, node, var, mode, path, indent, depth)
        elif mode == "check":
            fn.add(indent, f"if not {self.predicate(node)}({var}):")
            fn.add(indent + 1, "return False")
        else:
            fn.add(indent, f"{self.collector(node)}({var}, {path.render()}, out)")

    shared: frozenset[str] = frozenset()

    # -- type dispatch

    def _kind_test(self, kind: str, var: str, integer_only: bool = False) -> str:
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

    def _kinds(self, node: Node) -> list[tuple[str, bool, bool]]:
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

    def _emit_types(
        self, fn: _Function, node: Node, var: str, mode: Mode, path: _Path, indent: int, depth: int
    ) -> None:
        kinds = self._kinds(node)
        with_body = [entry for entry in kinds if entry[2]]
        plain = [self._kind_test(kind, var, integer_only) for kind, integer_only, body in kinds if not body]
        type_message = ""
        if node.types is not None:
            type_message = f"{self.helper('type_message')}({var}, {_expected_text(node.types)!r})"
        if node.types is not None and not with_body:
            fn.add(indent, f"if {_negate(_any(plain))}:")
            self.fail(fn, indent + 1, mode, path, "type", type_message)
            return
        if node.types is not None and mode == "check" and len(kinds) == 1:
            kind, integer_only, _ = kinds[0]
            fn.add(indent, f"if {_negate(self._kind_test(kind, var, integer_only))}:")
            fn.add(indent + 1, "return False")
            self._emit_kind_body(fn, node, kind, var, mode, path, indent, depth)
            return
        for position, (kind, integer_only, _) in enumerate(with_body):
            keyword = "if" if position == 0 else "elif"
            fn.add(indent, f"{keyword} {self._kind_test(kind, var, integer_only)}:")
            mark = fn.mark()
            self._emit_kind_body(fn, node, kind, var, mode, path, indent + 1, depth)
            fn.ensure_body(mark, indent + 1)
        if node.types is not None:
            if plain:
                fn.add(indent, f"elif {_negate(_any(plain))}:")
            else:
                fn.add(indent, "else:")
            self.fail(fn, indent + 1, mode, path, "type", type_message)

    def _emit_kind_body(
        self, fn: _Function, node: Node, kind: str, var: str, mode: Mode, path: _Path, indent: int, depth: int
    ) -> None:
        if kind == "string":
            checks = self._string_checks(node, var)
        elif kind == "number":
            checks = self._number_checks(node, var)
        elif kind == "object":
            self._emit_object(fn, node, var, mode, path, indent, depth)
            return
        elif kind == "array":
            self._emit_array(fn, node, var, mode, path, indent, depth)
            return
        else:
            return
        for check in checks:
            fn.add(indent, f"if {check.fail}:")
            self.fail(fn, indent + 1, mode, path, check.keyword, check.message)

    # -- scalar checks (usable as statements and as expressions)

    def _string_checks(self, node: Node, var: str) -> list[_Check]:
        checks = []
        hint = self._hint(node)
        if node.min_length is not None:
            limit = repr(node.min_length)
            message = f"{self.helper('length_message')}({var}, 'minLength', {limit})"
            checks.append(_Check(f"len({var}) < {limit}", f"len({var}) >= {limit}", "minLength", message))
        if node.max_length is not None:
            limit = repr(node.max_length)
            message = f"{self.helper('length_message')}({var}, 'maxLength', {limit})"
            checks.append(_Check(f"len({var}) > {limit}", f"len({var}) <= {limit}", "maxLength", message))
        for pattern in node.patterns:
            name = self.constant("pattern", "re.Pattern[str]", f"re.compile({pattern!r})", hint)
            message = f"{self.helper('pattern_message')}({var}, {name}.pattern)"
            checks.append(
                _Check(f"{name}.search({var}) is None", f"{name}.search({var}) is not None", "pattern", message)
            )
        if node.format is not None:
            check_name = self.helper(FORMATS[DRAFT2020][node.format])
            message = f"{self.helper('format_message')}({var}, {node.format!r})"
            checks.append(_Check(f"not {check_name}({var})", f"{check_name}({var})", "format", message))
        return checks

    def _number_checks(self, node: Node, var: str) -> list[_Check]:
        checks = []
        operators = {"minimum": ("<", ">="), "exclusiveMinimum": ("<=", ">"), "maximum": (">", "<="),
                     "exclusiveMaximum": (">=", "<")}  # fmt: skip
        for keyword, limit in node.bounds:
            bad, good = operators[keyword]
            message = f"{self.helper('bound_message')}({var}, {keyword!r}, {limit!r})"
            checks.append(_Check(f"{var} {bad} {limit!r}", f"{var} {good} {limit!r}", keyword, message))
        if node.multiple_of is not None:
            factor = repr(node.multiple_of)
            message = f"{self.helper('multiple_message')}({var}, {factor})"
            if isinstance(node.multiple_of, float):
                fail = f"{self.helper('not_multiple_of')}({var}, {factor})"
                checks.append(_Check(fail, f"not {fail}", "multipleOf", message))
            else:
                checks.append(_Check(f"{var} % {factor}", f"not {var} % {factor}", "multipleOf", message))
        if node.netmera_range is not None:
            checks += self._range_checks(node.netmera_range, var, node.bounds)
        return checks

    def _range_checks(
        self, netmera: tuple[str, int, int], var: str, bounds: Sequence[tuple[str, int | float]] = ()
    ) -> list[_Check]:
        """The range an `x-netmera-type` implies, reported as `minimum` / `maximum` (a side that a schema bound
        already covers is left out)."""
        label, low, high = netmera
        message = f"{self.helper('range_message')}({var}, {label!r}, {low!r}, {high!r})"
        checks = []
        if not any(keyword in ("minimum", "exclusiveMinimum") and limit >= low for keyword, limit in bounds):
            checks.append(_Check(f"{var} < {low!r}", f"{var} >= {low!r}", "minimum", message))
        if not any(keyword in ("maximum", "exclusiveMaximum") and limit <= high for keyword, limit in bounds):
            checks.append(_Check(f"{var} > {high!r}", f"{var} <= {high!r}", "maximum", message))
        return checks

    def _enum_check(self, node: Node, var: str, known_string: bool = False) -> _Check | None:
        if node.enum is None:
            return None
        hint = self._hint(node)
        values = node.enum
        shown = self.constant("values", "tuple[Any, ...]", _tuple_literal(values), hint)
        message = f"{self.helper('enum_message')}({var}, {shown})"
        if values and all(isinstance(value, str) for value in values):
            fast = self.constant("enum", "frozenset[str]", "frozenset(" + _tuple_literal(values) + ")", hint)
            if known_string:
                return _Check(f"{var} not in {fast}", f"{var} in {fast}", "enum", message)
            return _Check(
                f"not isinstance({var}, str) or {var} not in {fast}",
                f"isinstance({var}, str) and {var} in {fast}",
                "enum",
                message,
            )
        hashable: list[Any] = [
            value for value in values if isinstance(value, (str, int, float)) and not isinstance(value, bool)
        ]
        hashable += [None] if any(value is None for value in values) else []
        fast = self.constant("enum", "frozenset[Any]", "frozenset(" + _tuple_literal(hashable) + ")", hint)
        ok = f"{self.helper('in_enum')}({var}, {fast}, {shown})"
        return _Check(f"not {ok}", ok, "enum", message)

    def _const_check(self, node: Node, var: str) -> _Check | None:
        if not node.has_const:
            return None
        value = node.const
        expected = _literal(value)
        if isinstance(value, (dict, list)):
            expected = self.constant("const", "Any", expected, self._hint(node))
        message = f"{self.helper('const_message')}({var}, {expected})"
        if isinstance(value, str):
            return _Check(f"{var} != {expected}", f"{var} == {expected}", "const", message)
        if value is None or isinstance(value, bool):
            return _Check(f"{var} is not {expected}", f"{var} is {expected}", "const", message)
        if isinstance(value, (int, float)):
            return _Check(
                f"isinstance({var}, bool) or {var} != {expected}",
                f"not isinstance({var}, bool) and {var} == {expected}",
                "const",
                message,
            )
        ok = f"{self.helper('json_equal')}({var}, {expected})"
        return _Check(f"not {ok}", ok, "const", message)

    def _simple_expression(self, node: Node, var: str) -> str | None:
        """An inline boolean expression for nodes with only scalar checks; None for anything bigger."""
        if node.always is not None:
            return repr(node.always)
        if node.ref is not None and _only_ref(node):
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
        kinds = self._kinds(node)
        if node.types is not None:
            alternatives = []
            for kind, integer_only, _ in kinds:
                checks = self._kind_scalar_checks(node, kind, var)
                alternatives.append(_all([self._kind_test(kind, var, integer_only)] + [c.ok for c in checks]))
            terms.append(_any(alternatives))
        else:
            for kind, integer_only, _ in kinds:
                checks = self._kind_scalar_checks(node, kind, var)
                terms.append(_any([_negate(self._kind_test(kind, var, integer_only)), _all([c.ok for c in checks])]))
        for check in (self._enum_check(node, var), self._const_check(node, var)):
            if check is not None:
                terms.append(check.ok)
        return _all(terms)

    def _kind_scalar_checks(self, node: Node, kind: str, var: str) -> list[_Check]:
        if kind == "string":
            return self._string_checks(node, var)
        if kind == "number":
            return self._number_checks(node, var)
        return []

    # -- objects

    def _emit_object(
        self, fn: _Function, node: Node, var: str, mode: Mode, path: _Path, indent: int, depth: int
    ) -> None:
        hint = self._hint(node)
        declared = [name for name, _ in node.properties]
        required = set(node.required)
        for name in node.required_names:
            if name not in declared:
                fn.add(indent, f"if {name!r} not in {var}:")
                self.fail(fn, indent + 1, mode, path.child(name), "required", self._required_message(name))
        if node.additional is not None and not trivial(node.additional):
            self._emit_additional(fn, node, var, mode, path, indent, depth, declared, hint)
        for name, sub in node.properties:
            is_required = name in required
            child_path = path.child(name)
            if trivial(sub):
                if is_required:
                    fn.add(indent, f"if {name!r} not in {var}:")
                    self.fail(fn, indent + 1, mode, child_path, "required", self._required_message(name))
                continue
            value = fn.fresh("v")
            if mode == "check" and is_required:
                fn.add(indent, f"if {name!r} not in {var}:")
                fn.add(indent + 1, "return False")
                fn.add(indent, f"{value} = {var}[{name!r}]")
                self.descend(fn, sub, value, mode, child_path, indent, depth + 1)
                continue
            fn.add(indent, f"if {name!r} in {var}:")
            fn.add(indent + 1, f"{value} = {var}[{name!r}]")
            self.descend(fn, sub, value, mode, child_path, indent + 1, depth + 1)
            if is_required:
                fn.add(indent, "else:")
                self.fail(fn, indent + 1, mode, child_path, "required", self._required_message(name))
        patterns = [(pattern, sub) for pattern, sub in node.pattern_properties if not trivial(sub)]
        if patterns:
            key, value = fn.fresh("k"), fn.fresh("v")
            fn.add(indent, f"for {key}, {value} in {var}.items():")
            for pattern, sub in patterns:
                regex = self.constant("pattern", "re.Pattern[str]", f"re.compile({pattern!r})", hint)
                fn.add(indent + 1, f"if {regex}.search({key}) is not None:")
                mark = fn.mark()
                self.descend(fn, sub, value, mode, self._key_path(path, key), indent + 2, depth + 1)
                fn.ensure_body(mark, indent + 2)
        if node.property_names is not None and not trivial(node.property_names):
            key = fn.fresh("k")
            fn.add(indent, f"for {key} in {var}:")
            if mode == "check":
                self.emit(fn, node.property_names, key, mode, path, indent + 1, depth + 1)
            else:
                fn.add(indent + 1, f"if {_negate(self.expression(node.property_names, key))}:")
                message = f"{self.helper('property_name_message')}({key})"
                self.fail(fn, indent + 2, mode, self._key_path(path, key), "propertyNames", message)
        for keyword, limit, operator in (("minProperties", node.min_properties, "<"),
                                         ("maxProperties", node.max_properties, ">")):  # fmt: skip
            if limit is not None:
                fn.add(indent, f"if len({var}) {operator} {limit!r}:")
                message = f"{self.helper('count_message')}({var}, {keyword!r}, {limit!r})"
                self.fail(fn, indent + 1, mode, path, keyword, message)
        for name, dependencies in node.dependent_required:
            if not dependencies:
                continue
            fn.add(indent, f"if {name!r} in {var}:")
            for dependency in dependencies:
                fn.add(indent + 1, f"if {dependency!r} not in {var}:")
                message = f"{self.helper('dependency_message')}({dependency!r}, {name!r})"
                self.fail(fn, indent + 2, mode, path.child(dependency), node.dependent_keyword, message)
        for name, sub in node.dependent_schemas:
            if trivial(sub):
                continue
            fn.add(indent, f"if {name!r} in {var}:")
            mark = fn.mark()
            self.emit(fn, sub, var, mode, path, indent + 1, depth)
            fn.ensure_body(mark, indent + 1)

    def _required_message(self, name: str) -> str:
        return f"{self.helper('required_message')}({name!r})"

    def _key_path(self, path: _Path, key: str) -> _Path:
        return path.child_source(f"{self.helper('pointer_token')}({key})")

    def _emit_additional(
        self,
        fn: _Function,
        node: Node,
        var: str,
        mode: Mode,
        path: _Path,
        indent: int,
        depth: int,
        declared: list[str],
        hint: str,
    ) -> None:
        assert node.additional is not None
        names = self.constant("properties", "frozenset[str]", "frozenset(" + _tuple_literal(declared) + ")", hint)
        joined = None
        if node.pattern_properties:
            source = "|".join(pattern for pattern, _ in node.pattern_properties)
            joined = self.constant("pattern", "re.Pattern[str]", f"re.compile({source!r})", hint)
        forbidden = node.additional.always is False
        if forbidden and mode == "check" and joined is None:
            fn.add(indent, f"if not {names}.issuperset({var}):")
            fn.add(indent + 1, "return False")
            return
        key, value = fn.fresh("k"), fn.fresh("v")
        condition = f"{key} not in {names}" + (f" and {joined}.search({key}) is None" if joined else "")
        if forbidden:
            if joined is None:
                fn.add(indent, f"if not {names}.issuperset({var}):")
                indent += 1
            fn.add(indent, f"for {key} in {var}:")
            fn.add(indent + 1, f"if {condition}:")
            message = f"{self.helper('unexpected_message')}({key})"
            self.fail(fn, indent + 2, mode, self._key_path(path, key), "additionalProperties", message)
            return
        fn.add(indent, f"for {key}, {value} in {var}.items():")
        fn.add(indent + 1, f"if {condition}:")
        self.descend(fn, node.additional, value, mode, self._key_path(path, key), indent + 2, depth + 1)

    # -- arrays

    def _emit_array(
        self, fn: _Function, node: Node, var: str, mode: Mode, path: _Path, indent: int, depth: int
    ) -> None:
        for keyword, limit, operator in (("minItems", node.min_items, "<"), ("maxItems", node.max_items, ">")):
            if limit is not None:
                fn.add(indent, f"if len({var}) {operator} {limit!r}:")
                message = f"{self.helper('count_message')}({var}, {keyword!r}, {limit!r})"
                self.fail(fn, indent + 1, mode, path, keyword, message)
        for position, sub in enumerate(node.prefix_items):
            if trivial(sub):
                continue
            value = fn.fresh("v")
            fn.add(indent, f"if len({var}) > {position}:")
            fn.add(indent + 1, f"{value} = {var}[{position}]")
            self.descend(fn, sub, value, mode, path.child(str(position)), indent + 1, depth + 1)
        start = len(node.prefix_items)
        if node.items is not None and node.items.always is False:
            fn.add(indent, f"if len({var}) > {start}:" if start else f"if {var}:")
            message = f"{self.helper('extra_items_message')}({var}, {start})"
            self.fail(fn, indent + 1, mode, path, node.items_keyword, message)
        elif node.items is not None and not trivial(node.items):
            value = fn.fresh("v")
            if mode == "check" and start == 0:
                fn.add(indent, f"for {value} in {var}:")
                item_path = path
            else:
                index = fn.fresh("i")
                if start == 0:
                    fn.add(indent, f"for {index}, {value} in enumerate({var}):")
                else:
                    fn.add(indent, f"for {index} in range({start}, len({var})):")
                    fn.add(indent + 1, f"{value} = {var}[{index}]")
                item_path = path.child_index(index)
            self.descend(fn, node.items, value, mode, item_path, indent + 1, depth + 1)
        if node.item_range is not None:
            value, index = fn.fresh("v"), fn.fresh("i")
            fn.add(indent, f"for {index}, {value} in enumerate({var}):")
            fn.add(indent + 1, f"if {self._kind_test('number', value)}:")
            for check in self._range_checks(node.item_range, value):
                fn.add(indent + 2, f"if {check.fail}:")
                self.fail(fn, indent + 3, mode, path.child_index(index), check.keyword, check.message)
        if node.unique_items:
            fn.add(indent, f"if not {self.helper('is_unique')}({var}):")
            self.fail(fn, indent + 1, mode, path, "uniqueItems", f"{self.helper('unique_message')}({var})")
        if node.contains is not None:
            self._emit_contains(fn, node, node.contains, var, mode, path, indent)

    def _emit_contains(
        self, fn: _Function, node: Node, contains: Node, var: str, mode: Mode, path: _Path, indent: int
    ) -> None:
        low, high = node.min_contains, node.max_contains
        if low == 0 and high is None:
            return
        value = fn.fresh("v")
        test = self.expression(contains, value)
        if high is None and low == 1:
            fn.add(indent, f"for {value} in {var}:")
            fn.add(indent + 1, f"if {test}:")
            fn.add(indent + 2, "break")
            fn.add(indent, "else:")
            message = f"{self.helper('contains_message')}(0, 1, None)"
            self.fail(fn, indent + 1, mode, path, "contains", message)
            return
        count = fn.fresh("matches")
        fn.add(indent, f"{count} = 0")
        fn.add(indent, f"for {value} in {var}:")
        fn.add(indent + 1, f"if {test}:")
        fn.add(indent + 2, f"{count} += 1")
        too_few = f"{count} < {low!r}"
        condition = too_few if high is None else f"{too_few} or {count} > {high!r}"
        fn.add(indent, f"if {condition}:")
        keyword = "contains" if high is None else "maxContains"
        message = f"{self.helper('contains_message')}({count}, {low!r}, {high!r})"
        self.fail(fn, indent + 1, mode, path, keyword if high is not None else "contains", message)

    # -- keywords for any type

    def _emit_generic(
        self,
        fn: _Function,
        node: Node,
        var: str,
        mode: Mode,
        path: _Path,
        indent: int,
        depth: int,
        literals: bool = True,
    ) -> None:
        for check in (self._enum_check(node, var), self._const_check(node, var)) if literals else ():
            if check is not None:
                fn.add(indent, f"if {check.fail}:")
                self.fail(fn, indent + 1, mode, path, check.keyword, check.message)
        for sub in node.all_of:
            self.emit(fn, sub, var, mode, path, indent, depth)
        if node.any_of:
            terms = [self.expression(sub, var) for sub in node.any_of]
            fn.add(indent, f"if {_negate(_any(terms))}:")
            message = f"{self.helper('any_of_message')}({var}, {self._alternatives(node.any_of)!r})"
            self.fail(fn, indent + 1, mode, path, "anyOf", message)
        if node.one_of:
            terms = [self.expression(sub, var) for sub in node.one_of]
            matched = " + ".join(_group(term) for term in terms)
            long = 4 * indent + len(matched) + 24 > LINE_LENGTH
            if mode == "check" and not long:
                fn.add(indent, f"if {matched} != 1:")
                fn.add(indent + 1, "return False")
            else:
                count = fn.fresh("matches")
                if long:  # one term a line, as black would not split the sum the same way
                    fn.add(indent, f"{count}: int = {_unparen(terms[0])}")
                    for term in terms[1:]:
                        fn.add(indent, f"{count} += {_unparen(term)}")
                else:
                    fn.add(indent, f"{count} = {matched}")
                fn.add(indent, f"if {count} != 1:")
                message = f"{self.helper('one_of_message')}({var}, {count}, {self._alternatives(node.one_of)!r})"
                self.fail(fn, indent + 1, mode, path, "oneOf", message)
        if node.not_ is not None:
            fn.add(indent, f"if {self.expression(node.not_, var)}:")
            self.fail(fn, indent + 1, mode, path, "not", f"{self.helper('not_message')}({var})")
        if node.if_ is not None and (node.then is not None or node.else_ is not None):
            fn.add(indent, f"if {self.expression(node.if_, var)}:")
            mark = fn.mark()
            if node.then is not None:
                self.emit(fn, node.then, var, mode, path, indent + 1, depth)
            fn.ensure_body(mark, indent + 1)
            if node.else_ is not None and not trivial(node.else_):
                fn.add(indent, "else:")
                self.emit(fn, node.else_, var, mode, path, indent + 1, depth)
        if node.ref is not None and not trivial(node.ref):
            if node.ref.pointer not in self.shared:
                self.emit(fn, node.ref, var, mode, path, indent, depth)
            elif mode == "check":
                fn.add(indent, f"if not {self.predicate(node.ref)}({var}):")
                fn.add(indent + 1, "return False")
            else:
                fn.add(indent, f"{self.collector(node.ref)}({var}, {path.render()}, out)")

    def _alternatives(self, nodes: list[Node]) -> str:
        return "; ".join(_summary(sub) for sub in nodes)


def _string_literals(node: Node) -> bool:
    """Whether the node has an enum of strings or a string const (which no non-string can equal)."""
    if node.enum is not None and not (node.enum and all(isinstance(value, str) for value in node.enum)):
        return False
    if node.has_const and not isinstance(node.const, str):
        return False
    return node.enum is not None or node.has_const


def _only_ref(node: Node) -> bool:
    """A node that is nothing but a `$ref` (plus annotations)."""
    bare = Node(node.pointer, ref=node.ref, ref_text=node.ref_text)
    return node.ref is not None and all(
        getattr(node, name) == getattr(bare, name)
        for name in node.__dataclass_fields__
        if name not in _ANNOTATION_FIELDS
    )


_ANNOTATION_FIELDS = frozenset(
    {"pointer", "dialect", "keywords", "title", "description", "netmera_type", "netmera_code"}
)


def _summary(node: Node) -> str:
    """A short description of a subschema for messages: its types, constant or reference."""
    if node.always is not None:
        return "anything" if node.always else "nothing"
    if node.has_const:
        return "the constant " + _short(node.const)
    if node.enum is not None:
        return "one of " + ", ".join(_short(value) for value in node.enum[:5]) + (", ..." if len(node.enum) > 5 else "")
    if node.types is not None:
        return _expected_text(node.types)
    if node.ref_text is not None:
        return node.ref_text.rsplit("/", 1)[-1] or node.ref_text
    if node.required:
        return "an object with " + ", ".join(node.required_names[:3])
    return "a schema"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


# ---------------------------------------------------------------------------------------------------------------
# Module assembly


MODULE_DOCSTRING = '''"""Compiled payload check of the event {event}: `check(item, out)` (see _validate.py).

It mirrors the event schema keyword by keyword in straight-line code: nested objects and arrays inline, set lookups
for enums and closed objects, the values compared with written as the literals below. A valid item runs through
without allocating anything; each violation appends one (JSON pointer, keyword, message) issue to `out`, and
checking goes on, so every violation of an item is reported. Yes/no sub-questions (anyOf, oneOf, not, if,
contains) use the `_valid_*` predicates, which return at the first failure.
"""'''

INDEX_DOCSTRING = '''"""Compiled payload checks, one module per event, each imported when a payload of its event first
comes by.

`VALIDATORS` (wire event name -> check) holds the checks loaded so far, so that dispatch is one `dict.get`;
`load_validator(name)` imports the module of an event on a miss (None for an unknown name).
"""'''

INDEX_FUNCTION = """def load_validator(name: str) -> Check | None:
    \"\"\"The check of an event, its module imported on first use; None for an unknown event name.\"\"\"
    module = _MODULES.get(name)
    if module is None:
        return None
    check: Check = import_module(f"{__name__}.{module}").check
    VALIDATORS[name] = check
    return check"""


def _event_slug(name: str) -> str:
    return slug(name) or "event"


def compile_event_module(
    name: str, schema: Any, shown: str | None = None, default_dialect: Dialect = DRAFT2020
) -> tuple[str | None, list[Finding]]:
    """Source of one event's validator module (defining `check(item, out)`), plus the findings; the source is None
    when the schema has error findings. Raises nothing."""
    tree = read_tree(schema, shown if shown is not None else name, default_dialect)
    return compile_tree(name, tree), list(tree.findings)


def compile_tree(name: str, tree: SchemaTree) -> str | None:
    """Source of one event's validator module from its read schema; None when the tree has errors."""
    if not tree.ok or tree.root is None:
        return None
    node = tree.root
    writer = _ModuleWriter()
    writer.shared = _shared_pointers(node)
    writer.names.add("check")
    function = _Function(
        "def check(item: Any, out: list[Issue]) -> None:",
        "Append one issue per violation of an item (nothing when it is valid).",
    )
    writer.emit(function, node, "item", "collect", _Path(), 1, 0)
    writer.functions.insert(0, function.lines)
    return _assemble(writer, name)


def unsupported_keywords(schema: Any, path: str, default_dialect: Dialect = DRAFT2020) -> list[Finding]:
    """Findings for a bundled schema (those of its tree, `schema_tree.read_tree`)."""
    return list(read_tree(schema, path, default_dialect).findings)


def derived_module_names(wire_names: Sequence[str]) -> dict[str, str]:
    """Module names for events as the generator names their class modules (`parse.parse_events`)."""
    from .naming import class_names, module_names

    classes = class_names(list(wire_names))
    modules = module_names(list(classes.values()))
    return {wire_name: modules[class_name] for wire_name, class_name in classes.items()}


def compile_package(
    schemas: Sequence[tuple[str, Any]],
    path_of: Mapping[str, str] | None = None,
    default_dialect: Dialect = DRAFT2020,
    module_names: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Finding]]:
    """Sources of the `_validators` subpackage for (name, schema) pairs: `__init__.py` and one `<module>.py` per
    event, plus the findings; raises nothing. Events with error findings are left out of the package (their names
    are unknown to it)."""
    trees = [(name, read_tree(schema, (path_of or {}).get(name, name), default_dialect)) for name, schema in schemas]
    return compile_trees(trees, module_names)


def compile_trees(
    trees: Sequence[tuple[str, SchemaTree]], module_names: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[Finding]]:
    """As `compile_package`, for schemas already read (`schema_tree.read_tree`), such as bundled events' trees."""
    if module_names is None:
        module_names = derived_module_names([name for name, _ in trees])
    _check_module_names([name for name, _ in trees], module_names)
    findings: list[Finding] = []
    files: dict[str, str] = {}
    index: dict[str, str] = {}
    for name, tree in sorted(trees, key=lambda pair: pair[0]):
        findings.extend(tree.findings)
        source = compile_tree(name, tree)
        if source is not None:
            files[module_names[name] + ".py"] = source
            index[name] = module_names[name]
    return {"__init__.py": validators_index(index), **dict(sorted(files.items()))}, findings


def _check_module_names(wire_names: Sequence[str], module_names: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for name in wire_names:
        module = module_names.get(name)
        if module is None or not module.isidentifier() or module.startswith("__") or iskeyword(module):
            raise ValueError(f"no usable validator module name for event {name!r}: {module!r}")
        if seen.setdefault(module.lower(), name) != name:
            raise ValueError(f"events {seen[module.lower()]!r} and {name!r} share the module name {module!r}")


def compile_validator_module(event: ReadEvent) -> str:
    """Source of one bundled event's validator module; raises SchemaErrors when it cannot be compiled."""
    source = compile_tree(event.name, event.tree)
    if source is None:
        raise SchemaErrors(errors_in(list(event.tree.findings)))
    return source


def compile_validator_package(
    events: Sequence[EventLike], module_names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Sources of the `_validators` subpackage for bundled events: file name inside it (`__init__.py`,
    `<module>.py` per event) -> source, each byte-identical for identical input and formatted as black formats it.

    `module_names` maps wire event names to module names (default: the modules of the event classes). Raises
    SchemaErrors with the error findings when any event cannot be compiled; call `unsupported_keywords` first to
    report those per file."""
    path_of = {event.name: str(getattr(event, "path", event.name)) for event in events}
    files, findings = compile_package(
        [(event.name, event.schema) for event in events], path_of, DRAFT2020, module_names
    )
    errors = errors_in(findings)
    if errors:
        raise SchemaErrors(errors)
    return files


INLINE_WEIGHT = 40
"""A `$ref` target is inlined at each use when its expanded size (about one unit per check) is at most this, or
half of it when it is used more than once; bigger targets get one shared predicate and one shared collector."""


def _shared_pointers(root: Node) -> frozenset[str]:
    """Pointers of `$ref` targets that get shared functions instead of being inlined at each use."""
    uses: dict[str, int] = {}
    targets: dict[str, Node] = {}
    for node in _walk(root, set()):
        if node.ref is not None:
            uses[node.ref.pointer] = uses.get(node.ref.pointer, 0) + 1
            targets[node.ref.pointer] = node.ref
    weights: dict[int, int] = {}
    return frozenset(
        pointer
        for pointer, target in targets.items()
        if _weight(target, weights) > (INLINE_WEIGHT if uses[pointer] == 1 else INLINE_WEIGHT // 2)
    )


def _weight(node: Node, memo: dict[int, int]) -> int:
    """Roughly how many checks a node expands to when everything under it is inlined."""
    if id(node) not in memo:
        own = 1 + len(node.patterns) + len(node.bounds) + len(node.required_names) + len(node.dependent_required)
        own += sum(value is not None for value in (node.min_length, node.max_length, node.format, node.multiple_of))
        memo[id(node)] = own + sum(_weight(child, memo) for child in _children(node))
    return memo[id(node)]


def _children(node: Node) -> list[Node]:
    children: list[Node | None] = [
        node.additional, node.property_names, node.items, node.contains, node.not_, node.if_, node.then,
        node.else_, node.ref,
    ]  # fmt: skip
    children += [sub for _, sub in node.properties] + [sub for _, sub in node.pattern_properties]
    children += [sub for _, sub in node.dependent_schemas] + node.prefix_items + node.all_of + node.any_of
    children += node.one_of
    return [child for child in children if child is not None]


def _walk(node: Node, seen: set[int]) -> Iterator[Node]:
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child in _children(node):
        yield from _walk(child, seen)


def _assemble(writer: _ModuleWriter, event: str) -> str:
    helpers = sorted(writer.helpers | {"Issue"})
    lines = [MODULE_DOCSTRING.format(event=_safe_comment(event)[:40]), "", "from __future__ import annotations", ""]
    lines += ["import re"] if writer.uses_re else []
    lines += ["from typing import Any", ""]
    lines += ["from .._validate import (", *[f"    {name}," for name in helpers], ")", ""]
    if writer.constant_lines:
        lines += writer.constant_lines + [""]
    for function in writer.functions:
        lines += ["", *function, ""]
    return _blacken("\n".join(lines))


def validators_index(index: Mapping[str, str]) -> str:
    """Source of `_validators/__init__.py` for wire event name -> module name."""
    lines = [INDEX_DOCSTRING, "", "from __future__ import annotations", ""]
    lines += ["from importlib import import_module", "", "from .._validate import Check", ""]
    if index:
        lines += ["_MODULES: dict[str, str] = {", *[f"    {name!r}: {module!r}," for name, module in index.items()]]
        lines += ["}"]
    else:
        lines += ["_MODULES: dict[str, str] = {}"]
    lines += ['"""Wire event name -> module of its check."""', ""]
    lines += ["VALIDATORS: dict[str, Check] = {}", '"""Wire event name -> check, for the modules imported so far."""']
    lines += ["", "", INDEX_FUNCTION, ""]
    return _blacken("\n".join(lines))


# ---------------------------------------------------------------------------------------------------------------
# Running compiled code without writing a package (the validate command and the tests)


def default_runtime_path() -> Path:
    """The runtime half of validation, `runtime/_validate.py`."""
    return Path(__file__).resolve().parent / "runtime" / "_validate.py"


_loaded = 0


class _SourceImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the throwaway packages of `load_in_memory` from their sources, like files on disk would be: each
    module when it is first imported (so the lazy loading of `_validators` runs as in a generated package)."""

    def __init__(self) -> None:
        self.sources: dict[str, tuple[str, bool]] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.sources:
            return None
        is_package = self.sources[fullname][1]
        return importlib.util.spec_from_loader(fullname, self, origin=f"<{fullname}>", is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        source = self.sources[module.__name__][0]
        code = compile(source, f"<{module.__name__}>", "exec")
        exec(code, module.__dict__)  # noqa: S102 - our own generated code


_importer = _SourceImporter()


def load_in_memory(validator_files: Mapping[str, str], runtime_source: str | None = None) -> types.ModuleType:
    """Import the runtime and a compiled `_validators` subpackage (`compile_package` files) as a throwaway
    package, nothing written to disk; return its `_validate` module (call `.validate(payload)` on it). The event
    modules are imported on first use, as in a generated package."""
    global _loaded
    _loaded += 1
    if runtime_source is None:
        runtime_source = default_runtime_path().read_text(encoding="utf-8")
    package = f"_netmera_codegen_validators_{_loaded}"
    if _importer not in sys.meta_path:
        sys.meta_path.append(_importer)
    _importer.sources[package] = ("", True)
    _importer.sources[f"{package}._validate"] = (runtime_source, False)
    for file_name, source in validator_files.items():
        module = file_name.removesuffix(".py")
        if module == "__init__":
            _importer.sources[f"{package}._validators"] = (source, True)
        else:
            _importer.sources[f"{package}._validators.{module}"] = (source, False)
    return importlib.import_module(f"{package}._validate")


# ---------------------------------------------------------------------------------------------------------------
# Black's layout, without running black: the compiled modules are written the way black formats them (line length
# LINE_LENGTH), so the build can leave them alone.

LINE_LENGTH = 100


_LITERAL = re.compile(
    r"""(?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"|(?P<comment>#.*)"
    r"|(?<![\w.])(?P<number>(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
)
"""One-line string literals, comments (passed over) and numbers, in the code the compiler writes."""


def _blacken(source: str) -> str:
    """Quotes and numbers as black writes them, and over-long lines split the way black splits them.

    Docstrings (the only multi-line strings written) are left as they are; elsewhere a regular expression finds the
    literals, which is equivalent to tokenizing for this code and several times faster."""
    out: list[str] = []
    in_docstring = False
    for line in source.split("\n"):
        docstring = in_docstring or line.lstrip().startswith('"""')
        if docstring:
            in_docstring = in_docstring != (line.count('"""') % 2 == 1)
        else:
            line = _LITERAL.sub(_black_literal, line)
        if len(line) > LINE_LENGTH and not docstring:
            out.extend(_split_line(line))
        else:
            out.append(line)
    return "\n".join(out)


def _black_literal(match: re.Match[str]) -> str:
    if match.group("string") is not None:
        return black_string(match.group("string"))
    if match.group("number") is not None:
        return black_number(match.group("number"))
    return match.group(0)


_OPENING = {"(": ")", "[": "]", "{": "}"}


def _depth0_split(text: str, separators: frozenset[str]) -> list[tuple[str, str]]:
    """`text` cut before each top-level token in `separators`: (separator or "", piece) pairs."""
    pieces: list[tuple[str, str]] = []
    depth = 0
    start = 0
    current = ""
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _OPENING.values():
            depth -= 1
        elif depth == 0 and token.string in separators and token.type in (tokenize.NAME, tokenize.OP):
            pieces.append((current, text[start : token.start[1]].strip()))
            current, start = token.string, token.end[1]
    pieces.append((current, text[start:].strip()))
    return pieces


def _split_line(line: str) -> list[str]:
    """An over-long line as black splits it, for the statement shapes the compiler writes."""
    indent = line[: len(line) - len(line.lstrip())]
    text = line.strip()
    inner = indent + "    "
    assignment = re.match(r"(\w+ \+?= )(.*)$", text)
    if assignment and text[-1:] not in ")]}":
        head, value = assignment.groups()
        return [f"{indent}{head}(", *_split_operands(value, inner), f"{indent})"]
    for statement in ("if ", "elif "):
        if text.startswith(statement) and text.endswith(":"):
            condition = text[len(statement) : -1]
            if condition.startswith("(") and _matching(condition, 0) == len(condition) - 1:
                condition = condition[1:-1]
            if condition.startswith("not (") and _matching(condition, 4) == len(condition) - 1:
                # no delimiter outside the brackets: black splits at the brackets of `not (...)`
                return [f"{indent}{statement}not (", *_split_operands(condition[5:-1], inner), f"{indent}):"]
            return [f"{indent}{statement}(", *_split_operands(condition, inner), f"{indent}):"]
    if text[-1:] in ")]}":
        opening = _matching_reverse(text, len(text) - 1)
        head, body = text[: opening + 1], text[opening + 1 : -1]
        if head.endswith(("= (", "= [", "= {")):
            # a collection literal: black puts one element a line
            return [indent + head, *_explode(body, inner), indent + text[-1]]
        if body.startswith("(") and _matching(body, 0) == len(body) - 1:
            # f((a, b)): the tuple goes on its own line, exploded if needed
            lines = [indent + head]
            if len(inner + body) <= LINE_LENGTH:
                lines.append(inner + body)
            else:
                lines += [inner + "(", *_explode(body[1:-1], inner + "    "), inner + ")"]
            return lines + [indent + ")"]
        if len(inner + body) <= LINE_LENGTH:
            return [indent + head, inner + body, indent + ")"]
        return [indent + head, *_explode(body, inner), indent + ")"]
    return [line]


_COMPARATORS = frozenset({"in", "is", "==", "!=", "<", ">", "<=", ">="})
_OPERATOR_LEVELS = (frozenset({"or"}), frozenset({"and"}), _COMPARATORS, frozenset({"+"}))


def _operator_pieces(expression: str, separators: frozenset[str]) -> list[tuple[str, str]]:
    pieces = _depth0_split(expression, separators)
    if separators is not _COMPARATORS:
        return pieces
    fixed: list[tuple[str, str]] = []
    for separator, piece in pieces:
        if separator == "in" and fixed and fixed[-1][1].endswith(" not"):
            fixed[-1] = (fixed[-1][0], fixed[-1][1][:-4])
            separator = "not in"
        elif separator == "is" and piece.startswith("not "):
            separator, piece = "is not", piece[4:]
        fixed.append((separator, piece))
    return fixed


def _split_operands(expression: str, indent: str, suffix: str = "") -> list[str]:
    """An expression inside brackets, split at its operators of the lowest priority (recursively), as black does."""
    if len(indent + expression + suffix) <= LINE_LENGTH:
        return [indent + expression + suffix]
    for separators in _OPERATOR_LEVELS:
        pieces = _operator_pieces(expression, separators)
        if len(pieces) > 1:
            lines: list[str] = []
            for position, (separator, piece) in enumerate(pieces):
                lead = f"{separator} " if separator else ""
                end = suffix if position == len(pieces) - 1 else ""
                if (
                    len(indent + lead + piece + end) > LINE_LENGTH
                    and piece.startswith("(")
                    and _matching(piece, 0) == len(piece) - 1
                ):
                    lines += [indent + lead + "(", *_split_operands(piece[1:-1], indent + "    "), indent + ")" + end]
                elif not lead and len(indent + piece + end) > LINE_LENGTH:
                    lines += _split_operands(piece, indent, end)
                else:
                    lines.append(indent + lead + piece + end)
            return lines
    return [indent + expression + suffix]


def _explode(body: str, indent: str) -> list[str]:
    elements = [piece for _, piece in _depth0_split(body, frozenset({","})) if piece]
    lines: list[str] = []
    for element in elements:
        if (
            len(indent + element) >= LINE_LENGTH
            and element[-1:] in ")]}"
            and _matching_reverse(element, len(element) - 1) == 0
            and "," in element
        ):
            lines += [indent + element[0], *_explode(element[1:-1], indent + "    "), indent + element[-1] + ","]
        else:
            lines += _split_operands(element, indent, ",")
    return lines


def _matching(text: str, position: int) -> int:
    depth = 0
    for token in tokenize.generate_tokens(io.StringIO(text[position:]).readline):
        if token.type == tokenize.OP and token.string in _OPENING:
            depth += 1
        elif token.type == tokenize.OP and token.string in _OPENING.values():
            depth -= 1
            if depth == 0:
                return position + token.start[1]
    return -1


def _matching_reverse(text: str, position: int) -> int:
    """The opening bracket of the closing bracket at `position`."""
    stack: list[int] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.OP and token.string in _OPENING:
            stack.append(token.start[1])
        elif token.type == tokenize.OP and token.string in _OPENING.values():
            start = stack.pop()
            if token.start[1] == position:
                return start
    return -1
