"""Problems found in schema files, as data: where they are and what is wrong.

Every stage reports problems by returning findings instead of raising on the first one, so a run lists all of them
together; the command line prints them one per line and never shows a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]
"""A note informs (lint shows it) and never fails a command, not even `lint --strict`."""


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, located by file and JSON pointer (or line and column for JSON syntax errors).

    `str()` is the line the command line prints: `path:/pointer: error: message` or `path:line:col: warning: ...`
    (how it is shown on a terminal, as JSON or as workflow annotations is `report`'s job).
    """

    path: str
    pointer: str
    message: str
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"

    @property
    def location(self) -> str:
        """`path:line:col` when the line is known, else `path:/pointer`."""
        if self.line is not None:
            return f"{self.path}:{self.line}:{self.column or 1}"
        return f"{self.path}:{self.pointer or '/'}"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


def errors_in(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == "error"]


class SchemaErrors(Exception):
    """Raised at a stage boundary when the findings so far make it impossible to go on."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} problem(s) in the schemas")
        self.findings = findings
