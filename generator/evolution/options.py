"""The options of the `diff` and `status` commands, apart from the commands: the command line builds its parser
for every run, and importing the commands would load the whole of schema evolution for `generate` too."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..pipeline import DEFAULT_PACKAGE, DEFAULT_SCHEMAS
from .changes import DEFAULT_LEVEL, LEVELS
from .revision import DEFAULT_AGAINST

DIFF_FORMATS = ("text", "json", "github")
STATUS_FORMATS = ("text", "json")


DIFF_DESCRIPTION = (
    "Compare the schemas with a folder or with a git revision's copy of them (default HEAD; REF... is the merge "
    "base of REF and HEAD) and name every change by its rule, judged at the wire level (can a valid payload be "
    "refused now?) and the source level (does code using the old package break?). Exit 1 when something breaks at "
    "the selected level; a suggested version bump ends the output."
)
STATUS_DESCRIPTION = (
    "Scan Python source with ast (nothing is imported or run) for uses of the generated package's events: "
    "classes imported or constructed and their keywords, literal payloads given to parse_event, validate and "
    "fire_payloads, EVENTS[...]. Lists each event as used or unused and every stale reference."
)


def add_diff_options(diff: argparse.ArgumentParser) -> None:
    diff.add_argument(
        "--against",
        default=DEFAULT_AGAINST,
        metavar="REF_OR_DIR",
        help=f"a folder of schemas, or a git revision whose schemas folder is read (default {DEFAULT_AGAINST}); "
        "REF... means the merge base of REF and HEAD",
    )
    diff.add_argument(
        "--schemas", type=Path, default=None, help=f"folder of event schema files (default {DEFAULT_SCHEMAS}/)"
    )
    diff.add_argument(
        "--level",
        choices=LEVELS,
        default=DEFAULT_LEVEL,
        help="what must not break for exit 0: payloads (wire) or code using the package (source, default)",
    )
    diff.add_argument("--format", dest="output_format", choices=DIFF_FORMATS, default="text", help="output format")


def add_status_options(status: argparse.ArgumentParser) -> None:
    status.add_argument(
        "--schemas", type=Path, default=None, help=f"folder of event schema files (default {DEFAULT_SCHEMAS}/)"
    )
    status.add_argument(
        "--package", default=None, help=f"import name of the generated package (default {DEFAULT_PACKAGE})"
    )
    status.add_argument("--fail-on-unused", action="store_true", help="exit 1 when an event is never used")
    status.add_argument("--format", dest="output_format", choices=STATUS_FORMATS, default="text", help="output format")
    status.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders of Python source")
