"""`netmera-codegen lint`: every problem a build would hit, plus rules that keep schemas healthy for Netmera.

Errors (exit 1):
- files that are not JSON objects (from `load`), and schemas that are not valid against their draft's metaschema
  (draft 2020-12 unless `$schema` names draft-07), one finding per metaschema violation at its pointer;
- everything `generate` refuses, found by the same stages (bundle: duplicate event names, `extId`/`name` declared
  wrongly, `$ref`s that leave the folder or do not resolve; parse: `x-netmera-type` contradicting `type`, required
  attributes that are not declared; keywords the generator does not support).

Warnings (exit 0 unless `--strict`):
- an unknown `$schema` (the file is read as draft 2020-12);
- attribute names that collide once converted to Python names (they get numbered: `item_count_2`), and event
  names that collide as class names (`OrderCompleted2`);
- `additionalProperties: false` on an event: Netmera accepts attributes added later in the panel, and a closed
  schema rejects payloads carrying them (a nested object is not a panel attribute list, so it may be closed);
- a misspelt `x-netmera-*` annotation (`x-netmera-typ`), with the one it probably means;
- an event whose `properties.name.const` differs from its `title` (the constant names the event);
- a `pattern` (or `patternProperties` key) with nested unbounded quantifiers, such as `^(a+)+$`: matching it
  can take exponential time on a hostile value (ReDoS), in the validator as in any regex engine.

Notes (never fail, not even with `--strict`):
- an attribute that is an object or an array of objects: Netmera's panel attributes are flat (strings, numbers,
  booleans, dates and arrays of them), so such an attribute is sent as JSON but not shown field by field.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

try:  # the standard library's regular expression parser (named sre_parse before Python 3.11)
    from re import _constants  # type: ignore[attr-defined,unused-ignore]
    from re import _parser as _regex_parser  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _constants  # type: ignore[no-redef,unused-ignore]
    import sre_parse as _regex_parser  # type: ignore[no-redef,unused-ignore]

from .bundle import EXT_ID, NAME, Bundled, EventSchema, bundle_files, event_content, event_name_of
from .cache import Pack, default_cache
from .findings import Finding
from .format import run_tasks, worker_count
from .load import SchemaFile, load_schemas
from .naming import attribute_name, attribute_names, class_name, class_names
from .netmera import ANNOTATIONS, DEFAULT_EPOCH
from .parse import package_names
from .parse_cache import Parsed, parse_alone, parse_package_cached
from .pointers import join_pointer
from .schema_tree import Node

W = TypeVar("W")
R = TypeVar("R")

_SCHEMA_MAPS = ("properties", "$defs", "definitions", "patternProperties", "dependentSchemas")
_SCHEMA_VALUES = (
    "items",
    "additionalProperties",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "additionalItems",
    "unevaluatedItems",
    "unevaluatedProperties",
)
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems", "items")


def lint(schemas_dir: Path, epoch: str = DEFAULT_EPOCH) -> list[Finding]:
    """All findings for a schemas folder, errors and warnings, sorted by file and pointer (`epoch`: the project's
    unit of epoch-integer dates).

    Every rule reads one file or one event, so its findings are kept in the cache by what it reads: a file's
    name, display path and bytes; an event's bundled content and the epoch. With the cache warm, lint reads no
    schema tree, runs no metaschema check and parses only the events whose inputs changed. What is not in the
    cache is worked out in batches (`_check_files`, `_check_events`), in worker processes when there is enough
    of it to pay for starting them."""
    cache = default_cache()
    kept = Pack(cache, _CACHE_STAGE, [str(schemas_dir.resolve()), epoch, *metaschema_versions()])
    files, findings = load_schemas(schemas_dir, cache)
    checked = _file_findings(kept, files)
    findings += [finding for found in checked for finding in found[0]]
    broken = {finding.path for finding in findings if finding.severity == "error"}
    usable = [schema_file for schema_file in files if schema_file.display not in broken]
    findings += [finding for file, found in zip(files, checked) if file.display not in broken for finding in found[1]]
    bundled = bundle_files(usable, schemas_dir, cache, epoch)
    findings += bundled.findings
    made, notes, failures = _event_findings(kept, bundled, epoch)
    findings += failures
    bundled.save()
    events = bundled.events
    findings += [finding for event in events for finding in event.tree_findings]
    scope = [str(schemas_dir.resolve()), "lint"]
    (_, parse_findings, _, _), _ = parse_package_cached(events, (), epoch, cache, scope, made)
    findings += parse_findings
    for event in events:
        if event.name not in notes:
            notes[event.name] = kept.remember(_nested_key(event), functools.partial(nested_attributes, event), tuple)
        findings += notes[event.name]
    kept.save()
    findings += event_name_collisions([f for f in usable if not f.is_shared])
    return sorted(set(findings))


_CACHE_STAGE = "lint"
METASCHEMA_DISTRIBUTIONS = ("jsonschema", "jsonschema-specifications")
"""What the metaschema findings come from besides the generator's code: the checker and the metaschemas."""
PARALLEL_MIN_WORK = 120
"""Below this much work (a file's metaschema check and rules count 1, an event's tree and parse 4: what they cost
in milliseconds, roughly) lint runs it in its own process: starting workers and sending them the schemas would
cost more than they save."""
FILE_WORK, EVENT_WORK = 1, 4
BATCHES_PER_WORKER = 4
"""Work is sent to the workers in this many batches each: enough to even out uneven batches, few enough that
sending them costs little."""


