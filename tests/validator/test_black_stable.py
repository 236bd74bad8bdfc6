"""The compiled `_validators` modules come out exactly as black formats them, so the build need not run black over
them: every event of the repository's schemas and the golden schemas is compiled and formatted, and black must leave
every module unchanged; the slow sweep adds the Iglu corpus and a sample of the fuzz schemas (in a process pool)."""

from __future__ import annotations

import difflib
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import black
import pytest
from hypothesis import HealthCheck, given, settings
from test_fuzz import schemas
from validator_support import SCHEMA_DIRS, load_events

from netmera_codegen.findings import errors_in
from netmera_codegen.validators import compile_package

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=100)
FUZZ_SAMPLE = 150


def _unstable(item: tuple[str, str]) -> str | None:
    """None when black leaves a module as it is, else a short diff."""
    label, source = item
    formatted = black.format_str(source, mode=MODE)
    if formatted == source:
        return None
    diff = difflib.unified_diff(source.splitlines(), formatted.splitlines(), label, "black", lineterm="", n=1)
    return "\n".join(list(diff)[:40])


def _fuzz_schemas() -> list[Any]:
    found: list[Any] = []

    @settings(
        max_examples=FUZZ_SAMPLE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(schema=schemas(False), draft7_schema=schemas(True))
    def collect(schema: Any, draft7_schema: Any) -> None:
        found.append(schema)
        found.append({"$schema": "http://json-schema.org/draft-07/schema#", "allOf": [draft7_schema]})

    collect()
    return found


#: The schema folders the fast test compiles; the sweep takes every folder there is.
OWN_DIRS = ("schemas", "golden-seed", "golden-hard")


def _modules(labels: tuple[str, ...], *, fuzz: bool) -> dict[str, str]:
    modules: dict[str, str] = {}
    for label in labels:
        folder = SCHEMA_DIRS[label]
        if not folder.is_dir():
            continue
        events, _ = load_events(folder)
        files, findings = compile_package([(event.name, event.schema) for event in events])
        modules.update({f"{label}/{name}": source for name, source in files.items()})
    if not fuzz:
        return modules
    pairs = [(f"fuzz{index}", schema) for index, schema in enumerate(_fuzz_schemas())]
    files, findings = compile_package(pairs)
    assert len(files) > len(pairs) // 2, errors_in(findings)[:5]
    modules.update({f"fuzz/{name}": source for name, source in files.items()})
    return modules


def _assert_black_stable(modules: dict[str, str], diffs: list[str]) -> None:
    print(f"\n{len(modules)} compiled modules, {len(modules) - len(diffs)} left unchanged by black")
    assert not diffs, f"{len(diffs)} of {len(modules)} modules changed by black; first:\n" + "\n\n".join(diffs[:3])


def test_compiled_modules_are_black_stable() -> None:
    modules = _modules(OWN_DIRS, fuzz=False)
    assert len(modules) > len(OWN_DIRS)
    _assert_black_stable(modules, [diff for diff in map(_unstable, modules.items()) if diff is not None])


@pytest.mark.slow  # a sweep: the corpus and 300 fuzz schemas, formatted in a process pool
@pytest.mark.timeout(120)
def test_compiled_modules_of_the_corpus_and_fuzz_schemas_are_black_stable() -> None:
    modules = _modules(tuple(SCHEMA_DIRS), fuzz=True)
    with ProcessPoolExecutor(max_workers=2) as pool:
        diffs = [diff for diff in pool.map(_unstable, modules.items(), chunksize=16) if diff is not None]
    _assert_black_stable(modules, diffs)
