"""Regenerate the golden output trees: `python tests/golden/regenerate.py` (then review the diff and commit).

Each folder here holds `schemas/` and `expected/`, the exact tree `netmera-codegen generate` makes from them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parent.parent


def golden_sets() -> list[Path]:
    return sorted(folder for folder in GOLDEN.iterdir() if (folder / "schemas").is_dir())


def main() -> int:
    for folder in golden_sets():
        expected = folder / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        command = [sys.executable, "-m", "netmera_codegen", "generate", "--schemas", "schemas", "--out", "expected"]
        result = subprocess.run(command, cwd=folder, env={"PYTHONPATH": str(ROOT), "PATH": ""})
        if result.returncode != 0:
            return result.returncode
        (expected / ".netmera-codegen.json").unlink()  # the build cache is not part of the golden output
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
