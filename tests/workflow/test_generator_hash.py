"""The manifest trusts a tree only while the generator's code is the same: its hash covers every file of the
generator, in every sub-folder (the runtime, the templates' helpers, any sub-package to come)."""

from __future__ import annotations

import shutil
from pathlib import Path

from netmera_codegen.pipeline import GENERATOR_ROOT, generator_sha256


def copy_of_the_generator(tmp_path: Path) -> Path:
    root = tmp_path / "generator"
    shutil.copytree(GENERATOR_ROOT, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def test_the_copy_hashes_like_the_generator(tmp_path: Path) -> None:
    assert generator_sha256(copy_of_the_generator(tmp_path)) == generator_sha256()


def test_a_change_in_a_sub_folder_changes_the_hash(tmp_path: Path) -> None:
    root = copy_of_the_generator(tmp_path)
    before = generator_sha256(root)
    client = root / "runtime" / "_client.py"
    client.write_text(client.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert generator_sha256(root) != before


def test_a_new_file_in_a_new_sub_package_changes_the_hash(tmp_path: Path) -> None:
    root = copy_of_the_generator(tmp_path)
    before = generator_sha256(root)
    (root / "validators").mkdir(exist_ok=True)
    (root / "validators" / "emit_more.py").write_text("X = 1\n", encoding="utf-8")
    assert generator_sha256(root) != before


def test_byte_code_caches_do_not_change_it(tmp_path: Path) -> None:
    root = copy_of_the_generator(tmp_path)
    before = generator_sha256(root)
    (root / "runtime" / "__pycache__").mkdir()
    (root / "runtime" / "__pycache__" / "_client.cpython-311.pyc").write_bytes(b"\0")
    assert generator_sha256(root) == before


def test_an_installed_copy_hashes_like_the_checkout(tmp_path: Path) -> None:
    """A wheel holds the templates inside the package and none of the checkout's tool settings or type stubs."""
    root = copy_of_the_generator(tmp_path)
    before = generator_sha256(root)
    (root / "templates" / "project").mkdir(parents=True)
    (root / "templates" / "project" / "README.md.jinja").write_text("# {{ package }}\n", encoding="utf-8")
    for left_out in [*root.rglob("*.pyi"), *root.rglob("pyproject.toml")]:
        left_out.unlink()
    assert generator_sha256(root) == before
