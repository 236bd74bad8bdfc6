"""Every payload the schemas accept reads back into its typed event and out again unchanged:
`parse_event(payload).to_payload() == payload`, for schemas/, the hard golden set and a vendor tracking plan; every
payload they refuse fails `parse_event` with exactly the pointers `validate()` reports.

Valid payloads come from the validator tests' deterministic example maker and its mutants, kept when jsonschema
(with the ranges `x-netmera-type` implies) accepts them; the generated package runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from support import GENERATED, GOLDEN, ROOT, run_cli_inline, run_python

sys.path.insert(0, str(ROOT / "tests" / "validator"))

from validator_payloads import payloads_for
from validator_reference import reference_validator
from validator_support import load_events

TRACKING_PLAN = ROOT / "tests" / "hardening" / "tracking_plan"

CHECK = """
import json, sys
from netmera_events import EventValidationError, parse_event, validate
failures = []
valid, invalid = json.load(open(sys.argv[1]))
for payload in valid:
    try:
        back = parse_event(payload).to_payload()
    except Exception as error:
        back = f"{type(error).__name__}: {error}"
    if back != payload:
        failures.append([payload, back])
for payload in invalid:
    expected = sorted(violation.pointer for violation in validate(payload))
    try:
        parse_event(payload)
        got = "accepted"
    except EventValidationError as error:
        got = sorted(violation.pointer for violation in error.violations)
    if got != expected:
        failures.append([payload, got, expected])
print(json.dumps(failures))
"""


def _payloads(schemas: Path) -> tuple[list[object], list[object]]:
    """Payloads jsonschema accepts, and those it refuses that still name their event."""
    events, findings = load_events(schemas)
    assert not [finding for finding in findings if finding.severity == "error"]
    valid: list[object] = []
    invalid: list[object] = []
    for seed, event in enumerate(events):
        reference = reference_validator(event.schema)
        for payload in payloads_for(event.schema, seed=seed, bases=8, per_base=12):
            if reference.is_valid(payload):
                if payload not in valid:
                    valid.append(payload)
            elif isinstance(payload, dict) and payload.get("name") == event.name and payload not in invalid:
                invalid.append(payload)
    return valid, invalid


@pytest.mark.parametrize("name", ["schemas", "hard", "tracking-plan"])
def test_every_valid_payload_round_trips(name: str, tmp_path: Path) -> None:
    if name == "schemas":
        schemas, package = ROOT / "schemas", GENERATED
    else:
        # The golden tree holds no runtime copies: the package is built afresh, as for the tracking plan.
        schemas, package = (GOLDEN / "hard" / "schemas" if name == "hard" else TRACKING_PLAN), tmp_path / "out"
        assert run_cli_inline("generate", "--schemas", schemas, "--out", package, "--formatter", "ruff").returncode == 0
    valid, invalid = _payloads(schemas)
    assert len(valid) >= 50 and len(invalid) >= 50
    (tmp_path / "payloads.json").write_text(json.dumps([valid, invalid]))

    ran = run_python(textwrap.dedent(CHECK) + "\n", path=package, argv=[str(tmp_path / "payloads.json")])

    assert ran.returncode == 0, ran.stderr
    failures = json.loads(ran.stdout)
    assert failures == [], f"{len(failures)} of {len(valid) + len(invalid)} payloads disagree: {failures[:3]}"
