"""Stage 2, bundle: make each event schema self-contained.

Every `$ref` is followed: references inside the event's own file stay as they are; references into a sibling file
under the schemas folder are copied into the event's `$defs` under a deterministic key and rewritten to point
there, recursively. Anything else (http, https, another scheme, a path outside the folder, a missing target) is
refused with a finding, so a build never touches the network. Circular references are refused too: neither the
typed classes nor the compiled validator can represent a recursive type.

The bundle also fixes the two keys every fireEvents item has: `extId` (a string) and `name` (the event name as a
constant), declared first and required (appended to `required`), so the validator and the reference (jsonschema)
check them alike.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

from .cache import BuildCache, Pack, default_cache
from .findings import Finding
from .load import SchemaFile, load_schemas
from .netmera import DEFAULT_EPOCH
from .pointers import escape_token, join_pointer, resolve_pointer
from .schema_tree import SchemaTree, read_tree

EXT_ID = "extId"
NAME = "name"
BUNDLE_DEFS = "$defs"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_REF_KEY = "$ref"


class EventSchema:
    """One event: its wire name, where it came from, and its bundled, self-contained schema.

    The schema and its tree are made when first read: an event bundled in an earlier run comes from the cache as
    its JSON text and the findings of its tree, and a build that takes the event's classes from the cache as well
    never needs either (reading 1000 trees costs 0.7 s, unpickling them as much).
    """

    def __init__(
        self,
        name: str,
        path: str,
        source: SchemaFile,
        shared: dict[str, tuple[str, str]],
        epoch: str,
        schema: dict[str, Any] | None = None,
        schema_json: str | None = None,
        tree_findings: tuple[Finding, ...] | None = None,
    ) -> None:
        assert schema is not None or schema_json is not None
        self.name = name
        self.path = path
        """The source file as shown in findings."""
        self.source = source
        self.shared = shared
        """Bundled `$defs` key -> (file relative to the schemas folder, JSON pointer) of what was copied there from
        another file: the same definition reached from several events is one shared class."""
        self.epoch = epoch
        self._schema = schema
        self._schema_json = schema_json
        self._tree: SchemaTree | None = None
        self._tree_findings = tree_findings

    @property
    def schema(self) -> dict[str, Any]:
        if self._schema is None:
            assert self._schema_json is not None
            self._schema = json.loads(self._schema_json)
        return self._schema

    @property
    def schema_json(self) -> str:
        """The bundled schema as JSON text (`json.dumps`, keys in the schema's order)."""
        if self._schema_json is None:
            self._schema_json = json.dumps(self.schema)
        return self._schema_json

    @functools.cached_property
    def schema_sha256(self) -> str:
        """Hash of the bundled schema, in its keys' order (which the generated code follows)."""
        return hashlib.sha256(self.schema_json.encode("utf-8", "surrogatepass")).hexdigest()

    @property
    def tree(self) -> SchemaTree:
        """The bundled schema, read once (`schema_tree`): what every code generator works from."""
        if self._tree is None:
            self._tree = read_tree(self.schema, self.path, epoch=self.epoch)
        return self._tree

    @property
    def tree_findings(self) -> tuple[Finding, ...]:
        """The findings of reading the tree (known without reading it when the event came from the cache)."""
        return self.tree.findings if self._tree_findings is None else self._tree_findings

    def tree_read_elsewhere(self, findings: tuple[Finding, ...]) -> None:
        """Record the findings of reading this event's tree in another process (lint's workers), so that none is
        read here for them: the tree is a function of the bundled schema, its path and the epoch."""
        self._tree_findings = findings


def event_name_of(schema_file: SchemaFile) -> str:
    """The wire name: `properties.name.const`, else `title`, else the file's stem."""
    data = schema_file.data
    properties = data.get("properties")
    if isinstance(properties, dict):
        declared = properties.get(NAME)
        if isinstance(declared, dict) and isinstance(declared.get("const"), str):
            return str(declared["const"])
    title = data.get("title")
    if isinstance(title, str) and title.strip():
        return title
    return schema_file.path.stem


@dataclass
class _Bundler:
    """Bundles one event file; `keys` maps (file, pointer) targets in other files to their `$defs` key."""

    root_file: SchemaFile
    files_by_path: dict[Path, SchemaFile]
    schemas_dir: Path
    findings: list[Finding] = field(default_factory=list)
    keys: dict[tuple[str, str], str] = field(default_factory=dict)
    bundled: dict[str, Any] = field(default_factory=dict)
    edges: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)

    def run(self) -> dict[str, Any]:
        if _REF_KEY not in self.root_file.text and "\\u" not in self.root_file.text:
            # No `$ref` anywhere, not even spelt with escapes: the bundle is a plain copy, and decoding the text
            # makes one in a tenth of the time of copying the decoded value.
            copied: dict[str, Any] = json.loads(self.root_file.text)
            return copied
        schema: dict[str, Any] = self._rewrite(self.root_file, self.root_file.data, "")
        if self.bundled:
            defs = schema.setdefault(BUNDLE_DEFS, {})
            if isinstance(defs, dict):
                defs.update(self.bundled)
        self._find_cycles()
        return schema

    def _rewrite(self, owner: SchemaFile, node: Any, pointer: str) -> Any:
        """Deep-copy `node` from `owner`, rewriting its references for the bundle."""
        if isinstance(node, list):
            return [self._rewrite(owner, item, join_pointer(pointer, index)) for index, item in enumerate(node)]
        if not isinstance(node, dict):
            return copy.copy(node)
        result: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                result[key] = self._follow(owner, value, join_pointer(pointer, key))
            elif key in ("enum", "const", "default", "examples"):
                result[key] = copy.deepcopy(value)
            else:
                result[key] = self._rewrite(owner, value, join_pointer(pointer, key))
        return result

    def _follow(self, owner: SchemaFile, ref: str, at: str) -> str:
        """Check one `$ref` written in `owner` at pointer `at`; return its bundled form."""
        where = (owner.relative, _container(at))
        if _SCHEME.match(ref):
            self._refuse(owner, at, f"$ref {ref!r} is remote: only references inside the schemas folder are followed")
            return ref
        location, _, fragment = ref.partition("#")
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            self._refuse(owner, at, f"$ref {ref!r}: only JSON pointer fragments are supported, not anchors")
            return ref
        target_file = owner if not location else self._sibling(owner, location, ref, at)
        if target_file is None:
            return ref
        found, target = resolve_pointer(target_file.data, fragment)
        if not found:
            self._refuse(owner, at, f"$ref {ref!r}: target not found")
            return ref
        target_id = (target_file.relative, fragment)
        self.edges.setdefault(where, set()).add(target_id)
        if target_file is self.root_file:
            return "#" + _encode_fragment(fragment)
        if target_id not in self.keys:
            key = self._new_key(target_file, fragment)
            self.keys[target_id] = key
            self.bundled[key] = {}
            copied = self._rewrite(target_file, target, fragment)
            if isinstance(copied, dict):
                # The copy is no longer a document of its own: its identifiers would only re-root its references.
                copied.pop("$id", None)
                copied.pop("$schema", None)
            self.bundled[key] = copied
        return "#/" + BUNDLE_DEFS + "/" + escape_token(self.keys[target_id])

    def _sibling(self, owner: SchemaFile, location: str, ref: str, at: str) -> SchemaFile | None:
        if location.startswith("/") or "\\" in location:
            self._refuse(owner, at, f"$ref {ref!r} must be a relative path inside the schemas folder")
            return None
        relative = unquote(location)
        if "\0" in relative:
            self._refuse(owner, at, f"$ref {ref!r} is not a usable file path")
            return None
        try:
            candidate = (owner.path.parent / PurePosixPath(relative)).resolve()
        except (OSError, ValueError, RuntimeError):
            self._refuse(owner, at, f"$ref {ref!r} is not a usable file path")
            return None
        if not candidate.is_relative_to(self.schemas_dir.resolve()):
            self._refuse(owner, at, f"$ref {ref!r} points outside the schemas folder")
            return None
        target = self.files_by_path.get(candidate)
        if target is None:
            self._refuse(owner, at, f"$ref {ref!r}: file not found among the schemas")
        return target

    def _new_key(self, target_file: SchemaFile, fragment: str) -> str:
        tokens = [target_file.path.stem] + [t for t in fragment.split("/")[1:] if t not in ("$defs", "definitions")]
        base = _KEY_UNSAFE.sub("_", ".".join(tokens)).strip(".") or "ref"
        taken = set(self.bundled) | set(_own_defs(self.root_file.data))
        key, counter = base, 2
        while key in taken:
            key, counter = f"{base}_{counter}", counter + 1
        return key

    def _refuse(self, owner: SchemaFile, at: str, message: str) -> None:
        self.findings.append(Finding(owner.display, at, message))

    def _find_cycles(self) -> None:
        """A reference whose target contains (through further references) the reference itself."""
        targets = {target for edge_targets in self.edges.values() for target in edge_targets}
        reported: set[tuple[str, str]] = set()
        for start in sorted(targets):
            stack = [start]
            seen: set[tuple[str, str]] = set()
            while stack:
                node = stack.pop()
                for (file, container), edge_targets in self.edges.items():
                    if file != node[0] or not _within(container, node[1]):
                        continue
                    for target in edge_targets:
                        if target == start and start not in reported:
                            reported.add(start)
                            self.findings.append(
                                Finding(
                                    self._display(start[0]),
                                    start[1],
                                    "circular $ref: recursive schemas are not supported",
                                )
                            )
                        if target not in seen:
                            seen.add(target)
                            stack.append(target)

    def _display(self, relative: str) -> str:
        for schema_file in self.files_by_path.values():
            if schema_file.relative == relative:
                return schema_file.display
        return relative


