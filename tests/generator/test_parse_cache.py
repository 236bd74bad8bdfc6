"""Each event's parse comes from the cache while its inputs are unchanged: after every edit, a warm parse is what
parsing the edited set from nothing gives, and only the events whose inputs changed are parsed again. Real schema
files: the repository's (events sharing `_common.json` definitions, each named by the first event to reach it)
and the hard golden set (its own shared file, colliding names)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from netmera_codegen import parse_cache
from netmera_codegen.bundle import EventSchema, bundle_events, event_content
from netmera_codegen.cache import BuildCache
from netmera_codegen.load import load_schemas
from netmera_codegen.parse import package_names, parse_package
from tests.support import GOLDEN, ROOT

RESERVED = ("NetmeraClient", "validate")
EPOCH = "milliseconds"


def events_of(schemas: Path, cache: BuildCache) -> list[EventSchema]:
    files, findings = load_schemas(schemas, cache)
    events, bundle_findings = bundle_events(files, schemas, cache, EPOCH)
    assert not findings + bundle_findings
    return events


class Parses:
    """Which events `parse_package_cached` parses (rather than takes from the cache)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: list[str] = []
        real = parse_cache.parse_event

        def counted(event: EventSchema, *args: Any) -> Any:
            self.names.append(event.name)
            return real(event, *args)

        monkeypatch.setattr(parse_cache, "parse_event", counted)

    def warm(self, schemas: Path, cache: BuildCache) -> set[str]:
        """Parse with the cache; check the result against a cold parse; return the events parsed again."""
        self.names.clear()
        events = events_of(schemas, cache)
        result, keys = parse_cache.parse_package_cached(events, RESERVED, EPOCH, cache, [str(schemas)])
        cold = parse_package(events_of(schemas, BuildCache(None)), RESERVED, EPOCH)
        assert result == cold
        assert keys == {event.wire_name: parse_cache.model_key(event) for event in cold[0]}
        return set(self.names)


def project(tmp_path: Path) -> Path:
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    for path in (GOLDEN / "hard" / "schemas").glob("*.json"):
        shutil.copy(path, schemas / path.name)
    return schemas


def edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def contents(schemas: Path) -> dict[str, str]:
    return {event.name: event_content(event) for event in events_of(schemas, BuildCache(None))}


def test_an_edit_parses_only_what_it_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schemas, cache = project(tmp_path), BuildCache(tmp_path / "cache")
    parses = Parses(monkeypatch)
    everything = set(contents(schemas))
    assert len(everything) >= 20
    assert parses.warm(schemas, cache) == everything
    assert parses.warm(schemas, cache) == set()

    edit(schemas / "search.json", lambda data: data["properties"].update(cacheProbe={"type": "string"}))
    assert parses.warm(schemas, cache) == {"Search"}

    before = contents(schemas)
    edit(schemas / "_common.json", lambda data: data["$defs"]["LineItem"].update(description="Edited."))
    after = contents(schemas)
    changed = {name for name in after if after[name] != before[name]}
    assert changed  # the events that copy LineItem
    assert parses.warm(schemas, cache) == changed


def test_a_shared_class_is_named_by_whichever_event_reaches_it_first_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, cache = project(tmp_path), BuildCache(tmp_path / "cache")
    parses = Parses(monkeypatch)
    parses.warm(schemas, cache)
    sharing = sorted(name for name, text in contents(schemas).items() if "_common.json" in text)
    assert len(sharing) >= 2

    # The event that named the shared classes goes: the next one names them, and its cached parse (which only
    # referred to them) is not used.
    first = next(path for path in schemas.glob("*.json") if events_of_file(path) == sharing[0])
    first.unlink()
    assert sharing[1] in parses.warm(schemas, cache)

    # An event sorting before all others reaches the same definition under another hint: it names the class.
    def early(data: dict[str, Any]) -> None:
        data["title"] = "AaaFirst"
        data["properties"]["basket"] = {"type": "array", "items": {"$ref": "_common.json#/$defs/LineItem"}}

    shutil.copy(schemas / "search.json", schemas / "aaa_first.json")
    edit(schemas / "aaa_first.json", early)
    parsed_again = parses.warm(schemas, cache)
    assert "AaaFirst" in parsed_again and parsed_again & set(sharing[1:])


