"""Stage 3, parse, one event at a time with each event's result cached: a one-schema edit parses that schema only.

`parse.parse_package` parses the events in wire-name order through one `SharedClasses` state: a definition shared
through another file becomes a class named by the first event that reaches it, and each later event only refers to
it by that name. So what parsing one event produces depends on its bundled content (`bundle.event_content`), its
class and module names, the epoch, and what the state holds of the shared definitions the event can reach: for
each, its name or that it has none yet, and, when one has none, every shared name already taken (a new class is
named around them). Under a key of exactly those, the cache keeps the event's class, its findings, and the shared
classes it added to the state, in order, with everything they use; replaying that on a hit leaves the state as
parsing would, so the package comes out as `parse_package` makes it (a test holds them byte-identical).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice

from .bundle import EventSchema, event_content
from .cache import BuildCache, Pack
from .findings import Finding
from .manifest import sha256_text
from .model import EventClass, ModelClass
from .netmera import DEFAULT_EPOCH
from .parse import ParsedPackage, SharedClasses, package_names, parse_event, shared_part

_CACHE_STAGE = "parse"


@dataclass(frozen=True)
class Parsed:
    """One event's parse, as the cache keeps it."""

    event: EventClass
    model_key: str
    """`model_key(event)`, kept so that a build need not hash every event's model again."""
    findings: tuple[Finding, ...]
    added: tuple[tuple[tuple[str, str], str, ModelClass], ...]
    """The shared classes this event defined: (origin, name, class), in the order it defined them."""
    uses: frozenset[str]
    """Everything those classes use (their module imports it), whether or not earlier events' classes do too."""


def model_key(event: EventClass) -> str:
    """Hash of an event's model: with the build's settings, everything its module is rendered from."""
    return sha256_text(repr(event))


def parse_package_cached(
    events: list[EventSchema],
    reserved: Iterable[str] = (),
    epoch: str = DEFAULT_EPOCH,
    cache: BuildCache | None = None,
    scope: Iterable[str] = (),
    made: Mapping[str, Parsed] | None = None,
) -> tuple[ParsedPackage, dict[str, str]]:
    """`parse.parse_package`, with every event's parse taken from `cache` when its inputs are unchanged (`scope`
    names the schemas folder whose results are kept together); also each event's `model_key` by wire name.

    `made` holds parses made elsewhere (`parse_alone`, in lint's worker processes), by wire name, of events that
    reach no shared definition: such a parse depends on nothing the package's state holds, so it stands in for
    parsing the event here."""
    made = made or {}
    pack = None if cache is None else Pack(cache, _CACHE_STAGE, scope)
    findings: list[Finding] = []
    shared = SharedClasses()
    names = package_names(events, reserved)
    parsed, keys = [], {}
    for schema in sorted(events, key=lambda event: event.name):
        class_name, module_name = names[schema.name]
        parse = functools.partial(_parse_one, schema, class_name, module_name, epoch, shared)
        elsewhere = made.get(schema.name)
        if elsewhere is not None and not schema.shared and _named(elsewhere.event, class_name, module_name):
            parse = functools.partial(made.__getitem__, schema.name)
        if pack is None:
            kept = parse()
        else:
            inputs = _parse_inputs(schema, class_name, module_name, epoch, shared)
            kept = pack.remember(pack.cache.key(inputs), parse, Parsed)
        # A kept parse is replayed into `shared`; after a parse just made, this sets what it set already.
        for origin, name, model in kept.added:
            shared.names[origin] = name
            shared.classes[origin] = model
        shared.uses |= kept.uses
        parsed.append(kept.event)
        keys[kept.event.wire_name] = kept.model_key
        findings += kept.findings
    if pack is not None:
        pack.save()
    return (parsed, findings, *shared_part(shared)), keys


def _parse_inputs(
    schema: EventSchema, class_name: str, module_name: str, epoch: str, shared: SharedClasses
) -> list[str]:
    """Everything parsing the event reads (see the module's docstring), as text."""
    reached = sorted(set(schema.shared.values()))
    named = [shared.names.get(origin) for origin in reached]
    taken = sorted(shared.names.values()) if None in named else []
    return [event_content(schema), class_name, module_name, epoch, json.dumps([reached, named, taken])]


def _named(event: EventClass, class_name: str, module_name: str) -> bool:
    """Whether a parse made elsewhere used the names this package gives the event (an event left out since can
    change them)."""
    return event.class_name == class_name and event.module_name == module_name


def parse_alone(schema: EventSchema, class_name: str, module_name: str, epoch: str) -> Parsed:
    """The parse of an event that reaches no shared definition, made without the package's state (in a worker
    process): what `parse_package_cached` would make of it."""
    assert not schema.shared
    return _parse_one(schema, class_name, module_name, epoch, SharedClasses())


def _parse_one(schema: EventSchema, class_name: str, module_name: str, epoch: str, shared: SharedClasses) -> Parsed:
    """Parse one event into `shared`, recording what it added there."""
    # The event's new shared classes collect what they use in a set of their own: kept whole, not as what it adds
    # to the earlier events' uses, since a replay may follow earlier events that no longer use the same names.
    defined, earlier_uses = len(shared.classes), shared.uses
    shared.uses = set()
    findings: list[Finding] = []
    event = parse_event(schema, class_name, module_name, findings, shared, epoch)
    uses = frozenset(shared.uses)
    shared.uses = earlier_uses | uses
    added = tuple(
        (origin, shared.names[origin], shared.classes[origin]) for origin in islice(shared.classes, defined, None)
    )
    return Parsed(event, model_key(event), tuple(findings), added, uses)
