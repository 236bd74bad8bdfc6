"""black's style, imitated: generated code is written black-formatted, so the build need not run black over it.

black normalises string quotes (double, unless that needs more escapes) and numbers (`1e20`, not `1e+20`), and
splits lines longer than `LINE_LENGTH` at their brackets. `literal` writes values that way; `assigned_call`,
`annotated_call`, `assigned_list` and `from_import` lay out the statements the templates write; `fits` tells
whether a rendered module has a code line too long (then the build runs the real formatter over it). The validator
compiler lays out its own statements (`validators.layout`). Tests hold all of them to black's own output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

LINE_LENGTH = 100
"""The line length of every generated Python file (the formatters are run with it too)."""
IMPORT_LINE_LENGTH = 88
"""isort's and ruff's default: longer `from ... import` lines are wrapped, so a user's import sorter with its
defaults agrees with the generated modules (black keeps the wrapped form, for its trailing comma)."""


def literal(value: Any) -> str:
    """A Python literal for a JSON scalar, as black writes it (schema text only ever becomes data)."""
    if isinstance(value, str):
        return black_string(repr(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return black_number(repr(value))
    return repr(value)


def black_string(leaf: str) -> str:
    """black's `normalize_string_quotes` for the plain (unprefixed, one-line) literals the compiler writes."""
    if leaf[:3] in ('"""', "'''") or leaf[0] not in "'\"":
        return leaf
    if "\\" not in leaf and '"' not in leaf[1:-1] and "'" not in leaf[1:-1]:
        return f'"{leaf[1:-1]}"'  # nothing to escape either way: black's double quotes (most literals, fast)
    orig_quote, new_quote = ('"', "'") if leaf[0] == '"' else ("'", '"')
    unescaped_new_quote, escaped_new_quote, escaped_orig_quote = _QUOTE_PATTERNS[orig_quote]
    body = leaf[1:-1]
    new_body = _sub_twice(escaped_new_quote, rf"\1\2{new_quote}", body)
    if body != new_body:
        body = new_body
        leaf = f"{orig_quote}{body}{orig_quote}"
    new_body = _sub_twice(escaped_orig_quote, rf"\1\2{orig_quote}", new_body)
    new_body = _sub_twice(unescaped_new_quote, rf"\1\\{new_quote}", new_body)
    if new_body.count("\\") > body.count("\\"):
        return leaf
    if new_body.count("\\") == body.count("\\") and orig_quote == '"':
        return leaf
    return f"{new_quote}{new_body}{new_quote}"


def _quote_patterns(orig_quote: str, new_quote: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    return (
        re.compile(rf"(([^\\]|^)(\\\\)*){new_quote}"),
        re.compile(rf"([^\\]|^)\\((?:\\\\)*){new_quote}"),
        re.compile(rf"([^\\]|^)\\((?:\\\\)*){orig_quote}"),
    )


_QUOTE_PATTERNS = {'"': _quote_patterns('"', "'"), "'": _quote_patterns("'", '"')}
"""By the quote a literal has: (unescaped new quote, escaped new quote, escaped original quote)."""


def _sub_twice(regex: re.Pattern[str], replacement: str, original: str) -> str:
    return regex.sub(replacement, regex.sub(replacement, original))


def black_number(text: str) -> str:
    """black's numeric literal style (for the ints and floats `repr` writes): `1e20`, not `1e+20`."""
    text = text.lower()
    if "e" in text and not text.startswith("0x"):
        before, after = text.split("e")
        return f"{before}e{after.removeprefix('+')}"
    return text


def assigned_call(start: int, callee: str, arguments: Sequence[tuple[str, str]], indent: int) -> str:
    """` = callee(key=value, ...)` for a statement whose text before it is `start` columns wide and indented by
    `indent`, split as black splits it: on one line when it fits, else the arguments on a line of their own, else
    one a line with a trailing comma."""
    joined = ", ".join(f"{key}={value}" for key, value in arguments)
    if start + len(f" = {callee}({joined})") <= LINE_LENGTH:
        return f" = {callee}({joined})"
    inner, outer = " " * (indent + 4), " " * indent
    if len(inner) + len(joined) <= LINE_LENGTH:
        return f" = {callee}(\n{inner}{joined}\n{outer})"
    exploded = "".join(f"{inner}{key}={value},\n" for key, value in arguments)
    return f" = {callee}(\n{exploded}{outer})"


def annotated_call(target: str, annotation: str, callee: str, arguments: Sequence[str], indent: int) -> str:
    """`target: annotation = callee(arguments)` at `indent`, split as black splits it when it is too long: the
    arguments on a line of their own inside the call's brackets, else the call inside parentheses. A statement
    that fits neither way stays on one line, for the formatter (`fits` sends the module to it)."""
    pad, inner = " " * indent, " " * (indent + 4)
    joined = ", ".join(arguments)
    line = f"{pad}{target}: {annotation} = {callee}({joined})"
    if len(line) <= LINE_LENGTH:
        return line
    head = f"{pad}{target}: {annotation} = {callee}("
    if len(head) <= LINE_LENGTH and len(inner) + len(joined) <= LINE_LENGTH:
        return f"{head}\n{inner}{joined}\n{pad})"
    wrapped = f"{inner}{callee}({joined})"
    if len(f"{pad}{target}: {annotation} = (") <= LINE_LENGTH and len(wrapped) <= LINE_LENGTH:
        return f"{pad}{target}: {annotation} = (\n{wrapped}\n{pad})"
    return line


def assigned_list(head: str, elements: Sequence[str]) -> str:
    """`head = [e1, e2, ...]` as black writes it: on one line when it fits, else one element a line."""
    line = f"{head} = [{', '.join(elements)}]"
    if len(line) <= LINE_LENGTH or not elements:
        return line
    return "\n".join([f"{head} = [", *[f"    {element}," for element in elements], "]"])


def from_import(module: str, names: Sequence[str], indent: int = 0) -> str:
    """`from module import names` indented by `indent` spaces (the first line's indentation included), one line if
    it fits `IMPORT_LINE_LENGTH`, else one name a line."""
    margin = " " * indent
    line = f"{margin}from {module} import {', '.join(names)}"
    if len(line) <= IMPORT_LINE_LENGTH:
        return line
    return f"{margin}from {module} import (\n" + "".join(f"{margin}    {name},\n" for name in names) + f"{margin})"


def width(text: str) -> int:
    """Columns a line takes as the installed black counts them (wide East Asian characters take two; combining
    marks took none before black 26 and one since), so that what is laid out here is what black would leave."""
    if text.isascii():
        return len(text)
    from black.strings import str_width  # imported only for text that needs it: black takes 0.15 s to import

    return int(str_width(text))


def fits(source: str, line_length: int) -> bool:
    """Whether every line of code (docstrings aside, which black never rewraps) is at most `line_length` columns
    wide (`width`).

    A docstring starts a line in generated code (its text has every quote escaped); a triple quote further along
    a line is inside a string literal of code."""
    in_docstring = False
    for line in source.split("\n"):
        stripped = line.lstrip()
        if in_docstring:
            docstring = True
            in_docstring = line.count('"""') % 2 == 0
        elif stripped.startswith('"""'):
            docstring = True
            in_docstring = stripped.count('"""') % 2 == 1
        else:
            docstring = False
        if not docstring and width(line) > line_length:
            return False
    return True
