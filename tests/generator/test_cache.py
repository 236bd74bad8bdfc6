"""The build cache: output and findings are byte-identical with it and without it, edits and `$ref` targets are
seen, a corrupt cache is ignored, and `check` stays right. Each run is the real command line on real schemas (the
repository's and the hard golden set, with their shared `$ref` files), but for lint under another jsonschema
version, which is run here to count its metaschema checks."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from netmera_codegen import lint
from netmera_codegen.cache import BuildCache
from netmera_codegen.findings import Finding
from netmera_codegen.load import SchemaFile
from tests.support import GOLDEN, ROOT, _env, run_python, tree

CACHE_ENV = "NETMERA_CODEGEN_CACHE"


def codegen(*args: str | Path, cache: Path | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = _env()
    env[CACHE_ENV] = str(cache) if cache is not None else "off"
    return subprocess.run(
        [sys.executable, "-m", "netmera_codegen", *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def generate(schemas: Path, out: Path, cache: Path | None) -> dict[str, bytes]:
    ran = codegen("generate", "--schemas", schemas, "--out", out, "-q", cache=cache, cwd=schemas.parent)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return tree(out)


def project(tmp_path: Path, hard: bool = False) -> Path:
    """The repository's schemas (events that `$ref` a shared file), with the hard golden set if asked."""
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    for path in (GOLDEN / "hard" / "schemas").glob("*.json") if hard else ():
        shutil.copy(path, schemas / path.name)
    return schemas


def edit_shared(path: Path) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    target = next(iter(data["$defs"].values()))
    target["description"] = "Edited after the cache was written."
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def edit(path: Path, attribute: str) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.setdefault("properties", {})[attribute] = {"type": "string", "maxLength": 12}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def cold(schemas: Path, out: Path) -> dict[str, bytes]:
    """A build from nothing: no cache, an empty output folder."""
    return generate(schemas, out, cache=None)


def test_edits_with_a_warm_cache_give_what_a_cold_build_of_the_edited_set_gives(tmp_path: Path) -> None:
    schemas, cache = project(tmp_path), tmp_path / "cache"
    first = generate(schemas, tmp_path / "warm", cache)
    assert first == cold(schemas, tmp_path / "cold-1")
    assert any((cache / "pack").rglob("*"))  # per-event bundles and parse results, one pack per stage

    edit(schemas / "search.json", "cacheProbe")
    edit_shared(schemas / "_common.json")  # every event that copies from it must be bundled again
    warm = generate(schemas, tmp_path / "warm", cache)
    assert warm != first
    assert warm == cold(schemas, tmp_path / "cold-2")
    fresh = codegen("check", "--schemas", schemas, "--out", tmp_path / "warm", cache=cache, cwd=tmp_path)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr

    edit(schemas / "add_to_cart.json", "checkProbe")  # check, with the cache warm, still sees an edit
    stale = codegen("check", "--schemas", schemas, "--out", tmp_path / "warm", cache=cache, cwd=tmp_path)
    assert stale.returncode == 1, stale.stdout + stale.stderr


