"""The compiled `_validators` modules come out exactly as black formats them, so the build need not run black over
them (the compiler writes black's layout as it emits, `validators.layout`): every event of the repository's schemas,
the golden schemas, the hardening tracking plan, the layout schemas (long patterns, enums and names, deep nesting,
unicode, big numbers, hostile text, long combinator conditions) and a sample of the generate benchmark's synthetic
schemas is compiled, and black must leave every module unchanged; the slow sweep adds the Iglu corpus, every case
of the JSON Schema Test Suite, the benchmark's 1000 synthetic schemas and a sample of the fuzz schemas (in a
process pool)."""

from __future__ import annotations

import difflib
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import black
import pytest
from hypothesis import HealthCheck, given, settings
from test_fuzz import schemas
from validator_support import ROOT, SCHEMA_DIRS, TEST_SUITE, load_events

from benchmarks.generate import synthesise
from netmera_codegen.dialects import DRAFT7, DRAFT2020
from netmera_codegen.findings import errors_in
from netmera_codegen.validators import compile_package

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=100)
FUZZ_SAMPLE = 150
SYNTHETIC_SAMPLE = 25
"""Synthetic schemas of the generate benchmark the fast test compiles (the sweep takes its 1000)."""
SYNTHETIC_SEED = 7
"""The benchmark's own seed: the same schemas it generates."""
FOLDERS = {
    **SCHEMA_DIRS,
    "tracking-plan": ROOT / "tests" / "hardening" / "tracking_plan",
    "layout": ROOT / "tests" / "validator" / "layout_schemas",
}


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
OWN_DIRS = ("schemas", "golden-seed", "golden-hard", "tracking-plan", "layout")


def _folder_modules(label: str, folder: Path) -> dict[str, str]:
    events, findings = load_events(folder)
    files, compiled = compile_package([(event.name, event.schema) for event in events])
    assert len(files) > 1, errors_in(findings + compiled)[:5]
    return {f"{label}/{name}": source for name, source in files.items()}


def _synthetic_modules(folder: Path, events: int) -> dict[str, str]:
    synthesise(folder, events, SYNTHETIC_SEED)
    return _folder_modules("synthetic", folder)


def _suite_modules() -> dict[str, str]:
    """Every case schema of the JSON Schema Test Suite, by draft (the compiler refuses some: left out)."""
    modules: dict[str, str] = {}
    for draft, dialect in (("draft7", DRAFT7), ("draft2020-12", DRAFT2020)):
        pairs = []
        for path in sorted((TEST_SUITE / draft).glob("*.json")):
            cases = json.loads(path.read_text(encoding="utf-8"))
            pairs += [(f"{path.stem}#{index}", case["schema"]) for index, case in enumerate(cases)]
        files, _ = compile_package(pairs, default_dialect=dialect)
        modules.update({f"suite-{draft}/{name}": source for name, source in files.items()})
    return modules


def _modules(labels: tuple[str, ...], *, fuzz: bool) -> dict[str, str]:
    modules: dict[str, str] = {}
    for label in labels:
        if FOLDERS[label].is_dir():
            modules.update(_folder_modules(label, FOLDERS[label]))
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


def test_compiled_modules_are_black_stable(tmp_path: Path) -> None:
    modules = _modules(OWN_DIRS, fuzz=False)
    assert all(any(label.startswith(f"{own}/") for label in modules) for own in OWN_DIRS)
    modules.update(_synthetic_modules(tmp_path / "synthetic", SYNTHETIC_SAMPLE))
    _assert_black_stable(modules, [diff for diff in map(_unstable, modules.items()) if diff is not None])


@pytest.mark.slow  # a sweep: the corpus, the test suite, 1000 synthetic and 300 fuzz schemas, in a process pool
@pytest.mark.timeout(600)
def test_compiled_modules_of_the_corpus_and_fuzz_schemas_are_black_stable(tmp_path: Path) -> None:
    modules = _modules(tuple(FOLDERS), fuzz=True)
    modules.update(_synthetic_modules(tmp_path / "synthetic", 1000))
    if TEST_SUITE.is_dir():
        modules.update(_suite_modules())
    with ProcessPoolExecutor(max_workers=2) as pool:
        diffs = [diff for diff in pool.map(_unstable, modules.items(), chunksize=16) if diff is not None]
    _assert_black_stable(modules, diffs)
