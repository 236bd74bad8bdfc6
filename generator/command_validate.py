"""`netmera-codegen validate [--schemas DIR] [--format text|json|github] FILE...`: check payload files.

The checks are compiled from the schema files in memory (the same compiler and runtime the generated
package ships, imported as a throwaway package), so this needs no generated code and agrees with the generated
`validate()` by construction.

Output, text: one line per violation on stdout, `FILE:LINE:/pointer: error: message`, LINE being the 1-based line
the item starts on and the pointer relative to the file's JSON document (`/3/subTotal` in an array; `/subTotal` in
one object or in a JSON Lines line); then a summary on stderr (not with `-q` when everything is valid). github:
the same as workflow annotations. json: one document on stdout, `{"valid", "files": [{"file", "layout", "items",
"error", "unreadable": [{"line", "column", "message"}], "violations": [{"index", "line", "event", "pointer",
"keyword", "message"}]}], "schema_errors": [...]}`.

Exit status: 0 every item is valid; 1 at least one violation; 2 something could not be checked: a payload file is
unreadable (missing, not UTF-8, malformed JSON; reported as `FILE:LINE:COL: error: message`), a JSON Lines line
or an item cannot be read (reported at its line, the rest of the file is still checked), or the schemas have
errors (their findings are printed; a payload cannot be judged against a schema that does not compile). Files
that can be read are still checked and reported when another one cannot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO

from .findings import Finding, errors_in
from .folders import event_schema_findings
from .netmera import DEFAULT_EPOCH
from .payload_files import PayloadFileError, read_payload_file
from .report import OutputFormat, Reporter, finding_json, github_annotation, json_text
from .validators import compile_trees, load_in_memory

EXIT_VALID = 0
EXIT_VIOLATIONS = 1
EXIT_UNREADABLE = 2


def compile_schemas_dir(schemas_dir: Path, epoch: str = DEFAULT_EPOCH) -> tuple[Any | None, list[Finding]]:
    """The in-memory runtime module (with `.validate`) for a schemas folder, or None and the error findings
    (`epoch`: the project's unit of epoch-integer dates, which bounds them)."""
    from .bundle import read_events

    missing = errors_in(event_schema_findings(schemas_dir))
    if missing:
        return None, missing
    _, events, findings = read_events(schemas_dir, epoch=epoch)
    # The trees' own findings came with the events; compiling them reports nothing new.
    validator_files, _ = compile_trees([(event.name, event.tree) for event in events])
    errors = errors_in(findings)
    if errors:
        return None, errors
    return load_in_memory(validator_files), []


def run_validate(
    schemas_dir: Path,
    files: list[Path],
    output_format: OutputFormat,
    stdout: TextIO,
    stderr: TextIO,
    quiet: bool = False,
    epoch: str = DEFAULT_EPOCH,
) -> int:
    """Check payload files; print the violations; return the exit status (0 valid, 1 violations, 2 unreadable)."""
    runtime, schema_errors = compile_schemas_dir(schemas_dir, epoch)
    if runtime is None:
        if output_format == "json":
            document = {"valid": False, "files": [], "schema_errors": [finding_json(f) for f in schema_errors]}
            stdout.write(json_text(document))
        else:
            Reporter.to(stderr if output_format == "text" else stdout, output_format).findings(schema_errors)
        stderr.write(f"cannot check payloads: {len(schema_errors)} error(s) in the schemas under {schemas_dir}\n")
        return EXIT_UNREADABLE
    reporter = Reporter.to(stdout, output_format)
    errors = Reporter.to(stderr, output_format) if output_format == "text" else reporter
    reports = [_check_file(path, runtime, reporter, errors) for path in files]
    unreadable = sum(1 for report in reports if report["error"] is not None or report["unreadable"])
    violations = sum(len(report["violations"]) for report in reports)
    status = EXIT_UNREADABLE if unreadable else EXIT_VIOLATIONS if violations else EXIT_VALID
    if output_format == "json":
        stdout.write(json_text({"valid": status == EXIT_VALID, "files": reports, "schema_errors": []}))
    elif not (quiet and status == EXIT_VALID):
        items = sum(report["items"] for report in reports)
        bad_items = sum(len({v["index"] for v in report["violations"]}) for report in reports)
        read = sum(1 for report in reports if report["error"] is None)
        summary = f"{items} item(s) in {read} file(s): "
        if violations:
            summary += f"{violations} violation(s) in {bad_items} item(s)"
        else:
            summary += "no violations in what could be read" if unreadable else "all valid"
        if unreadable:
            summary += f"; {unreadable} file(s) could not be read in full"
        stderr.write(summary + "\n")
    return status


def _check_file(path: Path, runtime: Any, reporter: Reporter, errors: Reporter) -> dict[str, Any]:
    """Check one file, print what is wrong with it, and return its report (the json output's entry)."""
    report: dict[str, Any] = {"file": str(path), "layout": None, "items": 0, "error": None, "unreadable": []}
    report["violations"] = []
    try:
        payload = read_payload_file(path)
    except PayloadFileError as error:
        report["error"] = _error_json(error)
        _print(errors, error.file, error.line, error.column, error.message)
        return report
    report.update(file=payload.file, layout=payload.layout, items=len(payload.items))
    try:
        found = runtime.validate(payload.items)
    except RecursionError:  # the depth limit on reading keeps this out of reach; a finding all the same
        too_deep = PayloadFileError(payload.file, "too deeply nested to check")
        report["error"] = _error_json(too_deep)
        _print(errors, too_deep.file, None, None, too_deep.message)
        return report
    for bad in payload.errors:
        report["unreadable"].append(_error_json(bad))
        _print(errors, bad.file, bad.line, bad.column, bad.message)
    for violation in found:
        line = payload.lines[violation.index]
        pointer = violation.pointer
        if payload.layout == "array":
            pointer = f"/{violation.index}{pointer}"
        report["violations"].append(
            {
                "index": violation.index,
                "line": line,
                "event": violation.event,
                "pointer": violation.pointer,
                "keyword": violation.keyword,
                "message": violation.message,
            }
        )
        _print(reporter, payload.file, line, None, violation.message, pointer or "/")
    return report


def _print(
    reporter: Reporter, file: str, line: int | None, column: int | None, message: str, pointer: str | None = None
) -> None:
    if reporter.output_format == "json":
        return
    if reporter.output_format == "github":
        text = f"{pointer}: {message}" if pointer else message
        reporter.stream.write(github_annotation("error", file, text, line, column) + "\n")
        return
    where = file if line is None else f"{file}:{line}"
    if pointer is not None:
        where += f":{pointer}"
    elif line is not None:
        where += f":{column or 1}"
    reporter.stream.write(reporter.line(where, "error", message) + "\n")


def _error_json(error: PayloadFileError) -> dict[str, Any]:
    return {"line": error.line, "column": error.column, "message": error.message}
