"""Shared by the validator tests and the benchmark: where the schemas are, and schemas compiled in memory."""

from __future__ import annotations

import importlib
import math
import shutil
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from netmera_codegen.bundle import EXT_ID, NAME, EventSchema, bundle_events
from netmera_codegen.dialects import DRAFT2020, Dialect
from netmera_codegen.findings import Finding, errors_in
from netmera_codegen.load import load_schemas
from netmera_codegen.model import EventClass
from netmera_codegen.pipeline import Options, build
from netmera_codegen.runtime._types import DOUBLE_MAX
from netmera_codegen.validators import compile_package, load_in_memory
from netmera_codegen.write import write_tree

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


@dataclass
class Generated:
    """A typed package written by the real pipeline and imported."""

    package: ModuleType
    events: list[EventSchema]
    """Its events as the validator tests read them (bundled schemas)."""
    models: dict[str, EventClass]
    """The model each event's module was rendered from, by wire name."""


def generated_package(label: str, folder: Path, out: Path) -> Generated:
    """The typed package of `folder`, under a name of its own (`label`). Files of the corpus that the generator
    refuses (with a finding) are left out, as a user would leave them out."""
    schemas = out / "schemas"
    shutil.copytree(folder, schemas)
    package = f"typed_{label.replace('-', '_')}"
    for _ in range(3):
        built = build(Options(schemas=schemas, out=out / "package", package=package, formatter="ruff"))
        refused = {Path(finding.path).name for finding in built.findings if finding.severity == "error"}
        if built.ok or not refused:
            break
        for name in refused:
            (schemas / name).unlink()
    assert built.ok, built.findings[:5]
    write_tree(out / "package", built.files)
    sys.path.insert(0, str(out / "package"))
    try:
        module = importlib.import_module(package)
    finally:
        sys.path.remove(str(out / "package"))
    events, findings = load_events(schemas)
    assert not errors_in(findings), findings
    return Generated(module, events, {event.wire_name: event for event in built.events})


def constructor_arguments(model: EventClass, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The keywords that make `payload` with the constructor of an event with a fast path (whose keywords are the
    wire values), or None for a payload no call can spell: another event's name, an undeclared key, a null for an
    attribute where None means "leave it out", or a number no event carries (a NaN, beyond a Double)."""
    if payload.get(NAME) != model.wire_name:
        return None
    names = {attribute.wire_name: attribute for attribute in model.attributes}
    arguments = {}
    for key, value in payload.items():
        if key == EXT_ID:
            arguments["ext_id"] = value
        elif key in names and not (value is None and names[key].unset_is_none) and carried(value):
            arguments[names[key].python_name] = value
        elif key != NAME:
            return None
    return arguments


def carried(value: Any) -> bool:
    """Whether an event can carry the value at all: not a NaN, an infinity, a number beyond a Double or a Decimal,
    which constructors refuse whatever the schema says (nor a list or dict holding one)."""
    if isinstance(value, Decimal):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) <= DOUBLE_MAX
    if isinstance(value, list):
        return all(carried(item) for item in value)
    if isinstance(value, dict):
        return all(carried(item) for item in value.values())
    return True
