"""The command line: `generate`, `check`, `lint`, `validate`. Exit codes: 0 ok, 1 findings or stale, 2 usage.

Settings come from the flags, else from `[tool.netmera-codegen]` in the nearest pyproject.toml (see `config`),
else from the defaults (`schemas/`, `generated/`, `netmera_events`, black). Each subcommand is one entry of
`COMMANDS`: a function adding its options to its parser, and a function running it.
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import os
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .config import ConfigError, FileConfig, load_config, version_problem
from .entry import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, ended
from .evolution import options as evolution
from .findings import errors_in
from .folders import UsageError, check_build_folders, check_schemas_folder, event_schema_findings
from .format import DEFAULT_FORMATTER, FORMATTERS, FormatterError
from .manifest import MANIFEST_NAME, Manifest
from .netmera import DEFAULT_EPOCH
from .pipeline import (
    DEFAULT_OUT,
    DEFAULT_PACKAGE,
    DEFAULT_PACKAGE_VERSION,
    DEFAULT_SCHEMAS,
    BuildResult,
    Options,
    build,
)
from .report import OUTPUT_FORMATS, Reporter, count_text, counts, printable
from .write import OutputBlocked, compare_tree, write_tree

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

PROGRESS_MIN_FILES = 50
"""A progress bar appears on a terminal only when at least this many files must be formatted."""
DIFF_CONTEXT = 3
"""Context lines around each change in `check --diff` (as diff -u and black --diff)."""
HELP_WIDTH = 100
MAX_DIFF_BYTES = 16 * 1024 * 1024
"""A file on disk larger than this is shown in `check --diff` as replaced, not read."""

EXIT_CODES = """exit status:
  0  success: generated; fresh; no lint errors; every payload valid
  1  findings: schema or template errors or a blocked output path (nothing written), stale output,
     lint errors (or warnings with --strict), payload violations
  2  usage error (bad flag, folder, setting or configuration); for validate also: a payload file or line
     that cannot be read, or schemas with errors, so the payloads could not be checked
  130  interrupted (Ctrl-C): one line on stderr, no traceback
  143  terminated (SIGTERM): the same"""


def _add_schemas_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schemas", type=Path, default=None, help=f"folder of event schema files (default {DEFAULT_SCHEMAS}/)"
    )


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    _add_schemas_option(parser)
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder of the generated package (default {DEFAULT_OUT}/)"
    )
    parser.add_argument(
        "--package", default=None, help=f"import name of the generated package (default {DEFAULT_PACKAGE})"
    )
    parser.add_argument(
        "--package-version",
        dest="version",
        default=None,
        metavar="VERSION",
        help=f"version of the generated distribution, in its pyproject.toml (default {DEFAULT_PACKAGE_VERSION})",
    )
    parser.add_argument("--templates", type=Path, default=None, help="folder of templates overriding the built-in ones")
    parser.add_argument(
        "--formatter",
        choices=FORMATTERS,
        default=None,
        help=f"code formatter for the output (default {DEFAULT_FORMATTER}); black and ruff can differ slightly, "
        "so a project sticks to one",
    )


def _add_format_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--format",
        dest="output_format",
        choices=OUTPUT_FORMATS,
        default="text",
        help=f"{what}: text lines, one JSON document, or GitHub workflow annotations (default text)",
    )


def _add_check_options(parser: argparse.ArgumentParser) -> None:
    _add_build_options(parser)
    parser.add_argument(
        "--diff", "-v", "--verbose", dest="diff", action="store_true", help="show a unified diff of each stale file"
    )


def _add_lint_options(parser: argparse.ArgumentParser) -> None:
    _add_schemas_option(parser)
    parser.add_argument("--strict", action="store_true", help="fail on warnings too")
    _add_format_option(parser, "how findings are printed")


def _add_validate_options(parser: argparse.ArgumentParser) -> None:
    _add_schemas_option(parser)
    _add_format_option(parser, "how violations are printed")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="payload files (- reads standard input)")


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    description: str
    example: str
    add_options: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, FileConfig], int]


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="netmera-codegen",
        description=textwrap.fill(
            "Compile Netmera event schemas into a typed Python package. Defaults come from "
            "[tool.netmera-codegen] in the nearest pyproject.toml; flags override them.",
            HELP_WIDTH,
        ),
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    root.add_argument("--version", action="version", version=f"netmera-codegen {__version__}")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.summary,
            description=f"{textwrap.fill(command.description, HELP_WIDTH)}\n\nexample:\n  {command.example}",
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_options(sub)
        sub.add_argument(
            "-q", "--quiet", action="store_true", help="print errors only (no warnings, no summary on success)"
        )
    return root


def _setting(args: argparse.Namespace, config: FileConfig, key: str, default: Any) -> Any:
    value = getattr(args, key, None)
    if value is not None:
        return value
    return config.values.get(key, default)


def _options(args: argparse.Namespace, config: FileConfig) -> Options:
    options = Options(
        schemas=_setting(args, config, "schemas", DEFAULT_SCHEMAS),
        out=_setting(args, config, "out", DEFAULT_OUT),
        package=_setting(args, config, "package", DEFAULT_PACKAGE),
        templates=_setting(args, config, "templates", None),
        formatter=_setting(args, config, "formatter", DEFAULT_FORMATTER),
        version=_setting(args, config, "version", DEFAULT_PACKAGE_VERSION),
        epoch=config.values.get("epoch", DEFAULT_EPOCH),
    )
    if not options.package.isidentifier() or keyword.iskeyword(options.package):
        raise UsageError(f"package {options.package!r} is not a Python identifier")
    problem = version_problem(options.version)
    if problem is not None:
        raise UsageError(f"package version {problem}")
    check_build_folders(options.schemas, options.out, options.templates)
    return options


class _Bar:
    """A rich progress bar on stderr while formatting, when stderr is a terminal and the run is long."""

    def __init__(self) -> None:
        self._progress: Any = None

    def start(self, total: int) -> Callable[[int], None] | None:
        if total < PROGRESS_MIN_FILES or not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("formatting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._progress.start()
        task = self._progress.add_task("formatting", total=total)
        return lambda done: self._progress.advance(task, done)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@contextmanager
def _bar() -> Iterator[_Bar]:
    bar = _Bar()
    try:
        yield bar
    finally:
        bar.stop()


def _build(options: Options, findings: Reporter) -> BuildResult | None:
    """The build's result, or None when it failed (its findings and a summary are printed either way)."""
    folder = event_schema_findings(options.schemas)
    if errors_in(folder):
        result = BuildResult(findings=folder)
    else:
        with _bar() as bar:
            result = build(options, previous=Manifest.read(options.out), reporter=bar)
        result.findings[:0] = folder
    findings.findings(result.findings)
    if result.ok:
        return result
    errors, warnings = counts(result.findings)
    print(f"no files written: {count_text(errors, warnings)} in {printable(str(options.schemas))}", file=sys.stderr)
    return None


