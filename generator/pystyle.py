"""Python literals written the way black writes them, so generated code is black-formatted as it is written.

black normalises string quotes (double, unless that needs more escapes) and numbers (`1e20`, not `1e+20`); code
written with these needs no reformatting for them, which is most of what black would otherwise change.
"""

from __future__ import annotations

import re
from typing import Any


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
