"""Shared by the validator tests and the benchmark: where the schemas are, and schemas compiled in memory."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from netmera_codegen.bundle import EventSchema, bundle_events
from netmera_codegen.dialects import DRAFT2020, Dialect
from netmera_codegen.findings import Finding
from netmera_codegen.load import load_schemas
from netmera_codegen.validators import compile_package, load_in_memory

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
IGLU = CORPUS / "iglu-central"
TEST_SUITE = CORPUS / "json-schema-test-suite"
SCHEMA_DIRS = {
    "schemas": ROOT / "schemas",
    "golden-seed": ROOT / "tests" / "golden" / "seed" / "schemas",
    "golden-hard": ROOT / "tests" / "golden" / "hard" / "schemas",
    "iglu-central": IGLU,
}


@dataclass
class Compiled:
    files: dict[str, str]
    """The `_validators` subpackage: file name -> source."""
    findings: list[Finding]
    runtime: ModuleType
    """The `_validate` module: `validate`, `Violation`, helpers."""
    validators: ModuleType
    """The `_validators` package: `load_validator(name)` (wire name -> check appending issues)."""

    def is_valid(self, name: str, value: Any) -> bool:
        return not self.issues(name, value)

    def issues(self, name: str, value: Any) -> list[tuple[str, str, str]]:
        """(pointer, keyword, message) for each violation."""
        out: list[tuple[str, str, Any, Any, Any]] = []
        check = self.validators.load_validator(name)
        assert check is not None, f"no check for {name!r}"
        check(value, out)
        return [(pointer, keyword, describe(value, detail)) for pointer, keyword, describe, value, detail in out]


def compile_pairs(pairs: list[tuple[str, Any]], default_dialect: Dialect = DRAFT2020) -> Compiled:
    files, findings = compile_package(pairs, default_dialect=default_dialect)
    runtime = load_in_memory(files)
    validators = importlib.import_module(f"{runtime.__package__}._validators")
    return Compiled(files, findings, runtime, validators)


def load_events(folder: Path) -> tuple[list[EventSchema], list[Finding]]:
    files, findings = load_schemas(folder)
    events, bundle_findings = bundle_events(files, folder)
    return events, findings + bundle_findings


def compile_events(events: list[EventSchema]) -> Compiled:
    return compile_pairs([(event.name, event.schema) for event in events])