def events_of_file(path: Path) -> str | None:
    data = json.loads(path.read_text(encoding="utf-8"))
    name = data.get("properties", {}).get("name", {}).get("const")
    return name if isinstance(name, str) else data.get("title", path.stem)


def test_a_corrupt_pack_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schemas, cache = project(tmp_path), BuildCache(tmp_path / "cache")
    parses = Parses(monkeypatch)
    everything = parses.warm(schemas, cache)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    assert parses.warm(schemas, cache) == everything


def thing(with_time: bool) -> dict[str, Any]:
    """A shared file's definition; its `when` attribute makes the shared module import datetime's converters."""
    properties: dict[str, Any] = {"label": {"type": "string", "x-netmera-type": "String"}}
    if with_time:
        properties["when"] = {"type": "string", "format": "date-time", "x-netmera-type": "Date"}
    return {"$defs": {"Thing": {"type": "object", "properties": properties}}}


def two_sharing_events(schemas: Path) -> None:
    """`alpha` and `echo` each reach a `Thing` in a shared file of their own, both with a date-time attribute."""
    schemas.mkdir()
    for event, shared in (("alpha", "_a.json"), ("echo", "_e.json")):
        (schemas / shared).write_text(json.dumps(thing(True), indent=2), encoding="utf-8")
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": event.title(),
            "type": "object",
            "properties": {"thing": {"$ref": f"{shared}#/$defs/Thing"}},
        }
        (schemas / f"{event}.json").write_text(json.dumps(schema, indent=2), encoding="utf-8")


def test_a_cached_event_keeps_the_imports_its_shared_classes_need_when_another_drops_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, cache = tmp_path / "schemas", BuildCache(tmp_path / "cache")
    two_sharing_events(schemas)
    parses = Parses(monkeypatch)
    assert parses.warm(schemas, cache) == {"Alpha", "Echo"}

    # Alpha's Thing no longer needs datetime; Echo's (its parse taken from the cache) still does.
    (schemas / "_a.json").write_text(json.dumps(thing(False), indent=2), encoding="utf-8")
    assert parses.warm(schemas, cache) == {"Alpha"}
    events = events_of(schemas, cache)
    imports = dict(parse_cache.parse_package_cached(events, RESERVED, EPOCH, cache, [str(schemas)])[0][3])
    assert imports["datetime"] == ("datetime",) and imports["_types"] == ("datetime_value", "datetime_wire")


def test_parses_made_alone_stand_in_for_parsing_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """lint's workers parse each event that reaches no shared definition on its own (`parse_alone`): handed to
    `parse_package_cached`, those parses give the package `parse_package` makes, and only the other events (or one
    whose names changed since) are parsed again."""
    schemas = project(tmp_path)
    events = events_of(schemas, BuildCache(None))
    names = package_names(events, RESERVED)
    alone = [event for event in events if not event.shared]
    assert alone and len(alone) < len(events)
    made = {event.name: parse_cache.parse_alone(event, *names[event.name], EPOCH) for event in alone}
    renamed = alone[0].name
    made[renamed] = parse_cache.parse_alone(alone[0], "Renamed", "renamed", EPOCH)
    parses = Parses(monkeypatch)
    result, _ = parse_cache.parse_package_cached(events, RESERVED, EPOCH, BuildCache(None), made=made)
    assert result == parse_package(events_of(schemas, BuildCache(None)), RESERVED, EPOCH)
    assert sorted(parses.names) == sorted([event.name for event in events if event.shared] + [renamed])