def metaschema_versions() -> list[str]:
    """The installed versions of `METASCHEMA_DISTRIBUTIONS`, read from their metadata (nothing is imported): an
    upgrade may change the findings, so cached ones are kept under them."""
    return [f"{name} {metadata.version(name)}" for name in METASCHEMA_DISTRIBUTIONS]


def _file_key(rule: str, schema_file: SchemaFile) -> str:
    return f"{rule}\0{schema_file.display}\0{schema_file.path.name}\0{schema_file.sha256}"


def _nested_key(event: EventSchema) -> str:
    return f"nested attributes\0{event_content(event)}"


_METASCHEMA, _RULES = "metaschema", "netmera rules"


def _file_findings(kept: Pack, files: list[SchemaFile]) -> list[tuple[tuple[Finding, ...], tuple[Finding, ...]]]:
    """Each file's metaschema findings and, unless those hold an error, the findings of its own rules (else
    none): from `kept` when it saw the file's bytes under its name, else worked out (and kept)."""
    found: list[tuple[tuple[Finding, ...] | None, tuple[Finding, ...] | None]] = []
    for schema_file in files:
        meta = kept.get(_file_key(_METASCHEMA, schema_file))
        meta = meta if isinstance(meta, tuple) else None
        rules = kept.get(_file_key(_RULES, schema_file)) if meta is not None and not _has_error(meta) else None
        found.append((meta, rules if isinstance(rules, tuple) else None))
    todo = [
        index for index, (meta, rules) in enumerate(found) if meta is None or (rules is None and not _has_error(meta))
    ]
    items = [(files[index], found[index][0] is None) for index in todo]
    results = _in_batches(_check_files, items, len(items) * FILE_WORK, _lean_file)
    for index, (meta, rules, failed) in zip(todo, results):
        if not failed:
            if meta is not None:
                kept.put(_file_key(_METASCHEMA, files[index]), meta)
            if rules is not None:
                kept.put(_file_key(_RULES, files[index]), rules)
        found[index] = (found[index][0] if meta is None else meta, rules)
    return [(meta or (), rules or ()) for meta, rules in found]


def _has_error(findings: tuple[Finding, ...]) -> bool:
    return any(finding.severity == "error" for finding in findings)


