"""black's style, imitated: generated code is written black-formatted, so the build need not run black over it.

black normalises string quotes (double, unless that needs more escapes) and numbers (`1e20`, not `1e+20`), and
splits lines longer than `LINE_LENGTH` at their brackets and lowest-priority operators. `literal` writes values
that way; `blacken` applies both to the statement shapes the validator compiler writes; `fits` tells whether a
rendered module has a code line too long (then the build runs the real formatter over it). Tests hold all three to
black's own output.
"""

from __future__ import annotations

import functools
import io
import re
import tokenize
from collections.abc import Sequence
from typing import Any

LINE_LENGTH = 100
"""The line length of every generated Python file (the formatters are run with it too)."""
LINES_KEPT = 1 << 16
"""Lines of code whose literals are kept restyled: the compiled validators repeat the same lines module to module."""
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


@functools.lru_cache(maxsize=LINES_KEPT)
def black_literals(code: str) -> str:
    """One line of code with its string and number literals written as black writes them (kept by value: the
    compiled validators repeat the same lines from module to module)."""
    return _LITERAL.sub(_black_literal, code)


def assigned_collection(head: str, elements: Sequence[str], call: str = "") -> str | None:
    """`head = (e1, e2, ...)` (or `head = call((e1, ...))`) laid out as black lays it out, the elements already
    black literals; None when an element is too long to stand on a line of its own (`blacken` splits those).

    Written directly rather than split afterwards: a constant can hold 100,000 enum values."""
    width = len(head) + 3 + len(call)
    if len(call) + 8 + max((len(element) for element in elements), default=0) + 1 >= LINE_LENGTH:
        return None
    inner = ", ".join(elements) + ("," if len(elements) == 1 else "")
    if width + len(inner) + 2 + (2 if call else 0) <= LINE_LENGTH:
        return f"{head} = {call}({'(' if call else ''}{inner}{')' if call else ''})"
    if not call:
        return "\n".join([f"{head} = (", *[f"    {element}," for element in elements], ")"])
    if 4 + len(inner) + 2 <= LINE_LENGTH:
        return f"{head} = {call}(\n    ({inner})\n)"
    return "\n".join([f"{head} = {call}(", "    (", *[f"        {element}," for element in elements], "    )", ")"])


def fits(source: str, line_length: int) -> bool:
    """Whether every line of code (docstrings aside, which black never rewraps) is at most `line_length` long.

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
        if len(line) > line_length and not docstring:
            return False
    return True


_LITERAL = re.compile(
    r"""(?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
    r"|(?P<comment>#.*)"
    r"|(?<![\w.])(?P<number>(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)"
)
"""One-line string literals, comments (passed over) and numbers, in the code the compiler writes."""


def blacken(source: str) -> str:
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
            line = black_literals(line)
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
            if condition.startswith("(") and matching(condition, 0) == len(condition) - 1:
                condition = condition[1:-1]
            if condition.startswith("not (") and matching(condition, 4) == len(condition) - 1:
                # no delimiter outside the brackets: black splits at the brackets of `not (...)`
                return [f"{indent}{statement}not (", *_split_operands(condition[5:-1], inner), f"{indent}):"]
            return [f"{indent}{statement}(", *_split_operands(condition, inner), f"{indent}):"]
    if text[-1:] in ")]}":
        opening = _matching_reverse(text, len(text) - 1)
        head, body = text[: opening + 1], text[opening + 1 : -1]
        if head.endswith(("= (", "= [", "= {")):
            # a collection literal: black puts one element a line
            return [indent + head, *_explode(body, inner), indent + text[-1]]
        if body.startswith("(") and matching(body, 0) == len(body) - 1:
            # f((a, b)): the tuple goes on its own line, exploded if needed
            lines = [indent + head]
            if len(inner + body) <= LINE_LENGTH:
                lines.append(inner + body)
            else:
                lines += [inner + "(", *_explode(body[1:-1], inner + "    "), inner + ")"]
            return lines + [indent + ")"]
        closer = text[-1]
        if len(inner + body) <= LINE_LENGTH or closer == "]":
            # a subscript keeps its one key whole: a trailing comma would make it a tuple
            return [indent + head, inner + body, indent + closer]
        return [indent + head, *_explode(body, inner), indent + closer]
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
                    and matching(piece, 0) == len(piece) - 1
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


def matching(text: str, position: int) -> int:
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
