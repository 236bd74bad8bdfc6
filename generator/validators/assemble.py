"""Module assembly: one event's tree compiled into its `_validators/<module>.py` source, and the package index.

Each event becomes one function, `check(item, out)`: straight-line checks with nested objects and arrays inlined,
set lookups for enums and `additionalProperties: false`, and nothing allocated while the item is valid; each
failure appends a (pointer, keyword, message helper, value, detail) issue and checking goes on, so every violation
is reported (the message text is only made if someone reads it). The semantics are jsonschema's (Draft7Validator or
Draft202012Validator by `$schema`, default 2020-12, with the class's FORMAT_CHECKER, see `dialects.FORMATS`); what
the compiler cannot honour was refused by the tree with a finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from keyword import iskeyword
from typing import Any, Protocol

from ..dialects import DRAFT2020, Dialect
from ..findings import Finding, SchemaErrors, errors_in
from ..pystyle import literal
from ..schema_tree import SchemaTree, read_tree
from .compiler import ModuleCompiler
from .inline import shared_pointers
from .source import safe_comment
from .writer import FunctionWriter, PointerSource


class EventLike(Protocol):
    """An event as (name, schema), such as a bundled `bundle.EventSchema`."""

    @property
    def name(self) -> str: ...

    @property
    def schema(self) -> dict[str, Any]: ...


class ReadEvent(Protocol):
    """A bundled event with its schema read (`bundle.EventSchema`)."""

    @property
    def name(self) -> str: ...

    @property
    def tree(self) -> SchemaTree: ...


MODULE_DOCSTRING = '''"""Compiled payload check of the event {event}: `check(item, out)` (see _validate.py).

It mirrors the event schema keyword by keyword in straight-line code: nested objects and arrays inline, set lookups
for enums and closed objects, the values compared with written as the literals below. A valid item runs through
without allocating anything; each violation appends one (JSON pointer, keyword, message) issue to `out`, and
checking goes on, so every violation of an item is reported. Yes/no sub-questions (anyOf, oneOf, not, if,
contains) use the `_valid_*` predicates, which return at the first failure.
"""'''

INDEX_DOCSTRING = '''"""Compiled payload checks, one module per event, each imported when a payload of its event first
comes by.

`VALIDATORS` (wire event name -> check) holds the checks loaded so far, so that dispatch is one `dict.get`;
`load_validator(name)` imports the module of an event on a miss (None for an unknown name).
"""'''

INDEX_FUNCTION = """def load_validator(name: str) -> Check | None:
    \"\"\"The check of an event, its module imported on first use; None for an unknown event name.\"\"\"
    module = _MODULES.get(name)
    if module is None:
        return None
    check: Check = import_module(f"{__name__}.{module}").check
    VALIDATORS[name] = check
    return check"""


def compile_tree(name: str, tree: SchemaTree) -> str | None:
    """Source of one event's validator module (defining `check(item, out)`) from its read schema; None when the
    tree has errors."""
    if not tree.ok or tree.root is None:
        return None
    compiler = ModuleCompiler(shared_pointers(tree.root))
    compiler.names.add("check")
    function = FunctionWriter(
        "def check(item: Any, out: list[Issue]) -> None:",
        "Append one issue per violation of an item (nothing when it is valid).",
        "collect",
        "item",
        PointerSource(),
    )
    compiler.emit(function, tree.root)
    compiler.functions.insert(0, function.lines)
    return _assemble(compiler, name)


def compile_event_module(
    name: str, schema: Any, shown: str | None = None, default_dialect: Dialect = DRAFT2020
) -> tuple[str | None, list[Finding]]:
    """Source of one event's validator module, plus the findings; the source is None when the schema has error
    findings. Raises nothing."""
    tree = read_tree(schema, shown if shown is not None else name, default_dialect)
    return compile_tree(name, tree), list(tree.findings)


def unsupported_keywords(schema: Any, path: str, default_dialect: Dialect = DRAFT2020) -> list[Finding]:
    """Findings for a bundled schema (those of its tree, `schema_tree.read_tree`)."""
    return list(read_tree(schema, path, default_dialect).findings)


def derived_module_names(wire_names: Sequence[str]) -> dict[str, str]:
    """Module names for events as the generator names their class modules (`parse.parse_events`)."""
    from ..naming import class_names, module_names

    classes = class_names(list(wire_names))
    modules = module_names(list(classes.values()))
    return {wire_name: modules[class_name] for wire_name, class_name in classes.items()}


def compile_package(
    schemas: Sequence[tuple[str, Any]],
    path_of: Mapping[str, str] | None = None,
    default_dialect: Dialect = DRAFT2020,
    module_names: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Finding]]:
    """Sources of the `_validators` subpackage for (name, schema) pairs: `__init__.py` and one `<module>.py` per
    event, plus the findings; raises nothing. Events with error findings are left out of the package (their names
    are unknown to it)."""
    trees = [(name, read_tree(schema, (path_of or {}).get(name, name), default_dialect)) for name, schema in schemas]
    return compile_trees(trees, module_names)


def compile_trees(
    trees: Sequence[tuple[str, SchemaTree]], module_names: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[Finding]]:
    """As `compile_package`, for schemas already read (`schema_tree.read_tree`), such as bundled events' trees."""
    if module_names is None:
        module_names = derived_module_names([name for name, _ in trees])
    _check_module_names([name for name, _ in trees], module_names)
    findings: list[Finding] = []
    files: dict[str, str] = {}
    index: dict[str, str] = {}
    for name, tree in sorted(trees, key=lambda pair: pair[0]):
        findings.extend(tree.findings)
        source = compile_tree(name, tree)
        if source is not None:
            files[module_names[name] + ".py"] = source
            index[name] = module_names[name]
    return {"__init__.py": validators_index(index), **dict(sorted(files.items()))}, findings


