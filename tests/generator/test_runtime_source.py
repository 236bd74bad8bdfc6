"""The runtime is real source: black-formatted at the width it ships with, ruff-clean, every module declaring
`__all__`, and the generated package's exports and imports read from those `__all__`s."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import black
import pytest
from support import GENERATED, ROOT

from netmera_codegen.format import LINE_LENGTH
from netmera_codegen.runtime import EVENT_MODULE_SOURCES, INTERNAL_MODULES
from netmera_codegen.runtime_source import RUNTIME, declared_names, shipped_sources

MODULES = [path for path in shipped_sources() if path.suffix == ".py"]


def top_level_names(tree: ast.Module) -> set[str]:
    """What a module defines: its functions, classes and variables, and the modules it imports itself (a loader
    such as `_httpx` offers one); never a name taken `from` a sibling module, which would be a re-export."""
    names: set[str] = set()
    statements = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            statements += node.body + node.orelse + getattr(node, "finalbody", [])
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_every_runtime_module_declares_what_it_defines(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = declared_names(path.read_text(encoding="utf-8"))
    assert declared, f"{path.name} declares no __all__"
    assert set(declared) <= top_level_names(tree), f"{path.name}: __all__ names something it does not define"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_the_runtime_source_is_black_formatted_at_the_shipped_width(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    mode = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=LINE_LENGTH)
    assert black.format_str(text, mode=mode) == text, f"run: black {path.relative_to(ROOT)}"


def test_the_runtime_source_passes_ruff() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(RUNTIME)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_tooling_files_beside_the_source_do_not_ship() -> None:
    names = {path.name for path in shipped_sources()}
    assert "__init__.py" not in names and "pyproject.toml" not in names and "_validators.pyi" not in names
    assert "py.typed" in names and "_client.py" in names


def test_the_package_re_exports_the_public_modules_all_and_nothing_internal() -> None:
    # Names from the modules that need httpx are imported lazily (under TYPE_CHECKING for the type checker).
    init = ast.parse((GENERATED / "netmera_events" / "__init__.py").read_text(encoding="utf-8"))
    imported = {
        node.module: {alias.name for alias in node.names}
        for node in ast.walk(init)
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }
    runtime_modules = {path.stem for path in MODULES if path.stem.startswith("_")}
    public = runtime_modules - INTERNAL_MODULES
    for module in sorted(public):
        assert imported.get(module) == set(declared_names((RUNTIME / f"{module}.py").read_text())), module
    assert not set(imported) & INTERNAL_MODULES
    assert imported["_registry"] == {"EVENTS", "UnknownEventError", "parse_event"}


def test_event_modules_import_only_what_the_runtime_declares() -> None:
    allowed = {module: set(declared_names((RUNTIME / f"{module}.py").read_text())) for module in EVENT_MODULE_SOURCES}
    for path in sorted((GENERATED / "netmera_events" / "events").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                if node.module is None:  # the package's shared classes
                    assert [alias.name for alias in node.names] == ["types"], path.name
                    continue
                if node.module == f"_validators.{path.stem}":
                    assert [alias.name for alias in node.names] == ["check"], path.name
                    continue
                assert node.module in allowed, f"{path.name} imports from {node.module}"
                assert {alias.name for alias in node.names} <= allowed[node.module], path.name


def test_every_name_the_package_exports_is_in_its_readme() -> None:
    # A private module left out of INTERNAL_MODULES would put its helpers in the package's public names.
    init = ast.parse((GENERATED / "netmera_events" / "__init__.py").read_text())
    exported = next(
        ast.literal_eval(node.value)
        for node in init.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets)
    )
    readme = (GENERATED / "README.md").read_text()
    assert [name for name in exported if f"`{name}" not in readme] == []