def _within(pointer: str, ancestor: str) -> bool:
    return pointer == ancestor or pointer.startswith(ancestor + "/")


def _container(at: str) -> str:
    """The pointer of the schema holding a `$ref` (the `$ref` keyword's own pointer minus its last token)."""
    return at.rsplit("/", 1)[0]


def _encode_fragment(fragment: str) -> str:
    return fragment.replace("%", "%25").replace("#", "%23")


def _own_defs(data: dict[str, Any]) -> list[str]:
    defs = data.get(BUNDLE_DEFS)
    return list(defs) if isinstance(defs, dict) else []


def _check_reserved(schema_file: SchemaFile, event_name: str) -> list[Finding]:
    """extId and name may be declared, but only as what fireEvents makes them; the root's `properties` and
    `required` must have their JSON Schema shapes, since the bundle rewrites both."""
    findings: list[Finding] = []
    required = schema_file.data.get("required", [])
    if not isinstance(required, list) or not all(isinstance(key, str) for key in required):
        findings.append(Finding(schema_file.display, "/required", "required must be an array of property names"))
    properties = schema_file.data.get("properties", {})
    if not isinstance(properties, dict):
        findings.append(Finding(schema_file.display, "/properties", "properties must be an object"))
        return findings
    ext_id = properties.get(EXT_ID)
    if ext_id is not None and not (isinstance(ext_id, dict) and ext_id.get("type") == "string"):
        findings.append(
            Finding(
                schema_file.display, join_pointer("/properties", EXT_ID), 'extId must be declared as {"type": "string"}'
            )
        )
    name = properties.get(NAME)
    if name is not None:
        ok = (
            isinstance(name, dict)
            and name.get("type", "string") == "string"
            and name.get("const", event_name) == event_name
        )
        if isinstance(name, dict) and "enum" in name:
            ok = ok and name["enum"] == [event_name]
        if not ok:
            findings.append(
                Finding(
                    schema_file.display,
                    join_pointer("/properties", NAME),
                    f"name must be a string constant equal to the event name {event_name!r}",
                )
            )
    return findings


