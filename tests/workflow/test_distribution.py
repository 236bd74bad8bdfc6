"""What `pip install .` puts in the wheel: every package folder and every file the generator reads from it.

setuptools takes the packages and package data listed in pyproject.toml and nothing else, and its globs pass over
dotfiles (`*.jinja` does not match `.gitignore.jinja`): a file left out is missing only from installed copies, where
`generate` then quietly writes less than a checkout does. This reads the lists the way setuptools does and holds
them to the files of the checkout, so nothing needs building.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

from support import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
FOLDERS = ("generator", "templates")


def folder_of(package: str) -> Path:
    """The checkout folder of a package, through `package-dir` as setuptools maps it (the longest prefix wins)."""
    mapping: dict[str, str] = SETUPTOOLS["package-dir"]
    prefix = max((name for name in mapping if package == name or package.startswith(name + ".")), key=len)
    rest = package[len(prefix) :].lstrip(".")
    return ROOT / mapping[prefix] / Path(*rest.split(".")) if rest else ROOT / mapping[prefix]


def shipped_data(package: str) -> set[Path]:
    folder = folder_of(package)
    patterns = SETUPTOOLS.get("package-data", {}).get(package, [])
    return {folder / name for pattern in patterns for name in glob.glob(pattern, root_dir=folder)}


def test_every_package_folder_is_listed() -> None:
    listed = {folder_of(package) for package in SETUPTOOLS["packages"]}
    folders = {path.parent for top in FOLDERS for path in (ROOT / top).rglob("*") if _shipped_kind(path)}
    assert folders <= listed, sorted(str(folder.relative_to(ROOT)) for folder in folders - listed)


def test_every_data_file_is_in_the_wheel() -> None:
    shipped = {path for package in SETUPTOOLS["packages"] for path in shipped_data(package)}
    data = {path for top in FOLDERS for path in (ROOT / top).rglob("*") if _shipped_kind(path) == "data"}
    assert data <= shipped, sorted(str(path.relative_to(ROOT)) for path in data - shipped)
    assert ROOT / "templates" / "project" / ".gitignore.jinja" in shipped


def _shipped_kind(path: Path) -> str | None:
    """How the installed generator reads a file: as a "module", as "data", or not (None: the checkout's own)."""
    if not path.is_file() or "__pycache__" in path.parts:
        return None
    if path.suffix == ".py":
        return "module"
    if path.suffix == ".jinja" or path.name == "py.typed":
        return "data"
    return None  # tool settings and type stubs beside the runtime source (pyproject.toml, *.pyi) stay behind
