"""How findings reach the user: one labelled line each (text), one JSON document, or GitHub workflow annotations.

Text lines are `path:/pointer: error: message` (or `path:line:col: warning: message`), so editors and scripts can
parse them; on a terminal the label is coloured, unless `NO_COLOR` is set (`FORCE_COLOR` colours a pipe too).
Whatever a schema, a payload or a file name holds is escaped before it is printed: a newline or a control
character in a message can neither forge another finding line nor drive the terminal, and a lone surrogate (from
JSON's `\\ud800` or an undecodable file name) prints as its escape instead of failing to encode.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from .findings import Finding
from .pointers import line_of

OutputFormat = Literal["text", "json", "github"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("text", "json", "github")

_COLOURS = {"error": "\033[1;31m", "warning": "\033[1;33m"}
_RESET = "\033[0m"
_UNPRINTABLE = {"Cc", "Cs", "Zl", "Zp"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` on one line: controls, line separators and lone surrogates as backslash escapes (tabs kept)."""
    if text.isprintable():
        return text
    pieces = []
    for char in text:
        if char != "\t" and unicodedata.category(char) in _UNPRINTABLE:
            pieces.append(char.encode("unicode_escape", "backslashreplace").decode("ascii"))
        else:
            pieces.append(char)
    return "".join(pieces)


def json_text(document: Any) -> str:
    """JSON for any document, even one holding lone surrogates (escaped as `\\udXXX`, which JSON allows)."""
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"


def colour_wanted(stream: TextIO) -> bool:
    """Colour on a terminal; `NO_COLOR` (any non-empty value) turns it off, `FORCE_COLOR` turns it on anywhere."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


def counts(findings: Iterable[Finding]) -> tuple[int, int]:
    """(errors, warnings)."""
    severities = [finding.severity for finding in findings]
    return severities.count("error"), severities.count("warning")


def count_text(errors: int, warnings: int) -> str:
    return f"{errors} error(s), {warnings} warning(s)"


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_COMMANDS = {"note": "notice"}
"""Severities whose workflow command has another name."""


def github_annotation(severity: str, file: str, message: str, line: int | None = None, col: int | None = None) -> str:
    """A workflow command (`::error file=...,line=...::message`) that GitHub shows on the file in a pull request."""
    properties = [f"file={_github_property(printable(file))}"]
    if line is not None:
        properties.append(f"line={line}")
        if col is not None:
            properties.append(f"col={col}")
    properties.append("title=netmera-codegen")
    command = _GITHUB_COMMANDS.get(severity, severity)
    return f"::{command} {','.join(properties)}::{_github_data(printable(message))}"


@dataclass
class Reporter:
    """Prints findings in one output format; `quiet` leaves warnings and notes out (warnings are still counted)."""

    stream: TextIO
    output_format: OutputFormat = "text"
    quiet: bool = False
    colour: bool = False
    _texts: dict[str, str | None] = field(default_factory=dict, repr=False)
    """Files read back for the line of a finding that has only a pointer (GitHub output only)."""

    @classmethod
    def to(cls, stream: TextIO, output_format: OutputFormat = "text", quiet: bool = False) -> Reporter:
        return cls(stream, output_format, quiet, output_format == "text" and colour_wanted(stream))

    def label(self, severity: str) -> str:
        if not self.colour:
            return severity
        return f"{_COLOURS.get(severity, '')}{severity}{_RESET}"

    def line(self, where: str, severity: str, message: str) -> str:
        """One text line, `where: severity: message`, escaped and (on a terminal) coloured."""
        return f"{printable(where)}: {self.label(severity)}: {printable(message)}"

    def shown(self, findings: Sequence[Finding]) -> list[Finding]:
        return [finding for finding in findings if not (self.quiet and finding.severity != "error")]

    def findings(self, findings: Sequence[Finding]) -> None:
        """Print the findings (text and github: one line each; json: one document with the counts)."""
        shown = self.shown(findings)
        if self.output_format == "json":
            errors, warnings = counts(findings)
            document = {"errors": errors, "warnings": warnings, "findings": [finding_json(f) for f in shown]}
            self.stream.write(json_text(document))
            return
        for finding in shown:
            if self.output_format == "github":
                message = f"{finding.pointer or '/'}: {finding.message}" if finding.line is None else finding.message
                line = finding.line if finding.line is not None else self._line_of_pointer(finding)
                text = github_annotation(finding.severity, finding.path, message, line, finding.column)
            else:
                text = self.line(finding.location, finding.severity, finding.message)
            self.stream.write(text + "\n")

    def _line_of_pointer(self, finding: Finding) -> int | None:
        """Where the finding's pointer starts in its file, so that GitHub shows it on that line."""
        if not finding.pointer:
            return None
        if finding.path not in self._texts:
            try:
                self._texts[finding.path] = Path(finding.path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._texts[finding.path] = None
        text = self._texts[finding.path]
        return line_of(text, finding.pointer) if text else None


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "pointer": finding.pointer,
        "line": finding.line,
        "column": finding.column,
        "severity": finding.severity,
        "message": finding.message,
    }
