"""The files a build makes in its worker processes: each event module and compiled check, made there and checked
to be Python there, beside the formatting.

Making them is most of a cold build's work (for 1000 events: the compiled checks about 3 s, compiling every module
to check it 3.7 s, rendering the modules 0.8 s), and each file depends on its own event only, so the pool of
formatting workers (`format.format_files`) runs them all. A task is a picklable function: a worker builds its own
Jinja environment, once, from the same template folders as the build's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .cache import default_cache
from .findings import Finding
from .format import UnformattableError, format_file
from .model import EventClass
from .pystyle import LINE_LENGTH, fits
from .render import environment, render_event
from .template_checks import rendering_finding


@dataclass(frozen=True)
class Made:
    """A file's body as a worker made it, and whether it is Python (with the reason when it is not)."""

    body: str
    problem: tuple[int | None, str] | None = None
    """(line, reason) when the file, under its header, does not compile."""
    unformatted: bool = False
    """Left for the build to format (the formatter runs once over all files, not in a worker): not checked yet."""
    finding: Finding | None = None
    """Why a template (a user's, imported by a built-in one) failed to render the file; `body` is then empty."""


def made_file(make: Callable[[], str], path: str, header: str, formatter: str | None, prestyled: bool) -> Made:
    """Run `make`, format its text with black unless it is written in black's style already (`formatter` None:
    not formatted), and check it compiles."""
    try:
        body = make()
    except Exception as error:  # the traceback that locates a template's line is only here, in the worker
        finding = rendering_finding(error)
        if finding is None:
            raise
        return Made("", finding=finding)
    if formatter is not None and not (prestyled and formatter == "black" and fits(body, LINE_LENGTH)):
        if formatter != "black":
            return Made(body, unformatted=True)
        try:
            body = format_file(path, body)
        except UnformattableError:
            problem = python_problem(header + body, path)  # not Python at all: reported as such, with its line
            if problem is None:
                raise
            return Made(body, problem)
    return Made(body, python_problem(header + body, path))


def python_problem(text: str, path: str) -> tuple[int | None, str] | None:
    """(line, reason) when `text` is not a Python module that compiles, for a `.py` path; else None."""
    if not path.endswith(".py"):
        return None
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as error:
        return error.lineno, error.msg
    except ValueError as error:
        return None, str(error)
    return None


def event_module(event: EventClass, templates: Path | None) -> str:
    """`render.render_event` in a worker process, with an environment of the same template folders as the build's
    (`templates`: the user's folder searched first), built once a process."""
    return render_event(event, _environment(templates))


@functools.lru_cache(maxsize=2)
def _environment(templates: Path | None) -> jinja2.Environment:
    return environment(templates, default_cache())
