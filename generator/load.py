"""Stage 1, load: read every schema file under a folder and decode it as JSON.

Nothing here interprets the schemas; it only turns bytes into Python objects and reports files that cannot be
read, are not UTF-8, are not JSON (with line and column) or whose root is not an object.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .findings import Finding

SCHEMA_SUFFIX = ".json"
SHARED_PREFIX = "_"


@dataclass(frozen=True)
class SchemaFile:
    """One decoded schema file."""

    path: Path
    """Absolute path of the file."""
    relative: str
    """Path relative to the schemas folder, with forward slashes: how the file is named in messages and output."""
    display: str
    """The path as shown in findings (relative to the working directory when possible)."""
    text: str
    sha256: str
    data: dict[str, Any]

    @property
    def is_shared(self) -> bool:
        """Files whose name starts with `_` hold shared definitions, not events."""
        return self.path.name.startswith(SHARED_PREFIX)


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def find_schema_files(schemas_dir: Path) -> list[Path]:
    """Schema files under the folder, in a stable order (sorted by relative path)."""
    return sorted(
        (path for path in schemas_dir.rglob("*" + SCHEMA_SUFFIX) if path.is_file()),
        key=lambda path: path.relative_to(schemas_dir).as_posix(),
    )


def decode_schema(path: Path, raw: bytes, schemas_dir: Path) -> tuple[SchemaFile | None, Finding | None]:
    """Decode one file's bytes; return the file or the finding that says why it cannot be used."""
    shown = display_path(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, Finding(shown, "", f"not valid UTF-8 (byte {error.start}: {raw[error.start:error.start + 1]!r})")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return None, Finding(shown, "", "empty file: expected a JSON object", line=1, column=1)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        return None, Finding(shown, "", f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno)
    except ValueError as error:
        return None, Finding(shown, "", f"invalid JSON: {error}")
    if not isinstance(data, dict):
        return None, Finding(shown, "", f"the root must be a JSON object (a schema), not {_json_kind(data)}")
    schema_file = SchemaFile(
        path=path.resolve(),
        relative=path.relative_to(schemas_dir).as_posix(),
        display=shown,
        text=text,
        sha256=hashlib.sha256(raw).hexdigest(),
        data=data,
    )
    return schema_file, None


def load_schemas(schemas_dir: Path) -> tuple[list[SchemaFile], list[Finding]]:
    """Read and decode every `*.json` file under `schemas_dir`."""
    files: list[SchemaFile] = []
    findings: list[Finding] = []
    if not schemas_dir.is_dir():
        return files, [Finding(display_path(schemas_dir), "", "schemas folder not found")]
    for path in find_schema_files(schemas_dir):
        try:
            raw = path.read_bytes()
        except OSError as error:
            findings.append(Finding(display_path(path), "", f"cannot read: {error.strerror}"))
            continue
        schema_file, finding = decode_schema(path, raw, schemas_dir)
        if schema_file is not None:
            files.append(schema_file)
        if finding is not None:
            findings.append(finding)
    return files, findings


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
