"""Mistakes in a user's `--templates` folder, as findings that name the template and its line.

Jinja raises on a syntax error (with the file and line), on an undefined variable or a failing expression while
rendering (its traceback runs through the template's compiled code, whose frames carry the template's file and
line), and a template can render text that is not Python. Each becomes an error finding, so `generate` writes
nothing and shows no traceback; a file in the folder whose name matches no output file is a warning, because it
would otherwise be ignored without a word.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path

import jinja2

from .findings import Finding
from .load import display_path
from .render import EVENT_TEMPLATE, TEMPLATE_SUFFIX, builtin_templates

RENDERED_FOLDERS = ("project/", "package/")
"""Every `*.jinja` under these renders once (into the output folder, or into the package)."""


def _template_frame(error: BaseException) -> tuple[str, int] | None:
    """(file, line) of the innermost traceback frame that runs a template's code."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(TEMPLATE_SUFFIX) and frame.lineno is not None:
            found = (frame.filename, frame.lineno)
    return found


def rendering_finding(error: Exception) -> Finding | None:
    """The finding for an error raised by loading or rendering a template; None when no template caused it."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = display_path(Path(error.filename)) if error.filename else error.name or "template"
        return Finding(where, "", f"template syntax error: {error.message}", line=error.lineno, column=1)
    located = _template_frame(error)
    if located is None:
        return None
    filename, line = located
    if isinstance(error, jinja2.UndefinedError):
        message = f"undefined in template: {error.message} (see the README for the variables each template gets)"
    else:
        message = f"template failed: {type(error).__name__}: {error}"
    return Finding(display_path(Path(filename)), "", message, line=line, column=1)


def template_file(env: jinja2.Environment, name: str) -> str:
    """The file a template name loads from (the user's override or the built-in one), as shown in findings."""
    try:
        filename = env.get_template(name).filename
    except jinja2.TemplateError:
        filename = None
    return display_path(Path(filename)) if filename else name


def python_finding(template: str, output: str, body: str) -> Finding | None:
    """An error finding when `body` (rendered by `template` into `output`) is not valid Python, else None."""
    try:
        compile(body, output, "exec", dont_inherit=True, flags=0x400)  # ast.PyCF_ONLY_AST: parse, never run
    except SyntaxError as error:
        where = f"line {error.lineno}" + (f", column {error.offset}" if error.offset else "")
        return Finding(template, "", f"renders {output} as invalid Python ({where} of the output): {error.msg}")
    except ValueError as error:  # a NUL byte
        return Finding(template, "", f"renders {output} as invalid Python: {error}")
    return None


def templates_folder_findings(user_templates: Path, runtime_names: Iterable[str]) -> list[Finding]:
    """An error for every template that is not UTF-8 text, a warning for every file no output is made from.

    A file named as a built-in template replaces it, whether it renders a file itself or is imported by the ones that
    do (the macros of `classes.jinja`)."""
    plain = {f"package/{name}" for name in runtime_names}
    root = builtin_templates()
    builtin = {path.relative_to(root).as_posix() for path in root.rglob(f"*{TEMPLATE_SUFFIX}")}
    findings = []
    for path in sorted(user_templates.rglob("*")):
        relative = path.relative_to(user_templates)
        if not path.is_file() or any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        name = relative.as_posix()
        if name in builtin or name in plain or (name.startswith(RENDERED_FOLDERS) and name.endswith(TEMPLATE_SUFFIX)):
            try:
                path.read_bytes().decode("utf-8")
            except OSError as error:
                findings.append(Finding(display_path(path), "", f"cannot read the template: {error.strerror}"))
            except UnicodeDecodeError as error:
                message = f"the template is not UTF-8 text (byte {error.start})"
                findings.append(Finding(display_path(path), "", message))
            continue
        findings.append(
            Finding(
                display_path(path),
                "",
                f"template {name} matches no output file and is not used (known: {EVENT_TEMPLATE}, classes.jinja, "
                f"project/**/*{TEMPLATE_SUFFIX}, package/**/*{TEMPLATE_SUFFIX}, or a runtime file as package/<name>)",
                severity="warning",
            )
        )
    return findings
