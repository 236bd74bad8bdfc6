"""The command line: `generate`, `check`, `lint`, `validate`. Exit codes: 0 ok, 1 findings or stale, 2 usage.

Settings come from the flags, else from `[tool.netmera-codegen]` in the nearest pyproject.toml (see `config`),
else from the defaults (`schemas/`, `generated/`, `netmera_events`, black).
"""

from __future__ import annotations

import argparse
import difflib
import keyword
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from .config import ConfigError, FileConfig, load_config
from .findings import Finding
from .format import DEFAULT_FORMATTER, FORMATTERS, FormatterError
from .manifest import MANIFEST_NAME, Manifest
from .parse import DEFAULT_EPOCH
from .pipeline import DEFAULT_OUT, DEFAULT_PACKAGE, DEFAULT_SCHEMAS, BuildResult, Options, build
from .write import compare_tree, write_tree

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

PROGRESS_MIN_FILES = 50
"""A progress bar appears on a terminal only when at least this many files must be formatted."""
DIFF_LINES = 40
"""`check -v` shows at most this many diff lines per changed file."""


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
    parser.add_argument("--templates", type=Path, default=None, help="folder of templates overriding the built-in ones")
    parser.add_argument(
        "--formatter",
        choices=FORMATTERS,
        default=None,
        help=f"code formatter for the output (default {DEFAULT_FORMATTER}); black and ruff can differ slightly, "
        "so a project sticks to one",
    )


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="netmera-codegen",
        description="Compile Netmera event schemas into a typed Python package. Defaults come from "
        "[tool.netmera-codegen] in the nearest pyproject.toml; flags override them.",
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generate = commands.add_parser("generate", help="compile the schemas into the package")
    _add_build_options(generate)
    check = commands.add_parser(
        "check", help="fail if the output folder is not what the schemas produce; writes nothing"
    )
    _add_build_options(check)
    check.add_argument("-v", "--verbose", action="store_true", help="show a short diff of changed files")
    lint = commands.add_parser("lint", help="report schema problems a build would hit, plus Netmera rules")
    _add_schemas_option(lint)
    lint.add_argument("--strict", action="store_true", help="fail on warnings too")
    validate = commands.add_parser(
        "validate", help="check payload files (JSON array, object or JSON Lines) against the schemas"
    )
    _add_schemas_option(validate)
    validate.add_argument(
        "--format", dest="output_format", choices=("text", "json"), default="text", help="output format"
    )
    validate.add_argument("files", nargs="+", type=Path, metavar="FILE", help="payload files")
    return root


def _print_findings(findings: Sequence[Finding], stream: TextIO) -> None:
    for finding in findings:
        print(finding, file=stream)


def _setting(args: argparse.Namespace, config: FileConfig, key: str, default: Any) -> Any:
    value = getattr(args, key, None)
    if value is not None:
        return value
    return config.values.get(key, default)


def _options(args: argparse.Namespace, config: FileConfig) -> Options:
    return Options(
        schemas=_setting(args, config, "schemas", DEFAULT_SCHEMAS),
        out=_setting(args, config, "out", DEFAULT_OUT),
        package=_setting(args, config, "package", DEFAULT_PACKAGE),
        templates=_setting(args, config, "templates", None),
        formatter=_setting(args, config, "formatter", DEFAULT_FORMATTER),
        epoch=config.values.get("epoch", DEFAULT_EPOCH),
    )


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


def _build(options: Options) -> BuildResult:
    with _bar() as bar:
        return build(options, previous=Manifest.read(options.out), reporter=bar)


def run_generate(options: Options) -> int:
    started = time.perf_counter()
    result = _build(options)
    _print_findings(result.findings, sys.stderr)
    if not result.ok:
        print(f"no files written: {len(result.findings)} problem(s) in {options.schemas}", file=sys.stderr)
        return EXIT_FINDINGS
    assert result.manifest is not None
    diff = write_tree(options.out, result.files, manifest=(MANIFEST_NAME, result.manifest.to_text()))
    changed = len(diff.missing) + len(diff.changed) + len(diff.extra)
    print(f"generated {result.events_built} events, {changed} changed, {time.perf_counter() - started:.1f} s")
    return EXIT_OK


def run_check(options: Options, verbose: bool) -> int:
    """Exit 0 when the output folder holds exactly the files a build makes (files without the generator's header
    and the manifest aside), 1 otherwise; nothing is written, not even caches."""
    started = time.perf_counter()
    result = _build(options)
    _print_findings(result.findings, sys.stderr)
    if not result.ok:
        return EXIT_FINDINGS
    diff = compare_tree(options.out, result.files)
    for label, paths in (("missing", diff.missing), ("changed", diff.changed), ("extra", diff.extra)):
        for path in paths:
            print(f"{label}: {(options.out / path).as_posix()}")
            if verbose and label == "changed":
                _print_diff(options.out / path, result.files[path])
    elapsed = time.perf_counter() - started
    if diff.clean:
        print(f"{options.out.as_posix()} is up to date ({result.events_built} events, {elapsed:.1f} s)")
        return EXIT_OK
    stale = len(diff.missing) + len(diff.changed) + len(diff.extra)
    print(f"{options.out.as_posix()} is stale ({stale} file(s)): run netmera-codegen generate", file=sys.stderr)
    return EXIT_FINDINGS


def _print_diff(path: Path, expected: str) -> None:
    try:
        actual = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        actual = ""
    lines = list(
        difflib.unified_diff(
            actual.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            fromfile=f"{path.as_posix()} (on disk)",
            tofile=f"{path.as_posix()} (generated)",
            n=1,
        )
    )
    for line in lines[:DIFF_LINES]:
        sys.stdout.write(line if line.endswith("\n") else line + "\n")
    if len(lines) > DIFF_LINES:
        print(f"... {len(lines) - DIFF_LINES} more diff lines")


def run_lint(schemas: Path, strict: bool) -> int:
    from .lint import lint

    findings = lint(schemas)
    _print_findings(findings, sys.stdout)
    errors = sum(1 for finding in findings if finding.severity == "error")
    warnings = len(findings) - errors
    if errors or (strict and warnings):
        print(f"{errors} error(s), {warnings} warning(s) in {schemas.as_posix()}", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK


def run_validate(schemas: Path, files: list[Path], output_format: str) -> int:
    from .command_validate import run_validate as validate

    return validate(schemas, files, output_format, sys.stdout, sys.stderr)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config()
    except ConfigError as error:
        print(f"netmera-codegen: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "lint":
            return run_lint(_setting(args, config, "schemas", DEFAULT_SCHEMAS), args.strict)
        if args.command == "validate":
            return run_validate(_setting(args, config, "schemas", DEFAULT_SCHEMAS), args.files, args.output_format)
        options = _options(args, config)
        if not options.package.isidentifier() or keyword.iskeyword(options.package):
            print(f"netmera-codegen: package {options.package!r} is not a Python identifier", file=sys.stderr)
            return EXIT_USAGE
        if args.command == "check":
            return run_check(options, args.verbose)
        return run_generate(options)
    except FormatterError as error:
        print(f"netmera-codegen: {error}", file=sys.stderr)
        return EXIT_USAGE
