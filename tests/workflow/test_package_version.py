"""The generated distribution's version: `--package-version`, else `version` in [tool.netmera-codegen], else 1.0.0."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from support import GOLDEN, run_cli_inline

SEED = GOLDEN / "seed" / "schemas"


def _version(out: Path) -> str:
    found = re.search(r'^version = "([^"]*)"$', (out / "pyproject.toml").read_text(), re.MULTILINE)
    assert found is not None
    return found.group(1)


def test_default_flag_and_configuration(tmp_path: Path) -> None:
    shutil.copytree(SEED, tmp_path / "schemas")
    assert run_cli_inline("generate", cwd=tmp_path).returncode == 0
    assert _version(tmp_path / "generated") == "1.0.0"

    (tmp_path / "pyproject.toml").write_text('[tool.netmera-codegen]\nversion = "2.3.0"\n')
    assert run_cli_inline("check", cwd=tmp_path).returncode == 1  # a new version makes the output stale
    assert run_cli_inline("generate", cwd=tmp_path).returncode == 0
    assert _version(tmp_path / "generated") == "2.3.0"
    assert run_cli_inline("check", cwd=tmp_path).returncode == 0

    assert run_cli_inline("generate", "--package-version", "2.4.0rc1", cwd=tmp_path).returncode == 0
    assert _version(tmp_path / "generated") == "2.4.0rc1"


def test_a_bad_version_in_the_configuration_is_a_usage_error(tmp_path: Path) -> None:
    shutil.copytree(SEED, tmp_path / "schemas")
    (tmp_path / "pyproject.toml").write_text('[tool.netmera-codegen]\nversion = "latest"\n')
    result = run_cli_inline("generate", cwd=tmp_path)
    assert result.returncode == 2 and "version 'latest' is not a version number" in result.stderr
    assert not (tmp_path / "generated").exists()