def _check_files(
    batch: list[tuple[SchemaFile, bool]],
) -> list[tuple[tuple[Finding, ...] | None, tuple[Finding, ...] | None, bool]]:
    """For each file (and whether its metaschema check is still to do, else only its rules): its metaschema
    findings, its rules' findings (None when the metaschema check found an error) and whether a check failed (its
    error is then the metaschema findings, so that the file is not bundled, and nothing is kept in the cache)."""
    results: list[tuple[tuple[Finding, ...] | None, tuple[Finding, ...] | None, bool]] = []
    for schema_file, check_meta in batch:
        meta = None
        try:
            if check_meta:
                meta = tuple(_metaschema_findings(schema_file))
                if _has_error(meta):
                    results.append((meta, None, False))
                    continue
            results.append((meta, tuple(netmera_rules(schema_file)), False))
        except Exception as error:  # noqa: BLE001 - a bug on some input is a finding of the file, not a traceback
            results.append(((_failure(schema_file.display, error),), None, True))
    return results


def _failure(path: str, error: Exception) -> Finding:
    return Finding(path, "", f"lint could not check this schema ({type(error).__name__}: {error}); please report it")


def _event_findings(
    kept: Pack, bundled: Bundled, epoch: str
) -> tuple[dict[str, Parsed], dict[str, tuple[Finding, ...]], list[Finding]]:
    """Read the trees of the events bundled afresh, work out the notes on nested attributes not in `kept` and
    parse the events that reach no shared definition and need any of that, in batches; returns those parses and
    notes, by wire name (the other events are parsed later, in order, by `parse_package_cached`), and the
    failures, each an error of its event's file (which is then left out of the bundle)."""
    fresh = {id(event) for event in bundled.fresh}
    names = package_names(bundled.events, ())
    todo = []
    for event in bundled.events:
        if event.shared:
            continue  # parsed in order in this process, where its tree is read once for everything
        if id(event) in fresh or not isinstance(kept.get(_nested_key(event)), tuple):
            todo.append((event, (event, *names[event.name], epoch)))
    results = _in_batches(_check_events, [item for _, item in todo], len(todo) * EVENT_WORK, _lean_event)
    made: dict[str, Parsed] = {}
    notes: dict[str, tuple[Finding, ...]] = {}
    failures: list[Finding] = []
    for (event, _), (tree_findings, nested, parsed) in zip(todo, results):
        if parsed is None:
            failures += tree_findings
            bundled.leave_out(event)
            continue
        event.tree_read_elsewhere(tree_findings)
        kept.put(_nested_key(event), nested)
        made[event.name], notes[event.name] = parsed, nested
    return made, notes, failures


def _check_events(
    batch: list[tuple[EventSchema, str, str, str]],
) -> list[tuple[tuple[Finding, ...], tuple[Finding, ...], Parsed | None]]:
    """For each event (with its class and module name and the epoch): the findings of reading its tree, its notes
    and its parse; a failure is a finding of the event's file instead (and no parse)."""
    results: list[tuple[tuple[Finding, ...], tuple[Finding, ...], Parsed | None]] = []
    for event, named, module, epoch in batch:
        try:
            results.append((event.tree_findings, nested_attributes(event), parse_alone(event, named, module, epoch)))
        except Exception as error:  # noqa: BLE001 - a bug on some input is a finding of the file, not a traceback
            results.append(((_failure(event.path, error),), (), None))
    return results


