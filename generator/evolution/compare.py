"""Pair the events of two snapshots and run the wire and source rules on each pair.

Events are paired by wire name; an event that disappeared while its schema file now defines another name is a
rename (`EVENT_RENAMED`), compared attribute by attribute with its successor.
"""

from __future__ import annotations

from collections.abc import Callable

from .adapter import EventSnapshot, Snapshot
from .changes import Change, sort_key
from .source import compare_sources
from .wire import compare_schemas


def _renames(removed: list[EventSnapshot], added: list[EventSnapshot]) -> dict[str, EventSnapshot]:
    """Old name -> new event, where exactly one removed and one added event share a schema file."""
    by_file: dict[str, list[EventSnapshot]] = {}
    for event in added:
        by_file.setdefault(event.file, []).append(event)
    old_by_file: dict[str, list[EventSnapshot]] = {}
    for event in removed:
        old_by_file.setdefault(event.file, []).append(event)
    return {
        olds[0].name: by_file[file][0]
        for file, olds in old_by_file.items()
        if len(olds) == 1 and len(by_file.get(file, [])) == 1
    }


def compare_snapshots(
    old: Snapshot, new: Snapshot, display: Callable[[str], str], display_old: Callable[[str], str]
) -> list[Change]:
    """Every change from `old` to `new`; `display` turns a schema file's path relative to the new schemas folder
    into what is shown (`display_old` for events only the old side has)."""
    removed = [event for name, event in old.events.items() if name not in new.events]
    added = [event for name, event in new.events.items() if name not in old.events]
    renames = _renames(removed, added)
    renamed_to = {event.name for event in renames.values()}
    pairs = [(old.events[name], new.events[name]) for name in old.events if name in new.events]
    changes: list[Change] = []
    for before, after in pairs + [(old.events[name], event) for name, event in renames.items()]:
        file = display(after.file)
        if before.name != after.name:
            text = f"event {before.name!r} is now {after.name!r}: Netmera no longer knows the old name"
            changes.append(Change("EVENT_RENAMED", after.name, file, "", before.name, after.name, text))
        changes += compare_schemas(after.name, file, before.schema, after.schema, before.draft7, after.draft7)
        changes += compare_sources(before, after, file)
    for event in removed:
        if event.name not in renames:
            text = f"event {event.name!r} removed (class {event.class_name})"
            changes.append(Change("EVENT_REMOVED", event.name, display_old(event.file), "", event.name, None, text))
    for event in added:
        if event.name not in renamed_to:
            text = f"new event {event.name!r} (class {event.class_name})"
            changes.append(Change("EVENT_ADDED", event.name, display(event.file), "", None, event.name, text))
    return sorted(changes, key=sort_key)
