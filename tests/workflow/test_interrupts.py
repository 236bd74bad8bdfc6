"""Ctrl-C and SIGTERM end any command in one line, whenever they come: while the compiler is still being imported
(exit 130 or 143, no traceback), and while the output tree is written (the tree is then whole: all new files, the
manifest matching them); a second signal while the first unwinds ends the command at once. Most signals are sent
by the command's own process at the moment under test, so those tests do not depend on timing. Worker processes
and signals: tests/workflow/test_lint_workers.py."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support import ROOT, run_cli_inline, tree

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="needs POSIX signals")

SIGNAL_ON_IMPORT = """
import importlib.abc, os, signal, sys

class SignalOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "netmera_codegen.cli":
            os.kill(os.getpid(), signal.{signal})
        return None

sys.meta_path.insert(0, SignalOnImport())
from netmera_codegen.entry import run
sys.exit(run())
"""


def _command(code: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), NETMERA_CODEGEN_CACHE="off")
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize(("name", "status", "line"), [("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
def test_a_signal_while_the_compiler_is_imported_ends_the_command_in_one_line(
    name: str, status: int, line: str
) -> None:
    ran = _command(SIGNAL_ON_IMPORT.format(signal=name), "check")
    assert (ran.returncode, ran.stderr) == (status, f"netmera-codegen: {line}\n")


SIGNAL_ON_FIRST_WRITE = """
import os, signal, sys
import netmera_codegen.write as write

written = write.write_atomically

def write_then_signal(path, text, mode=None):
    written(path, text, mode)
    if not getattr(write_then_signal, "sent", False):
        write_then_signal.sent = True
        os.kill(os.getpid(), signal.{signal})

write.write_atomically = write_then_signal
from netmera_codegen.entry import run
sys.exit(run())
"""


@pytest.mark.parametrize(("name", "status"), [("SIGINT", 130), ("SIGTERM", 143)])
def test_a_signal_while_the_tree_is_written_waits_for_the_whole_tree(
    tmp_path: Path, seed_schemas: Path, name: str, status: int
) -> None:
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    shutil.copytree(seed_schemas, schemas)
    assert run_cli_inline("generate", "--schemas", schemas, "--out", out).returncode == 0
    for schema in (schemas / "share_event.json", schemas / "order_cancel_event.json"):  # new modules, validators
        data = json.loads(schema.read_text())
        data["properties"]["platform"] = {"type": "string"}
        schema.write_text(json.dumps(data))
    code = textwrap.dedent(SIGNAL_ON_FIRST_WRITE.format(signal=name))
    ran = _command(code, "generate", "--schemas", schemas, "--out", out)
    assert ran.returncode == status, ran.stderr
    assert ran.stderr.endswith(f"netmera-codegen: {'interrupted' if status == 130 else 'terminated'}\n")
    assert run_cli_inline("check", "--schemas", schemas, "--out", out).returncode == 0  # whole, and fresh
    fresh = tmp_path / "fresh"
    assert run_cli_inline("generate", "--schemas", schemas, "--out", fresh).returncode == 0
    assert tree(out) == tree(fresh)


SLOW_WORK = """
import functools, sys, time
import netmera_codegen.cli as cli
from netmera_codegen import entry, format

def task(seconds):
    time.sleep(seconds)
    return seconds

def started(done):
    print("running", flush=True)

def main(argv=None):  # the command's pool, with two tasks under way for seconds when it is stopped
    format.run_tasks([functools.partial(task, s) for s in (0.0, 0.0, 20.0, 20.0, 20.0, 20.0)], True, started)
    return 0

cli.main = main
sys.exit(entry.run())
"""


@pytest.mark.parametrize("first", ["SIGINT", "SIGTERM"])
def test_a_second_signal_while_the_first_unwinds_ends_the_command_at_once(first: str) -> None:
    """The first signal waits for the tasks under way; a second SIGTERM raised inside the pool's shutdown, printed a
    traceback and left the command waiting for workers never told to stop."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NETMERA_CODEGEN_CACHE="off")
    started = subprocess.Popen(
        [sys.executable, "-c", SLOW_WORK], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert started.stdout is not None and started.stdout.readline() == "running\n"
        started.send_signal(getattr(signal, first))
        time.sleep(0.5)
        started.send_signal(signal.SIGTERM)
        _, stderr = started.communicate(timeout=10)
    finally:
        if started.poll() is None:
            started.kill()
            started.communicate()
    assert started.returncode == -signal.SIGTERM
    assert "Traceback" not in stderr
