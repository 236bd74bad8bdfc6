"""lint in worker processes: the same findings as in one process, a failing check is a finding of its file, a
worker that dies loses nothing, small projects start no workers, and Ctrl-C, or a signal sent to lint alone, ends
lint and its workers.

`PARALLEL_MIN_WORK` decides when lint sends its work to workers; the comparisons set it to 0 (always) and to a
value no project reaches (never) and run lint on every bad-schema case, the golden sets and the repository's
schemas (which share definitions through `_common.json`, parsed in order in the main process).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support import GOLDEN, ROOT

from netmera_codegen import lint
from netmera_codegen.cache import BuildCache
from netmera_codegen.findings import Finding
from netmera_codegen.load import SchemaFile

NEVER = 10**9
BAD_CASES = ROOT / "tests" / "hardening" / "bad_schemas"
FOLDERS = [ROOT / "schemas", *sorted(GOLDEN.glob("*/schemas")), *sorted(p for p in BAD_CASES.iterdir() if p.is_dir())]


def _lint(folder: Path, monkeypatch: pytest.MonkeyPatch, min_work: int, cache: BuildCache) -> list[Finding]:
    monkeypatch.setattr(lint, "PARALLEL_MIN_WORK", min_work)
    monkeypatch.setattr(lint, "default_cache", lambda: cache)
    return lint.lint(folder)


def test_workers_find_exactly_what_one_process_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    off = BuildCache(None)
    for folder in FOLDERS:
        alone = _lint(folder, monkeypatch, NEVER, off)
        assert _lint(folder, monkeypatch, 0, off) == alone, folder
        assert _lint(folder, monkeypatch, 0, BuildCache(tmp_path / folder.name)) == alone, folder


CORPUS = ROOT.parent / "shared" / "corpus" / "iglu-central"


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not available")
def test_workers_find_exactly_what_one_process_finds_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    off = BuildCache(None)
    alone = _lint(CORPUS, monkeypatch, NEVER, off)
    assert alone and _lint(CORPUS, monkeypatch, 0, off) == alone


def test_a_warm_lint_starts_no_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = BuildCache(tmp_path / "cache")
    cold = _lint(ROOT / "schemas", monkeypatch, 0, cache)

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("workers started with every finding in the cache")

    monkeypatch.setattr(lint, "run_tasks", refused)
    assert _lint(ROOT / "schemas", monkeypatch, 0, cache) == cold


def test_a_small_project_starts_no_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _synthetic(tmp_path / "schemas", 20)

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("workers started for 20 schemas")

    monkeypatch.setattr(lint, "run_tasks", refused)
    assert lint.PARALLEL_MIN_WORK < NEVER
    assert _lint(folder, monkeypatch, lint.PARALLEL_MIN_WORK, BuildCache(None)) == []


def test_a_failing_check_is_a_finding_of_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _synthetic(tmp_path / "schemas", 6)
    real_rules, real_notes = lint.netmera_rules, lint.nested_attributes

    def rules(schema_file: SchemaFile) -> list[Finding]:
        if schema_file.path.name == "event_001.json":
            raise RuntimeError("rule broke")
        return real_rules(schema_file)

    def notes(event: Any) -> tuple[Finding, ...]:
        if event.source.path.name == "event_002.json":
            raise RecursionError("tree too deep")
        return real_notes(event)

    monkeypatch.setattr(lint, "netmera_rules", rules)
    monkeypatch.setattr(lint, "nested_attributes", notes)
    cache = BuildCache(tmp_path / "cache")
    for min_work in (0, NEVER):
        found = _lint(folder, monkeypatch, min_work, cache)
        assert [(Path(f.path).name, f.pointer, f.severity) for f in found] == [
            ("event_001.json", "", "error"),
            ("event_002.json", "", "error"),
        ]
        assert "lint could not check this schema (RuntimeError: rule broke)" in found[0].message
        assert "(RecursionError: tree too deep)" in found[1].message
    monkeypatch.setattr(lint, "netmera_rules", real_rules)
    monkeypatch.setattr(lint, "nested_attributes", real_notes)
    assert _lint(folder, monkeypatch, 0, cache) == []  # the failures were not kept in the cache


def test_a_worker_that_dies_leaves_its_work_to_lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed from outside (or out of memory) breaks the pool: what it had not finished is checked in
    lint's own process, and the findings are those of a lint that lost no worker."""
    folder = ROOT / "schemas"
    off = BuildCache(None)
    alone = _lint(folder, monkeypatch, NEVER, off)
    parent, real_rules = os.getpid(), lint.netmera_rules

    def rules(schema_file: SchemaFile) -> list[Finding]:
        if os.getpid() != parent:
            os._exit(9)  # as a worker killed by a signal
        return real_rules(schema_file)

    monkeypatch.setattr(lint, "netmera_rules", rules)
    assert _lint(folder, monkeypatch, 0, off) == alone


