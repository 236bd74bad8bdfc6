"""A schemas folder without a single event schema is a finding for every command, never a crash or a silent pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli_inline, tree


def _folder(tmp_path: Path, kind: str) -> Path:
    folder = tmp_path / "schemas"
    folder.mkdir()
    if kind == "shared only":
        (folder / "_common.json").write_text(json.dumps({"$defs": {"Money": {"type": "number"}}}))
    elif kind == "no json":
        (folder / "README.txt").write_text("the schemas go here\n")
        (folder / "notes.yaml").write_text("a: 1\n")
    return folder


@pytest.mark.parametrize("kind", ["empty", "shared only", "no json"])
@pytest.mark.parametrize("command", ["generate", "check", "lint"])
def test_no_event_schemas_is_a_finding_and_exit_1(tmp_path: Path, kind: str, command: str) -> None:
    schemas = _folder(tmp_path, kind)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine\n")
    args = ["--schemas", schemas] + (["--out", out] if command != "lint" else [])

    result = run_cli_inline(command, *args)

    assert result.returncode == 1, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert f"{schemas}:/: error: no event schemas in {schemas}: " in output
    assert "Traceback" not in output
    assert tree(out) == {"keep.txt": b"mine\n"}


def test_validate_against_a_folder_without_events_cannot_check(tmp_path: Path) -> None:
    schemas = _folder(tmp_path, "shared only")
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    result = run_cli_inline("validate", "--schemas", schemas, payload)
    assert result.returncode == 2
    assert "error: no event schemas in" in result.stderr and "Traceback" not in result.stderr
