"""How `diff` prints its changes: text (one line each, `file:pointer: ...`), JSON, or GitHub workflow commands."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TextIO

from ..pointers import line_of
from .changes import LEVELS, Change, Level, suggested_bump


@dataclass(frozen=True)
class Report:
    changes: list[Change]
    level: Level
    against: str
    """How the old side is named."""
    revision: str | None
    schemas: str

    @property
    def breaking(self) -> list[Change]:
        return [change for change in self.changes if change.breaks(self.level)]

    @property
    def bump(self) -> str:
        return suggested_bump(self.changes)

    def summary(self) -> str:
        if not self.changes:
            return f"no changes against {self.against}; suggested version bump: none"
        counts = {level: sum(change.breaks(level) for change in self.changes) for level in LEVELS}
        other: Level = "source" if self.level == "wire" else "wire"
        return (
            f"{len(self.changes)} change(s) against {self.against}: {counts[self.level]} breaking at {self.level} "
            f"level ({counts[other]} at {other} level); suggested version bump: {self.bump}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "against": self.against,
            "revision": self.revision,
            "schemas": self.schemas,
            "level": self.level,
            "breaking": bool(self.breaking),
            "bump": self.bump,
            "counts": {
                "changes": len(self.changes),
                "breaking": {level: sum(change.breaks(level) for change in self.changes) for level in LEVELS},
            },
            "changes": [change.to_json(self.level) for change in self.changes],
        }


def _value(value: Any) -> str:
    return "-" if value is None else json.dumps(value, ensure_ascii=False)


def verdict_text(change: Change) -> str:
    failing = [level for level in LEVELS if change.breaks(level)]
    if not failing:
        return "compatible"
    word = "cannot prove compatible" if any(change.verdict(level) == "unproven" for level in failing) else "breaking"
    return f"{word} ({', '.join(failing)})"


def change_line(change: Change) -> str:
    where = f" in {change.via}" if change.via else ""
    return (
        f"{change.file}:{change.pointer or '/'}: {change.rule} {verdict_text(change)}: {change.message}{where} "
        f"[{_value(change.old)} -> {_value(change.new)}]"
    )


def write_text(report: Report, stream: TextIO) -> None:
    for change in report.changes:
        print(change_line(change), file=stream)
    print(report.summary(), file=stream)


def write_json(report: Report, stream: TextIO) -> None:
    json.dump(report.to_json(), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(report: Report, stream: TextIO, texts: dict[str, str]) -> None:
    """Workflow commands GitHub shows as annotations on the schema files; `texts` holds each file's JSON text
    (by the file name shown), to find the line of a pointer."""
    for change in report.changes:
        command = "error" if change.breaks(report.level) else "notice"
        line = line_of(texts.get(change.file, ""), change.pointer)
        properties = f"file={_escape_property(change.file)},line={line}"
        title = _escape_property(f"{change.rule}: {verdict_text(change)}")
        message = f"{change.pointer or '/'}: {change.message} [{_value(change.old)} -> {_value(change.new)}]"
        print(f"::{command} {properties},title={title}::{_escape_data(message)}", file=stream)
    print(report.summary(), file=stream)


def write(report: Report, output_format: str, stream: TextIO, texts: dict[str, str] | None = None) -> None:
    if output_format == "json":
        write_json(report, stream)
    elif output_format == "github":
        write_github(report, stream, texts or {})
    else:
        write_text(report, stream)
