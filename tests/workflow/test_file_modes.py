"""Written files get the mode a new file gets under the umask (0644 under 022), not the 0600 of a temporary file:
committed 0644 files stay 0644 when regenerated, and a Docker `COPY` or a shared checkout can read them."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support import run_cli_inline


@contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)  # the process-wide mask, which the command line reads as a child would inherit it
    try:
        yield
    finally:
        os.umask(previous)


def modes(folder: Path) -> set[int]:
    return {stat.S_IMODE(path.stat().st_mode) for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_generated_files_follow_the_umask(tmp_path: Path, seed_schemas: Path, mask: int, mode: int) -> None:
    with umask(mask):
        assert run_cli_inline("generate", "--schemas", seed_schemas, "--out", tmp_path / "out").returncode == 0
    assert modes(tmp_path / "out") == {mode}


def test_a_regenerated_file_keeps_the_usual_mode(tmp_path: Path, seed_schemas: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(seed_schemas, schemas)
    out = tmp_path / "out"
    with umask(0o022):
        assert run_cli_inline("generate", "--schemas", schemas, "--out", out).returncode == 0
        share = schemas / "share_event.json"
        share.write_text(share.read_text(encoding="utf-8").replace("Id of the shared item.", "The item's id."))
        result = run_cli_inline("generate", "--schemas", schemas, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "The item's id." in (out / "netmera_events" / "events" / "share_event.py").read_text(encoding="utf-8")
    assert modes(out) == {0o644}
