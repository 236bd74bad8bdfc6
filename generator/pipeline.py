"""The stages in order: load -> bundle -> parse -> render -> format. Writing is the caller's choice.

`build` returns every output file as text, or the findings that stopped it; nothing here touches the output
folder, so `generate` and `check` share it and a failed build cannot damage existing output.

Incremental builds: load, bundle and parse always run for every schema (they are cheap, and names, collisions and
the package-level files depend on all events). Rendering and formatting are what cost, so with the previous run's
manifest (see `manifest`) an event module whose model is unchanged, and whose file on disk is still the one that
run wrote, is taken from disk instead; package-level files are rendered (cheap) but only reformatted when their
rendered text changed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import jinja2

from . import __version__
from .bundle import EventSchema, bundle_events
from .findings import Finding, errors_in
from .format import DEFAULT_FORMATTER, UnformattableError, format_files, formatter_identity
from .load import load_schemas
from .manifest import Entry, Manifest, Reuse, sha256_text
from .model import EventClass, Package
from .parse import DEFAULT_EPOCH, parse_package
from .pystyle import LINE_LENGTH, fits
from .render import (
    EVENT_TEMPLATE,
    RUNTIME,
    environment,
    event_module_path,
    is_builtin,
    modules_needing_http,
    package_templates,
    render_events,
    render_package,
    runtime_files,
    uses_schemas,
)
from .report import printable
from .template_checks import python_finding, rendering_finding, template_file, templates_folder_findings
from .validators import compile_validator_module, validators_index

DEFAULT_SCHEMAS = Path("schemas")
DEFAULT_OUT = Path("generated")
DEFAULT_PACKAGE = "netmera_events"
DEFAULT_PACKAGE_VERSION = "1.0.0"
"""The generated distribution's version unless `--package-version` or `version` in the configuration sets one."""
MAX_INPUT_BYTES = 16 * 1024 * 1024
"""Files under the schemas folder larger than this are hashed by size and time, not read (no schema comes close)."""
VALIDATORS_FOLDER = "_validators"

RUNTIME_EXPORTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("_async_client", ("AsyncNetmeraClient",)),
    ("_background", ("BackgroundSender",)),
    ("_client", ("NetmeraClient",)),
    (
        "_errors",
        (
            "EventEncodingError",
            "EventValidationError",
            "EventsRejectedError",
            "InsecureBaseURLWarning",
            "NetmeraAPIError",
            "NetmeraAuthError",
            "NetmeraConnectionError",
            "NetmeraError",
            "NetmeraRateLimitError",
            "NetmeraServerError",
        ),
    ),
    ("_event", ("Event", "EventObject")),
    ("_hooks", ("SendHook", "SendHookError")),
    ("_outbox", ("OutboxSender", "OutboxStats")),
    ("_outbox_store", ("OutboxError", "OutboxLockedError")),
    ("_registry", ("EVENTS", "UnknownEventError", "parse_event")),
    ("_results", ("FireResult", "RejectedEvent")),
    ("_retry", ("NO_RETRIES", "RetryPolicy")),
    ("_sender_records", ("OverflowPolicy", "SenderStats", "UndeliveredEvent")),
    ("_validate", ("Violation", "validate")),
)
"""Public names of the package's own modules, re-exported by its `__init__` (event classes come on top)."""


@dataclass(frozen=True)
class Options:
    schemas: Path = DEFAULT_SCHEMAS
    out: Path = DEFAULT_OUT
    package: str = DEFAULT_PACKAGE
    templates: Path | None = None
    formatter: str = DEFAULT_FORMATTER
    version: str = DEFAULT_PACKAGE_VERSION
    epoch: str = DEFAULT_EPOCH
    """Unit of epoch-integer dates without `x-netmera-epoch`: `milliseconds` or `seconds`."""


class Reporter(Protocol):
    """Progress of the formatting step, the only slow one (the command line shows a bar on a terminal)."""

    def start(self, total: int) -> Callable[[int], None] | None: ...


@dataclass
class BuildResult:
    files: dict[str, str] = field(default_factory=dict)
    events: list[EventClass] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    manifest: Manifest | None = None
    """What `generate` records after writing `files`."""
    rebuilt: list[str] = field(default_factory=list)
    """Files rendered and formatted in this run (the others were unchanged and taken from disk)."""
    event_count: int | None = None

    @property
    def events_built(self) -> int:
        return len(self.events) if self.event_count is None else self.event_count

    @property
    def ok(self) -> bool:
        return not errors_in(self.findings)