def _with_reserved_keys(schema: dict[str, Any], event_name: str) -> dict[str, Any]:
    """Declare extId and name first and require them, keeping the rest of the schema's order and indices."""
    properties = schema.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    declared_name = dict(properties.get(NAME) or {})
    declared_name.update({"type": "string", "const": event_name})
    declared_ext_id = dict(properties.get(EXT_ID) or {"type": "string"})
    rest = {key: value for key, value in properties.items() if key not in (EXT_ID, NAME)}
    schema["properties"] = {EXT_ID: declared_ext_id, NAME: declared_name, **rest}
    required = schema.get("required")
    required = list(required) if isinstance(required, list) else []
    # Appended, not prepended: the schema's own entries keep their index, so findings point at the right one.
    schema["required"] = required + [key for key in (EXT_ID, NAME) if key not in required]
    return schema


def bundle_events(
    files: list[SchemaFile], schemas_dir: Path, cache: BuildCache | None = None, epoch: str = DEFAULT_EPOCH
) -> tuple[list[EventSchema], list[Finding]]:
    """Bundle every event file (shared `_*.json` files are only reference targets) and read each into its tree
    (`epoch`: the project's unit of epoch-integer dates).

    With a `cache`, the bundle of an event bundled cleanly before, whose file and every file its `$ref`s copied
    from still hash the same, is taken from it (a file with findings is always bundled again)."""
    bundled = bundle_files(files, schemas_dir, cache, epoch)
    bundled.save()
    return bundled.events, bundled.findings


