"""black's layout for the statements the validator compiler writes, applied as each statement is emitted (and for
the conditions of the generated constructors, `render`).

A statement that fits `LINE_LENGTH` is written as it is. One that does not is split the way black splits it, so
that black leaves the compiled modules unchanged and the build never formats them:

- a line is cut at its last pair of brackets (head, body, closing bracket); a collection display's elements then
  go one a line with a trailing comma, a call's arguments stay on one line while they fit;
- a line inside brackets that is still too long is cut before each of its lowest-priority operators (`or`/`and`,
  then comparisons, then `+`), or after each comma, and every piece is laid out again the same way;
- an `if` condition and the right-hand side of an assignment sit in parentheses black may leave out: kept when
  the expression has two or more operators of its lowest priority, or one and no brackets at its ends to cut at;
  else the statement is cut at the expression's last brackets (`_can_omit`).

The text given is already in black's style (literals written by `pystyle.literal`, black's spacing), one logical
line without comments; the functions only decide where it breaks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .pystyle import LINE_LENGTH, width

INDENT = "    "

_TOKEN = re.compile(
    r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'"""  # string literals (one line, as the compiler writes them)
    r"|(?:\d[\d_]*\.?[\d_]*|\.\d+)(?:e[+-]?\d+)?j?"  # numbers, their exponent included
    r"|not in\b|is not\b|[A-Za-z_]\w*"
    r"|==|!=|<=|>=|//|\*\*|[-+*/%<>()\[\]{},.:=@~]"
)
_OPENING = {"(": ")", "[": "]", "{": "}"}
_CLOSING = frozenset(_OPENING.values())
_KEYWORDS = frozenset({"not", "or", "and", "in", "is", "if", "elif", "else", "return", "lambda", "for", "while"})
"""Words after which a bracket opens a display, not a call or subscript."""

COMMA = 18
LOGIC = 14
COMPARISON = 10
_PRIORITY = {
    "or": LOGIC,
    "and": LOGIC,
    "in": COMPARISON,
    "is": COMPARISON,
    "not in": COMPARISON,
    "is not": COMPARISON,
    "==": COMPARISON,
    "!=": COMPARISON,
    "<": COMPARISON,
    ">": COMPARISON,
    "<=": COMPARISON,
    ">=": COMPARISON,
    "+": 5,
    "-": 5,
    "*": 4,
    "/": 4,
    "//": 4,
    "%": 4,
    "@": 4,
}
"""black's delimiter priorities (higher splits first) of the operators compiled code contains."""

_ASSIGNMENT = re.compile(r"([A-Za-z_]\w*(?:: [^=]+)? [-+]?= )(.+)$")


def fits(text: str) -> bool:
    """Whether a line fits `LINE_LENGTH` columns."""
    return (len(text) <= LINE_LENGTH and text.isascii()) or width(text) <= LINE_LENGTH


def statement(pad: str, text: str) -> list[str]:
    """One statement at indentation `pad`, as the lines black makes of it."""
    if fits(pad + text):
        return [pad + text]
    for keyword in ("if ", "elif "):
        if text.startswith(keyword) and text.endswith(":"):
            return _right_hand_split(pad, keyword, text[len(keyword) : -1], ":", optional=True)
    assignment = _ASSIGNMENT.match(text)
    if assignment is not None:
        target, value = assignment.groups()
        return _right_hand_split(pad, target, value, "", optional=not _is_tuple_display(value))
    return _right_hand_split(pad, "", text, "", optional=False)


def collection(head: str, elements: Sequence[str], call_name: str = "") -> str:
    """`head = (e1, e2, ...)` (or `head = call_name((e1, ...))`, such as a frozenset) at module level, the elements
    already black literals: laid out from the elements directly (a constant can hold 100,000 enum values), or by the
    general rules when an element is too long to stand on a line of its own."""
    inner = ", ".join(elements) + ("," if len(elements) == 1 else "")
    if len(call_name) + 8 + max((width(element) for element in elements), default=0) + 1 >= LINE_LENGTH:
        value = f"{call_name}(({inner}))" if call_name else f"({inner})"
        return "\n".join(statement("", f"{head} = {value}"))
    if width(head) + 3 + len(call_name) + width(inner) + 2 + (2 if call_name else 0) <= LINE_LENGTH:
        return f"{head} = {call_name}(({inner}))" if call_name else f"{head} = ({inner})"
    if not call_name:
        return "\n".join([f"{head} = (", *[f"{INDENT}{element}," for element in elements], ")"])
    if len(INDENT) + width(inner) + 2 <= LINE_LENGTH:
        return f"{head} = {call_name}(\n{INDENT}({inner})\n)"
    exploded = [f"{INDENT}{INDENT}{element}," for element in elements]
    return "\n".join([f"{head} = {call_name}(", f"{INDENT}(", *exploded, f"{INDENT})", ")"])


# -- the splitting rules