def header(path: str, source: str, sha256: str) -> str:
    """The first line of a generated file: what made it, the hash of that, and not to edit it.

    `source` names a file or folder, which may hold any character a file system allows: it is escaped to one
    printable line (a newline in a schema's file name would otherwise end the comment and start code).
    """
    shown = printable(source)
    if path.endswith(".md"):
        shown = shown.replace("--", "-\\x2d")  # an HTML comment cannot hold `--`
    text = f"Generated by netmera-codegen {__version__} from {shown} (sha256 {sha256[:16]}). Do not edit."
    if path.endswith(".md"):
        return f"<!-- {text} -->\n"
    return f"# {text}\n"


@dataclass(frozen=True)
class _Planned:
    """One output file before it is written: its header, the hash of its inputs, and how to get its body."""

    path: str
    header: str
    key: str
    make: Callable[[], str]
    """Renders or compiles the body; called only when the previous run's file cannot be reused."""
    formatted: bool
    """Whether the body still goes through the formatter (compiled validators come out black-formatted)."""
    source: str | None = None
    source_sha256: str | None = None
    prestyled: bool = False
    """Rendered by a built-in template that writes black's style: formatted only if a code line is too long."""
    template: str | None = None
    """The template it is rendered from, when a user's templates folder may have supplied it (for findings)."""


def bundle(options: Options) -> tuple[list[EventSchema], list[Finding]]:
    """Load, bundle and read the schemas, with the findings of all three."""
    files, findings = load_schemas(options.schemas)
    events, bundle_findings = bundle_events(files, options.schemas)
    findings += bundle_findings
    for event in events:
        findings += event.tree.findings
    return events, findings


def templates_sha256(env: jinja2.Environment) -> str:
    """One hash over every template the run can use (built-in and overrides, by the name that wins)."""
    digest = hashlib.sha256()
    assert env.loader is not None
    for name in sorted(env.list_templates()):
        source, _, _ = env.loader.get_source(env, name)
        digest.update(f"{name}\0{sha256_text(source)}\n".encode())
    return digest.hexdigest()


def generator_sha256() -> str:
    """Hash of the generator's own code: during development the version alone does not name the code."""
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            name = path.relative_to(root).as_posix()
            digest.update(f"{name}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n".encode())
    return digest.hexdigest()


def input_hashes(schemas_dir: Path) -> dict[str, str]:
    """Every file under the schemas folder by relative path, with its sha256 (what a build can read).

    A file that cannot be read (an editor's locked swap file) or is too large to be a schema is recorded by what
    its metadata says instead: it changes when the file does, and the build reports it if it is a schema file.
    """
    found = {}
    if schemas_dir.is_dir():
        for path in sorted(schemas_dir.rglob("*")):
            if "__pycache__" not in path.parts:
                digest = _file_digest(path)
                if digest is not None:
                    found[path.relative_to(schemas_dir).as_posix()] = digest
    return found


def _file_digest(path: Path) -> str | None:
    """sha256 of a regular file's bytes, a stand-in when they cannot or should not be read, None for a non-file."""
    try:
        status = path.stat()
    except OSError as error:
        return f"unreadable: {error.strerror}"
    if not stat.S_ISREG(status.st_mode):
        return None
    if status.st_size > MAX_INPUT_BYTES:
        return f"large: {status.st_size} bytes, modified {status.st_mtime_ns}"
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(functools.partial(handle.read, 1 << 20), b""):
                digest.update(chunk)
    except OSError as error:
        return f"unreadable: {error.strerror}, modified {status.st_mtime_ns}"
    return digest.hexdigest()


def runtime_names() -> list[str]:
    """The runtime's files, which a user's templates folder may replace as `package/<name>`."""
    return sorted(path.name for path in RUNTIME.iterdir() if path.is_file() and path.name != "__init__.py")


def settings_of(options: Options, env: jinja2.Environment) -> dict[str, str]:
    """Everything besides the schemas that output depends on; a manifest with other settings is not reused."""
    return {
        "generator_version": __version__,
        "generator_sha256": generator_sha256(),
        "jinja2": jinja2.__version__,
        "package": options.package,
        "package_version": options.version,
        "formatter": formatter_identity(options.formatter),
        "templates_sha256": templates_sha256(env),
        "schemas_folder": options.schemas.resolve().name,
        "epoch": options.epoch,
    }


def event_key(event: EventClass) -> str:
    """Hash of the event's model: with the settings, everything its module is rendered from."""
    return sha256_text(repr(event))