def compile_validator_module(event: ReadEvent) -> str:
    """Source of one bundled event's validator module; raises SchemaErrors when it cannot be compiled."""
    source = compile_tree(event.name, event.tree)
    if source is None:
        raise SchemaErrors(errors_in(list(event.tree.findings)))
    return source


def compile_validator_package(
    events: Sequence[EventLike], module_names: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Sources of the `_validators` subpackage for events: file name inside it (`__init__.py`, `<module>.py` per
    event) -> source, each byte-identical for identical input and formatted as black formats it.

    `module_names` maps wire event names to module names (default: the modules of the event classes). Raises
    SchemaErrors with the error findings when any event cannot be compiled."""
    path_of = {event.name: str(getattr(event, "path", event.name)) for event in events}
    files, findings = compile_package(
        [(event.name, event.schema) for event in events], path_of, DRAFT2020, module_names
    )
    errors = errors_in(findings)
    if errors:
        raise SchemaErrors(errors)
    return files


def _check_module_names(wire_names: Sequence[str], module_names: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for name in wire_names:
        module = module_names.get(name)
        if module is None or not module.isidentifier() or module.startswith("__") or iskeyword(module):
            raise ValueError(f"no usable validator module name for event {name!r}: {module!r}")
        if seen.setdefault(module.lower(), name) != name:
            raise ValueError(f"events {seen[module.lower()]!r} and {name!r} share the module name {module!r}")


def _assemble(compiler: ModuleCompiler, event: str) -> str:
    helpers = sorted(compiler.helpers | {"Issue"})
    lines = [MODULE_DOCSTRING.format(event=safe_comment(event)[:40]), "", "from __future__ import annotations", ""]
    lines += ["import re"] if compiler.uses_re else []
    lines += ["from typing import Any", ""]
    lines += ["from .._validate import (", *[f"    {name}," for name in helpers], ")", ""]
    if compiler.constant_lines:
        lines += compiler.constant_lines + [""]
    for function in compiler.functions:
        lines += ["", *function, ""]
    return "\n".join(lines)


def validators_index(index: Mapping[str, str]) -> str:
    """Source of `_validators/__init__.py` for wire event name -> module name."""
    lines = [INDEX_DOCSTRING, "", "from __future__ import annotations", ""]
    lines += ["from importlib import import_module", "", "from .._validate import Check", ""]
    if index:
        entries = [f"    {literal(name)}: {literal(module)}," for name, module in index.items()]
        lines += ["_MODULES: dict[str, str] = {", *entries]
        lines += ["}"]
    else:
        lines += ["_MODULES: dict[str, str] = {}"]
    lines += ['"""Wire event name -> module of its check."""', ""]
    lines += ["VALIDATORS: dict[str, Check] = {}", '"""Wire event name -> check, for the modules imported so far."""']
    lines += ["", "", INDEX_FUNCTION, ""]
    return "\n".join(lines)
