"""Settings from `[tool.netmera-codegen]` in the nearest pyproject.toml, overridden by flags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import run_cli_inline


def _project(tmp_path: Path, seed_schemas: Path, table: str) -> Path:
    project = tmp_path / "project"
    shutil.copytree(seed_schemas, project / "events")
    (project / "pyproject.toml").write_text(f'[project]\nname = "consumer"\n\n[tool.netmera-codegen]\n{table}')
    (project / "sub" / "deeper").mkdir(parents=True)
    return project


def test_settings_come_from_the_nearest_pyproject_relative_to_it(tmp_path: Path, seed_schemas: Path) -> None:
    project = _project(tmp_path, seed_schemas, 'schemas = "events"\nout = "client"\npackage = "shop_events"\n')
    result = run_cli_inline("generate", cwd=project / "sub" / "deeper")
    assert result.returncode == 0, result.stderr
    assert (project / "client" / "shop_events" / "events" / "share_event.py").is_file()
    assert run_cli_inline("check", cwd=project / "sub").returncode == 0


def test_flags_override_the_file(tmp_path: Path, seed_schemas: Path) -> None:
    project = _project(tmp_path, seed_schemas, 'schemas = "events"\nout = "client"\nformatter = "ruff"\n')
    result = run_cli_inline("generate", "--out", "other", "--formatter", "black", cwd=project)
    assert result.returncode == 0, result.stderr
    assert not (project / "client").exists()
    settings = json.loads((project / "other" / ".netmera-codegen.json").read_text())["settings"]
    assert settings["formatter"].startswith("black ")


def test_formatter_from_the_file(tmp_path: Path, seed_schemas: Path) -> None:
    project = _project(tmp_path, seed_schemas, 'schemas = "events"\nout = "client"\nformatter = "ruff"\n')
    assert run_cli_inline("generate", cwd=project).returncode == 0
    settings = json.loads((project / "client" / ".netmera-codegen.json").read_text())["settings"]
    assert settings["formatter"].startswith("ruff ")


def test_a_bad_table_is_a_usage_error(tmp_path: Path, seed_schemas: Path) -> None:
    project = _project(tmp_path, seed_schemas, 'schema = "events"\n')
    result = run_cli_inline("generate", cwd=project)
    assert result.returncode == 2
    assert "unknown key 'schema'" in result.stderr and "Traceback" not in result.stderr
    (project / "pyproject.toml").write_text('[tool.netmera-codegen]\nformatter = "yapf"\n')
    assert run_cli_inline("check", cwd=project).returncode == 2


def test_a_missing_table_means_the_defaults(tmp_path: Path, seed_schemas: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(seed_schemas, project / "schemas")
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert run_cli_inline("generate", cwd=project).returncode == 0
    assert (project / "generated" / "netmera_events" / "__init__.py").is_file()