def unchanged(
    out: Path, settings: dict[str, str], inputs: dict[str, str], previous: Manifest | None
) -> BuildResult | None:
    """The result of a build, without building, when nothing it depends on changed since `previous` was written.

    Sound because a build is a deterministic function of the schema files, the templates, the generator's code and
    the settings, all recorded in the manifest; and every file the manifest lists must still be on disk with the
    recorded hash. Warnings the build would print are not repeated (`lint` shows them).
    """
    if previous is None or settings != previous.settings or inputs != previous.inputs:
        return None
    texts = previous.unchanged_on_disk(out)
    if texts is None:
        return None
    events = len({entry.source for entry in previous.files.values() if entry.source is not None})
    return BuildResult(files=texts, events=[], event_count=events, manifest=previous)


def _plan(options: Options, package: Package, events: list[EventSchema], env: jinja2.Environment) -> list[_Planned]:
    folder = options.schemas.resolve().name
    lazy = modules_needing_http()
    context = {
        "package": package.name,
        "distribution": package.name.replace("_", "-"),
        "version": options.version,
        "events": package.events,
        "shared": package.shared,
        "shared_imports": package.shared_imports,
        "package_sources": printable(f"{folder}/"),  # a folder name may hold line breaks or undecodable bytes
        "runtime_exports": [(module, names) for module, names in RUNTIME_EXPORTS if module not in lazy],
        "lazy_exports": [(module, names) for module, names in RUNTIME_EXPORTS if module in lazy],
        "public_names": sorted(
            [name for _, names in RUNTIME_EXPORTS for name in names] + [event.class_name for event in package.events]
        ),
    }
    # A package-level file's header names the schemas folder (or its template, when no schema shapes it) and the
    # hash of what it holds: editing one event's attributes then leaves the event index files untouched.
    planned = []
    targets = package_templates(env, package.name)
    for path, body in render_package(targets, context, env).items():
        name = targets[path]
        source = f"{folder}/" if uses_schemas(env, name) else f"template {name}"
        first_line = header(path, source, sha256_text(body)) if path.endswith((".py", ".md", ".toml")) else ""
        planned.append(
            _Planned(
                path, first_line, sha256_text(body), functools.partial(str, body), path.endswith(".py"), template=name
            )
        )
    for path, (source, text) in runtime_files(options.templates, package.name, targets).items():
        first_line = header(path, source, sha256_text(text)) if path.endswith(".py") else ""
        overridden = source.removeprefix("template ") if source.startswith("template ") else None
        planned.append(
            _Planned(path, first_line, sha256_text(text), functools.partial(str, text), False, template=overridden)
        )
    modules = {event.wire_name: event.module_name for event in package.events}
    index = validators_index(modules)
    path = f"{package.name}/{VALIDATORS_FOLDER}/__init__.py"
    planned.append(
        _Planned(
            path,
            header(path, f"{folder}/", sha256_text(index)),
            sha256_text(index),
            functools.partial(str, index),
            False,
        )
    )
    schema_of = {event.name: event for event in events}
    builtin_event = is_builtin(env, EVENT_TEMPLATE)
    for event in package.events:
        first_line = header(event_module_path(package.name, event), f"{folder}/{event.source}", event.source_sha256)
        path = event_module_path(package.name, event)
        render = functools.partial(_render_event, package.name, event, env)
        planned.append(
            _Planned(
                path,
                first_line,
                event_key(event),
                render,
                True,
                event.source,
                event.source_sha256,
                builtin_event,
                None if builtin_event else EVENT_TEMPLATE,
            )
        )
        bundled = schema_of[event.wire_name]
        path = f"{package.name}/{VALIDATORS_FOLDER}/{event.module_name}.py"
        compile_check = functools.partial(compile_validator_module, bundled)
        key = sha256_text(json.dumps([bundled.schema, event.module_name], sort_keys=True))
        planned.append(_Planned(path, first_line, key, compile_check, False, event.source, event.source_sha256))
    return planned


