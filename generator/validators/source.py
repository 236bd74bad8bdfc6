"""Python source fragments for the compiled checks: literals, boolean expressions, names and safe comments.

Schema text never becomes code: every key, value and pattern from a schema is written as a Python literal made by
`repr()` (in black's quotes and number style, `pystyle.literal`), names are sanitised slugs, and text shown in
comments or docstrings keeps only plain characters.
"""

from __future__ import annotations

import ast
import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..layout import closing_bracket
from ..pointers import split_pointer
from ..pystyle import literal
from ..schema_tree import Node

EXPRESSIONS_KEPT = 1 << 14
"""Expressions whose grouping is kept by value: a package's checks repeat the same conditions (parsing one to see
whether it needs brackets is a tenth of compiling a check)."""


@dataclass
class Check:
    """One scalar check, usable as a statement (`if fail: ...`) or inside an expression (`ok`)."""

    fail: str
    ok: str
    keyword: str
    message: str
    """A call of a runtime message helper, `helper(value, detail...)`."""


def python_literal(value: Any) -> str:
    """Python source for a JSON value, as black writes it (repr, which never splices text into code)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return literal(value)
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{python_literal(key)}: {python_literal(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


@functools.lru_cache(maxsize=EXPRESSIONS_KEPT)
def _string_literal(value: str) -> str:
    """Kept by value (strings only: equal numbers can be written apart, `0.0` and `-0.0`): a module repeats the
    same property names and pointers."""
    return literal(value)


def tuple_source(elements: Sequence[str]) -> str:
    """A tuple display of elements already written as source."""
    inner = ", ".join(elements)
    return f"({inner},)" if len(elements) == 1 else f"({inner})"


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NOT_NAME = re.compile(r"[^a-z0-9]+")
_TOKEN_WORDS = {"properties": "", "items": "item", "prefixItems": "item", "$defs": "def", "definitions": "def",
                "additionalProperties": "extra", "patternProperties": "pattern", "anyOf": "any_of",
                "oneOf": "one_of", "allOf": "all_of", "additionalItems": "extra_item"}  # fmt: skip


def slug(text: str) -> str:
    """A lowercase identifier fragment: ASCII letters, digits and single underscores (possibly empty)."""
    return _NOT_NAME.sub("_", _CAMEL.sub("_", text).lower()).strip("_")


def pointer_slug(pointer: str) -> str:
    """A name fragment for the subschema at a pointer (`/properties/items/items` -> `items_item`)."""
    words = []
    for token in split_pointer(pointer) or []:
        word = _TOKEN_WORDS.get(token)
        words.append(slug(token) if word is None else word)
    return "_".join(word for word in words if word)


def safe_comment(text: str) -> str:
    """Schema text made inert for a comment or docstring: only plain characters survive."""
    return re.sub(r"[^A-Za-z0-9_$./~ -]", "?", text)[:100]


@functools.lru_cache(maxsize=EXPRESSIONS_KEPT)
def group(expression: str) -> str:
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
            inner = group(expression[1:-1])
            return inner if inner.startswith("(") else f"({inner})"
    return f"({expression})"


@functools.lru_cache(maxsize=EXPRESSIONS_KEPT)
def unparen(expression: str) -> str:
    """An expression without redundant outer brackets (black drops them on the right of an assignment)."""
    while expression.startswith("(") and closing_bracket(expression, 0) == len(expression) - 1:
        inner = expression[1:-1]
        try:
            ast.parse(inner, mode="eval")
        except SyntaxError:
            break
        if isinstance(ast.parse(inner, mode="eval").body, ast.Tuple):
            break
        expression = inner
    return expression


def negate(expression: str) -> str:
    return f"not {group(expression)}"


def any_true(expressions: Sequence[str]) -> str:
    """`e1 or e2 ...`, each grouped; one expression is itself (black drops brackets around a whole condition)."""
    if len(expressions) == 1:
        return expressions[0]
    return " or ".join(group(expression) for expression in expressions) if expressions else "False"


def all_true(expressions: Sequence[str]) -> str:
    """`e1 and e2 ...`, each grouped; one expression is itself."""
    if len(expressions) == 1:
        return expressions[0]
    return " and ".join(group(expression) for expression in expressions) if expressions else "True"


def expected_text(declared: Sequence[str]) -> str:
    """`string`, `string or null`, `integer, string or null`: the types a value should have, for messages."""
    names = list(declared)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def summary(node: Node) -> str:
    """A short description of a subschema for messages: its types, constant or reference."""
    if node.always is not None:
        return "anything" if node.always else "nothing"
    if node.has_const:
        return "the constant " + _short(node.const)
    if node.enum is not None:
        return "one of " + ", ".join(_short(value) for value in node.enum[:5]) + (", ..." if len(node.enum) > 5 else "")
    if node.types is not None:
        return expected_text(node.types)
    if node.ref_text is not None:
        return node.ref_text.rsplit("/", 1)[-1] or node.ref_text
    if node.required:
        return "an object with " + ", ".join(node.required_names[:3])
    return "a schema"


def alternatives(nodes: list[Node]) -> str:
    """The branches of an `anyOf` / `oneOf`, summarised for its message."""
    return "; ".join(summary(sub) for sub in nodes)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."
