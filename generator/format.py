"""Stage 5, format: black (the default, in-process) or ruff's black-compatible formatter over the generated files.

Formatting dominates a cold build with black (about a millisecond a line), so large builds spread the files over
worker processes; small ones stay in this process, where starting workers would cost more than it saves. The same
pool runs other CPU-bound work handed to it (`run_tasks`): each new event module of a build, lint's checks. ruff
formats every file of a run in one `ruff format` invocation on a temporary folder (tens of milliseconds for
thousands of lines). Both are deterministic, but their output can differ in small details, so a project picks
one (`--formatter` or `formatter` in `[tool.netmera-codegen]`) and the manifest records which one wrote a tree;
changing it rebuilds everything.

Only the files handed in are formatted: the pipeline hands in only what changed since the last run, never the
compiled validators, which the compiler writes black-formatted already, and event modules only when a code line is
too long for the template's own black style (tests hold both to black's output).
"""

from __future__ import annotations

import functools
import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

from . import interrupts
from .pystyle import LINE_LENGTH

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_THRESHOLD_LINES = 4000
"""Below this many lines to format (and `PARALLEL_THRESHOLD_TASKS` tasks) one process is faster than a pool."""
PARALLEL_THRESHOLD_TASKS = 100
PARENT_POLL = 0.5
"""Seconds between a worker's looks at whether its parent still runs."""

TARGET = "py310"
FORMATTERS = ("black", "ruff")
DEFAULT_FORMATTER = "black"

Progress = Callable[[int], None]
"""Called with the number of files just finished."""


class FormatterError(Exception):
    """The formatter is missing or failed; the message says which file or what to install."""