@dataclass
class Bundled:
    """The events of a schemas folder before their bundles are stored: `save` stores the events bundled afresh
    with the findings of their trees, read here unless another process read them (`tree_read_elsewhere`)."""

    events: list[EventSchema]
    findings: list[Finding]
    fresh: list[EventSchema]
    """The events bundled in this run, not taken from the cache."""
    _pack: Pack | None
    _entries: list[tuple[str, tuple[tuple[str, str], ...]]]
    """(cache key, the files its `$ref`s copied from with their hashes) of each fresh event, in order."""

    def leave_out(self, event: EventSchema) -> None:
        """Drop an event (lint could not read it: it is neither linted further nor stored)."""
        self.events.remove(event)
        if event in self.fresh:
            del self._entries[self.fresh.index(event)]
            self.fresh.remove(event)

    def save(self) -> None:
        if self._pack is None:
            return
        for event, (key, copied_from) in zip(self.fresh, self._entries):
            shared = tuple(sorted(event.shared.items()))
            self._pack.put(key, _Bundled(event.name, copied_from, shared, event.schema_json, event.tree_findings))
        self._pack.save()


def bundle_files(
    files: list[SchemaFile], schemas_dir: Path, cache: BuildCache | None = None, epoch: str = DEFAULT_EPOCH
) -> Bundled:
    """`bundle_events` without storing its results (nor reading the fresh events' trees) yet."""
    files_by_path = {schema_file.path: schema_file for schema_file in files}
    sha256_of = {schema_file.relative: schema_file.sha256 for schema_file in files}
    bundled = None if cache is None else Pack(cache, _CACHE_STAGE, [str(schemas_dir.resolve()), epoch])
    events: list[EventSchema] = []
    findings: list[Finding] = []
    fresh: list[EventSchema] = []
    entries: list[tuple[str, tuple[tuple[str, str], ...]]] = []
    first_file_of: dict[str, SchemaFile] = {}
    for schema_file in files:
        if schema_file.is_shared:
            continue
        key = schema_file.relative + "\0" + schema_file.display + "\0" + schema_file.sha256
        kept = None if bundled is None else _still_valid(bundled.get(key), sha256_of)
        name = kept.name if kept is not None else event_name_of(schema_file)
        root_type = "object" if kept is not None else schema_file.data.get("type", "object")
        if root_type != "object":
            findings.append(
                Finding(schema_file.display, "/type", f'an event schema must have "type": "object", not {root_type!r}')
            )
            continue
        if name in first_file_of:
            findings.append(
                Finding(
                    schema_file.display,
                    "",
                    f"duplicate event name {name!r}: already defined in {first_file_of[name].display}",
                )
            )
            continue
        first_file_of[name] = schema_file
        if kept is not None:
            shared, shown = dict(kept.shared), schema_file.display
            events.append(EventSchema(name, shown, schema_file, shared, epoch, None, kept.schema_json, kept.findings))
            continue
        reserved = _check_reserved(schema_file, name)
        bundler = _Bundler(schema_file, files_by_path, schemas_dir)
        schema = bundler.run()
        findings.extend(reserved + bundler.findings)
        if reserved or bundler.findings:
            continue
        schema = _with_reserved_keys(schema, name)
        shared = {key: target for target, key in bundler.keys.items()}
        event = EventSchema(name, schema_file.display, schema_file, shared, epoch, schema)
        events.append(event)
        fresh.append(event)
        entries.append((key, tuple(sorted({relative: sha256_of[relative] for relative, _ in bundler.keys}.items()))))
    return Bundled(events, findings, fresh, bundled, entries)