def _not_python(item: _Planned, text: str, shown: dict[str, str]) -> Finding | None:
    """A finding when a generated Python module does not compile: a bug of the generator (or of a template
    override), reported against the schema it came from instead of written as a broken package."""
    if not item.path.endswith(".py"):
        return None
    try:
        compile(text, item.path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        where = f" (line {error.lineno})" if isinstance(error, SyntaxError) and error.lineno else ""
        reason = error.msg if isinstance(error, SyntaxError) else str(error)
        source = shown.get(item.source or "", item.source or item.path)
        return Finding(
            source,
            "",
            f"internal error: the generated module {item.path} is not valid Python{where}: {reason}. This is a bug "
            "in netmera-codegen (or in a --templates override); please report it with this schema",
        )
    return None


def _render_event(package_name: str, event: EventClass, env: jinja2.Environment) -> str:
    return render_events(package_name, [event], env)[event_module_path(package_name, event)]


def build(options: Options, previous: Manifest | None = None, reporter: Reporter | None = None) -> BuildResult:
    """Build every output file; with `previous` (the manifest in the output folder), reuse what is unchanged."""
    template_findings = []
    if options.templates is not None:
        template_findings = templates_folder_findings(options.templates, runtime_names())
        if errors_in(template_findings):
            return BuildResult(findings=template_findings)
    env = environment(options.templates)
    settings = settings_of(options, env)
    inputs = input_hashes(options.schemas)
    quick = unchanged(options.out, settings, inputs, previous)
    if quick is not None:
        return quick
    events, findings = bundle(options)
    if errors_in(findings):
        return BuildResult(findings=sorted(set(findings)))
    parsed, parse_findings, shared, shared_imports = parse_package(
        events, reserved=[name for _, names in RUNTIME_EXPORTS for name in names], epoch=options.epoch
    )
    findings += parse_findings
    if errors_in(findings):
        return BuildResult(findings=sorted(set(findings)))
    package = Package(
        name=options.package, events=tuple(parsed), shared=tuple(shared), shared_imports=shared_imports
    )
    reuse = Reuse(options.out, previous, settings)
    findings += template_findings
    try:
        planned = _plan(options, package, events, env)
    except Exception as error:  # a user's template failed to load or render: a finding, if a template caused it
        finding = rendering_finding(error)
        if finding is None:
            raise
        return BuildResult(findings=sorted(set(findings + [finding])))

    # A file whose inputs are unchanged and whose bytes on disk are still what the last run wrote is kept (under
    # its current header, which may name a newer schema folder hash); everything else is rendered again.
    bodies: dict[str, str] = {}
    unformatted: dict[str, str] = {}
    compiled: dict[str, Callable[[], str]] = {}
    reused: set[str] = set()
    template_of = {item.path: template_file(env, item.template) for item in planned if item.template}
    for item in planned:
        kept = reuse.text(item.path, item.key)
        if kept is not None:
            reused.add(item.path)
            bodies[item.path] = kept[len(kept.partition("\n")[0]) + 1 :] if item.header else kept
            continue
        if not item.formatted and item.template is None:
            compiled[item.path] = item.make  # compiled validators: in the workers, beside the formatting
            continue
        try:
            body = item.make()  # rendering is fast; formatting is what costs
        except Exception as error:
            finding = rendering_finding(error)
            if finding is None:
                raise
            findings.append(finding)
            continue
        if item.template is not None and item.path.endswith(".py"):
            problem = python_finding(template_of[item.path], item.path, body)
            if problem is not None:
                findings.append(problem)
                continue
        if not item.formatted or (item.prestyled and options.formatter == "black" and fits(body, LINE_LENGTH)):
            bodies[item.path] = body
        else:
            unformatted[item.path] = body
    if errors_in(findings):
        return BuildResult(findings=sorted(set(findings)))
    work = len(unformatted) + len(compiled)
    progress = reporter.start(work) if reporter and work else None
    try:
        bodies.update(format_files(unformatted, options.formatter, progress, alongside=compiled))
    except UnformattableError as error:
        where = template_of.get(error.path, error.path)
        message = f"renders {error.path} as code black cannot format: {error.message}"
        return BuildResult(findings=sorted(set(findings + [Finding(where, "", message)])))

    files = {item.path: item.header + bodies[item.path] for item in planned}
    shown = {event.source.relative: event.path for event in events}
    broken = [_not_python(item, files[item.path], shown) for item in planned if item.path not in reused]
    if any(broken):
        return BuildResult(findings=sorted(set(findings) | {finding for finding in broken if finding is not None}))
    manifest = Manifest(settings=settings, inputs=inputs)
    for item in planned:
        manifest.files[item.path] = Entry(
            key=item.key, sha256=sha256_text(files[item.path]), source=item.source, source_sha256=item.source_sha256
        )
    return BuildResult(
        files=dict(sorted(files.items())),
        events=list(package.events),
        findings=findings,
        manifest=manifest,
        rebuilt=sorted(unformatted),
    )
