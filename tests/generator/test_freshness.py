"""The committed `generated/` must be exactly what `schemas/` and `templates/` produce."""

from __future__ import annotations

from support import run_cli


def test_generated_package_is_fresh() -> None:
    result = run_cli("check")
    assert result.returncode == 0, (
        "generated/ is stale: run `netmera-codegen generate` and commit it\n" + result.stdout + result.stderr
    )
