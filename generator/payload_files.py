"""Read payload files for `netmera-codegen validate`: a JSON array of events, a single event object, or JSON Lines.

The whole text is parsed as one JSON document first: an array gives its items, anything else is one item (a
non-object item is then reported by the validator, not here). When the document is followed by more data, the file
is read as JSON Lines: one JSON value per non-blank line. Whatever cannot be read (missing file, not UTF-8, empty,
malformed JSON, NaN/Infinity) raises `PayloadFileError` with the line and column of the problem.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Layout = Literal["array", "object", "lines"]


@dataclass
class PayloadFileError(Exception):
    """A payload file that cannot be read; `str()` is `file:line:column: message` (without a line: `file: message`)."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}:{self.column or 1}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class PayloadFile:
    file: str
    """The file as named on the command line (`-` for standard input)."""
    layout: Layout
    items: list[Any]
    lines: list[int] | None = None
    """For JSON Lines, the line number of each item."""


def read_payload_file(path: Path) -> PayloadFile:
    """Read and decode one payload file (`-` reads standard input)."""
    shown = str(path)
    try:
        raw = sys.stdin.buffer.read() if shown == "-" else path.read_bytes()
    except OSError as error:
        raise PayloadFileError(shown, f"cannot read: {error.strerror or error}") from None
    return parse_payload_bytes(raw, shown)


def parse_payload_bytes(raw: bytes, shown: str) -> PayloadFile:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise PayloadFileError(shown, "not valid UTF-8", line, column) from None
    return parse_payload_text(text, shown)


def parse_payload_text(text: str, shown: str) -> PayloadFile:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise PayloadFileError(shown, "empty file: expected a JSON array, a JSON object or JSON Lines", 1, 1)
    try:
        document = _loads(text)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise PayloadFileError(shown, f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
        return _json_lines(text, shown)
    except ValueError as error:
        raise PayloadFileError(shown, f"invalid JSON: {error}") from None
    if isinstance(document, list):
        return PayloadFile(shown, "array", document)
    return PayloadFile(shown, "object", [document])


def _json_lines(text: str, shown: str) -> PayloadFile:
    items: list[Any] = []
    numbers: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(_loads(line))
        except json.JSONDecodeError as error:
            message = f"invalid JSON Lines (one JSON value per line): {error.msg}"
            raise PayloadFileError(shown, message, number, error.colno) from None
        except ValueError as error:
            raise PayloadFileError(shown, f"invalid JSON: {error}", number, 1) from None
        numbers.append(number)
    return PayloadFile(shown, "lines", items, numbers)


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column