def _right_hand_split(pad: str, head: str, expression: str, tail: str, *, optional: bool) -> list[str]:
    """`head expression tail` cut at the last brackets of `expression` whose first line then fits, trying earlier
    brackets while what follows them fits a line (black's trailers to omit); with `optional`, the expression sits in
    parentheses black may leave out (an `if` condition, an assignment's value). A first line still too long is cut
    again; if even that does not fit, black's second opinion keeps the parentheses when every line then fits."""
    tokens = _tokens(expression)
    chosen: list[str] | None = None
    for closing in _cut_points(len(pad), expression, tail, tokens):
        lines = _cut(pad, head, expression, tail, tokens, closing, optional)
        if lines is not None and fits(lines[0]):
            return lines
        chosen = chosen or lines
    if chosen is None:
        return [pad + head + expression + tail]
    first = chosen[0][len(pad) :]
    lines = [*_right_hand_split(pad, "", first[:-1], first[-1], optional=False), *chosen[1:]]
    if optional and not fits(lines[0]) and chosen[0] != f"{pad}{head}(":
        kept = _parenthesised(pad, head, expression, tail)
        if all(fits(line) for line in kept):
            return kept
    return lines


def _cut_points(start: int, expression: str, tail: str, tokens: list[tuple[int, str]]) -> list[int | None]:
    """The closing brackets to cut at: the last, then each earlier one outside brackets (empty ones aside) while the
    line from it to the end, `start` columns in, fits; [None] when there is none."""
    points: list[int | None] = []
    depth = 0
    for position in range(len(tokens) - 1, -1, -1):
        offset, token = tokens[position]
        if points and start + width(expression[offset:] + tail) > LINE_LENGTH:
            break
        if token in _CLOSING:
            if depth == 0 and (not points or tokens[position - 1][1] not in _OPENING):
                points.append(offset)
            depth += 1
        elif token in _OPENING:
            depth -= 1
    return points or [None]


def _cut(
    pad: str, head: str, expression: str, tail: str, tokens: list[tuple[int, str]], closing: int | None, optional: bool
) -> list[str] | None:
    """The statement cut at the bracket closing at `closing`, or inside its optional parentheses; None when there
    is nothing to cut at."""
    if closing is not None:
        opening = _opening_of(tokens, closing)
        cut = (head + expression[: opening + 1], expression[opening + 1 : closing], expression[closing:] + tail)
        trailer = _is_trailer(expression, opening)
        if opening + 1 < closing and (
            not optional
            or (_can_omit(expression, len(pad) + len(INDENT)) and _prefer_omitting(pad, head, cut[0][len(head) :]))
        ):
            return _bracket_lines(pad, *cut, trailer)
    return _parenthesised(pad, head, expression, tail) if optional else None


def _parenthesised(pad: str, head: str, expression: str, tail: str) -> list[str]:
    return [f"{pad}{head}(", *_inside(pad + INDENT, expression, ""), f"{pad}){tail}"]


def _prefer_omitting(pad: str, head: str, cut: str) -> bool:
    """black's choice for an assignment between cutting inside its value's optional parentheses and at the value's
    own last brackets (`_prefer_split_rhs_oop_over_rhs`): the latter, unless the target has brackets (an annotation)
    and the first line of that cut has no closing bracket after the `=` and would be too long."""
    if not head.endswith(" = ") or head.endswith(("+= ", "-= ")) or not any(bracket in head for bracket in "[({"):
        return True
    if not fits(pad + head + "("):
        return True
    return any(token in _CLOSING for _, token in _tokens(cut)) or fits(pad + head + cut)


def _can_omit(expression: str, depth: int) -> bool:
    """Whether black leaves the optional parentheses out (`can_omit_invisible_parens`): no operator at all, or a
    single one of the lowest priority with the expression starting or ending in brackets it can cut at."""
    tokens = _tokens(expression)
    priority, count = _delimiters(tokens)
    if not priority:
        return True
    if count > 1:
        return False
    (first_start, first), (_, second), (last_start, last) = tokens[0], tokens[1], tokens[-1]
    if first in _OPENING and second not in _CLOSING:
        closing = _closing_of(tokens, first_start)
        after = [start for start, token in tokens if start > closing and token in _OPENING]
        end = after[0] + 1 if after else len(expression)
        if depth + width(expression[closing:end]) <= LINE_LENGTH:
            return True
    if last in (")", "}") or (last == "]" and not _is_trailer(expression, _opening_of(tokens, last_start))):
        if tokens[-2][1] in _OPENING:
            return False
        opening = _opening_of(tokens, last_start)
        seen_other = any(token in _OPENING for start, token in tokens if start < opening)
        return seen_other or depth + width(expression[: opening + 1]) <= LINE_LENGTH
    return False


def _inside(pad: str, text: str, suffix: str) -> list[str]:
    """A line inside brackets: as it is when it fits, else cut after its commas or before its lowest-priority
    operators (each piece laid out again), else at its last brackets."""
    if fits(pad + text + suffix):
        return [pad + text + suffix]
    tokens = _tokens(text)
    priority, _ = _delimiters(tokens)
    if priority == COMMA:
        return [line for element in _elements(text, tokens) for line in _inside(pad, element, ",")]
    if priority:
        pieces = _operator_pieces(text, tokens, priority)
        lines: list[str] = []
        for position, piece in enumerate(pieces):
            lines += _inside(pad, piece, suffix if position == len(pieces) - 1 else "")
        return lines
    return _right_hand_split(pad, "", text, suffix, optional=False)