def run_generate(args: argparse.Namespace, config: FileConfig) -> int:
    started = time.perf_counter()
    options = _options(args, config)
    result = _build(options, Reporter.to(sys.stderr, quiet=args.quiet))
    if result is None:
        return EXIT_FINDINGS
    assert result.manifest is not None
    try:
        manifest = (MANIFEST_NAME, result.manifest.to_text())
        diff = write_tree(options.out, result.files, manifest, result.on_disk)
    except OutputBlocked as blocked:
        reporter = Reporter.to(sys.stderr)
        for path, message in blocked.problems:
            print(reporter.line(path, "error", message), file=sys.stderr)
        print(f"no files written: {len(blocked.problems)} output path(s) blocked", file=sys.stderr)
        return EXIT_FINDINGS
    changed = len(diff.missing) + len(diff.changed) + len(diff.extra)
    if not args.quiet:
        print(f"generated {result.events_built} events, {changed} changed, {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def run_check(args: argparse.Namespace, config: FileConfig) -> int:
    """Exit 0 when the output folder holds exactly the files a build makes (files without the generator's header
    and the manifest aside), 1 otherwise; nothing is written, not even caches."""
    started = time.perf_counter()
    options = _options(args, config)
    result = _build(options, Reporter.to(sys.stderr, quiet=args.quiet))
    if result is None:
        return EXIT_FINDINGS
    diff = compare_tree(options.out, result.files, result.on_disk)
    for label, paths in (("missing", diff.missing), ("changed", diff.changed), ("extra", diff.extra)):
        for path in paths:
            print(f"{label}: {printable((options.out / path).as_posix())}")
            if args.diff:
                _print_diff(options.out / path, result.files.get(path, ""), label)
    elapsed = time.perf_counter() - started
    if diff.clean:
        if not args.quiet:
            print(f"{options.out.as_posix()} is up to date ({result.events_built} events, {elapsed:.1f} s)")
        return EXIT_OK
    stale = len(diff.missing) + len(diff.changed) + len(diff.extra)
    print(f"{options.out.as_posix()} is stale ({stale} file(s)): run netmera-codegen generate", file=sys.stderr)
    return EXIT_FINDINGS


def _on_disk(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_DIFF_BYTES:
            return f"({path.stat().st_size} bytes, not shown)\n"
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return ""


def _print_diff(path: Path, expected: str, label: str) -> None:
    """A unified diff from the file on disk to the generated one (black --diff's form: `patch -p0` applies it)."""
    actual = "" if label == "missing" else _on_disk(path)
    shown = printable(path.as_posix())
    lines = difflib.unified_diff(
        actual.splitlines(keepends=True),
        expected.splitlines(keepends=True),
        fromfile=f"{shown}\t(on disk)" if label != "missing" else "/dev/null",
        tofile=f"{shown}\t(generated)" if label != "extra" else "/dev/null",
        n=DIFF_CONTEXT,
    )
    for line in lines:
        sys.stdout.write(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")


def run_lint(args: argparse.Namespace, config: FileConfig) -> int:
    from .lint import lint

    schemas = _setting(args, config, "schemas", DEFAULT_SCHEMAS)
    check_schemas_folder(schemas)
    findings = event_schema_findings(schemas)
    if not errors_in(findings):
        findings += lint(schemas, _setting(args, config, "epoch", DEFAULT_EPOCH))
    Reporter.to(sys.stdout, args.output_format, args.quiet).findings(findings)
    errors, warnings = counts(findings)
    failed = bool(errors or (args.strict and warnings))
    if args.output_format == "text" and (failed or (findings and not args.quiet)):
        print(f"{count_text(errors, warnings)} in {printable(schemas.as_posix())}", file=sys.stderr)
    return EXIT_FINDINGS if failed else EXIT_OK


def run_validate(args: argparse.Namespace, config: FileConfig) -> int:
    from .command_validate import run_validate as validate

    schemas = _setting(args, config, "schemas", DEFAULT_SCHEMAS)
    check_schemas_folder(schemas)
    epoch = _setting(args, config, "epoch", DEFAULT_EPOCH)
    return validate(schemas, args.files, args.output_format, sys.stdout, sys.stderr, quiet=args.quiet, epoch=epoch)


def _run_evolution(args: argparse.Namespace, config: FileConfig) -> int:
    from .evolution import command  # schema evolution is loaded only for the commands that use it

    return command.run(args, config.values)


COMMANDS = (
    Command(
        "generate",
        "compile the schemas into the package",
        "Compile every event schema into the typed package in the output folder. Only changed files are written, "
        "each atomically; when a schema has an error nothing is written.",
        "netmera-codegen generate --schemas schemas --out generated --package-version 1.2.0",
        _add_build_options,
        run_generate,
    ),
    Command(
        "check",
        "fail if the output folder is not what the schemas produce; writes nothing",
        "Build in memory and compare with the output folder: missing, changed and extra generated files are "
        "listed (files without the generator's header are not compared). Nothing is written.",
        "netmera-codegen check --diff",
        _add_check_options,
        run_check,
    ),
    Command(
        "lint",
        "report schema problems a build would hit, plus Netmera rules",
        "Check the schemas against their metaschema, against what a build needs and against Netmera's rules. "
        "Warnings do not fail unless --strict.",
        "netmera-codegen lint --strict --format github",
        _add_lint_options,
        run_lint,
    ),
    Command(
        "validate",
        "check payload files (JSON array, object or JSON Lines) against the schemas",
        "Check fireEvents payloads: a JSON array of events, one event object, or JSON Lines (one event a line). "
        "Violations print as FILE:LINE:/pointer: error: message, LINE being where the item starts (1-based); "
        "a JSON Lines line that cannot be read is reported at its line and the rest of the file is still checked.",
        "netmera-codegen validate --schemas schemas fixtures/*.jsonl",
        _add_validate_options,
        run_validate,
    ),
    Command(
        "diff",
        "classify schema changes against a folder or git revision (wire and source compatibility)",
        evolution.DIFF_DESCRIPTION,
        "netmera-codegen diff --against origin/main... --format github",
        evolution.add_diff_options,
        _run_evolution,
    ),
    Command(
        "status",
        "scan service source (never imported) for uses of the events and stale references",
        evolution.STATUS_DESCRIPTION,
        "netmera-codegen status --fail-on-unused src/",
        evolution.add_status_options,
        _run_evolution,
    ),
)


def main(argv: Sequence[str] | None = None) -> int:
    # Whatever a file name or payload holds, printing it must not fail (lone surrogates print as escapes).
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    try:
        args = parser().parse_args(argv)
        config = load_config()
        runner = {command.name: command.run for command in COMMANDS}[args.command]
        return runner(args, config)
    except (ConfigError, UsageError, FormatterError) as error:
        print(f"netmera-codegen: {printable(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # Ctrl-C: one line, no traceback, the shell's status for an interrupt
        return ended(EXIT_INTERRUPTED)
    except Terminated:
        return ended(EXIT_TERMINATED)
    except BrokenPipeError:  # `check --diff | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDINGS
