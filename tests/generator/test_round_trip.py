"""Every payload the schemas accept reads back into its typed event and out again unchanged:
`parse_event(payload).to_payload() == payload`, for schemas/, the hard golden set and a vendor tracking plan.

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
from netmera_events import parse_event
failures = []
for payload in json.load(open(sys.argv[1])):
    try:
        back = parse_event(payload).to_payload()
    except Exception as error:
        back = f"{type(error).__name__}: {error}"
    if back != payload:
        failures.append([payload, back])
print(json.dumps(failures))
"""


def _valid_payloads(schemas: Path) -> list[object]:
    events, findings = load_events(schemas)
    assert not [finding for finding in findings if finding.severity == "error"]
    valid: list[object] = []
    for seed, event in enumerate(events):
        reference = reference_validator(event.schema)
        for payload in payloads_for(event.schema, seed=seed, bases=8, per_base=12):
            if reference.is_valid(payload) and payload not in valid:
                valid.append(payload)
    return valid


@pytest.mark.parametrize("name", ["schemas", "hard", "tracking-plan"])
def test_every_valid_payload_round_trips(name: str, tmp_path: Path) -> None:
    if name == "schemas":
        schemas, package = ROOT / "schemas", GENERATED
    else:
        # The golden tree holds no runtime copies: the package is built afresh, as for the tracking plan.
        schemas, package = (GOLDEN / "hard" / "schemas" if name == "hard" else TRACKING_PLAN), tmp_path / "out"
        assert run_cli_inline("generate", "--schemas", schemas, "--out", package, "--formatter", "ruff").returncode == 0
    payloads = _valid_payloads(schemas)
    assert len(payloads) >= 50
    (tmp_path / "payloads.json").write_text(json.dumps(payloads))

    ran = run_python(textwrap.dedent(CHECK) + "\n", path=package, argv=[str(tmp_path / "payloads.json")])

    assert ran.returncode == 0, ran.stderr
    failures = json.loads(ran.stdout)
    assert failures == [], f"{len(failures)} of {len(payloads)} payloads changed: {failures[:3]}"