def _in_batches(check: Callable[[list[W]], list[R]], items: list[W], work: int, lean: Callable[[W], W]) -> list[R]:
    """`check` over `items`, one result an item: in worker processes when `work` is enough to pay for them, each
    item sent as `lean` makes it (what a worker needs of it, without what it can make again faster than it can
    receive it), else here."""
    if work < PARALLEL_MIN_WORK or worker_count(len(items)) < 2:
        return check(items) if items else []
    count = worker_count(len(items)) * BATCHES_PER_WORKER
    size = -(-len(items) // count)
    batches = [[lean(item) for item in items[start : start + size]] for start in range(0, len(items), size)]
    done = run_tasks([functools.partial(check, batch) for batch in batches], parallel=True)
    return [result for results in done for result in results]


def _lean_file(item: tuple[SchemaFile, bool]) -> tuple[SchemaFile, bool]:
    """A file without its decoded value: decoding its text is faster than unpickling that."""
    schema_file, check_meta = item
    return replace(schema_file, decoded=None), check_meta


def _lean_event(item: tuple[EventSchema, str, str, str]) -> tuple[EventSchema, str, str, str]:
    """An event as its bundled JSON text, without its tree, and its file without its text or decoded value (an
    event's tree and parse read only the file's names and hash)."""
    event, class_name_, module_name, epoch = item
    source = replace(event.source, text="", decoded=None)
    lean = EventSchema(event.name, event.path, source, {}, epoch, schema_json=event.schema_json)
    return lean, class_name_, module_name, epoch


def _metaschema_findings(schema_file: SchemaFile) -> list[Finding]:
    from .metaschema import meta_validate  # jsonschema is imported only when a file has to be checked

    return meta_validate(schema_file)


def netmera_rules(schema_file: SchemaFile) -> list[Finding]:
    findings = []
    event_root = not schema_file.is_shared
    for pointer, schema in subschemas(schema_file.data, ""):
        if pointer == "" and event_root and schema.get("additionalProperties") is False:
            findings.append(
                _warning(
                    schema_file,
                    join_pointer(pointer, "additionalProperties"),
                    "additionalProperties is false: payloads carrying attributes added later in the panel "
                    "will be refused",
                )
            )
        findings += _misspelt_annotations(schema_file, pointer, schema)
        findings += _slow_patterns(schema_file, pointer, schema)
        properties = schema.get("properties")
        if isinstance(properties, dict):
            reserved = (EXT_ID, NAME) if pointer == "" and event_root else ()
            findings += _attribute_collisions(schema_file, pointer, [k for k in properties if k not in reserved])
    if event_root:
        findings += _name_and_title(schema_file)
    return findings


def _warning(schema_file: SchemaFile, pointer: str, message: str) -> Finding:
    return Finding(schema_file.display, pointer, message, severity="warning")


def _misspelt_annotations(schema_file: SchemaFile, pointer: str, schema: dict[str, Any]) -> list[Finding]:
    findings = []
    for key in schema:
        if not isinstance(key, str) or key in ANNOTATIONS:
            continue
        if not key.lower().replace("_", "-").startswith("x-netmera"):
            continue
        close = difflib.get_close_matches(key.lower().replace("_", "-"), ANNOTATIONS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"the annotations are {', '.join(ANNOTATIONS)}"
        findings.append(
            _warning(schema_file, join_pointer(pointer, key), f"unknown annotation {key!r} is ignored; {hint}")
        )
    return findings


def _slow_patterns(schema_file: SchemaFile, pointer: str, schema: dict[str, Any]) -> list[Finding]:
    found = []
    if isinstance(schema.get("pattern"), str):
        found.append((join_pointer(pointer, "pattern"), schema["pattern"]))
    if isinstance(schema.get("patternProperties"), dict):
        found += [(join_pointer(pointer, "patternProperties", key), key) for key in schema["patternProperties"]]
    return [
        _warning(
            schema_file,
            at,
            f"pattern {pattern!r} nests unbounded quantifiers: matching it can take exponential time on a hostile "
            "value (ReDoS); make the inner or the outer repetition bounded or unambiguous",
        )
        for at, pattern in found
        if nested_quantifiers(pattern)
    ]


def nested_quantifiers(pattern: str) -> bool:
    """Whether a regular expression repeats, without bound, something that itself repeats without bound (`(a+)+`,
    `(a*b?)*`, `(\\w+\\s?)*`): the shape behind catastrophic backtracking."""
    try:
        parsed = _regex_parser.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return False  # an invalid pattern is reported by the build
    return _nested(list(parsed), inside=False)


def _nested(items: list[Any], inside: bool) -> bool:
    for op, argument in items:
        if op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):  # possessive repetition never backtracks
            _low, high, sub = argument
            unbounded = high is _constants.MAXREPEAT or high > _BOUNDED
            if unbounded and inside:
                return True
            if _nested(list(sub), inside or unbounded):
                return True
        elif (op is _constants.SUBPATTERN and _nested(list(argument[-1]), inside)) or (
            op is _constants.BRANCH and any(_nested(list(branch), inside) for branch in argument[1])
        ):
            return True
    return False


_BOUNDED = 100
"""A repetition of at most this many is treated as bounded."""


def _name_and_title(schema_file: SchemaFile) -> list[Finding]:
    data = schema_file.data
    properties = data.get("properties")
    declared = properties.get(NAME) if isinstance(properties, dict) else None
    const = declared.get("const") if isinstance(declared, dict) else None
    title = data.get("title")
    if not isinstance(const, str) or not isinstance(title, str) or not title.strip() or const == title:
        return []
    return [
        _warning(
            schema_file,
            join_pointer("", "properties", NAME, "const"),
            f"properties.name.const {const!r} differs from the title {title!r}: the event is named {const!r}",
        )
    ]


def nested_attributes(event: EventSchema) -> tuple[Finding, ...]:
    """A note for each attribute of an event that is an object or an array of objects (from its read tree)."""
    root = event.tree.root
    if root is None:
        return ()
    findings = []
    for name, node in root.properties:
        if name in (EXT_ID, NAME):
            continue
        node = _target(node)
        items = _target(node.items) if node.items is not None else None
        if _is_object(node):
            shape = "an object"
        elif node.types is not None and "array" in node.types and items is not None and _is_object(items):
            shape = "an array of objects"
        else:
            continue
        findings.append(
            Finding(
                event.path,
                node.pointer if node.pointer.startswith("/properties/") else join_pointer("/properties", name),
                f"attribute {name!r} is {shape}: Netmera's panel attributes are flat (strings, numbers, booleans, "
                "dates and arrays of them), so the panel shows it as one JSON value",
                severity="note",
            )
        )
    return tuple(findings)


def _target(node: Node) -> Node:
    while node.ref is not None and not node.keywords - {"$ref", "description", "title"}:
        node = node.ref
    return node


def _is_object(node: Node) -> bool:
    return bool(node.properties) or (node.types is not None and "object" in node.types)


def _attribute_collisions(schema_file: SchemaFile, pointer: str, wire_names: list[str]) -> list[Finding]:
    """Attributes that get a numbered Python name, as `naming` settles them, each naming the one that kept it."""
    settled = attribute_names(wire_names)
    keeper_of = {name: wire_name for wire_name, name in settled.items()}
    return [
        Finding(
            schema_file.display,
            join_pointer(pointer, "properties", wire_name),
            f"attribute {wire_name!r} collides with {keeper_of.get(attribute_name(wire_name), '?')!r} as the Python "
            f"name {attribute_name(wire_name)!r}; it is named {name!r}",
            severity="warning",
        )
        for wire_name, name in settled.items()
        if name != attribute_name(wire_name)
    ]


def event_name_collisions(files: list[SchemaFile]) -> list[Finding]:
    """Events whose class gets a numbered name, as `naming` settles them, each naming the one that kept it."""
    file_of = {event_name_of(schema_file): schema_file for schema_file in files}
    settled = class_names(list(file_of))
    keeper_of = {name: wire_name for wire_name, name in settled.items()}
    return [
        Finding(
            file_of[wire_name].display,
            "",
            f"event {wire_name!r} collides with {keeper_of.get(class_name(wire_name), '?')!r} as the class name "
            f"{class_name(wire_name)!r}; its class is named {name!r}",
            severity="warning",
        )
        for wire_name, name in settled.items()
        if name != class_name(wire_name)
    ]


def subschemas(schema: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object subschema with its pointer, the root first."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    # Only objects are descended into: a pointer made for every keyword a subschema might have was most of the walk.
    for key in _SCHEMA_MAPS:
        members = schema.get(key)
        if isinstance(members, dict):
            for name, member in members.items():
                if isinstance(member, dict):
                    yield from subschemas(member, join_pointer(pointer, key, name))
    for key in _SCHEMA_VALUES:
        value = schema.get(key)
        if isinstance(value, dict):
            yield from subschemas(value, join_pointer(pointer, key))
    for key in _SCHEMA_LISTS:
        members = schema.get(key)
        if isinstance(members, list):
            for index, member in enumerate(members):
                if isinstance(member, dict):
                    yield from subschemas(member, join_pointer(pointer, key, index))
