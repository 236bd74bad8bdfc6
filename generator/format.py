"""Stage 5, format: black, in-process, over the generated Python files.

Formatting dominates a cold build (black takes about a millisecond a line), so large builds spread the files
over worker processes; small ones stay in this process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor

import black

PARALLEL_THRESHOLD_LINES = 4000
"""Below this many lines one process is faster than starting a pool."""

_MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=100)


def format_source(source: str) -> str:
    return black.format_str(source, mode=_MODE)


def format_files(files: Mapping[str, str]) -> dict[str, str]:
    """Format the `.py` files among `files` (path -> text); other files pass through unchanged."""
    python = sorted(path for path in files if path.endswith(".py"))
    lines = sum(files[path].count("\n") for path in python)
    workers = min(os.cpu_count() or 1, len(python))
    if lines < PARALLEL_THRESHOLD_LINES or workers < 2:
        formatted = [format_source(files[path]) for path in python]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            formatted = list(pool.map(format_source, [files[path] for path in python], chunksize=8))
    result = dict(files)
    result.update(zip(python, formatted))
    return result