def _bracket_lines(pad: str, head: str, body: str, tail: str, trailer: bool) -> list[str]:
    """`head` (ending in an opening bracket), the bracket's body indented under it, and `tail` (from the closing
    bracket): a display's elements one a line with a trailing comma when there are several, else the body as one
    line inside brackets (a call's arguments stay together while they fit)."""
    inner = pad + INDENT
    elements = _elements(body, _tokens(body))
    if not trailer and len(elements) > 1:
        lines = [line for element in elements for line in _inside(inner, element, ",")]
    else:
        lines = _inside(inner, body, "")
    return [pad + head, *lines, pad + tail]


# -- reading the text


def _tokens(text: str) -> list[tuple[int, str]]:
    """(offset, token) for each token of a line of code."""
    return [(match.start(), match.group()) for match in _TOKEN.finditer(text)]


def _delimiters(tokens: list[tuple[int, str]]) -> tuple[int, int]:
    """The highest priority among the operators outside brackets (0: none), and how many have it."""
    depth = 0
    best, count = 0, 0
    previous = ""
    for position, (_, token) in enumerate(tokens):
        if token in _OPENING:
            depth += 1
        elif token in _CLOSING:
            depth -= 1
        elif depth == 0 and position > 0 and not (token == "," and position == len(tokens) - 1):
            priority = _priority(token, previous)
            if priority > best:
                best, count = priority, 1
            elif priority and priority == best:
                count += 1
        previous = token
    return best, count


def _priority(token: str, previous: str) -> int:
    if token == ",":
        return COMMA
    if token in ("-", "+") and (previous in _PRIORITY or previous in _OPENING or previous in _UNARY_AFTER):
        return 0
    return _PRIORITY.get(token, 0)


_UNARY_AFTER = frozenset({",", "=", ":", "not", "return", "in", "is", "if", "elif"})
"""Tokens after which `-` and `+` are signs, not operators."""


def _elements(text: str, tokens: list[tuple[int, str]]) -> list[str]:
    """The comma-separated elements of a bracket's body (a trailing comma dropped)."""
    depth, start = 0, 0
    elements = []
    for offset, token in tokens:
        if token in _OPENING:
            depth += 1
        elif token in _CLOSING:
            depth -= 1
        elif token == "," and depth == 0:
            elements.append(text[start:offset].strip())
            start = offset + 1
    last = text[start:].strip()
    if last:
        elements.append(last)
    return elements


def _operator_pieces(text: str, tokens: list[tuple[int, str]], priority: int) -> list[str]:
    """`text` cut before each operator of `priority` outside brackets."""
    depth, start = 0, 0
    pieces = []
    previous = ""
    for position, (offset, token) in enumerate(tokens):
        if token in _OPENING:
            depth += 1
        elif token in _CLOSING:
            depth -= 1
        elif depth == 0 and position > 0 and _priority(token, previous) == priority:
            pieces.append(text[start:offset].strip())
            start = offset
        previous = token
    pieces.append(text[start:].strip())
    return pieces


def _opening_of(tokens: list[tuple[int, str]], closing: int) -> int:
    """The offset of the bracket the one at `closing` closes."""
    stack: list[int] = []
    for offset, token in tokens:
        if token in _OPENING:
            stack.append(offset)
        elif token in _CLOSING:
            opening = stack.pop()
            if offset == closing:
                return opening
    raise ValueError(f"no bracket closes at {closing}")


def _closing_of(tokens: list[tuple[int, str]], opening: int) -> int:
    """The offset of the bracket closing the one at `opening` (-1 when there is none)."""
    depth = 0
    for offset, token in tokens:
        if offset < opening:
            continue
        if token in _OPENING:
            depth += 1
        elif token in _CLOSING:
            depth -= 1
            if depth == 0:
                return offset
    return -1


def closing_bracket(text: str, opening: int) -> int:
    """The position of the bracket closing the one at `opening` in a line of code (-1 if none)."""
    return _closing_of(_tokens(text), opening)


def _is_trailer(text: str, opening: int) -> bool:
    """Whether the bracket at `opening` is a call's or a subscript's (it follows a name or a closing bracket)."""
    before = text[:opening].rstrip()
    if not before or not (before[-1].isalnum() or before[-1] in "_)]}\"'"):
        return False
    word = re.search(r"\w+$", before)
    return word is None or word.group() not in _KEYWORDS


def _is_tuple_display(value: str) -> bool:
    """A value that is a parenthesised tuple (black keeps its parentheses and cuts at them)."""
    if not value.startswith("(") or closing_bracket(value, 0) != len(value) - 1:
        return False
    return len(_elements(value[1:-1], _tokens(value[1:-1]))) > 1 or value.endswith(",)")
