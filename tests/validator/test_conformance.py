"""Conformance with the official JSON Schema Test Suite (draft-07 and 2020-12, required tests) for every keyword the
compiler supports. A case the compiler refuses is skipped only if the refusal is one of the documented reasons
(unsupported keyword, non-local or anchor `$ref`, circular `$ref`, base-URI change, unknown dialect, a pattern
Python's `re` cannot read); any other refusal fails. The suite's `format.json` expects formats to be annotations;
this project asserts formats (with jsonschema's FORMAT_CHECKER), so those cases are judged by jsonschema with it."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from validator_reference import reference_validator
from validator_support import TEST_SUITE, compile_pairs

from netmera_codegen.dialects import DRAFT7, DRAFT2020, SUPPORTED_KEYWORDS, Dialect
from netmera_codegen.findings import errors_in

FOLDERS: dict[str, Dialect] = {"draft7": DRAFT7, "draft2020-12": DRAFT2020}
REFUSAL_REASONS = re.compile(
    r"is not supported|only local JSON pointer references|anchors are not supported|circular \$ref"
    r"|inside a subschema with its own \$id|unsupported \$schema|invalid regular expression"
)
# A sweep of the whole suite (about 1,800 cases): slow.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not TEST_SUITE.is_dir(), reason="JSON Schema Test Suite not found beside the repo"),
]


def suite_files() -> list[tuple[str, Path]]:
    if not TEST_SUITE.is_dir():
        return []
    return [(folder, path) for folder in FOLDERS for path in sorted((TEST_SUITE / folder).glob("*.json"))]


def _keywords(schema: Any, found: set[str]) -> None:
    if isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            _keywords(value, found)
    elif isinstance(schema, list):
        for item in schema:
            _keywords(item, found)


@dataclass
class SuiteRun:
    counts: Counter[str] = field(default_factory=Counter)
    covered: dict[Dialect, set[str]] = field(default_factory=lambda: {DRAFT7: set(), DRAFT2020: set()})
    failures: dict[str, list[Any]] = field(default_factory=dict)


def run_file(folder: str, path: Path, run: SuiteRun) -> None:
    dialect = FOLDERS[folder]
    cases = json.loads(path.read_text(encoding="utf-8"))
    names = [f"{path.stem}#{index}" for index in range(len(cases))]
    compiled = compile_pairs([(name, case["schema"]) for name, case in zip(names, cases)], default_dialect=dialect)
    refusals: dict[str, list[str]] = {}
    for finding in errors_in(compiled.findings):
        refusals.setdefault(finding.path, []).append(finding.message)
    failures = run.failures.setdefault(f"{folder}/{path.name}", [])
    for name, case in zip(names, cases):
        if compiled.validators.load_validator(name) is None:
            unexplained = [
                message for message in refusals.get(name, ["no finding"]) if not REFUSAL_REASONS.search(message)
            ]
            if unexplained:
                failures.append((case["description"], "refused for an undocumented reason", unexplained))
            run.counts["skipped"] += len(case["tests"])
            run.counts["refused schemas"] += 1
            continue
        _keywords(case["schema"], run.covered[dialect])
        reference = reference_validator(case["schema"], default_draft7=dialect == DRAFT7)
        for test in case["tests"]:
            expected = test["valid"] if path.stem != "format" else reference.is_valid(test["data"])
            issues = compiled.issues(name, test["data"])
            run.counts["run"] += 1
            if (not issues) != expected or reference.is_valid(test["data"]) != expected:
                failures.append((case["description"], test["description"], expected, issues[:3]))


@pytest.fixture(scope="module")
def suite_run() -> SuiteRun:
    run = SuiteRun()
    for folder, path in suite_files():
        run_file(folder, path, run)
    return run


@pytest.mark.parametrize(("folder", "path"), suite_files(), ids=lambda value: getattr(value, "name", value))
def test_suite_file(folder: str, path: Path, suite_run: SuiteRun) -> None:
    assert suite_run.failures[f"{folder}/{path.name}"] == []


def test_supported_keywords_are_covered_and_totals(suite_run: SuiteRun) -> None:
    for dialect, covered in suite_run.covered.items():
        missing = SUPPORTED_KEYWORDS[dialect] - covered
        assert not missing, f"{dialect}: supported keywords without a passing suite case: {sorted(missing)}"
    assert suite_run.counts["run"] >= 1800, suite_run.counts
    print(
        f"\nJSON Schema Test Suite: {suite_run.counts['run']} tests run, {suite_run.counts['skipped']} skipped "
        f"({suite_run.counts['refused schemas']} refused schemas)"
    )
