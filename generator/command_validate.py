"""`netmera-codegen validate [--schemas DIR] [--format text|json] FILE...`: check payload files against the schemas.

The checks are compiled from the schema files in memory (the same `compile_package` and runtime the generated
package ships, imported as a throwaway package), so this needs no generated code and agrees with the generated
`validate()` by construction.

Output, text: one line per violation on stdout, `FILE:INDEX:/pointer: message` (INDEX is the item's 0-based position
in the file: in the array, or among the non-blank lines of JSON Lines; `/` is the item itself), then a summary on
stderr. Output, json: one document on stdout, `{"valid", "files": [{"file", "items", "error", "violations": [{"index",
"event", "pointer", "keyword", "message"}]}], "schema_errors": [...]}`.

Exit status: 0 every item is valid; 1 at least one violation; 2 the check could not be made: a payload file is
unreadable (missing, not UTF-8, malformed JSON; reported as `FILE:LINE:COL: message`), or the schemas have errors
(their findings are printed; a payload cannot be judged against a schema that does not compile). Files that can be
read are still checked and reported when another one cannot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, TextIO

from .findings import Finding, errors_in
from .payload_files import PayloadFileError, read_payload_file
from .validators import compile_trees, load_in_memory

EXIT_VALID = 0
EXIT_VIOLATIONS = 1
EXIT_UNREADABLE = 2


def compile_schemas_dir(schemas_dir: Path) -> tuple[Any | None, list[Finding]]:
    """The in-memory runtime module (with `.validate`) for a schemas folder, or None and the error findings."""
    from .bundle import bundle_events
    from .load import load_schemas

    files, findings = load_schemas(schemas_dir)
    events, bundle_findings = bundle_events(files, schemas_dir)
    findings += bundle_findings
    validator_files, compile_findings = compile_trees([(event.name, event.tree) for event in events])
    findings += compile_findings
    errors = errors_in(findings)
    if errors:
        return None, errors
    return load_in_memory(validator_files), []


def run_validate(
    schemas_dir: Path,
    files: list[Path],
    output_format: Literal["text", "json"],
    stdout: TextIO,
    stderr: TextIO,
) -> int:
    """Check payload files; print the violations; return the exit status (0 valid, 1 violations, 2 unreadable)."""
    runtime, schema_errors = compile_schemas_dir(schemas_dir)
    if runtime is None:
        if output_format == "json":
            document = {"valid": False, "files": [], "schema_errors": [_finding_json(f) for f in schema_errors]}
            stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        stderr.writelines(f"{finding}\n" for finding in schema_errors)
        stderr.write(f"cannot check payloads: {len(schema_errors)} error(s) in the schemas under {schemas_dir}\n")
        return EXIT_UNREADABLE
    status = EXIT_VALID
    reports: list[dict[str, Any]] = []
    total_items = total_violations = 0
    for path in files:
        try:
            payload = read_payload_file(path)
        except PayloadFileError as error:
            status = EXIT_UNREADABLE
            reports.append(
                {
                    "file": error.file,
                    "items": 0,
                    "error": {"line": error.line, "column": error.column, "message": error.message},
                    "violations": [],
                }
            )
            if output_format == "text":
                stderr.write(f"{error}\n")
            continue
        violations = runtime.validate(payload.items)
        total_items += len(payload.items)
        total_violations += len(violations)
        if violations and status == EXIT_VALID:
            status = EXIT_VIOLATIONS
        reports.append(
            {
                "file": payload.file,
                "items": len(payload.items),
                "error": None,
                "violations": [
                    {
                        "index": violation.index,
                        "event": violation.event,
                        "pointer": violation.pointer,
                        "keyword": violation.keyword,
                        "message": violation.message,
                    }
                    for violation in violations
                ],
            }
        )
        if output_format == "text":
            stdout.writelines(
                f"{payload.file}:{violation.index}:{violation.pointer or '/'}: {violation.message}\n"
                for violation in violations
            )
    if output_format == "json":
        document = {"valid": status == EXIT_VALID, "files": reports, "schema_errors": []}
        stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        bad_items = sum(len({v["index"] for v in report["violations"]}) for report in reports)
        unreadable = sum(1 for report in reports if report["error"] is not None)
        summary = f"{total_items} item(s) in {len(files) - unreadable} file(s): "
        summary += f"{total_violations} violation(s) in {bad_items} item(s)" if total_violations else "all valid"
        if unreadable:
            summary += f"; {unreadable} file(s) could not be read"
        stderr.write(summary + "\n")
    return status


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "pointer": finding.pointer,
        "line": finding.line,
        "column": finding.column,
        "message": finding.message,
    }
