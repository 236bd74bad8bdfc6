"""Golden output trees: what the generator makes from fixed schema sets, byte for byte, and that it type-checks.

Regenerate with `python tests/golden/regenerate.py` after an intended change, and review the diff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from support import GOLDEN, ROOT, run_cli, tree

SETS = sorted(folder.name for folder in GOLDEN.iterdir() if (folder / "schemas").is_dir())


@pytest.mark.parametrize("name", SETS)
def test_output_matches_the_golden_tree(name: str, tmp_path: Path) -> None:
    folder = GOLDEN / name
    # The output folder's name appears in the output (README): use the golden tree's own name.
    result = run_cli("generate", "--schemas", "schemas", "--out", tmp_path / "expected", cwd=folder)
    assert result.returncode == 0, result.stderr
    produced, expected = tree(tmp_path / "expected"), tree(folder / "expected")
    produced.pop(".netmera-codegen.json")  # the build cache is not part of the golden output
    assert sorted(produced) == sorted(expected), "run python tests/golden/regenerate.py and review the diff"
    for path in expected:
        assert produced[path] == expected[path], f"{path} differs: run python tests/golden/regenerate.py"


@pytest.mark.parametrize("name", SETS + ["../../generated"])
def test_golden_package_passes_mypy_strict(name: str, tmp_path: Path) -> None:
    folder = (GOLDEN / name / "expected").resolve() if not name.startswith("..") else ROOT / "generated"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", "netmera_events"],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
