"""Stage 1, load: read every schema file under a folder and decode it as JSON.

Nothing here interprets the schemas; it only turns bytes into Python objects and reports files that cannot be
read, are not UTF-8, are not JSON (with line and column), whose root is not an object, that nest deeper than
`MAX_DEPTH` (no real schema comes close; deeper input would only exhaust the later stages' recursion) or whose
strings hold lone surrogates (`"\\ud800"` is valid JSON syntax but not Unicode text: no output file could hold it).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import BuildCache, Pack
from .findings import Finding
from .pointers import join_pointer

SCHEMA_SUFFIX = ".json"
SHARED_PREFIX = "_"
MAX_DEPTH = 64
MAX_SCHEMA_BYTES = 16 * 1024 * 1024
"""Largest schema file read (the largest real ones are a few hundred KiB): a bigger one is refused, not read."""
"""Deepest nesting of JSON objects and arrays accepted in a schema file."""


@dataclass(frozen=True)
class SchemaFile:
    """One schema file, decoded when its `data` is first read (bytes already found sound need no check again)."""

    path: Path
    """Absolute path of the file."""
    relative: str
    """Path relative to the schemas folder, with forward slashes: how the file is named in messages and output."""
    display: str
    """The path as shown in findings (relative to the working directory when possible)."""
    text: str
    sha256: str
    decoded: dict[str, Any] | None = field(default=None, repr=False, compare=False)
    """The JSON value when it was decoded already; otherwise `data` decodes `text` (known to be a sound schema)."""

    @functools.cached_property
    def data(self) -> dict[str, Any]:
        if self.decoded is not None:
            return self.decoded
        decoded: dict[str, Any] = json.loads(self.text)
        return decoded

    @property
    def is_shared(self) -> bool:
        """Files whose name starts with `_` hold shared definitions, not events."""
        return self.path.name.startswith(SHARED_PREFIX)


def display_path(path: Path, cwd: Path | None = None, resolved: Path | None = None) -> str:
    """The path relative to the working directory (`cwd`, already resolved, when the caller has it) if inside it
    (`resolved`: the path resolved, when the caller has it)."""
    try:
        resolved = resolved if resolved is not None else path.resolve()
        return resolved.relative_to(cwd if cwd is not None else Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class _Folders:
    """Resolves each folder once, and a file from its folder: a file that is no symlink resolves to its resolved
    folder's entry (resolving costs a system call a path component, and `relative_to` is slow: together a third
    of loading 1000 unchanged files)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.known: dict[Path, tuple[Path, str | None]] = {}

    def place(self, path: Path) -> tuple[Path, str]:
        """`path` resolved, and as `display_path` shows it."""
        if path.is_symlink():
            resolved = path.resolve()
            return resolved, display_path(path, self.cwd, resolved)
        folder = self.known.get(path.parent)
        if folder is None:
            resolved_folder = path.parent.resolve()
            shown = display_path(resolved_folder, self.cwd) if resolved_folder.is_relative_to(self.cwd) else None
            folder = self.known[path.parent] = (resolved_folder, shown)
        resolved_folder, shown = folder
        if shown is None:
            return resolved_folder / path.name, path.as_posix()
        return resolved_folder / path.name, path.name if shown == "." else f"{shown}/{path.name}"


def _schema_paths(schemas_dir: Path) -> list[tuple[Path, str]]:
    """(path, path relative to the folder with forward slashes) of each schema file, sorted by the latter."""
    found = [
        (path, path.relative_to(schemas_dir).as_posix())
        for path in schemas_dir.rglob("*" + SCHEMA_SUFFIX)
        if path.is_file()
    ]
    return sorted(found, key=lambda pair: pair[1])