EIGHT_CORES = "import os, sys; os.cpu_count = lambda: 8; from netmera_codegen.entry import run; sys.exit(run())"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds worker processes through /proc")
@pytest.mark.parametrize(
    ("signum", "ending"),
    [
        (signal.SIGINT, (130, b"netmera-codegen: interrupted\n")),
        (signal.SIGTERM, (143, b"netmera-codegen: terminated\n")),
    ],
)
def test_ctrl_c_ends_lint_and_its_workers(tmp_path: Path, signum: signal.Signals, ending: tuple[int, bytes]) -> None:
    """Ctrl-C (or SIGTERM to the process group, as `docker stop` sends it) the moment the first worker exists,
    while the others are being forked: the race that left a worker waiting for ever (and stderr open), printed a
    worker's traceback or was swallowed by lint, about one run in two before the pool held interrupts back while
    starting. Eight workers whatever the cores, so that forking them takes a while; five runs, each a few tenths
    of a second."""
    folder = _synthetic(tmp_path / "schemas", 1000)
    for _ in range(5):
        # what Ctrl-C on a terminal does: signal the whole foreground group
        ended, workers = _signal_lint(folder, lambda pid: os.killpg(pid, signum), workers=1)
        assert ended == ending
        assert not _left_behind(workers)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds worker processes through /proc")
@pytest.mark.parametrize(
    ("signum", "ending"),
    [(signal.SIGTERM, (143, b"netmera-codegen: terminated\n")), (signal.SIGKILL, (-signal.SIGKILL, b""))],
)
def test_lint_ended_alone_takes_its_workers_with_it(
    tmp_path: Path, signum: signal.Signals, ending: tuple[int, bytes]
) -> None:
    """SIGTERM or SIGKILL sent to lint alone (`kill`, `timeout`, a supervisor, the out-of-memory killer), not to
    its process group: its workers used to wait for work for ever, holding its stderr open."""
    ended, workers = _signal_lint(_synthetic(tmp_path / "schemas", 1000), lambda pid: os.kill(pid, signum), workers=8)
    assert ended == ending
    assert not _left_behind(workers)


def _signal_lint(folder: Path, send: Callable[[int], None], workers: int) -> tuple[tuple[int, bytes], list[int]]:
    """Start lint with eight workers on `folder` and, once `workers` of them exist, call `send` with lint's pid.
    Return lint's exit status and stderr, read until nothing holds it (a worker left behind keeps it open), and
    the workers that existed."""
    env = dict(os.environ, NETMERA_CODEGEN_CACHE="off", PYTHONPATH=str(ROOT))
    started = subprocess.Popen(
        [sys.executable, "-c", EIGHT_CORES, "lint", "--schemas", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(started.pid)) < workers and started.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        found = _children(started.pid)
        assert len(found) >= workers, "lint finished or stalled before starting its workers"
        send(started.pid)
        _, stderr = started.communicate(timeout=30)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(started.pid, signal.SIGKILL)  # lint, or a worker left behind with its stderr
        started.communicate()
        raise
    return (started.returncode, stderr), found


def _left_behind(workers: list[int]) -> list[int]:
    time.sleep(0.2)
    return [pid for pid in workers if Path(f"/proc/{pid}").exists() and _state(pid) != "Z"]


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _state(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def _synthetic(folder: Path, count: int) -> Path:
    """`count` clean event schemas of a dozen attributes each."""
    folder.mkdir(parents=True)
    kinds: list[dict[str, Any]] = [
        {"type": "string", "maxLength": 64},
        {"type": "integer", "minimum": 0},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "string", "enum": ["web", "ios", "android"]},
        {"type": "array", "items": {"type": "string"}},
        {"type": "string", "format": "date-time"},
    ]
    for index in range(count):
        properties = {f"attribute{number}": kinds[(index + number) % len(kinds)] for number in range(12)}
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"Event{index:04d}",
            "type": "object",
            "properties": properties,
            "required": ["attribute0"],
        }
        (folder / f"event_{index:03d}.json").write_text(json.dumps(schema, indent=2))
    return folder
