"""The command line: `generate`, `check`, `lint`, `validate`. Exit codes: 0 ok, 1 findings or stale, 2 usage."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .findings import Finding
from .pipeline import DEFAULT_OUT, DEFAULT_PACKAGE, DEFAULT_SCHEMAS, Options, build
from .write import compare_tree, write_tree

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schemas", type=Path, default=DEFAULT_SCHEMAS, help="folder of event schema files")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder of the generated package")
    parser.add_argument("--package", default=DEFAULT_PACKAGE, help="import name of the generated package")
    parser.add_argument("--templates", type=Path, default=None, help="folder of templates overriding the built-in ones")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="netmera-codegen", description="Compile Netmera event schemas into a typed Python package.")
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    generate = commands.add_parser("generate", help="compile the schemas into the package")
    _add_build_options(generate)
    check = commands.add_parser("check", help="fail if the output folder is not what the schemas produce; writes nothing")
    _add_build_options(check)
    check.add_argument("-v", "--verbose", action="store_true", help="show a short diff of changed files")
    return root


def _print_findings(findings: Sequence[Finding], stream: TextIO) -> None:
    for finding in findings:
        print(finding, file=stream)


def _options(args: argparse.Namespace) -> Options:
    return Options(schemas=args.schemas, out=args.out, package=args.package, templates=args.templates)


def run_generate(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    result = build(_options(args))
    _print_findings(result.findings, sys.stderr)
    if not result.ok:
        print(f"no files written: {len(result.findings)} problem(s) in {args.schemas}", file=sys.stderr)
        return EXIT_FINDINGS
    diff = write_tree(args.out, result.files)
    changed = len(diff.missing) + len(diff.changed)
    print(
        f"generated {len(result.events)} events, {changed} files changed, {len(diff.extra)} removed, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    result = build(_options(args))
    _print_findings(result.findings, sys.stderr)
    if not result.ok:
        return EXIT_FINDINGS
    diff = compare_tree(args.out, result.files)
    for label, paths in (("missing", diff.missing), ("changed", diff.changed), ("extra", diff.extra)):
        for path in paths:
            print(f"{label}: {(args.out / path).as_posix()}")
    if diff.clean:
        print(f"{args.out.as_posix()} is up to date ({len(result.events)} events)")
        return EXIT_OK
    print(f"{args.out.as_posix()} is stale: run netmera-codegen generate", file=sys.stderr)
    return EXIT_FINDINGS


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handlers = {"generate": run_generate, "check": run_check}
    return handlers[args.command](args)