def decode_schema(
    raw: bytes, place: tuple[Path, str, str], sound: Pack | None = None
) -> tuple[SchemaFile | None, Finding | None]:
    """Decode one file's bytes (`place`: its path resolved, as shown and relative to the folder); return the file
    or the finding that says why it cannot be used. Bytes that `sound` (the cache's record of earlier runs)
    already found a sound schema are decoded only when read."""
    shown = place[1]
    sha256 = hashlib.sha256(raw).hexdigest()
    if sound is not None and sound.get(sha256) is True:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        return _schema_file(place, text, sha256, None), None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, Finding(shown, "", f"not valid UTF-8 (byte {error.start}: {raw[error.start : error.start + 1]!r})")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return None, Finding(shown, "", "empty file: expected a JSON object", line=1, column=1)
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        return None, Finding(shown, "", f"invalid JSON: {error.msg}", line=error.lineno, column=error.colno)
    except ValueError as error:
        return None, Finding(shown, "", f"invalid JSON: {error}")
    except RecursionError:
        return None, Finding(shown, "", f"nested too deeply: at most {MAX_DEPTH} levels of objects and arrays")
    if not isinstance(data, dict):
        return None, Finding(shown, "", f"the root must be a JSON object (a schema), not {_json_kind(data)}")
    problem = _structure_problem(data)
    if problem is not None:
        return None, Finding(shown, problem[0], problem[1])
    if sound is not None:
        sound.put(sha256, True)
    return _schema_file(place, text, sha256, data), None


def _schema_file(place: tuple[Path, str, str], text: str, sha256: str, data: dict[str, Any] | None) -> SchemaFile:
    resolved, shown, relative = place
    return SchemaFile(path=resolved, relative=relative, display=shown, text=text, sha256=sha256, decoded=data)


_CACHE_STAGE = "structure"


def load_schemas(schemas_dir: Path, cache: BuildCache | None = None) -> tuple[list[SchemaFile], list[Finding]]:
    """Read and decode every `*.json` file under `schemas_dir`."""
    files: list[SchemaFile] = []
    findings: list[Finding] = []
    if not schemas_dir.is_dir():
        return files, [Finding(display_path(schemas_dir), "", "schemas folder not found")]
    folders = _Folders(Path.cwd().resolve())
    sound = None if cache is None else Pack(cache, _CACHE_STAGE, [str(schemas_dir.resolve())])
    for path, relative in _schema_paths(schemas_dir):
        undecodable = _lone_surrogate(relative)
        if undecodable is not None:  # the file system's bytes were not UTF-8: no output file could name it
            message = f"the file name is not UTF-8 text ({undecodable}): rename the file"
            findings.append(Finding(display_path(path), "", message))
            continue
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_SCHEMA_BYTES + 1)
        except OSError as error:
            findings.append(Finding(display_path(path), "", f"cannot read: {error.strerror}"))
            continue
        if len(raw) > MAX_SCHEMA_BYTES:
            message = f"too large to be a schema: more than {MAX_SCHEMA_BYTES // (1024 * 1024)} MiB"
            findings.append(Finding(display_path(path), "", message))
            continue
        schema_file, finding = decode_schema(raw, (*folders.place(path), relative), sound)
        if schema_file is not None:
            files.append(schema_file)
        if finding is not None:
            findings.append(finding)
    if sound is not None:
        sound.save()
    return files, findings


def _structure_problem(data: dict[str, Any]) -> tuple[str, str] | None:
    """(pointer, message) of the first node nested deeper than MAX_DEPTH or holding a lone surrogate, if any.

    Where a node is is kept as a chain of (parent, token) pairs, made into a pointer only for the node reported:
    making every node's pointer was most of the walk."""
    stack: list[tuple[Any, _Place, int]] = [(data, None, 1)]
    while stack:
        node, place, depth = stack.pop()
        if isinstance(node, (dict, list)) and depth > MAX_DEPTH:
            return _pointer(place), f"nested too deeply: at most {MAX_DEPTH} levels of objects and arrays"
        if isinstance(node, dict):
            for key, value in reversed(node.items()):
                if _lone_surrogate(key):
                    return _pointer((place, key)), f"the key {_lone_surrogate(key)}: not valid Unicode text"
                stack.append((value, (place, key), depth + 1))
        elif isinstance(node, list):
            stack.extend((value, (place, index), depth + 1) for index, value in reversed(list(enumerate(node))))
        elif isinstance(node, str) and _lone_surrogate(node):
            return _pointer(place), f"the string {_lone_surrogate(node)}: not valid Unicode text"
    return None


_Place = tuple[Any, "str | int"] | None
"""Where a node is: None for the root, else (its parent's place, its key or index)."""


def _pointer(place: _Place) -> str:
    tokens: list[str | int] = []
    while place is not None:
        place, token = place
        tokens.append(token)
    return join_pointer("", *reversed(tokens))


def _lone_surrogate(text: str) -> str | None:
    """`holds a lone surrogate U+D800` when the text has one (JSON can spell them, UTF-8 cannot), else None."""
    if text.isascii():
        return None
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return f"holds a lone surrogate U+{ord(char):04X}"
    return None


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