class UnformattableError(Exception):
    """black cannot parse one file (it came from a user's template): which one, and black's message."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(path, message)  # the arguments, so that it crosses back from a worker process
        self.path = path
        self.message = message


@functools.lru_cache(maxsize=1)
def _black_mode() -> object:
    import black

    return black.Mode(target_versions={black.mode.TargetVersion.PY310}, line_length=LINE_LENGTH)


def format_source(source: str) -> str:
    import black

    return black.format_str(source, mode=_black_mode())  # type: ignore[arg-type]


def format_file(path: str, source: str) -> str:
    """`format_source`, raising `UnformattableError` (naming `path`) for text black cannot parse."""
    from black.parsing import InvalidInput

    try:
        return format_source(source)
    except InvalidInput as error:
        raise UnformattableError(path, str(error)) from None


def _ruff_command() -> list[str]:
    beside = Path(sys.executable).with_name("ruff.exe" if os.name == "nt" else "ruff")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("ruff")
    if found:
        return [found]
    return [sys.executable, "-m", "ruff"]


@functools.cache
def formatter_identity(name: str) -> str:
    """Name and version, e.g. `black 24.8.0`: recorded in the manifest, so an upgrade reformats everything."""
    if name == "black":
        from importlib.metadata import version

        return f"black {version('black')} {TARGET} {LINE_LENGTH}"
    try:
        ran = subprocess.run([*_ruff_command(), "--version"], capture_output=True, text=True, check=False, timeout=60)
    except OSError as error:
        raise FormatterError(
            f"cannot run ruff ({error}): install it (pip install ruff) or use --formatter black"
        ) from None
    if ran.returncode != 0:
        raise FormatterError(
            f"cannot run ruff: {ran.stderr.strip()}; install it (pip install ruff) or use --formatter black"
        )
    return f"{ran.stdout.strip()} {TARGET} {LINE_LENGTH}"


def format_files(
    files: Mapping[str, str],
    formatter: str = DEFAULT_FORMATTER,
    progress: Progress | None = None,
    alongside: Mapping[str, Callable[[], T]] | None = None,
) -> dict[str, str | T]:
    """Format the `.py` files among `files` (path -> text); other files pass through unchanged.

    `alongside` is other CPU-bound work of the build (path -> a picklable function making what it returns for
    that file, such as a compiled validator), run in the same worker processes so that it overlaps with
    formatting. The files to format go first: each is one of the package's long modules, and started last they
    would leave one worker busy while the other waits.
    """
    python = sorted(path for path in files if path.endswith(".py"))
    result: dict[str, str | T] = {path: text for path, text in files.items() if path not in python}
    other = dict(alongside or {})
    tasks: list[Callable[[], str | T]] = []
    if formatter == "black":
        tasks += [functools.partial(format_file, path, files[path]) for path in python]
    tasks += other.values()
    done = _run(tasks, sum(files[path].count("\n") for path in python), progress)
    formatted = len(tasks) - len(other)
    result.update(zip(other, done[formatted:]))
    if formatter == "black":
        result.update(zip(python, done[:formatted]))
    elif python:
        result.update(_format_with_ruff({path: files[path] for path in python}))
        if progress:
            progress(len(python))
    return result


def _call(task: Callable[[], R]) -> R:
    return task()


def _run(tasks: list[Callable[[], R]], lines: int, progress: Progress | None) -> list[R]:
    """Run the tasks on all cores when there is enough work to pay for starting workers, else here."""
    return run_tasks(tasks, lines >= PARALLEL_THRESHOLD_LINES or len(tasks) >= PARALLEL_THRESHOLD_TASKS, progress)


def worker_count(tasks: int) -> int:
    """How many worker processes `run_tasks` starts for this many tasks (below 2, it runs them here)."""
    return min(os.cpu_count() or 1, tasks)


def run_tasks(tasks: list[Callable[[], R]], parallel: bool, progress: Progress | None = None) -> list[R]:
    """The tasks' results, in order: from worker processes, one a core, when `parallel` (the caller judged that
    the work pays for starting them) and there are cores for two, else from running the tasks here.

    Ctrl-C (or any other exception here) cancels the tasks not started yet: only those under way are waited for.
    A worker that dies (killed from outside, out of memory) breaks the pool: the tasks without a result are then
    run here, as the tasks are pure."""
    workers = worker_count(len(tasks))
    if workers < 2 or not parallel:
        results = []
        for task in tasks:
            results.append(task())
            if progress:
                progress(1)
        return results
    # multiprocessing is imported only when a build uses it
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # The workers are forked from this process: with everything it holds frozen out of the garbage collector's
    # reach, their collections do not walk (and so copy) the inherited heap, a third of their time in lint.
    gc.freeze()
    results = []
    try:
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker) as pool:
            try:
                # The first submissions fork the workers: an interrupt meanwhile left a worker behind, not yet
                # known to the pool, interrupted one before it could ignore interrupts, or was swallowed by a
                # fork hook, and the command ran on.
                with interrupts.held():
                    done = pool.map(_call, tasks, chunksize=max(1, min(16, len(tasks) // (workers * 8))))
                for text in done:
                    results.append(text)
                    if progress:
                        progress(1)
            except BrokenProcessPool:
                pass  # the rest are run below
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        gc.unfreeze()
    for task in tasks[len(results) :]:
        results.append(task())
        if progress:
            progress(1)
    return results


def _start_worker() -> None:
    """A worker ignores Ctrl-C (which the terminal sends to the whole process group) and SIGTERM (which `docker
    stop` does): the parent, interrupted, cancels the tasks not started and waits for those under way, short
    ones. Workers interrupted themselves could die holding the pool's queue, and the parent would wait for them
    for ever; SIGTERM's handler, inherited through fork, came back to the parent as a task's result. And a worker
    ends when its parent has: killed alone (SIGKILL, out of memory), it left workers that waited for work for
    ever, holding its standard streams open."""
    for interrupt in interrupts.INTERRUPTS:
        signal.signal(interrupt, signal.SIG_IGN)
    interrupts.release_inherited()  # held while the pool forked this worker
    # The parent as it is now: the command, or a fork server that ends with it (Python 3.14's default).
    parent = os.getppid()
    threading.Thread(target=_end_with, args=(parent,), name="netmera-codegen-parent", daemon=True).start()


def _end_with(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(1)


def _format_with_ruff(files: Mapping[str, str]) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="netmera-codegen-ruff-") as folder:
        root = Path(folder)
        names = {}
        for index, (path, text) in enumerate(sorted(files.items())):
            # Flat, numbered names: no user configuration is found and paths cannot matter to the output.
            name = f"m{index:06d}.py"
            names[path] = name
            (root / name).write_bytes(text.encode("utf-8"))
        command = [
            *_ruff_command(),
            "format",
            "--isolated",
            "--no-cache",
            "--quiet",
            f"--line-length={LINE_LENGTH}",
            f"--target-version={TARGET}",
            ".",
        ]
        try:
            ran = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False, timeout=600)
        except OSError as error:
            raise FormatterError(
                f"cannot run ruff ({error}): install it (pip install ruff) or use --formatter black"
            ) from None
        if ran.returncode != 0:
            raise FormatterError(f"ruff format failed: {(ran.stderr or ran.stdout).strip()}")
        return {path: (root / name).read_bytes().decode("utf-8") for path, name in names.items()}
