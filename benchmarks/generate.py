"""How long generate, check and lint take on 1000 synthetic event schemas, against baselines from the same run.

    python benchmarks/generate.py [--events 1000] [--seed 7] [--skip-baseline]

Prints, from one run: a cold `generate` with black (the default) and with ruff, each with an empty build cache, a
no-op `generate` (nothing changed), `check` on fresh output, `check` and `generate` after one schema edit (the cache
warm), `lint` with an empty and a warm cache, and `lint` of the first 20 schemas alone (empty cache: a project too
small for worker processes); the CPU time of the cold generate (every process) and of compiling every event's
validator module in one process. Then four ratios, each against a baseline measured in the run:

- cold generate / `datamodel-codegen` on the same folder with its default settings (target <= 0.25x);
- one-schema edit / cold generate (target: the edit at most 1.0 s);
- lint / jsonschema's plain metaschema check of every file, one validator per file as lint used to do (target:
  lint at most 2 s);
- compiling the validators / the cold generate's CPU time (the validator compiler's share of a build).

Each figure is the wall time of the real command line as a subprocess, so interpreter start-up and imports are
included, as a user or CI would see them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 900
SMALL_PROJECT = 20
"""Schemas in the small project lint is also timed on (a pre-commit run on a few files): too few for workers."""
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


CPU_SECONDS: dict[str, float] = {}
"""CPU time (user and system, of the command and every process it started) by command line, of the last run."""


def timed(command: list[str], cwd: Path, expect: int = 0) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    ran = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False, timeout=TIMEOUT)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_SECONDS[" ".join(command)] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if ran.returncode != expect:
        raise SystemExit(f"{' '.join(command)} exited {ran.returncode}:\n{ran.stdout[-2000:]}{ran.stderr[-2000:]}")
    return elapsed


COMPILE_VALIDATORS = """
import sys, time
from pathlib import Path
from netmera_codegen.pipeline import Options, bundle
from netmera_codegen.validators import compile_validator_module
events, _ = bundle(Options(schemas=Path(sys.argv[1]), out=Path(sys.argv[2])))
started = time.process_time()
for event in events:
    compile_validator_module(event)
print(time.process_time() - started)
"""
"""CPU seconds of compiling every event's validator module in one process (the schemas read and bundled first)."""


PLAIN_METASCHEMA_CHECK = """
import json, sys
from pathlib import Path
from jsonschema import Draft7Validator, Draft202012Validator
errors = 0
for path in sorted(Path(sys.argv[1]).rglob("*.json")):
    data = json.loads(path.read_text())
    cls = Draft7Validator if str(data.get("$schema", "")).startswith("http://json-schema.org/draft-07") else Draft202012Validator
    errors += sum(1 for _ in cls(cls.META_SCHEMA).iter_errors(data))
print(errors)
"""
"""The baseline of lint: what its metaschema check cost before the screen (a validator per file, no screen)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-baseline", action="store_true", help="do not run datamodel-codegen")
    args = parser.parse_args()
    codegen = [sys.executable, "-m", "netmera_codegen"]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    # An installed generator runs from compiled bytecode (pip compiles a wheel's modules): measure that, not the
    # compiling of 80 modules at every start that this variable would cause.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory(prefix="netmera-bench-") as folder:
        work = Path(folder)
        schemas = work / "schemas"
        synthesise(schemas, args.events, args.seed)
        build = ["--schemas", str(schemas)]
        os.environ["NETMERA_CODEGEN_CACHE"] = str(work / "cache")
        out = ["--out", str(work / "black" / "out")]
        rows: dict[str, float] = {}
        rows["cold generate (black)"] = timed([*codegen, "generate", *build, *out], work)
        cold_cpu = CPU_SECONDS[" ".join([*codegen, "generate", *build, *out])]
        os.environ["NETMERA_CODEGEN_CACHE"] = "off"
        compiled = subprocess.run(
            [sys.executable, "-c", COMPILE_VALIDATORS, str(schemas), str(work / "unused")],
            capture_output=True, text=True, check=True, timeout=TIMEOUT,
        )  # fmt: skip
        compile_cpu = float(compiled.stdout.split()[-1])
        os.environ["NETMERA_CODEGEN_CACHE"] = str(work / "cache")
        os.environ["NETMERA_CODEGEN_CACHE"] = str(work / "cache-ruff")
        ruff = ["--out", str(work / "ruff" / "out"), "--formatter", "ruff"]
        rows["cold generate (ruff)"] = timed([*codegen, "generate", *build, *ruff], work)
        os.environ["NETMERA_CODEGEN_CACHE"] = str(work / "cache")
        rows["no-op generate"] = timed([*codegen, "generate", *build, *out], work)
        rows["check (fresh)"] = timed([*codegen, "check", *build, *out], work)
        edited = schemas / f"event_{args.events // 2:04d}.json"
        data = json.loads(edited.read_text())
        data["properties"]["benchExtra"] = {"type": "string"}
        edited.write_text(json.dumps(data, indent=2))
        rows["check (1 schema edited)"] = timed([*codegen, "check", *build, *out], work, expect=1)
        rows["generate (1 schema edited)"] = timed([*codegen, "generate", *build, *out], work)
        os.environ["NETMERA_CODEGEN_CACHE"] = str(work / "cache-lint")
        rows["lint (empty cache)"] = timed([*codegen, "lint", *build], work)
        rows["lint (warm cache)"] = timed([*codegen, "lint", *build], work)
        few = work / "few"
        few.mkdir()
        for path in sorted(schemas.glob("*.json"))[:SMALL_PROJECT]:
            shutil.copy(path, few / path.name)
        os.environ["NETMERA_CODEGEN_CACHE"] = str(work / "cache-lint-few")
        rows[f"lint {SMALL_PROJECT} (empty cache)"] = timed([*codegen, "lint", "--schemas", str(few)], work)
        rows["plain metaschema check"] = timed([sys.executable, "-c", PLAIN_METASCHEMA_CHECK, str(schemas)], work)
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
    for label, seconds in rows.items():
        print(f"  {label:<30}{seconds:7.2f} s")
    if baseline:
        print(f"  {'datamodel-codegen':<30}{baseline:7.2f} s")
    print(f"  {'cold generate (black), CPU':<30}{cold_cpu:7.2f} s  (every process)")
    print(f"  {'compile validators, CPU':<30}{compile_cpu:7.2f} s  (one process)")
    print("ratios (same run):")
    if baseline:
        ratio = rows["cold generate (black)"] / baseline
        print(f"  cold generate (black) / datamodel-codegen        {ratio:5.2f}x  (target <= 0.25x)")
    ratio = rows["generate (1 schema edited)"] / rows["cold generate (black)"]
    print(f"  one-schema edit / cold generate                  {ratio:5.2f}x  (target: edit <= 1.0 s)")
    for label in ("lint (empty cache)", "lint (warm cache)"):
        ratio = rows[label] / rows["plain metaschema check"]
        print(f"  {label + ' / plain metaschema check':<49}{ratio:5.2f}x  (target: lint <= 2 s)")
    print(f"  {'compile validators / cold generate, CPU':<49}{compile_cpu / cold_cpu:5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
