"""Payload validation speed: the generated package's `validate()` against jsonschema, fastjsonschema and
jsonschema-rs, on the same 20,000 mixed payloads in the same run.

    .venv/bin/python benchmarks/validate.py [--schemas DIR] [--count N] [--rounds R]

Payloads are built deterministically from the event schemas in `schemas/` (with the example generator and mutator of
tests/validator/validator_payloads.py): half valid, half invalid by jsonschema's verdict, the invalid ones being
events with a correct name and extId and one or two wrong attributes (wrong type, missing required, extra key, null,
out of range, bad format, ...). Every library gets the bundled event schemas plus the ranges `x-netmera-type`
implies, with format checking on, and has its validators built once before timing; dispatch on the item's `name`
is part of every measured loop. `validate()` returns every violation of an invalid item, the others only answer
valid/invalid (the `iter_errors` row shows jsonschema listing every error too). The numbers are payloads per second,
best of R interleaved rounds, pinned to one core; the ratio column is relative to jsonschema's `is_valid`, and the
agreement column counts verdicts equal to jsonschema's.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "validator"))

from validator_payloads import payloads_for
from validator_reference import reference_validator, with_netmera_ranges

from netmera_codegen.bundle import bundle_events
from netmera_codegen.dialects import DRAFT7, dialect_of
from netmera_codegen.load import load_schemas
from netmera_codegen.validators import compile_package, load_in_memory


def build_payloads(events: list[Any], count: int, is_valid: Callable[[Any], bool]) -> list[Any]:
    """`count` payloads over every event, shuffled: half valid, half invalid (by jsonschema's verdict). The invalid
    ones are events with a correct name and extId and one or two wrong attributes, the usual mistake."""
    pool: list[Any] = []
    for seed, event in enumerate(events):
        draft7 = dialect_of(event.schema) == DRAFT7
        for payload in payloads_for(event.schema, seed, bases=40, per_base=6, draft7=draft7):
            if (
                isinstance(payload, dict)
                and payload.get("name") == event.name
                and isinstance(payload.get("extId"), str)
            ):
                pool.append(payload)
    valid = [payload for payload in pool if is_valid(payload)]
    invalid = [payload for payload in pool if not is_valid(payload)]
    half = count // 2
    chosen = [valid[index % len(valid)] for index in range(half)]
    chosen += [invalid[index % len(invalid)] for index in range(count - half)]
    random.Random(20240517).shuffle(chosen)
    return chosen


def load_validate(events: list[Any], schemas_dir: Path) -> tuple[Callable[[Any], list[Any]], str]:
    """`validate` of the generated package when it was generated from these schemas, else compiled in memory."""
    generated = ROOT / "generated"
    if (generated / "netmera_events" / "_validators" / "__init__.py").is_file() and schemas_dir.resolve() == (
        ROOT / "schemas"
    ):
        sys.path.insert(0, str(generated))
        import netmera_events

        return netmera_events.validate, "generated/netmera_events"
    files, _ = compile_package([(event.name, event.schema) for event in events])
    return load_in_memory(files).validate, "compiled in memory"


BASELINE = "jsonschema is_valid (Draft*Validator, formats)"


def dispatching(validators: dict[str, Callable[[Any], bool]]) -> Callable[[Any], bool]:
    def is_valid(payload: Any) -> bool:
        name = payload.get("name") if isinstance(payload, dict) else None
        check = validators.get(name) if isinstance(name, str) else None
        return check is not None and check(payload)

    return is_valid


def competitors(events: list[Any]) -> dict[str, Callable[[Any], bool]]:
    found: dict[str, Callable[[Any], bool]] = {}
    validators = {event.name: reference_validator(event.schema) for event in events}
    found[BASELINE] = dispatching({name: validator.is_valid for name, validator in validators.items()})
    found["jsonschema, every error (list(iter_errors))"] = dispatching(
        {name: lambda payload, v=validator: not list(v.iter_errors(payload)) for name, validator in validators.items()}
    )
    try:
        import fastjsonschema
    except ImportError:
        print("fastjsonschema not installed: skipped", file=sys.stderr)
    else:
        compiled = {}
        for event in events:
            function = fastjsonschema.compile(with_netmera_ranges(event.schema, dialect_of(event.schema) == DRAFT7))

            def check(payload: Any, function: Callable[[Any], Any] = function) -> bool:
                try:
                    function(payload)
                except fastjsonschema.JsonSchemaException:
                    return False
                return True

            compiled[event.name] = check
        found["fastjsonschema"] = dispatching(compiled)
    try:
        import jsonschema_rs
    except ImportError:
        print("jsonschema-rs not installed: skipped", file=sys.stderr)
    else:
        rust = {
            event.name: jsonschema_rs.validator_for(
                with_netmera_ranges(event.schema, dialect_of(event.schema) == DRAFT7), validate_formats=True
            ).is_valid
            for event in events
        }
        found["jsonschema-rs"] = dispatching(rust)
    return found


def best_times(runs: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    """Best wall time of each run over `rounds` rounds; the runs take turns within a round, so that a change in
    the machine's load affects them alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for label, run in runs.items():
            gc.collect()
            start = time.perf_counter()
            run()
            best[label] = min(best[label], time.perf_counter() - start)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schemas", type=Path, default=ROOT / "schemas")
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    files, _ = load_schemas(args.schemas)
    events, _ = bundle_events(files, args.schemas)
    if not events:
        print(f"no events under {args.schemas}", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the numbers are quoted
    validate, origin = load_validate(events, args.schemas)
    others = competitors(events)
    reference = others[BASELINE]
    payloads = build_payloads(events, args.count, reference)
    expected = [reference(payload) for payload in payloads]

    runs: dict[str, Callable[[], Any]] = {
        f"validate() per payload ({origin})": lambda: [validate(p) for p in payloads],
        "validate() one call for the whole list": lambda: validate(payloads),
    }
    verdicts = [not validate(payload) for payload in payloads]
    agreement = {label: sum(a == b for a, b in zip(verdicts, expected)) for label in runs}
    for label, is_valid in others.items():
        runs[label] = lambda check=is_valid: [check(p) for p in payloads]
        agreement[label] = sum(is_valid(payload) == want for payload, want in zip(payloads, expected))
    best = best_times(runs, args.rounds)
    rows = [(label, best[label], agreement[label]) for label in runs]

    baseline = best[BASELINE]
    valid = sum(expected)
    print(
        f"{len(payloads)} payloads over {len(events)} events ({valid} valid, {len(payloads) - valid} invalid), "
        f"Python {sys.version.split()[0]}, best of {args.rounds} interleaved rounds"
    )
    print()
    print(f"| {'validator':<58} | {'payloads/s':>12} | {'vs jsonschema':>13} | {'agrees':>13} |")
    print(f"| {'-' * 58} | {'-' * 12}:| {'-' * 13}:| {'-' * 13}:|")
    for label, seconds, agreeing in rows:
        rate = len(payloads) / seconds
        print(f"| {label:<58} | {rate:>12,.0f} | {baseline / seconds:>12.1f}x | {agreeing:>6}/{len(payloads):<6} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
