"""The generator never opens a network connection: remote `$ref`s are refused, `$id`/`$schema` URLs are not
fetched. The CLI runs under an audit hook that aborts on any socket connect or name lookup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support import ROOT

SITECUSTOMIZE = """
import os, sys
def _no_network(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto", "urllib.Request"):
        with open(os.environ["NETWORK_LOG"], "a") as log:
            log.write(event + " " + repr(args) + "\\n")
        os._exit(99)
sys.addaudithook(_no_network)
"""


def _run(args: list[str], tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "network.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(hooks), str(ROOT)]), NETWORK_LOG=str(log))
    result = subprocess.run(
        [sys.executable, "-m", "netmera_codegen", *args],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return result, log


def test_remote_refs_are_refused_without_any_connection(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "remote.json").write_text(
        json.dumps(
            {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "$id": "https://example.com/schemas/remote.json",
                "title": "Remote",
                "type": "object",
                "properties": {
                    "a": {"$ref": "https://example.com/defs.json#/definitions/a"},
                    "b": {"$ref": "http://127.0.0.1:9/b.json"},
                    "c": {"$ref": "//example.com/c.json"},
                },
            }
        )
    )
    result, log = _run(["generate", "--schemas", str(schemas), "--out", str(tmp_path / "out")], tmp_path)
    assert not log.exists(), log.read_text()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for pointer in ("/properties/a/$ref", "/properties/b/$ref", "/properties/c/$ref"):
        assert f"remote.json:{pointer}:" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_a_good_build_with_schema_urls_opens_no_connection(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "ok.json").write_text(
        json.dumps(
            {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": "https://example.com/schemas/ok.json",
                "title": "Ok",
                "type": "object",
                "properties": {
                    "when": {"type": "string", "format": "date-time"},
                    "site": {"type": "string", "format": "uri"},
                },
            }
        )
    )
    result, log = _run(["generate", "--schemas", str(schemas), "--out", str(tmp_path / "out")], tmp_path)
    assert not log.exists(), log.read_text()
    assert result.returncode == 0, result.stderr
