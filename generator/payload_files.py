"""Read payload files for `netmera-codegen validate`: a JSON array of events, a single event object, or JSON Lines.

The whole text is parsed as one JSON document first: an array gives its items, anything else is one item (a
non-object item is then reported by the validator, not here). When the document is followed by more data, or the
file is named `*.jsonl`/`*.ndjson`, it is read as JSON Lines: one JSON value per non-blank line, and a line that
cannot be read is kept as a `PayloadFileError` at its line while the other lines are still checked. A file that
cannot be read at all (missing, not UTF-8, empty, malformed JSON, NaN/Infinity) raises `PayloadFileError` with the
line and column of the problem. Every item records the 1-based line it starts on, for messages.

Items nested deeper than `MAX_PAYLOAD_DEPTH` are refused at their line (no event comes close; deeper values would
only exhaust the validator's recursion), and so is a document too deep for the JSON parser itself.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Layout = Literal["array", "object", "lines"]
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
MAX_PAYLOAD_DEPTH = 128
"""Deepest nesting of objects and arrays checked in one item."""
MAX_PAYLOAD_BYTES = 256 * 1024 * 1024
"""Largest payload file read (a fireEvents body is capped far below this)."""
_TOO_DEEP = f"nested deeper than {MAX_PAYLOAD_DEPTH} levels of objects and arrays: not checked"


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
    lines: list[int] = field(default_factory=list)
    """The 1-based line each item starts on."""
    errors: list[PayloadFileError] = field(default_factory=list)
    """Lines of a JSON Lines file, and items, that could not be read (the others are in `items`)."""


def read_payload_file(path: Path) -> PayloadFile:
    """Read and decode one payload file (`-` reads standard input)."""
    shown = str(path)
    try:
        if shown == "-":
            raw = sys.stdin.buffer.read(MAX_PAYLOAD_BYTES + 1)
        else:
            with path.open("rb") as handle:
                raw = handle.read(MAX_PAYLOAD_BYTES + 1)
    except OSError as error:
        raise PayloadFileError(shown, f"cannot read: {error.strerror or error}") from None
    if len(raw) > MAX_PAYLOAD_BYTES:
        raise PayloadFileError(shown, f"too large: more than {MAX_PAYLOAD_BYTES // (1024 * 1024)} MiB")
    return parse_payload_bytes(raw, shown, lines=shown.endswith(JSON_LINES_SUFFIXES))


def parse_payload_bytes(raw: bytes, shown: str, lines: bool = False) -> PayloadFile:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _position(raw, error.start)
        raise PayloadFileError(shown, "not valid UTF-8", line, column) from None
    return parse_payload_text(text, shown, lines)


def parse_payload_text(text: str, shown: str, lines: bool = False) -> PayloadFile:
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise PayloadFileError(shown, "empty file: expected a JSON array, a JSON object or JSON Lines", 1, 1)
    if lines:
        return _json_lines(text, shown)
    try:
        document = _loads(text)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise PayloadFileError(shown, f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
        return _json_lines(text, shown)
    except RecursionError:
        raise PayloadFileError(shown, "invalid JSON: nested too deeply to read") from None
    except ValueError as error:
        raise PayloadFileError(shown, f"invalid JSON: {error}") from None
    if isinstance(document, list):
        return _checked(PayloadFile(shown, "array", document, _array_lines(text, len(document))))
    return _checked(PayloadFile(shown, "object", [document], [_line_of(text, len(text) - len(text.lstrip()))]))


def _json_lines(text: str, shown: str) -> PayloadFile:
    items: list[Any] = []
    numbers: list[int] = []
    errors: list[PayloadFileError] = []
    # Only "\n" ends a line (with an optional "\r"): a JSON string may hold U+2028 and friends unescaped.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        try:
            items.append(_loads(line))
        except json.JSONDecodeError as error:
            message = f"invalid JSON Lines (one JSON value per line): {error.msg}"
            errors.append(PayloadFileError(shown, message, number, error.colno))
            continue
        except RecursionError:
            errors.append(PayloadFileError(shown, "invalid JSON: nested too deeply to read", number, 1))
            continue
        except ValueError as error:
            errors.append(PayloadFileError(shown, f"invalid JSON: {error}", number, 1))
            continue
        numbers.append(number)
    return _checked(PayloadFile(shown, "lines", items, numbers, errors))


def _checked(payload: PayloadFile) -> PayloadFile:
    """The file without its items nested deeper than `MAX_PAYLOAD_DEPTH`, which become errors at their line."""
    deep = [index for index, item in enumerate(payload.items) if _too_deep(item)]
    if not deep:
        return payload
    errors = payload.errors + [PayloadFileError(payload.file, _TOO_DEEP, payload.lines[i], 1) for i in deep]
    keep = [index for index in range(len(payload.items)) if index not in set(deep)]
    return PayloadFile(
        payload.file,
        payload.layout,
        [payload.items[i] for i in keep],
        [payload.lines[i] for i in keep],
        sorted(errors, key=lambda error: error.line or 0),
    )


def _too_deep(item: Any) -> bool:
    stack = [(item, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_PAYLOAD_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def _array_lines(text: str, count: int) -> list[int]:
    """The line each element of the top-level array in `text` starts on (the text is known to be valid JSON)."""
    decoder = json.JSONDecoder()
    lines = []
    position = text.index("[") + 1
    line, counted = 1, 0
    for _ in range(count):
        while text[position] in " \t\r\n,":
            position += 1
        line += text.count("\n", counted, position)
        counted = position
        lines.append(line)
        try:
            _, position = decoder.raw_decode(text, position)
        except RecursionError:  # the element is refused as too deep; skip to its end the slow way
            position = _skip_value(text, position)
    return lines


def _skip_value(text: str, position: int) -> int:
    """The end of the JSON value starting at `position`, found by counting brackets outside strings."""
    depth, in_string, escaped = 0, False, False
    for index in range(position, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return index + 1
    return len(text)


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _loads(text: str) -> Any:
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column
