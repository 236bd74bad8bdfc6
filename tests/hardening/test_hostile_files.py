"""Hostile file systems: unreadable, special and huge files among the schemas, a folder where output goes, and
payloads nested absurdly deep or holding lone surrogates. Each gives a clear finding and no traceback."""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import GOLDEN, run_cli_inline, tree

SEED = GOLDEN / "seed" / "schemas"
GOOD = {"extId": "u1", "name": "ShareEvent", "itemId": "4234", "channel": "Facebook"}

# Tests run as root, which reads a mode-000 file anyway: unreadability is simulated by making `open` refuse
# the files whose names end with these, while the command runs (in this process).
UNREADABLE = (".swp", "locked.json")


def _unreadable_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    real_open = io.open

    def refusing_open(file: Any, *rest: Any, **options: Any) -> Any:
        if str(file).endswith(UNREADABLE):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *rest, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", refusing_open)
        patch.setattr(io, "open", refusing_open)
        return run_cli_inline(*args)


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    folder = tmp_path / "schemas"
    shutil.copytree(SEED, folder)
    return folder


def test_an_unreadable_swap_file_does_not_stop_generate_or_check(schemas: Path, tmp_path: Path) -> None:
    (schemas / ".share_event.json.swp").write_bytes(b"\0" * 100)
    out = tmp_path / "out"
    for command in ("generate", "check", "generate", "check"):
        result = _unreadable_cli(command, "--schemas", schemas, "--out", out)
        _no_traceback(result)
        assert result.returncode == 0, result.stderr


def test_an_unreadable_schema_is_a_finding(schemas: Path, tmp_path: Path) -> None:
    (schemas / "locked.json").write_text("{}")
    out = tmp_path / "out"
    for command in ("generate", "check", "lint"):
        args = ["--schemas", schemas] + (["--out", out] if command != "lint" else [])
        result = _unreadable_cli(command, *args)
        _no_traceback(result)
        assert result.returncode == 1
        assert "locked.json:/: error: cannot read: Permission denied" in result.stdout + result.stderr
    assert not out.exists()


def test_a_fifo_and_a_folder_named_like_schemas(schemas: Path, tmp_path: Path) -> None:
    os.mkfifo(schemas / "pipe.json")
    (schemas / "folder.json").mkdir()
    result = run_cli_inline("generate", "--schemas", schemas, "--out", tmp_path / "out")
    _no_traceback(result)
    assert result.returncode == 0
    assert "pipe.json:/: warning: not a regular file: skipped" in result.stderr
    assert run_cli_inline("check", "--schemas", schemas, "--out", tmp_path / "out").returncode == 0


def test_huge_sparse_files_are_not_read(schemas: Path, tmp_path: Path) -> None:
    with open(schemas / ".swap.tmp", "wb") as handle:
        handle.truncate(64 * 1024**3)
    out = tmp_path / "out"
    result = run_cli_inline("generate", "--schemas", schemas, "--out", out)
    assert result.returncode == 0, result.stderr
    with open(schemas / "huge.json", "wb") as handle:
        handle.truncate(64 * 1024**3)
    before = tree(out)
    for command in ("generate", "check", "lint"):
        args = ["--schemas", schemas] + (["--out", out] if command != "lint" else [])
        result = run_cli_inline(command, *args)
        _no_traceback(result)
        assert result.returncode == 1
        assert "huge.json:/: error: too large to be a schema: more than 16 MiB" in result.stdout + result.stderr
    assert tree(out) == before


def test_a_folder_where_an_output_file_goes_stops_the_run_before_any_write(schemas: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", schemas, "--out", out).returncode == 0
    (out / "README.md").write_text("edited\n")  # would be rewritten first, in sorted order
    blocked = out / "netmera_events" / "events" / "share_event.py"
    blocked.unlink()
    blocked.mkdir()
    before = tree(out)

    result = run_cli_inline("generate", "--schemas", schemas, "--out", out)

    _no_traceback(result)
    assert result.returncode == 1
    assert f"{blocked.as_posix()}: error: a folder is where a generated file goes" in result.stderr
    assert tree(out) == before and blocked.is_dir()
    check = run_cli_inline("check", "--schemas", schemas, "--out", out)
    _no_traceback(check)
    assert check.returncode == 1 and f"missing: {blocked.as_posix()}" in check.stdout


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_payloads_nested_200k_deep(tmp_path: Path, output_format: str) -> None:
    depth = 200_000
    array = tmp_path / "deep.json"
    array.write_text("[" * depth + "]" * depth)
    lines = tmp_path / "deep.jsonl"
    lines.write_text(json.dumps(GOOD) + "\n" + '{"a": ' * depth + "1" + "}" * depth + "\n")
    result = run_cli_inline("validate", "--schemas", SEED, "--format", output_format, array, lines)
    _no_traceback(result)
    assert result.returncode == 2
    if output_format == "json":
        files = json.loads(result.stdout)["files"]
        assert "nested too deeply" in files[0]["error"]["message"]
        assert files[1]["items"] == 1 and files[1]["unreadable"][0]["line"] == 2
    else:
        assert f"{array}: error: invalid JSON: nested too deeply to read" in result.stderr
        assert f"{lines}:2:1: error: invalid JSON: nested too deeply to read" in result.stderr


def test_unique_items_over_two_900_deep_arrays(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    schema = {"title": "Deep", "type": "object", "properties": {"a": {"type": "array", "uniqueItems": True}}}
    (schemas / "deep.json").write_text(json.dumps(schema))
    nested: list[object] = []
    for _ in range(900):
        nested = [nested]
    payload = tmp_path / "p.json"
    payload.write_text(
        json.dumps([{"extId": "u", "name": "Deep", "a": [nested, nested]}, {"extId": "u", "name": "Deep"}])
    )
    result = run_cli_inline("validate", "--schemas", schemas, payload)
    _no_traceback(result)
    assert result.returncode == 2
    assert f"{payload}:1:1: error: nested deeper than 128 levels of objects and arrays: not checked" in result.stderr


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_lone_surrogates_and_line_breaks_in_messages(tmp_path: Path, output_format: str) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(SEED, schemas)
    payload = tmp_path / "p.json"
    payload.write_text('{"extId": "u1", "name": "ShareEvent", "itemId": "\\ud800", "channel": 5}\n'
                       '{"extId": "u1", "name": "\\udc00\\nsrc/app.py:1:/x: error: forged"}\n')  # fmt: skip
    result = run_cli_inline("validate", "--schemas", schemas, "--format", output_format, payload)
    _no_traceback(result)
    assert result.returncode == 1
    if output_format == "json":
        violations = json.loads(result.stdout)["files"][0]["violations"]
        assert any(v["message"] == 'unknown event name "\udc00\\nsrc/app.py:1:/x: error: forged"' for v in violations)
    else:
        assert len(result.stdout.splitlines()) == 2, result.stdout  # one line each, nothing forged
        assert "\\udc00" in result.stdout
