"""Installing the generated package (the README's `pip install ./generated`) leaves its folder fresh: the build
backend builds out of the tree, and `check` afterwards still exits 0."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from support import run_cli, tree


def pip(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


@pytest.fixture
def output(tmp_path: Path, seed_schemas: Path) -> tuple[Path, Path]:
    schemas, out = tmp_path / "schemas", tmp_path / "generated"
    shutil.copytree(seed_schemas, schemas)
    assert run_cli("generate", "--schemas", schemas, "--out", out).returncode == 0
    return schemas, out


@pytest.mark.slow  # builds with pip, fetching the build backend from PyPI
def test_pip_install_then_check_is_fresh(output: tuple[Path, Path], tmp_path: Path) -> None:
    schemas, out = output
    before = tree(out)
    installed = pip("install", "--no-deps", "--target", tmp_path / "site", out, cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert tree(out) == before, "installing wrote into the output folder"
    result = run_cli("check", "--schemas", schemas, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    package = tmp_path / "site" / "netmera_events"
    assert (package / "py.typed").is_file() and (package / "_client.py").is_file()
    assert (package / "events" / "share_event.py").read_bytes() == (out / "netmera_events/events/share_event.py").read_bytes()


@pytest.mark.slow
def test_the_wheel_holds_the_package_and_nothing_else(output: tuple[Path, Path], tmp_path: Path) -> None:
    schemas, out = output
    built = pip("wheel", "--no-deps", "-w", tmp_path / "wheels", out, cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp_path / "wheels").glob("netmera_events-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packaged = sorted(name for name in names if not name.startswith("netmera_events-"))
    expected = sorted(path for path in tree(out) if path.startswith("netmera_events/"))
    assert packaged == expected
    assert run_cli("check", "--schemas", schemas, "--out", out).returncode == 0


def test_the_output_ships_a_gitignore_for_build_artefacts(output: tuple[Path, Path]) -> None:
    ignored = (output[1] / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"/build/", "/dist/", "*.egg-info/", "__pycache__/"} <= set(ignored)


def test_what_an_older_setuptools_install_left_is_not_ours(output: tuple[Path, Path]) -> None:
    schemas, out = output
    # What `pip install ./generated` left with setuptools: exact copies of generated files under build/lib.
    shutil.copytree(out / "netmera_events", out / "build" / "lib" / "netmera_events")
    (out / "netmera_events.egg-info").mkdir()
    (out / "netmera_events.egg-info" / "PKG-INFO").write_text("Name: netmera-events\n")
    left = tree(out / "build")
    result = run_cli("check", "--schemas", schemas, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert run_cli("generate", "--schemas", schemas, "--out", out).returncode == 0
    assert tree(out / "build") == left
