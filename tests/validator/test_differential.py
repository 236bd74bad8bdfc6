"""Differential tests: the compiled validator, the `validate()` runtime, the `validate` command and jsonschema (on
the schema plus the ranges `x-netmera-type` implies, with the FORMAT_CHECKER) give the same verdict on every payload.

Payloads, for every event of `schemas/`, of the golden sets and of the Iglu corpus: examples that follow the schema
(a deterministic generator, plus hypothesis-jsonschema for the project's own schemas), their systematic mutations
(every category on every attribute) and random ones. Nothing here is random between runs."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from validator_payloads import payloads_for, systematic_mutants
from validator_reference import reference_validator, with_netmera_ranges
from validator_support import SCHEMA_DIRS, compile_events, constructor_arguments, generated_package, load_events

from netmera_codegen.command_validate import run_validate
from netmera_codegen.dialects import DRAFT7, dialect_of
from netmera_codegen.findings import errors_in

CUSTOM_FORMATS = {
    "uuid": st.uuids().map(str),
    "strict-uri": st.just("https://example.com/a"),
}
HYPOTHESIS_DIRS = ("schemas", "golden-seed", "golden-hard")
#: Sweeps of many payloads per event: the golden sets stay in the fast suite, the repository's schemas (with
#: hypothesis examples for each event) and the corpus run with the slow ones.
SLOW_DIRS = {"schemas", "iglu-central"}


def hypothesis_examples(schema: Any, draft7: bool, count: int) -> list[Any]:
    """Valid instances from hypothesis-jsonschema (an empty list when it cannot handle the schema)."""
    found: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(with_netmera_ranges(schema, draft7), custom_formats=CUSTOM_FORMATS))
    def collect(value: Any) -> None:
        found.append(value)

    try:
        collect()
    except Exception:  # noqa: BLE001 - a schema hypothesis-jsonschema cannot generate for
        return []
    return found


def event_payloads(label: str, schema: Any, seed: int) -> list[Any]:
    """The project's schemas get more payloads each; the corpus (239 events) fewer, to keep the run short."""
    draft7 = dialect_of(schema) == DRAFT7
    own = label in HYPOTHESIS_DIRS
    payloads = payloads_for(schema, seed, bases=3 if own else 2, per_base=12 if own else 6, draft7=draft7)
    bases = [payloads[0]] + (hypothesis_examples(schema, draft7, 15) if own else [])
    payloads += bases[1:]
    for base in bases[:: max(1, len(bases) // 4)]:
        payloads += systematic_mutants(base, schema)
    return payloads


@pytest.mark.parametrize(
    "label",
    [pytest.param(label, marks=pytest.mark.slow) if label in SLOW_DIRS else label for label in sorted(SCHEMA_DIRS)],
)
def test_compiled_validator_agrees_with_jsonschema(label: str, tmp_path: Path) -> None:
    folder = SCHEMA_DIRS[label]
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    events, findings = load_events(folder)
    assert not errors_in(findings), findings
    compiled = compile_events(events)
    assert not errors_in(compiled.findings)
    mismatches: list[Any] = []
    all_payloads: list[Any] = []
    expected_verdicts: list[bool] = []
    counts = {"valid": 0, "invalid": 0}
    for seed, event in enumerate(events):
        reference = reference_validator(event.schema)
        for payload in event_payloads(label, event.schema, seed):
            expected = reference.is_valid(payload)
            counts["valid" if expected else "invalid"] += 1
            issues = compiled.issues(event.name, payload)
            if (not issues) != expected:
                mismatches.append((event.name, expected, issues[:3], json.dumps(payload)[:300]))
            all_payloads.append(payload)
            expected_verdicts.append(expected)
    assert not mismatches, mismatches[:10]
    assert counts["valid"] >= len(events) and counts["invalid"] >= 10 * len(events), counts

    # validate() on the whole list, as a fireEvents body: the invalid items are exactly the reference's.
    violations = compiled.runtime.validate(all_payloads)
    flagged = {violation.index for violation in violations}
    assert flagged == {index for index, valid in enumerate(expected_verdicts) if not valid}
    assert all(violation.pointer == "" or violation.pointer.startswith("/") for violation in violations)

    # The command, straight from the schema files, on the same payloads as JSON Lines.
    payload_file = tmp_path / "payloads.jsonl"
    payload_file.write_text("\n".join(json.dumps(payload) for payload in all_payloads) + "\n", encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_validate(folder, [payload_file], "json", stdout, stderr)
    report = json.loads(stdout.getvalue())
    assert status == (1 if flagged else 0), stderr.getvalue()
    assert {violation["index"] for violation in report["files"][0]["violations"]} == flagged
    print(f"\n{label}: {len(events)} events, {counts['valid']} valid and {counts['invalid']} invalid payloads agree")


@pytest.mark.parametrize(
    "label",
    [pytest.param(label, marks=pytest.mark.slow) if label in SLOW_DIRS else label for label in sorted(SCHEMA_DIRS)],
)
def test_typed_classes_agree_with_jsonschema(label: str, tmp_path: Path) -> None:
    """In a generated package, `validate()` gives jsonschema's verdicts, and each event class builds from exactly the
    payloads jsonschema accepts for its schema, gives each back unchanged from `to_payload()`, and refuses the
    others with the pointers `validate()` reports."""
    folder = SCHEMA_DIRS[label]
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    generated = generated_package(label, folder, tmp_path)
    package = generated.package
    disagreements: list[tuple[str, str, str]] = []
    checked = constructed = 0
    for seed, event in enumerate(generated.events):
        cls = package.EVENTS[event.name]
        model = generated.models[event.name]
        reference = reference_validator(event.schema)
        for payload in event_payloads(label, event.schema, seed):
            if not isinstance(payload, dict):
                continue
            valid = reference.is_valid(payload)
            checked += 1
            if (not package.validate(payload)) != valid:
                disagreements.append(("validate", event.name, json.dumps(payload)[:200]))
            arguments = constructor_arguments(model, payload) if model.fast_path is not None else None
            if arguments is not None:  # the constructor, on its fast path or not, decides as jsonschema does
                constructed += 1
                try:
                    made = cls(**arguments)
                except package.EventValidationError:
                    if valid:
                        disagreements.append(("constructor refused", event.name, json.dumps(payload)[:200]))
                else:
                    if not valid or made.to_payload() != payload:
                        disagreements.append(("constructor accepted", event.name, json.dumps(payload)[:200]))
            try:
                parsed = cls.from_payload(payload)
            except package.EventValidationError as error:
                if valid:
                    disagreements.append(("refused", event.name, json.dumps(payload)[:200]))
                elif payload.get("name") == event.name:
                    pointers = sorted(violation.pointer for violation in error.violations)
                    if pointers != sorted(violation.pointer for violation in package.validate(payload)):
                        disagreements.append(("pointers", event.name, json.dumps(payload)[:200]))
                continue
            if not valid:
                disagreements.append(("accepted", event.name, json.dumps(payload)[:200]))
            elif parsed.to_payload() != payload:
                disagreements.append(("round trip", event.name, json.dumps(payload)[:200]))
    assert not disagreements, disagreements[:10]
    assert checked >= 10 * len(generated.events)
    fast = sum(model.fast_path is not None for model in generated.models.values())
    print(
        f"\n{label}: validate() and the classes of {len(generated.events)} events agree with jsonschema on {checked}"
        f" payloads; the constructors of the {fast} with a fast path on {constructed}"
    )
