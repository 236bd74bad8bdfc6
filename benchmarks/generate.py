"""How long generate and check take on 1000 synthetic event schemas, against datamodel-codegen alone.

    python benchmarks/generate.py [--events 1000] [--seed 7]

Prints, from one run: a cold `generate` with black (the default) and with ruff, a no-op `generate` (nothing
changed), `check` on fresh output, an incremental `generate` after one schema edit, and the baseline:
`datamodel-codegen` on the same folder with its default settings. Each figure is the wall time of the real command
line as a subprocess, so interpreter start-up and imports are included, as a user or CI would see them.
Targets: cold generate <= the baseline, no-op generate < 2 s, check < 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900
WORDS = (
    "order",
    "item",
    "price",
    "total",
    "payment",
    "method",
    "channel",
    "device",
    "screen",
    "coupon",
    "store",
    "category",
    "brand",
    "count",
    "rating",
    "city",
    "country",
    "user",
    "session",
    "campaign",
    "source",
    "level",
)


def attribute(rng: random.Random, depth: int) -> dict[str, Any]:
    kind = rng.choices(
        ["String", "Integer", "Long", "Double", "Boolean", "Date", "enum", "array", "object", "datetime"],
        weights=[30, 12, 6, 12, 8, 5, 10, 7, 5 if depth == 0 else 0, 5],
    )[0]
    if kind == "String":
        schema: dict[str, Any] = {"type": "string", "x-netmera-type": "String"}
        if rng.random() < 0.3:
            schema["maxLength"] = rng.choice([32, 64, 255])
    elif kind in ("Integer", "Long"):
        schema = {"type": "integer", "x-netmera-type": kind}
        if rng.random() < 0.3:
            schema["minimum"] = 0
    elif kind == "Double":
        schema = {"type": "number", "x-netmera-type": "Double"}
    elif kind == "Boolean":
        schema = {"type": "boolean", "x-netmera-type": "Boolean"}
    elif kind == "Date":
        schema = {"type": "integer", "x-netmera-type": "Timestamp"}
    elif kind == "datetime":
        schema = {"type": "string", "format": "date-time"}
    elif kind == "enum":
        schema = {
            "type": "string",
            "enum": rng.sample(["web", "ios", "android", "email", "sms", "push", "tv"], rng.randint(2, 5)),
        }
    elif kind == "array":
        schema = {"type": "array", "items": {"type": rng.choice(["string", "integer"])}}
    else:
        properties = {name: attribute(rng, depth + 1) for name in names(rng, rng.randint(2, 4))}
        schema = {"type": "object", "properties": properties, "required": sorted(rng.sample(list(properties), 1))}
    if rng.random() < 0.4:
        schema["description"] = f"The {' '.join(rng.sample(WORDS, 2))} of the event."
    return schema


def names(rng: random.Random, count: int) -> list[str]:
    found: list[str] = []
    while len(found) < count:
        first, second = rng.sample(WORDS, 2)
        name = first + second.capitalize()
        if name not in found:
            found.append(name)
    return found


def synthesise(folder: Path, events: int, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True)
    for index in range(events):
        properties = {name: attribute(rng, 0) for name in names(rng, rng.randint(5, 15))}
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"Event{index:04d}{rng.choice(WORDS).capitalize()}",
            "description": f"Synthetic event number {index}.",
            "type": "object",
            "x-netmera-code": f"n:{index:04d}",
            "properties": properties,
            "required": sorted(rng.sample(list(properties), rng.randint(0, min(4, len(properties))))),
        }
        (folder / f"event_{index:04d}.json").write_text(json.dumps(schema, indent=2))


def timed(command: list[str], cwd: Path, expect: int = 0) -> float:
    started = time.perf_counter()
    ran = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=TIMEOUT)
    elapsed = time.perf_counter() - started
    if ran.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited {ran.returncode}:\n{ran.stdout[-2000:]}{ran.stderr[-2000:]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-baseline", action="store_true", help="do not run datamodel-codegen")
    args = parser.parse_args()
    codegen = [sys.executable, "-m", "netmera_codegen"]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    with tempfile.TemporaryDirectory(prefix="netmera-bench-") as folder:
        work = Path(folder)
        schemas = work / "schemas"
        synthesise(schemas, args.events, args.seed)
        build = ["--schemas", str(schemas)]
        results: list[tuple[str, float]] = []
        results.append(
            ("cold generate (black)", timed([*codegen, "generate", *build, "--out", str(work / "black" / "out")], work))
        )
        results.append(
            (
                "cold generate (ruff)",
                timed([*codegen, "generate", *build, "--out", str(work / "ruff" / "out"), "--formatter", "ruff"], work),
            )
        )
        results.append(
            ("no-op generate", timed([*codegen, "generate", *build, "--out", str(work / "black" / "out")], work))
        )
        results.append(
            ("check (fresh)", timed([*codegen, "check", *build, "--out", str(work / "black" / "out")], work))
        )
        edited = schemas / "event_0500.json"
        data = json.loads(edited.read_text())
        data["properties"]["benchExtra"] = {"type": "string"}
        edited.write_text(json.dumps(data, indent=2))
        results.append(
            (
                "check (1 schema edited)",
                timed([*codegen, "check", *build, "--out", str(work / "black" / "out")], work, expect=1),
            )
        )
        results.append(
            (
                "generate (1 schema edited)",
                timed([*codegen, "generate", *build, "--out", str(work / "black" / "out")], work),
            )
        )
        baseline = None
        if not args.skip_baseline:
            datamodel = Path(sys.executable).with_name("datamodel-codegen")
            command = [
                str(datamodel) if datamodel.exists() else shutil.which("datamodel-codegen") or "datamodel-codegen",
                "--input",
                str(schemas),
                "--input-file-type",
                "jsonschema",
                "--output",
                str(work / "dmcg"),
                "--output-model-type",
                "pydantic_v2.BaseModel",
            ]
            baseline = timed(command, work)
    print(f"{args.events} synthetic event schemas, {os.cpu_count()} CPU(s)")
    for label, seconds in results:
        ratio = f"  ({seconds / baseline:.2f}x baseline)" if baseline else ""
        print(f"  {label:<28}{seconds:7.2f} s{ratio}")
    if baseline:
        print(f"  {'datamodel-codegen (baseline)':<28}{baseline:7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
