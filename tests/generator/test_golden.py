"""Golden output trees: what the generator makes from fixed schema sets, byte for byte, and that it type-checks.

A golden tree holds what varies with the schemas; the runtime's files, the same in every package, are held to
their source instead: each shipped copy is the header line and then its source, byte for byte.
Regenerate with `python tests/golden/regenerate.py` after an intended change, and review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import GENERATED, GOLDEN, ROOT, run_cli_inline, tree

from netmera_codegen.manifest import sha256_text
from netmera_codegen.pipeline import header
from netmera_codegen.runtime_source import RUNTIME, shipped_sources

SETS = sorted(folder.name for folder in GOLDEN.iterdir() if (folder / "schemas").is_dir())
PACKAGE = "netmera_events"


@pytest.fixture(scope="module", params=SETS)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A golden set built afresh into a folder named like the golden tree (the name appears in the README)."""
    name: str = request.param
    out = tmp_path_factory.mktemp(name) / "expected"
    result = run_cli_inline("generate", "--schemas", "schemas", "--out", out, cwd=GOLDEN / name)
    assert result.returncode == 0, result.stderr
    return name, out


def runtime_paths() -> list[str]:
    return [f"{PACKAGE}/{source.name}" for source in shipped_sources()]


def test_output_matches_the_golden_tree(built: tuple[str, Path]) -> None:
    name, out = built
    produced, expected = tree(out), tree(GOLDEN / name / "expected")
    produced.pop(".netmera-codegen.json")  # the build cache is not part of the golden output
    for path in runtime_paths():
        produced.pop(path)
    assert sorted(produced) == sorted(expected), "run python tests/golden/regenerate.py and review the diff"
    for path in expected:
        assert produced[path] == expected[path], f"{path} differs: run python tests/golden/regenerate.py"


def assert_runtime_is_its_source(out: Path) -> None:
    for source in shipped_sources():
        text = source.read_text(encoding="utf-8")
        path = f"{PACKAGE}/{source.name}"
        first = header(path, f"runtime/{source.name}", sha256_text(text)) if source.suffix == ".py" else ""
        shipped = (out / path).read_bytes()
        assert shipped == (first + text).encode("utf-8"), f"{path} is not the header plus {source.relative_to(ROOT)}"
    shipped_names = {path.name for path in (out / PACKAGE).iterdir() if path.is_file()}
    assert {source.name for source in shipped_sources()} <= shipped_names


def test_every_shipped_runtime_file_is_the_header_plus_its_source(built: tuple[str, Path]) -> None:
    assert_runtime_is_its_source(built[1])


def test_the_committed_runtime_files_are_the_header_plus_their_source() -> None:
    assert_runtime_is_its_source(GENERATED)
    assert RUNTIME.is_dir()


def test_golden_trees_hold_no_runtime_copies() -> None:
    for name in SETS:
        package = GOLDEN / name / "expected" / PACKAGE
        assert not [path for path in runtime_paths() if (package.parent / path).exists()], name


def event_modules(out: Path) -> list[str]:
    return sorted(str(path) for path in (out / PACKAGE / "events").glob("*.py") if path.name != "__init__.py")


def test_event_modules_sort_their_imports_and_use_them_all(built: tuple[str, Path]) -> None:
    """Ruff's `I` and `F401` rules, on its own settings (the repository's settings do not apply to a user's
    package)."""
    for out in (built[1], GENERATED):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "I,F401", *event_modules(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def run_mypy(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull, "-p", PACKAGE],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_golden_package_passes_mypy_strict(built: tuple[str, Path]) -> None:
    result = run_mypy(built[1])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_generated_package_passes_mypy_strict() -> None:
    result = run_mypy(GENERATED)
    assert result.returncode == 0, result.stdout + result.stderr
