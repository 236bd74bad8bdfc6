"""Incremental generation: the manifest, re-rendering only what changed, never touching foreign files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from support import ROOT, run_cli_inline, tree

MANIFEST = ".netmera-codegen.json"


def _generate(schemas: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    result = run_cli_inline("generate", "--schemas", schemas, "--out", out, *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_manifest_records_schemas_templates_version_and_is_deterministic(tmp_path: Path, seed_schemas: Path) -> None:
    _generate(seed_schemas, tmp_path / "a" / "out")
    _generate(seed_schemas, tmp_path / "b" / "out")
    text = (tmp_path / "a" / "out" / MANIFEST).read_text()
    assert text == (tmp_path / "b" / "out" / MANIFEST).read_text()
    data = json.loads(text)
    assert data["generator"] == "netmera-codegen"
    assert set(data["settings"]) >= {"generator_version", "package", "formatter", "templates_sha256"}
    assert data["settings"]["formatter"].startswith("black ")
    entry = data["files"]["netmera_events/events/share_event.py"]
    assert entry["source"] == "share_event.json" and len(entry["source_sha256"]) == 64
    assert str(tmp_path) not in text  # no absolute paths


def test_a_no_op_run_writes_nothing_not_even_the_manifest(tmp_path: Path, seed_schemas: Path) -> None:
    out = tmp_path / "out"
    _generate(seed_schemas, out)
    before, stamps = tree(out), _mtimes(out)
    result = _generate(seed_schemas, out)
    assert "0 changed" in result.stdout
    assert tree(out) == before and _mtimes(out) == stamps


def test_only_the_edited_event_is_rebuilt(tmp_path: Path, seed_schemas: Path) -> None:
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(seed_schemas, schemas)
    _generate(schemas, out)
    order = out / "netmera_events" / "events" / "order_cancel_event.py"
    # Prove that the unchanged module is taken from disk: a marker the manifest does not know would be replaced,
    # so instead keep its bytes and check its mtime is untouched while the edited one is rewritten.
    stamp = order.stat().st_mtime_ns
    path = schemas / "share_event.json"
    data = json.loads(path.read_text())
    data["properties"]["platform"] = {"type": "string"}
    path.write_text(json.dumps(data))

    result = _generate(schemas, out)

    assert order.stat().st_mtime_ns == stamp
    assert "platform" in (out / "netmera_events" / "events" / "share_event.py").read_text()
    # The incremental result is byte for byte what a cold build makes.
    _generate(schemas, tmp_path / "cold" / "out")
    assert tree(out) == tree(tmp_path / "cold" / "out")
    assert "0 changed" not in result.stdout


def test_a_hand_edited_output_file_is_regenerated(tmp_path: Path, seed_schemas: Path) -> None:
    out = tmp_path / "out"
    _generate(seed_schemas, out)
    before = tree(out)
    share = out / "netmera_events" / "events" / "share_event.py"
    share.write_text(share.read_text() + "x = 1\n")
    _generate(seed_schemas, out)
    assert tree(out) == before


def test_a_run_interrupted_before_the_manifest_is_repaired(tmp_path: Path, seed_schemas: Path) -> None:
    """Simulate a crash after files were written but before the manifest: the old manifest stays behind."""
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(seed_schemas, schemas)
    _generate(schemas, out)
    old_manifest = (out / MANIFEST).read_bytes()
    old_share = (out / "netmera_events" / "events" / "share_event.py").read_bytes()
    path = schemas / "share_event.json"
    data = json.loads(path.read_text())
    data["properties"]["platform"] = {"type": "string"}
    path.write_text(json.dumps(data))
    _generate(schemas, out)
    (out / MANIFEST).write_bytes(old_manifest)  # the "interrupted" state: new files, old manifest
    # Reverting the schema must bring back the old module although the manifest claims it is there.
    shutil.copy(seed_schemas / "share_event.json", path)
    assert run_cli_inline("check", "--schemas", schemas, "--out", out).returncode == 1
    _generate(schemas, out)
    assert (out / "netmera_events" / "events" / "share_event.py").read_bytes() == old_share
    assert (out / MANIFEST).read_bytes() == old_manifest


def test_a_failing_run_leaves_the_output_as_it_was(tmp_path: Path, seed_schemas: Path) -> None:
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(seed_schemas, schemas)
    _generate(schemas, out)
    before = tree(out)
    (schemas / "share_event.json").write_text('{"type": "object", "properties": {"x": {"$ref": "https://x.test/s"}}}')
    result = run_cli_inline("generate", "--schemas", schemas, "--out", out)
    assert result.returncode == 1
    assert tree(out) == before


def test_a_crash_inside_the_formatter_leaves_the_output_as_it_was(tmp_path: Path, seed_schemas: Path) -> None:
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(seed_schemas, schemas)
    _generate(schemas, out)
    before = tree(out)
    (schemas / "share_event.json").write_text((schemas / "share_event.json").read_text().replace("Facebook", "Fb"))
    code = (
        "import sys, netmera_codegen.format as f\n"
        "def boom(*a, **k): raise KeyboardInterrupt\n"
        "f.format_files = boom\n"
        "import netmera_codegen.pipeline as p; p.format_files = boom\n"
        "from netmera_codegen.cli import main\n"
        f"sys.exit(main(['generate', '--schemas', {str(schemas)!r}, '--out', {str(out)!r}]))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    assert ran.returncode != 0
    assert tree(out) == before


def test_foreign_files_are_never_deleted(tmp_path: Path, seed_schemas: Path) -> None:
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(seed_schemas, schemas)
    _generate(schemas, out)
    mine = out / "netmera_events" / "events" / "helpers.py"
    mine.write_text("VALUE = 1\n")
    (schemas / "share_event.json").unlink()
    _generate(schemas, out)
    assert mine.read_text() == "VALUE = 1\n"
    assert not (out / "netmera_events" / "events" / "share_event.py").exists()
    assert "share_event.py" not in (out / MANIFEST).read_text()


def test_ruff_formatter_is_deterministic_and_recorded(tmp_path: Path, seed_schemas: Path) -> None:
    _generate(seed_schemas, tmp_path / "a" / "out", "--formatter", "ruff")
    _generate(seed_schemas, tmp_path / "b" / "out", "--formatter", "ruff")
    assert tree(tmp_path / "a" / "out") == tree(tmp_path / "b" / "out")
    assert json.loads((tmp_path / "a" / "out" / MANIFEST).read_text())["settings"]["formatter"].startswith("ruff ")
    assert (
        run_cli_inline(
            "check", "--schemas", seed_schemas, "--out", tmp_path / "a" / "out", "--formatter", "ruff"
        ).returncode
        == 0
    )
    # Switching formatter rebuilds everything and matches a cold build with that formatter.
    _generate(seed_schemas, tmp_path / "a" / "out", "--formatter", "black")
    _generate(seed_schemas, tmp_path / "c" / "out")
    assert tree(tmp_path / "a" / "out") == tree(tmp_path / "c" / "out")
    compile_all = subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(tmp_path / "b" / "out")], capture_output=True, check=False
    )
    assert compile_all.returncode == 0


def test_summary_is_one_line_when_not_a_terminal(tmp_path: Path, seed_schemas: Path) -> None:
    result = _generate(seed_schemas, tmp_path / "out")
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("generated 2 events, ") and lines[0].endswith(" s")
    assert result.stderr == ""
