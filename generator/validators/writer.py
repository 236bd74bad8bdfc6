"""The code writer: one generated function's lines, its indentation and the value being checked.

Emitters never pass indentation or the current value around: the writer holds them. `block(header)` writes a
compound statement's header and indents what is written inside the `with`; `at(value, path)` makes a child value
the current one for a while (and counts the nesting depth the inlining heuristics look at); `fail` writes what a
violation does in this function: `return False` in a predicate, appending an issue in a collector.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from .. import layout
from ..layout import INDENT
from ..pointers import join_pointer
from .source import python_literal

Mode = Literal["check", "collect"]
"""`check`: a predicate `(value) -> bool` that returns at the first failure; `collect`: a function appending every
issue of a value to `out`."""

MESSAGES_KEPT = 1 << 14


@dataclass(frozen=True)
class PointerSource:
    """A JSON pointer being built, as Python source: literal parts and expressions (rendered only on failure)."""

    parts: tuple[tuple[bool, str], ...] = ()

    def child(self, token: str) -> PointerSource:
        return PointerSource(self.parts + ((True, join_pointer("", token)),))

    def child_source(self, source: str) -> PointerSource:
        return PointerSource(self.parts + ((False, source),))

    def child_index(self, index: str) -> PointerSource:
        return PointerSource(self.parts + ((True, "/"), (False, f"str({index})")))

    def render(self) -> str:
        merged: list[tuple[bool, str]] = []
        for is_literal, text in self.parts:
            if is_literal and merged and merged[-1][0]:
                merged[-1] = (True, merged[-1][1] + text)
            else:
                merged.append((is_literal, text))
        if not merged:
            return '""'
        return " + ".join(python_literal(text) if is_literal else text for is_literal, text in merged)


PARAMETER_PATH = PointerSource(((False, "path"),))
"""The pointer of a shared collector's value: its `path` parameter."""


class FunctionWriter:
    """Writes one function: `def` line, docstring, then statements at the current indentation."""

    def __init__(self, header: str, docstring: str, mode: Mode, var: str, path: PointerSource) -> None:
        self.lines = [header, f'{INDENT}"""{docstring}"""']
        self.mode = mode
        self.var = var
        """The Python name holding the value being checked."""
        self.path = path
        """Where that value is in the item, as source."""
        self.indent = 1
        self.depth = 0
        """How many objects and arrays deep the current value is inside this function."""
        self._counter = 0

    def fresh(self, prefix: str) -> str:
        """A new local name (`v1`, `k2`, ...)."""
        self._counter += 1
        return f"{prefix}{self._counter}"

    def line(self, text: str) -> None:
        """One statement at the current indentation, split as black splits it when it is too long."""
        pad = INDENT * self.indent
        if layout.fits(pad + text):
            self.lines.append(pad + text)
        else:
            self.lines += layout.statement(pad, text)

    @contextmanager
    def block(self, header: str, *, ensure_body: bool = False) -> Iterator[None]:
        """`header` (an `if ...:`, `for ...:`, `else:`), and what the `with` writes indented under it; with
        `ensure_body`, a `pass` when nothing was written."""
        self.line(header)
        self.indent += 1
        mark = len(self.lines)
        try:
            yield
        finally:
            if ensure_body and len(self.lines) == mark:
                self.line("pass")
            self.indent -= 1

    @contextmanager
    def at(self, var: str, path: PointerSource | None = None, *, deeper: bool = True) -> Iterator[None]:
        """Make `var` (at `path`, by default the current one) the value being checked inside the `with`."""
        saved = self.var, self.path, self.depth
        self.var = var
        self.path = self.path if path is None else path
        self.depth += 1 if deeper else 0
        try:
            yield
        finally:
            self.var, self.path, self.depth = saved

    def fail(self, keyword: str, message: str, path: PointerSource | None = None) -> None:
        """A violation of `keyword` at `path` (default: the current value's): `return False` (check), or append an
        issue (collect). `message` is a call of a runtime message helper, `helper(value, detail...)`; the issue
        carries the helper and its arguments, and the text is only made if someone reads `Violation.message`."""
        if self.mode == "check":
            self.line("return False")
            return
        helper, value, detail = _issue_parts(message)
        where = (self.path if path is None else path).render()
        self._append_issue([where, python_literal(keyword), helper, value, detail])

    def _append_issue(self, elements: list[str]) -> None:
        """`out.append((e1, ...))`, laid out as black lays it out when it is too long for one line (nearly every
        over-long line of a module is one of these): the call's tuple on a line of its own, else one element a line.
        An element too long even for a line of its own (a very long pointer) takes the general rules."""
        outer = INDENT * self.indent
        inner = outer + INDENT
        joined = ", ".join(elements)
        if layout.fits(f"{outer}out.append(({joined}))"):
            self.lines.append(f"{outer}out.append(({joined}))")
        elif layout.fits(f"{inner}({joined})"):
            self.lines += [f"{outer}out.append(", f"{inner}({joined})", f"{outer})"]
        elif all(layout.fits(f"{inner}{INDENT}{element},") for element in elements):
            exploded = [f"{inner}{INDENT}{element}," for element in elements]
            self.lines += [f"{outer}out.append(", f"{inner}(", *exploded, f"{inner})", f"{outer})"]
        else:
            self.line(f"out.append(({joined}))")

    def refuse(self, condition: str, keyword: str, message: str, path: PointerSource | None = None) -> None:
        """`if condition:` then `fail(...)`."""
        with self.block(f"if {condition}:"):
            self.fail(keyword, message, path)


@functools.lru_cache(maxsize=MESSAGES_KEPT)
def _issue_parts(message: str) -> tuple[str, str, str]:
    """A message helper's call `helper(value, detail...)` as the issue's elements: the helper's name, the value,
    and the detail (`None`, the one detail, or a tuple of them). Kept by value: a module repeats
    the same few messages, and parsing one is most of what writing a failure costs."""
    call = ast.parse(message, mode="eval").body
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.args
    pieces = [ast.get_source_segment(message, argument) or "" for argument in call.args]
    if len(pieces) == 1:
        detail = "None"
    elif len(pieces) == 2:
        detail = pieces[1]
    else:
        detail = "(" + ", ".join(pieces[1:]) + ")"
    return call.func.id, pieces[0], detail
