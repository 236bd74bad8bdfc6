"""Mistakes in the command itself are usage errors (exit 2) that say what is wrong; --version and --help."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support import GOLDEN, run_cli, run_cli_inline, tree

from netmera_codegen import __version__

SEED = GOLDEN / "seed" / "schemas"


def _usage_error(result_args: list[str | Path], cwd: Path | None = None) -> str:
    # In this process: the exit status 2 as the shell sees it is test_generate_cli's; --version and --help below
    # run as a subprocess.
    result = run_cli_inline(*result_args, cwd=cwd)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr


@pytest.mark.parametrize("command", ["generate", "check"])
def test_out_naming_an_existing_file(tmp_path: Path, command: str) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder\n")
    message = _usage_error([command, "--schemas", SEED, "--out", out])
    assert f"output folder {out} is a file" in message
    message = _usage_error([command, "--schemas", SEED, "--out", out / "sub"])
    assert f"its parent {out} is a file" in message
    assert out.read_text() == "not a folder\n"


@pytest.mark.parametrize("command", ["generate", "check", "lint", "validate"])
def test_schemas_naming_a_file_says_it_is_a_file(tmp_path: Path, command: str) -> None:
    schemas = tmp_path / "order.json"
    schemas.write_text("{}")
    extra = [tmp_path / "payload.json"] if command == "validate" else []
    message = _usage_error([command, "--schemas", schemas, *extra])
    assert f"schemas folder {schemas} is a file" in message


@pytest.mark.parametrize("inside", [".", "generated", "a/b"])
def test_out_inside_the_schemas_folder_is_refused(tmp_path: Path, inside: str) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(SEED, schemas)
    before = tree(schemas)
    for command in ("generate", "check"):
        message = _usage_error([command, "--schemas", schemas, "--out", schemas / inside])
        assert "the schemas folder" in message and "choose an output folder outside it" in message
    assert tree(schemas) == before


def test_out_inside_schemas_set_in_pyproject_is_refused(tmp_path: Path) -> None:
    shutil.copytree(SEED, tmp_path / "schemas")
    (tmp_path / "pyproject.toml").write_text('[tool.netmera-codegen]\nschemas = "schemas"\nout = "schemas/out"\n')
    assert "is inside the schemas folder" in _usage_error(["generate"], cwd=tmp_path)
    assert not (tmp_path / "schemas" / "out").exists()


def test_templates_folder_that_is_missing(tmp_path: Path) -> None:
    message = _usage_error(["generate", "--schemas", SEED, "--out", tmp_path / "out", "--templates", tmp_path / "t"])
    assert "templates folder" in message and "does not exist" in message
    assert not (tmp_path / "out").exists()


def test_package_version_must_be_a_version(tmp_path: Path) -> None:
    message = _usage_error(["generate", "--schemas", SEED, "--out", tmp_path / "out", "--package-version", "one"])
    assert "'one' is not a version number" in message
    assert not (tmp_path / "out").exists()


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout == f"netmera-codegen {__version__}\n"


@pytest.mark.parametrize("command", ["generate", "check", "lint", "validate"])
def test_subcommand_help_has_a_description_an_example_and_the_exit_codes(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "example:\n  netmera-codegen " + command in result.stdout
    assert "exit status:" in result.stdout and "2  usage error" in result.stdout
    assert "-q, --quiet" in result.stdout


def test_root_help_lists_the_exit_codes() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for code in ("0  success", "1  findings", "2  usage error"):
        assert code in result.stdout
