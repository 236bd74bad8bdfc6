"""The folders a command is given, checked before any work: usage errors (exit 2) and an empty schemas folder.

A folder that is a file, an output folder inside the schemas folder (its manifest would be read back as an event
schema, and `check` could never be fresh) or a templates folder that is not there is a mistake in the command, so
it is refused before anything is read; a schemas folder that holds no event schema is a finding like any other
problem with the schemas (exit 1), because the build would have nothing to make.
"""

from __future__ import annotations

from pathlib import Path

from .findings import Finding
from .load import SCHEMA_SUFFIX, SHARED_PREFIX, display_path


class UsageError(Exception):
    """A command that cannot be run as given; the message says which setting and why."""


def _kind(path: Path) -> str | None:
    """What is at `path` if it is not a folder ("a file", "not a folder"), None for a folder or nothing."""
    if not path.exists() or path.is_dir():
        return None
    return "a file" if path.is_file() else "not a folder"


def check_schemas_folder(schemas: Path) -> None:
    kind = _kind(schemas)
    if kind is not None:
        raise UsageError(f"schemas folder {display_path(schemas)} is {kind}: give the folder that holds the schemas")


def check_build_folders(schemas: Path, out: Path, templates: Path | None) -> None:
    """Refuse settings `generate` and `check` cannot work with."""
    check_schemas_folder(schemas)
    for folder in (out, *out.parents):
        kind = _kind(folder)
        if kind is not None:
            where = "output folder" if folder == out else f"output folder {display_path(out)}: its parent"
            raise UsageError(f"{where} {display_path(folder)} is {kind}")
    resolved_out, resolved_schemas = out.resolve(), schemas.resolve()
    if resolved_out == resolved_schemas or resolved_out.is_relative_to(resolved_schemas):
        where = "is" if resolved_out == resolved_schemas else "is inside"
        raise UsageError(
            f"output folder {display_path(out)} {where} the schemas folder {display_path(schemas)}: "
            "generated files would be read as schemas; choose an output folder outside it"
        )
    if templates is not None and not templates.is_dir():
        state = "is " + (_kind(templates) or "a file") if templates.exists() else "does not exist"
        raise UsageError(f"templates folder {display_path(templates)} {state}")


def event_schema_findings(schemas: Path) -> list[Finding]:
    """Findings about the schemas folder as a whole: missing, or without a single event schema (errors), and
    `*.json` entries that are neither files nor folders, such as a FIFO (warnings: they are skipped)."""
    shown = display_path(schemas)
    if not schemas.is_dir():
        return [Finding(shown, "", "schemas folder not found")]
    findings = []
    events = 0
    for path in sorted(schemas.rglob("*" + SCHEMA_SUFFIX)):
        if path.is_file():
            events += not path.name.startswith(SHARED_PREFIX)
        elif path.exists() and not path.is_dir():
            findings.append(Finding(display_path(path), "", "not a regular file: skipped", severity="warning"))
    if not events:
        message = (
            f"no event schemas in {shown}: an event schema is a {SCHEMA_SUFFIX} file whose name does not start "
            f"with {SHARED_PREFIX!r} (those hold shared definitions)"
        )
        findings.append(Finding(shown, "", message))
    return findings
