"""Regenerate the golden output trees: `python tests/golden/regenerate.py` (then review the diff and commit).

Each folder here holds `schemas/` and `expected/`: the tree `netmera-codegen generate` makes from them, without
the runtime's files (copies of `generator/runtime/`, the same for every schema set: a test holds every shipped
copy to its source instead) and without the build cache.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent
ROOT = GOLDEN.parent.parent
PACKAGE = "netmera_events"


def golden_sets() -> list[Path]:
    return sorted(folder for folder in GOLDEN.iterdir() if (folder / "schemas").is_dir())


def runtime_copies(package: Path) -> list[Path]:
    """The files of a generated package that are copies of the runtime's source."""
    from netmera_codegen.runtime_source import shipped_sources

    return [package / source.name for source in shipped_sources() if (package / source.name).is_file()]


def main() -> int:
    for folder in golden_sets():
        expected = folder / "expected"
        shutil.rmtree(expected, ignore_errors=True)
        command = [sys.executable, "-m", "netmera_codegen", "generate", "--schemas", "schemas", "--out", "expected"]
        # A bare environment, so that nothing of the caller's shapes the output; no build cache, so that goldens are
        # always built cold and nothing is left in the user's cache folder.
        environment = {"PYTHONPATH": str(ROOT), "PATH": "", "NETMERA_CODEGEN_CACHE": "off"}
        result = subprocess.run(command, cwd=folder, env=environment, check=False)
        if result.returncode != 0:
            return result.returncode
        (expected / ".netmera-codegen.json").unlink()
        for copy in runtime_copies(expected / PACKAGE):
            copy.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