def test_a_corrupt_cache_is_ignored(tmp_path: Path) -> None:
    schemas, cache = project(tmp_path), tmp_path / "cache"
    generate(schemas, tmp_path / "first", cache)
    entries = sorted(path for path in cache.rglob("*") if path.is_file())
    assert entries
    for index, path in enumerate(entries):
        data = path.read_bytes()
        if index % 3 == 0:
            path.write_bytes(data[: len(data) // 2])  # truncated
        elif index % 3 == 1:
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # one bit flipped in the payload
        else:
            path.write_bytes(b"not an entry at all\n")
    edit(schemas / "search.json", "afterCorruption")
    assert generate(schemas, tmp_path / "second", cache) == cold(schemas, tmp_path / "cold")


def test_lint_reports_the_same_findings_with_a_warm_cache(tmp_path: Path) -> None:
    schemas, cache = project(tmp_path, hard=True), tmp_path / "cache"
    without = codegen("lint", "--schemas", schemas, cache=None, cwd=tmp_path)
    filling = codegen("lint", "--schemas", schemas, cache=cache, cwd=tmp_path)
    warm = codegen("lint", "--schemas", schemas, cache=cache, cwd=tmp_path)
    assert (without.returncode, without.stdout, without.stderr) == (filling.returncode, filling.stdout, filling.stderr)
    assert (without.returncode, without.stdout, without.stderr) == (warm.returncode, warm.stdout, warm.stderr)
    assert "warning" in without.stdout + without.stderr  # the hard set has findings to compare


def test_lint_with_a_warm_cache_sees_edits(tmp_path: Path) -> None:
    schemas, cache = project(tmp_path, hard=True), tmp_path / "cache"
    codegen("lint", "--schemas", schemas, cache=cache, cwd=tmp_path)
    path = schemas / "search.json"  # a misspelt annotation and an object attribute: a warning and a note
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["properties"]["lintProbe"] = {"type": "object", "x-netmera-typ": "String", "properties": {}}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    edit_shared(schemas / "_common.json")
    warm = codegen("lint", "--schemas", schemas, cache=cache, cwd=tmp_path)
    without = codegen("lint", "--schemas", schemas, cache=None, cwd=tmp_path)
    assert (without.returncode, without.stdout, without.stderr) == (warm.returncode, warm.stdout, warm.stderr)
    assert "x-netmera-typ" in warm.stdout + warm.stderr and "'lintProbe' is an object" in warm.stdout + warm.stderr


def write_thing(path: Path, with_time: bool) -> None:
    """A shared file's definition; its `when` attribute makes the shared module import datetime's converters."""
    properties: dict[str, Any] = {"label": {"type": "string", "x-netmera-type": "String"}}
    if with_time:
        properties["when"] = {"type": "string", "format": "date-time", "x-netmera-type": "Date"}
    path.write_text(json.dumps({"$defs": {"Thing": {"type": "object", "properties": properties}}}), encoding="utf-8")


def test_a_warm_build_keeps_the_shared_imports_a_cached_event_needs(tmp_path: Path) -> None:
    schemas, cache = tmp_path / "schemas", tmp_path / "cache"
    schemas.mkdir()
    for event, shared in (("alpha", "_a.json"), ("echo", "_e.json")):
        write_thing(schemas / shared, with_time=True)
        schema = {"title": event.title(), "type": "object", "properties": {"thing": {"$ref": f"{shared}#/$defs/Thing"}}}
        (schemas / f"{event}.json").write_text(json.dumps(schema), encoding="utf-8")
    generate(schemas, tmp_path / "warm", cache)

    write_thing(schemas / "_a.json", with_time=False)  # echo's Thing, its parse cached, still needs datetime
    warm = generate(schemas, tmp_path / "warm", cache)
    assert warm == cold(schemas, tmp_path / "cold")
    imported = run_python("import netmera_events.types", path=tmp_path / "warm")
    assert imported.returncode == 0, imported.stderr


def test_lint_checks_the_metaschema_again_after_jsonschema_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cached metaschema findings are jsonschema's: another jsonschema version may find otherwise."""
    schemas = project(tmp_path)
    cache = BuildCache(tmp_path / "cache")
    monkeypatch.setattr(lint, "default_cache", lambda: cache)
    checked: list[str] = []
    real_check, real_version = lint._metaschema_findings, metadata.version

    def counted(schema_file: SchemaFile) -> list[Finding]:
        checked.append(schema_file.path.name)
        return real_check(schema_file)

    monkeypatch.setattr(lint, "_metaschema_findings", counted)
    first = lint.lint(schemas)
    files = sorted(path.name for path in schemas.glob("*.json"))
    assert sorted(checked) == files
    checked.clear()
    assert lint.lint(schemas) == first and checked == []

    monkeypatch.setattr(metadata, "version", lambda name: "99.0" if name == "jsonschema" else real_version(name))
    assert lint.lint(schemas) == first
    assert sorted(checked) == files
