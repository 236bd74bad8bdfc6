"""Findings as users of black and ruff expect: labelled lines, errors and warnings counted apart, `-q`, colour on a
terminal only (NO_COLOR, FORCE_COLOR), and `--format json|github` for lint and validate."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import GOLDEN, ROOT, run_cli

SEED = GOLDEN / "seed" / "schemas"
RED = "\033[1;31m"


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    """One error (a type contradicting its x-netmera-type) among warnings (a closed schema, colliding names)."""
    folder = tmp_path / "schemas"
    shutil.copytree(SEED, folder)
    closed = {
        "title": "Closed",
        "type": "object",
        "additionalProperties": False,
        "properties": {"itemCount": {"type": "integer"}, "item_count": {"type": "integer"}},
    }
    wrong = {"title": "Wrong", "type": "object", "properties": {"n": {"type": "string", "x-netmera-type": "Integer"}}}
    (folder / "closed.json").write_text(json.dumps(closed))
    (folder / "wrong.json").write_text(json.dumps(wrong, indent=2))  # x-netmera-type on line 7
    return folder


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def test_every_line_is_labelled_and_the_summary_counts_apart(schemas: Path, tmp_path: Path) -> None:
    lint = run_cli("lint", "--schemas", schemas)
    assert lint.returncode == 1
    lines = _lines(lint.stdout)
    assert lines and all(": error: " in line or ": warning: " in line for line in lines), lines
    errors = sum(": error: " in line for line in lines)
    warnings = sum(": warning: " in line for line in lines)
    assert errors >= 1 and warnings >= 2
    assert f"{errors} error(s), {warnings} warning(s) in " in lint.stderr

    generate = run_cli("generate", "--schemas", schemas, "--out", tmp_path / "out")
    assert generate.returncode == 1
    assert "no files written: 1 error(s), " in generate.stderr and " warning(s) in " in generate.stderr
    assert not (tmp_path / "out").exists()


def test_quiet_prints_errors_only(schemas: Path, tmp_path: Path) -> None:
    lint = run_cli("lint", "-q", "--schemas", schemas)
    assert lint.returncode == 1
    assert _lines(lint.stdout) and all(": error: " in line for line in _lines(lint.stdout))
    generate = run_cli("generate", "-q", "--schemas", schemas, "--out", tmp_path / "out")
    assert "warning:" not in generate.stderr and ": error: " in generate.stderr

    (schemas / "wrong.json").unlink()
    generate = run_cli("generate", "--quiet", "--schemas", schemas, "--out", tmp_path / "out")
    assert generate.returncode == 0 and generate.stdout == "" and generate.stderr == ""
    check = run_cli("check", "-q", "--schemas", schemas, "--out", tmp_path / "out")
    assert check.returncode == 0 and check.stdout == "" and check.stderr == ""


def _on_terminal(args: list[str], env: dict[str, str]) -> str:
    """What `netmera-codegen ARGS` writes to stdout when stdout is a terminal."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "netmera_codegen", *args],
        cwd=ROOT,
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env={**env, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"},
    )
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    process.wait(timeout=120)
    os.close(leader)
    return screen.decode()


def _environment(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(values)
    return env


def test_colour_on_a_terminal_only(schemas: Path) -> None:
    args = ["lint", "--schemas", str(schemas)]
    assert f"{RED}error" in _on_terminal(args, _environment())
    assert "\033[" not in _on_terminal(args, _environment(NO_COLOR="1"))
    piped = subprocess.run(
        [sys.executable, "-m", "netmera_codegen", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**_environment(), "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert "\033[" not in piped.stdout + piped.stderr
    forced = subprocess.run(
        [sys.executable, "-m", "netmera_codegen", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**_environment(FORCE_COLOR="1"), "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert f"{RED}error" in forced.stdout


def test_lint_json(schemas: Path) -> None:
    result = run_cli("lint", "--format", "json", "--schemas", schemas)
    assert result.returncode == 1
    document = json.loads(result.stdout)
    severities = [finding["severity"] for finding in document["findings"]]
    assert document["errors"] == severities.count("error") >= 1
    assert document["warnings"] == severities.count("warning") >= 2
    wrong = next(f for f in document["findings"] if f["path"].endswith("wrong.json"))
    assert wrong["pointer"] == "/properties/n/x-netmera-type" and wrong["severity"] == "error"
    quiet = json.loads(run_cli("lint", "-q", "--format", "json", "--schemas", schemas).stdout)
    assert {f["severity"] for f in quiet["findings"]} == {"error"} and quiet["warnings"] == document["warnings"]


def test_lint_github_annotations(schemas: Path) -> None:
    (schemas / "broken.json").write_text('{"title": "B",\n "type": }')
    result = run_cli("lint", "--format", "github", "--schemas", schemas)
    assert result.returncode == 1
    lines = _lines(result.stdout)
    assert all(line.startswith(("::error file=", "::warning file=")) for line in lines), lines
    assert any(line.startswith("::error file=") and "broken.json,line=2,col=10," in line for line in lines), lines
    # A finding known by its pointer alone is shown on the line where the pointer starts.
    assert any("wrong.json,line=7,title=netmera-codegen::/properties/n/x-netmera-type: " in line for line in lines)


def test_validate_github_annotations(tmp_path: Path) -> None:
    payload = tmp_path / "events.jsonl"
    good = {"extId": "u1", "name": "ShareEvent", "itemId": "4234", "channel": "Facebook"}
    payload.write_text(json.dumps(good) + "\n" + json.dumps(dict(good, channel=5)) + "\n")
    result = run_cli("validate", "--format", "github", "--schemas", SEED, payload)
    assert result.returncode == 1
    assert result.stdout == (
        f"::error file={payload},line=2,title=netmera-codegen::/channel: expected string, got integer 5\n"
    )
