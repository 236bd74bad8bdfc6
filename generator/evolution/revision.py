"""The old side of a diff: a folder, or the schemas folder as a git revision has it.

A revision is read with `git ls-tree` and `git cat-file` into a temporary folder (the bundler follows `$ref`s
between files, so it needs them as files); the work tree, the index and HEAD are never touched. `REF...` means
the merge base of REF and HEAD, as in `git diff REF...`: what a pull request changes.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MERGE_BASE_SUFFIX = "..."
DEFAULT_AGAINST = "HEAD"
GIT_TIMEOUT = 60.0
"""Seconds any one git command may take."""
_REGULAR_FILE_MODES = ("100644", "100755")


class UsageError(Exception):
    """The baseline cannot be had: a folder that does not exist, not a git repository, an unknown revision."""


@dataclass(frozen=True)
class Baseline:
    folder: Path
    label: str
    """How the old side is named in the output: the folder, or `REV:path/`."""
    revision: str | None = None
    """The commit read, for a git revision."""
    empty: bool = False
    """The revision has no schemas folder (every event counts as added)."""


def _git(cwd: Path, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, input=data, capture_output=True, check=False, timeout=GIT_TIMEOUT
        )
    except FileNotFoundError as error:
        raise UsageError("git is not installed: --against a revision needs it (or pass a folder)") from error
    except subprocess.TimeoutExpired as error:
        raise UsageError(f"git {args[0]} took longer than {GIT_TIMEOUT:.0f} s") from error


def _existing_parent(path: Path) -> Path:
    path = path.resolve()
    while not path.is_dir() and path != path.parent:
        path = path.parent
    return path


def _commit(top: Path, revision: str) -> str:
    if revision.startswith("-") or not revision.strip():
        raise UsageError(f"unknown revision {revision!r}")
    if revision.endswith(MERGE_BASE_SUFFIX):
        other = revision[: -len(MERGE_BASE_SUFFIX)] or DEFAULT_AGAINST
        other_commit = _commit(top, other)
        result = _git(top, "merge-base", other_commit, "HEAD")
        if result.returncode != 0:
            raise UsageError(f"no merge base of {other!r} and HEAD")
        return result.stdout.decode().strip()
    result = _git(top, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if result.returncode != 0:
        raise UsageError(f"unknown revision {revision!r} in {top.as_posix()}")
    return result.stdout.decode().strip()


def baseline(against: str, schemas: Path, scratch: Path) -> Baseline:
    """The old side: `against` as a folder if one exists, else as a git revision of the repository holding
    `schemas`, written under `scratch`."""
    folder = Path(against)
    if folder.is_dir():
        return Baseline(folder, folder.as_posix())
    start = _existing_parent(schemas)
    found = _git(start, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        raise UsageError(
            f"--against {against!r} is not a folder, and {start.as_posix()} is not inside a git repository"
        )
    top = Path(os.fsdecode(found.stdout.strip()))
    try:
        relative = schemas.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as error:
        raise UsageError(f"{schemas.as_posix()} is outside the git repository {top.as_posix()}") from error
    commit = _commit(top, against)
    label = f"{against}:{relative}/" if relative != "." else f"{against}:"
    count = _extract(top, commit, relative, scratch)
    return Baseline(scratch, label, commit, empty=count == 0)


def _extract(top: Path, commit: str, relative: str, scratch: Path) -> int:
    """Write the revision's files under `relative` into `scratch`; how many were written."""
    spec = "." if relative == "." else relative + "/"
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", spec)
    if listing.returncode != 0:
        raise UsageError(f"git ls-tree failed: {listing.stderr.decode(errors='replace').strip()}")
    entries: list[tuple[str, str]] = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob" and mode in _REGULAR_FILE_MODES:
            entries.append((sha, os.fsdecode(raw_path)))
    if not entries:
        return 0
    batch = _git(top, "cat-file", "--batch", data="".join(f"{sha}\n" for sha, _ in entries).encode())
    if batch.returncode != 0:
        raise UsageError(f"git cat-file failed: {batch.stderr.decode(errors='replace').strip()}")
    output, offset = batch.stdout, 0
    prefix = PurePosixPath(relative) if relative != "." else PurePosixPath()
    for _, path in entries:
        header_end = output.index(b"\n", offset)
        size = int(output[offset:header_end].split()[2])
        body = output[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
        inside = PurePosixPath(path).relative_to(prefix) if prefix.parts else PurePosixPath(path)
        target = scratch.joinpath(*inside.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    return len(entries)
