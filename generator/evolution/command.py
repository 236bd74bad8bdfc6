"""The `diff` and `status` commands: what they print and return (their options are in `options`).

Exit codes as everywhere: 0 ok, 1 findings (a break at the selected level; stale references or, with
`--fail-on-unused`, unused events; schemas that do not build), 2 usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from .adapter import DEFAULT_PACKAGE, DEFAULT_SCHEMAS, Finding, Snapshot, display_path, load_snapshot
from .changes import Level
from .compare import compare_snapshots
from .report import Report, write
from .revision import UsageError, baseline
from .usage import Catalogue, Scan, scan, used

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def run(args: argparse.Namespace, settings: dict[str, Any]) -> int:
    """Run `diff` or `status`; `settings` are the `[tool.netmera-codegen]` values (flags win)."""
    schemas = args.schemas if args.schemas is not None else Path(settings.get("schemas", DEFAULT_SCHEMAS))
    try:
        if args.command == "diff":
            return run_diff(schemas, args.against, args.level, args.output_format, sys.stdout)
        package = args.package if args.package is not None else str(settings.get("package", DEFAULT_PACKAGE))
        return run_status(schemas, package, args.paths, args.fail_on_unused, args.output_format, sys.stdout)
    except UsageError as error:
        print(f"netmera-codegen {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE


def _print_problems(findings: list[Finding], where: str, scratch: Path | None, label: str) -> None:
    print(f"netmera-codegen diff: cannot compare: the schemas in {where} do not build", file=sys.stderr)
    for finding in findings:
        text = str(finding)
        if scratch is not None:
            text = text.replace(scratch.resolve().as_posix() + "/", label).replace(scratch.as_posix() + "/", label)
        print(text, file=sys.stderr)


def run_diff(schemas: Path, against: str, level: Level, output_format: str, stream: TextIO) -> int:
    if not schemas.is_dir():
        raise UsageError(f"schemas folder {schemas.as_posix()} not found")
    with tempfile.TemporaryDirectory(prefix="netmera-codegen-diff-") as scratch_name:
        scratch = Path(scratch_name)
        old_side = baseline(against, schemas, scratch)
        if old_side.empty:
            print(f"note: {old_side.label} holds no schema files: every event counts as added", file=sys.stderr)
        old = load_snapshot(old_side.folder)
        from_git = old_side.revision is not None
        if old.findings:
            _print_problems(old.findings, old_side.label, scratch if from_git else None, old_side.label)
            return EXIT_FINDINGS
    new = load_snapshot(schemas)
    if new.findings:
        _print_problems(new.findings, display_path(schemas), None, "")
        return EXIT_FINDINGS
    shown = display_path(schemas)
    old_shown = shown if from_git else display_path(old_side.folder)
    changes = compare_snapshots(old, new, lambda file: f"{shown}/{file}", lambda file: f"{old_shown}/{file}")
    report = Report(changes, level, old_side.label, old_side.revision, shown)
    write(report, output_format, stream, _texts(new, schemas, shown) if output_format == "github" else None)
    return EXIT_FINDINGS if report.breaking else EXIT_OK


def _texts(snapshot: Snapshot, schemas: Path, shown: str) -> dict[str, str]:
    texts = {}
    for event in snapshot.events.values():
        try:
            texts[f"{shown}/{event.file}"] = (schemas / event.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return texts


def run_status(
    schemas: Path, package: str, paths: list[Path], fail_on_unused: bool, output_format: str, stream: TextIO
) -> int:
    if not package.isidentifier():
        raise UsageError(f"package {package!r} is not a Python identifier")
    if not schemas.is_dir():
        raise UsageError(f"schemas folder {schemas.as_posix()} not found")
    missing = [path.as_posix() for path in paths if not path.exists()]
    if missing:
        raise UsageError(f"not found: {', '.join(missing)}")
    snapshot = load_snapshot(schemas)
    if snapshot.findings:
        print(f"netmera-codegen status: the schemas in {display_path(schemas)} do not build", file=sys.stderr)
        for finding in snapshot.findings:
            print(finding, file=sys.stderr)
        return EXIT_FINDINGS
    catalogue = Catalogue.of(package, snapshot.events)
    result = scan(catalogue, paths, display_path)
    unused = [name for name, uses in result.uses.items() if not used(uses)]
    if output_format == "json":
        json.dump(_status_json(catalogue, result, schemas), stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    else:
        _status_text(catalogue, result, stream)
    failed = bool(result.stale) or (fail_on_unused and bool(unused))
    return EXIT_FINDINGS if failed else EXIT_OK


def _status_text(catalogue: Catalogue, result: Scan, stream: TextIO) -> None:
    for name in sorted(result.uses):
        event, uses = catalogue.events[name], result.uses[name]
        if used(uses):
            places = ", ".join(f"{use.file}:{use.line} ({use.kind})" for use in uses)
            print(f"{name} ({event.class_name}): used {len(uses)} time(s): {places}", file=stream)
        else:
            extra = f" (imported at {', '.join(f'{use.file}:{use.line}' for use in uses)})" if uses else ""
            print(f"{name} ({event.class_name}): unused{extra}", file=stream)
    for stale in result.stale:
        print(stale, file=stream)
    for problem in result.problems:
        print(f"{problem.replace(': cannot', ': warning: cannot', 1)}", file=stream)
    count = sum(used(uses) for uses in result.uses.values())
    print(
        f"{count} of {len(result.uses)} event(s) used, {len(result.uses) - count} unused, "
        f"{len(result.stale)} stale reference(s), {result.files} file(s) scanned",
        file=stream,
    )


def _status_json(catalogue: Catalogue, result: Scan, schemas: Path) -> dict[str, Any]:
    events: list[dict[str, Any]] = []
    for name in sorted(result.uses):
        event, uses = catalogue.events[name], result.uses[name]
        events.append(
            {
                "event": name,
                "class": event.class_name,
                "module": event.module_name,
                "used": used(uses),
                "uses": [use.to_json() for use in uses],
            }
        )
    count = sum(used(uses) for uses in result.uses.values())
    return {
        "package": catalogue.package,
        "schemas": display_path(schemas),
        "files_scanned": result.files,
        "events": events,
        "stale": [stale.to_json() for stale in result.stale],
        "problems": result.problems,
        "summary": {"events": len(events), "used": count, "unused": len(events) - count, "stale": len(result.stale)},
    }