@dataclass(frozen=True)
class _Bundled:
    """What the cache keeps of an event bundled without findings (keyed by its file's name and bytes)."""

    name: str
    copied_from: tuple[tuple[str, str], ...]
    """The files its `$ref`s copied from, with their hashes: the entry is used only while they are unchanged."""
    shared: tuple[tuple[str, tuple[str, str]], ...]
    schema_json: str
    findings: tuple[Finding, ...]
    """Of reading it into its tree: like the tree, a function of the bundled schema, its file name and the epoch."""


_CACHE_STAGE = "bundle"


def event_content(event: EventSchema) -> str:
    """Everything about one bundled event a later stage can read, as text (the cache key of such a stage's
    result for it)."""
    return "\0".join(
        (
            event.name,
            event.path,
            event.source.relative,
            event.source.sha256,
            event.schema_sha256,
            json.dumps(sorted(event.shared.items())),
        )
    )


def _still_valid(kept: Any, sha256_of: dict[str, str]) -> _Bundled | None:
    """The cache entry, if it is a bundle whose `$ref` targets are all unchanged."""
    if not isinstance(kept, _Bundled):
        return None
    return kept if all(sha256_of.get(file) == sha for file, sha in kept.copied_from) else None


def read_events(
    schemas_dir: Path, screen: Callable[[SchemaFile], list[Finding]] | None = None, epoch: str = DEFAULT_EPOCH
) -> tuple[list[SchemaFile], list[EventSchema], list[Finding]]:
    """Load a schemas folder, bundle its events and read each into its tree: what every command starts from.

    Returns the files that were bundled, the events, and the findings of all three stages (each reported once).
    `screen` (lint's metaschema check) looks at every loaded file first: a file it finds an error in is left out
    of bundling, which would only add confusing follow-up findings.
    """
    cache = default_cache()
    files, findings = load_schemas(schemas_dir, cache)
    if screen is not None:
        for schema_file in files:
            findings += screen(schema_file)
        broken = {finding.path for finding in findings if finding.severity == "error"}
        files = [schema_file for schema_file in files if schema_file.display not in broken]
    events, bundle_findings = bundle_events(files, schemas_dir, cache, epoch)
    findings += bundle_findings
    for event in events:
        findings += event.tree_findings
    return files, events, findings
