"""Settings from `[tool.netmera-codegen]` in the nearest pyproject.toml, overridden by command-line flags.

The nearest pyproject.toml is found by walking up from the current directory; the first one that exists is used,
whether or not it has the table (a project's own pyproject.toml ends the search, as with black or ruff). Paths in
the table are relative to the folder holding that pyproject.toml. Keys: `schemas`, `out`, `package`, `templates`,
`formatter`, `version` (the generated distribution's version), `epoch` (the unit of epoch-integer dates: `milliseconds`, the default, or `seconds`). Unknown keys and values of the wrong type are usage errors, so a typo does not pass silently.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .format import FORMATTERS
from .netmera import EPOCH_UNITS

TABLE = "netmera-codegen"
PATH_KEYS = ("schemas", "out", "templates")
STRING_KEYS = ("package", "formatter", "version", "epoch")


class ConfigError(Exception):
    """The configuration file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class FileConfig:
    """What the pyproject.toml says (only the keys it sets), and where it is."""

    source: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)


def version_problem(version: str) -> str | None:
    """Why `version` cannot be a distribution's version (PEP 440), or None."""
    from packaging.version import InvalidVersion, Version

    try:
        if version != version.strip():
            raise InvalidVersion(version)
        Version(version)
    except InvalidVersion:
        return f"{version!r} is not a version number (PEP 440, such as 1.4.0 or 2.0.0rc1)"
    return None


def find_pyproject(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> FileConfig:
    """Read `[tool.netmera-codegen]` from the nearest pyproject.toml above `start` (default: the current folder)."""
    pyproject = find_pyproject((start or Path.cwd()).resolve())
    if pyproject is None:
        return FileConfig()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from None
    table = data.get("tool", {}).get(TABLE)
    if table is None:
        return FileConfig(source=pyproject)
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.{TABLE}] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in PATH_KEYS:
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{pyproject}: [tool.{TABLE}] {key} must be a non-empty string (a path)")
            values[key] = _relative_to_cwd(pyproject.parent / value)
        elif key in STRING_KEYS:
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{pyproject}: [tool.{TABLE}] {key} must be a non-empty string")
            if key == "formatter" and value not in FORMATTERS:
                raise ConfigError(f"{pyproject}: [tool.{TABLE}] formatter must be one of {', '.join(FORMATTERS)}")
            if key == "version" and version_problem(value):
                raise ConfigError(f"{pyproject}: [tool.{TABLE}] version {version_problem(value)}")
            if key == "epoch" and value not in EPOCH_UNITS:
                raise ConfigError(f"{pyproject}: [tool.{TABLE}] epoch must be one of {', '.join(EPOCH_UNITS)}")
            values[key] = value
        else:
            known = ", ".join(PATH_KEYS + STRING_KEYS)
            raise ConfigError(f"{pyproject}: [tool.{TABLE}] unknown key {key!r} (known: {known})")
    return FileConfig(source=pyproject, values=values)


def _relative_to_cwd(path: Path) -> Path:
    """Shorter paths in messages: relative to the current folder when the path is below it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve())
    except ValueError:
        return resolved
