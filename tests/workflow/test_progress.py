"""Long runs on a terminal show a progress bar (without one, the summary line: see test_incremental)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from support import ROOT

EVENTS = 60


def _schemas(folder: Path) -> Path:
    folder.mkdir()
    for number in range(EVENTS):
        schema = {"title": f"Event{number}", "type": "object", "properties": {"value": {"type": "integer"}}}
        (folder / f"event_{number}.json").write_text(json.dumps(schema))
    return folder


def test_a_terminal_sees_a_progress_bar_while_formatting(tmp_path: Path) -> None:
    schemas = _schemas(tmp_path / "schemas")
    leader, follower = pty.openpty()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TERM="xterm-256color", COLUMNS="100")
    process = subprocess.Popen(
        [sys.executable, "-m", "netmera_codegen", "generate", "--schemas", str(schemas), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process exits
            break
        if not chunk:
            break
        screen += chunk
    stdout, _ = process.communicate(timeout=120)
    os.close(leader)

    assert process.returncode == 0
    assert b"formatting" in screen
    assert f"generated {EVENTS} events".encode() in stdout

