"""Helpers shared by the test files: the repository's paths and the real command line, run as a subprocess or in
this process."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
GOLDEN = ROOT / "tests" / "golden"


def run_cli(*args: str | Path, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator ARGS` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "netmera_codegen", *map(str, args)],
        check=False,
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


def run_cli_inline(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line's `main()` in this process, as `run_cli` runs it in a new one.

    For tests about what a command does with its files and what it reports, not about the process (exit status as
    the shell sees it, stream encodings, signals, imports): no interpreter start-up and no imports, about a second
    less per run on a loaded machine. The environment, working folder and streams are as `run_cli` gives them.
    """
    from netmera_codegen.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    with _as_in_a_subprocess(cwd or ROOT), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            status = main([str(arg) for arg in args])
        except SystemExit as exit:  # argparse's usage errors
            status = exit.code if isinstance(exit.code, int) else 1
    return subprocess.CompletedProcess(
        ["netmera-codegen", *map(str, args)], status, stdout.getvalue(), stderr.getvalue()
    )


@contextlib.contextmanager
def _as_in_a_subprocess(cwd: Path) -> Iterator[None]:
    """The working folder and the colour settings `run_cli` gives its subprocess, restored afterwards."""
    folder = os.getcwd()
    colours = {key: os.environ.pop(key) for key in ("NO_COLOR", "FORCE_COLOR") if key in os.environ}
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(folder)
        os.environ.update(colours)


def run_python(
    code: str, *, path: Path, argv: list[str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run a snippet in a fresh interpreter with `path` first on sys.path (a generated output folder)."""
    return subprocess.run(
        [sys.executable, "-c", code, *(argv or [])],
        check=False,
        cwd=path,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(path),
    )


def _env(extra_path: Path | None = None) -> dict[str, str]:
    # Output is compared as plain text: a colour setting of the environment running the tests must not leak in.
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    paths = [str(extra_path)] if extra_path else []
    env["PYTHONPATH"] = os.pathsep.join(paths + [str(ROOT)])
    return env


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (caches excluded), by relative path."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts and ".mypy_cache" not in path.parts
    }
