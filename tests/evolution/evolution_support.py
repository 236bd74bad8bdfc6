"""Helpers for the schema-evolution tests: schema files, throwaway git repositories, the real `diff` command."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from support import run_cli, run_cli_inline

GIT_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def event(title: str, properties: dict[str, Any], required: list[str] | None = None, **root: Any) -> dict[str, Any]:
    """An event schema as a panel export looks."""
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": properties,
    }
    if required:
        schema["required"] = required
    schema.update(root)
    return schema


def write_schemas(folder: Path, schemas: dict[str, dict[str, Any]]) -> Path:
    """Replace the folder's schema files with `schemas` (file name -> schema)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for name, schema in schemas.items():
        (folder / name).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    return folder


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=repo, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


def init_repo(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def diff(cwd: Path, *args: str | Path, subprocess_run: bool = False) -> subprocess.CompletedProcess[str]:
    """The `diff` command, in this process unless `subprocess_run` (for the exit status as the shell sees it)."""
    return (run_cli if subprocess_run else run_cli_inline)("diff", *args, cwd=cwd)


def diff_json(cwd: Path, *args: str | Path) -> tuple[int, dict[str, Any]]:
    result = diff(cwd, "--format", "json", *args)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def rules_by_event(report: dict[str, Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for change in report["changes"]:
        found.setdefault(change["event"], set()).add(change["rule"])
    return found
