"""The published hooks through the real `pre-commit`, in a throwaway consumer repository, offline.

The hooks of `.pre-commit-hooks.yaml` are used as they are (ids, entries, file filters), except that they run as
`repo: local` hooks with `language: system` and `netmera-codegen` replaced by this interpreter running this
checkout: `language: python` would make pre-commit install the package and its dependencies from an index.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support import ROOT, run_cli_inline

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

PAYLOAD = {"extId": "u1", "name": "ShareEvent", "itemId": "4234", "channel": "Facebook"}


def _hooks(skip: str = "netmera-codegen-generate") -> list[dict[str, Any]]:
    published = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert [hook["id"] for hook in published] == [
        "netmera-codegen-check",
        "netmera-codegen-generate",
        "netmera-codegen-lint",
        "netmera-codegen-validate",
        "netmera-codegen-diff",
    ]
    published = [hook for hook in published if hook["id"] != skip]  # a project uses check or generate
    command = f"{shlex.quote(sys.executable)} -m netmera_codegen"
    hooks = []
    for hook in published:
        assert hook["language"] == "python" and hook["entry"].startswith("netmera-codegen ")
        local = {key: value for key, value in hook.items() if key not in ("description",)}
        local.update(language="system", entry=hook["entry"].replace("netmera-codegen", command, 1))
        if hook["id"] == "netmera-codegen-validate":
            local["args"] = []
        hooks.append(local)
    return hooks


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120)


@pytest.fixture
def consumer(tmp_path: Path, seed_schemas: Path) -> tuple[Path, dict[str, str]]:
    repo = tmp_path / "consumer"
    shutil.copytree(seed_schemas, repo / "schemas")
    (repo / "payloads").mkdir()
    (repo / "payloads" / "share.json").write_text(json.dumps([PAYLOAD]))
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "consumer"\nversion = "1"\n\n[tool.netmera-codegen]\nschemas = "schemas"\nout = "client"\n'
    )
    config = {"repos": [{"repo": "local", "hooks": _hooks()}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    generated = run_cli_inline("generate", cwd=repo)
    assert generated.returncode == 0, generated.stderr
    env = dict(os.environ)
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PYTHONPATH=str(ROOT),
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        HOME=str(tmp_path),
    )
    for command in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-q", "-m", "init"]):
        assert _run(command, repo, env).returncode == 0
    return repo, env


def _pre_commit(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--show-diff-on-failure"], repo, env)


def test_hooks_pass_on_fresh_output_and_fail_on_stale(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    fresh = _pre_commit(repo, env)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    for hook in ("netmera-codegen check", "netmera-codegen lint", "netmera-codegen validate"):
        assert hook in fresh.stdout and "Passed" in fresh.stdout

    schema = repo / "schemas" / "share_event.json"
    data = json.loads(schema.read_text())
    data["properties"]["platform"] = {"type": "string"}
    schema.write_text(json.dumps(data))
    _run(["git", "add", "-A"], repo, env)
    stale = _pre_commit(repo, env)
    assert stale.returncode == 1
    assert "share_event.py" in stale.stdout and "Failed" in stale.stdout

    # Regenerating fixes it; the check never wrote anything itself.
    assert run_cli_inline("generate", cwd=repo).returncode == 0
    _run(["git", "add", "-A"], repo, env)
    assert _pre_commit(repo, env).returncode == 0


def test_a_bad_payload_fixture_fails_the_validate_hook(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    (repo / "payloads" / "share.json").write_text(json.dumps([dict(PAYLOAD, itemId=4234)]))
    _run(["git", "add", "-A"], repo, env)
    result = _pre_commit(repo, env)
    assert result.returncode == 1
    assert "share.json" in result.stdout


def test_the_generate_hook_regenerates_and_stops_the_commit_once(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    config = {"repos": [{"repo": "local", "hooks": _hooks(skip="netmera-codegen-check")}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    _run(["git", "add", "-A"], repo, env)
    assert _pre_commit(repo, env).returncode == 0

    schema = repo / "schemas" / "share_event.json"
    data = json.loads(schema.read_text())
    data["properties"]["platform"] = {"type": "string"}
    schema.write_text(json.dumps(data))
    _run(["git", "add", "-A"], repo, env)
    first = _pre_commit(repo, env)
    assert first.returncode == 1 and "netmera-codegen generate" in first.stdout  # files were modified
    assert "platform" in (repo / "client" / "netmera_events" / "events" / "share_event.py").read_text()
    assert run_cli_inline("check", cwd=repo).returncode == 0
    _run(["git", "add", "-A"], repo, env)
    assert _pre_commit(repo, env).returncode == 0


def test_the_diff_hook_fails_on_a_breaking_change_since_the_merge_base(consumer: tuple[Path, dict[str, str]]) -> None:
    repo, env = consumer
    assert _run(["git", "update-ref", "refs/remotes/origin/main", "HEAD"], repo, env).returncode == 0
    assert _run(["git", "checkout", "-q", "-b", "feature"], repo, env).returncode == 0
    schema = repo / "schemas" / "share_event.json"
    data = json.loads(schema.read_text())
    data["properties"]["platform"] = {"type": "string"}
    schema.write_text(json.dumps(data))
    _run(["git", "commit", "-qam", "optional attribute"], repo, env)
    command = [sys.executable, "-m", "pre_commit", "run", "--hook-stage", "manual", "netmera-codegen-diff"]
    compatible = _run([*command, "--all-files"], repo, env)
    assert compatible.returncode == 0, compatible.stdout + compatible.stderr
    data["required"] = [*data.get("required", []), "platform"]
    schema.write_text(json.dumps(data))
    _run(["git", "commit", "-qam", "now mandatory"], repo, env)
    breaking = _run([*command, "--all-files"], repo, env)
    assert breaking.returncode == 1
    assert "ATTRIBUTE_REQUIRED_ADDED" in breaking.stdout
