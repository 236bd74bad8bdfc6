"""Typed classes as exact as their schemas: construction errors, the cases that once disagreed with jsonschema,
numbers JSON cannot carry, names that must not shadow generated code, private attributes, epoch units, shared
classes, and an import that leaves httpx alone.

One schema folder holds every awkward case; the real command line generates it once, and each test runs the
generated package in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import run_cli, run_python

EDGE: dict[str, Any] = {
    "title": "EdgeEvent",
    "type": "object",
    "properties": {
        "stamp": {"type": "string", "format": "date-time"},
        "loose": {"properties": {"a": {"type": "string"}}},
        "anything": {},
        "ratio": {"enum": [0.5, [1], {"k": 1}]},
        "secret": {"type": "string", "maxLength": 3, "x-netmera-private": True},
        "seenAt": {"type": "integer", "x-netmera-type": "Timestamp", "x-netmera-epoch": "seconds"},
        "seenAtMs": {"type": "integer", "x-netmera-type": "Date"},
        "day": {"type": "string", "x-netmera-type": "Date"},
        "amount": {"type": "number"},
        "count": {"type": "integer"},
        "discountValue": {"type": ["number", "null"]},
        "isNone": {"type": "boolean"},
        "toJson": {"type": "string"},
        "model_dump": {"type": "string"},
        "check": {"type": "string"},
        "nullMap": {"type": "object", "additionalProperties": {"type": "null"}},
        "none": {"$ref": "#/$defs/None"},
        "truth": {"$ref": "#/$defs/True"},
        "falsehood": {"$ref": "#/$defs/False"},
        "sku": {"enum": [f"sku-{index}" for index in range(1000)]},
    },
    "required": ["stamp"],
    "$defs": {
        "None": {"type": "object", "properties": {"x": {"type": "string", "x-netmera-private": True}}},
        "True": {"type": "object", "properties": {"y": {"type": "integer"}}},
        "False": {"type": "object", "properties": {"z": {"type": "boolean"}}},
    },
}
CLOSED = {
    "title": "Closed",
    "type": "object",
    "properties": {"a": {"type": "string"}},
    "patternProperties": {"^x-": {"type": "string"}},
    "additionalProperties": False,
}
COMMON = {"$defs": {"Item": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}}}


def _event(title: str) -> dict[str, Any]:
    return {
        "title": title,
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "_common.json#/$defs/Item"}}},
    }


SCHEMAS = {
    "edge.json": EDGE,
    "closed.json": CLOSED,
    "_common.json": COMMON,
    "basket_a.json": _event("BasketA"),
    "basket_b.json": _event("BasketB"),
    "importlib.json": {"title": "importlib", "type": "object", "properties": {"n": {"type": "integer"}}},
    "import_module.json": {"title": "import_module", "type": "object", "properties": {"n": {"type": "integer"}}},
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("edge")
    (folder / "schemas").mkdir()
    for name, schema in SCHEMAS.items():
        (folder / "schemas" / name).write_text(json.dumps(schema))
    result = run_cli("generate", "--schemas", folder / "schemas", "--out", folder / "out", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder / "out"


def _run(package: Path, code: str) -> Any:
    """Run code in a fresh interpreter with the package importable; it prints one JSON value."""
    result = run_python(textwrap.dedent(code), path=package)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _mypy(package: Path, code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """mypy --strict on consumer code, which follows its imports into the package and checks them too."""
    (tmp_path / "consumer.py").write_text(textwrap.dedent(code))
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "consumer.py"],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={"MYPYPATH": str(package), "PATH": ""},
    )


def test_every_violation_in_one_error_named_by_pointer_and_python_name(package: Path) -> None:
    out = _run(
        package,
        """
        import json
        from netmera_events import EdgeEvent, EventValidationError
        try:
            EdgeEvent(ext_id=1, stamp="yesterday", count="3", amont=2.0, qqq="red")
        except EventValidationError as error:
            print(json.dumps([str(error), [(v.pointer, v.keyword) for v in error.violations]]))
        """,
    )
    text, violations = out
    assert sorted(map(tuple, violations)) == [
        ("", "unknown-keyword"),
        ("", "unknown-keyword"),
        ("/count", "type"),
        ("/extId", "type"),
        ("/stamp", "format"),
    ]
    assert "/count (count): expected integer" in text
    assert "/extId (ext_id)" in text
    assert "unexpected keyword argument 'amont'; did you mean amount (amount)?" in text
    assert "unexpected keyword argument 'qqq'\n" in text + "\n"


def test_a_misspelt_mandatory_keyword_is_one_error(package: Path) -> None:
    out = _run(
        package,
        """
        import json
        from netmera_events import EdgeEvent, EventValidationError
        try:
            EdgeEvent(ext_id="u", stmp="2024-01-01T00:00:00Z")
        except EventValidationError as error:
            print(json.dumps([str(error), [(v.pointer, v.keyword) for v in error.violations]]))
        """,
    )
    text, violations = out
    assert violations == [["/stamp", "required"]]
    assert "did you mean stamp (stamp)?" in text


def test_a_wrong_type_for_a_nullable_number_is_one_error(package: Path) -> None:
    out = _run(
        package,
        """
        import json
        from netmera_events import EdgeEvent, EventValidationError
        try:
            EdgeEvent(ext_id="u", stamp="2024-01-01T00:00:00Z", discount_value="10")
        except EventValidationError as error:
            print(json.dumps([v.pointer for v in error.violations]))
        """,
    )
    assert out == ["/discountValue"]


def test_nested_objects_report_with_their_full_pointer(package: Path) -> None:
    out = _run(
        package,
        """
        import json
        from netmera_events import BasketA, EventValidationError
        from netmera_events.types import Item
        try:
            BasketA(ext_id="u", items=[Item(sku="a"), Item(sku=3), Item()])
        except EventValidationError as error:
            event_error = [str(error), [(v.pointer, v.keyword) for v in error.violations]]
        try:
            Item(sku="a", skew="b")
        except EventValidationError as error:
            item_error = str(error)
        print(json.dumps([event_error, item_error]))
        """,
    )
    (text, violations), item_error = out
    assert violations == [["/items/1/sku", "type"], ["/items/2/sku", "required"]]
    assert "/items/1/sku (items[1].sku)" in text
    assert "unexpected keyword argument 'skew'; did you mean sku (sku)?" in item_error


# -- the cases where the typed classes once disagreed with jsonschema (each a regression case) --------------------

PARSE = """
import json
from netmera_events import EventValidationError, parse_event, validate
results = []
for payload in json.loads({payloads!r}):
    expected = sorted(v.pointer for v in validate(payload))
    try:
        back = parse_event(payload).to_payload()
        results.append(["ok", back == payload, expected])
    except EventValidationError as error:
        results.append(["refused", sorted(v.pointer for v in error.violations), expected])
print(json.dumps(results))
"""


def _parse(package: Path, payloads: list[dict[str, Any]]) -> list[list[Any]]:
    result: list[list[Any]] = _run(package, PARSE.format(payloads=json.dumps(payloads)))
    return result


def _edge(**attributes: Any) -> dict[str, Any]:
    return {"extId": "u", "name": "EdgeEvent", "stamp": "2024-01-01T00:00:00Z", **attributes}


def test_payloads_jsonschema_accepts_parse_and_round_trip(package: Path) -> None:
    accepted = [
        _edge(stamp="2024-01-01T00:00:00Z\n"),  # a trailing newline passes the date-time format
        _edge(loose="just a string"),  # properties without a type admit any type
        _edge(loose=None),
        _edge(anything=None),  # an explicit null on an Any attribute is kept
        _edge(ratio=[1]),
        {"extId": "u", "name": "Closed", "a": "x", "x-extra": "y"},  # patternProperties beside a closed object
    ]
    assert [result[:2] for result in _parse(package, accepted)] == [["ok", True]] * len(accepted)


def test_payloads_jsonschema_refuses_fail_with_the_pointers_of_validate(package: Path) -> None:
    refused = [
        _edge(stamp="2024-01-01 00:00:00Z"),  # space-separated: not RFC 3339
        _edge(ratio=0.25),  # a float enum holds exactly its members
        _edge(ratio={"k": 2}),
        {"extId": "u", "name": "Closed", "a": "x", "y-extra": "y"},
        {"ext_id": "u", "name": "EdgeEvent", "stamp": "2024-01-01T00:00:00Z"},  # Python names are not wire names
    ]
    results = _parse(package, refused)
    assert [result[0] for result in results] == ["refused"] * len(refused)
    assert all(result[1] == result[2] and result[1] for result in results)


# -- numbers ------------------------------------------------------------------------------------------------------


def test_numbers_json_cannot_carry_are_violations_not_crashes(package: Path) -> None:
    out = _run(
        package,
        """
        import json, math
        from netmera_events import EdgeEvent, EventValidationError
        seen = []
        for value in (10**5000, math.nan, math.inf, 1e308 * 10):
            try:
                EdgeEvent(ext_id="u", stamp="2024-01-01T00:00:00Z", count=value if isinstance(value, int) else 1,
                          amount=value if isinstance(value, float) else 1.0)
            except EventValidationError as error:
                seen.append([v.pointer for v in error.violations])
        wide = EdgeEvent(ext_id="u", stamp="2024-01-01T00:00:00Z", amount=10**20)
        seen.append(json.loads(wide.to_json())["amount"] == 10**20)
        print(json.dumps(seen))
        """,
    )
    assert out == [["/count"], ["/amount"], ["/amount"], ["/amount"], True]


# -- names that must not shadow generated code ----------------------------------------------------------------------


def test_awkward_names_generate_a_package_that_imports_and_type_checks(package: Path, tmp_path: Path) -> None:
    out = _run(
        package,
        """
        import json
        from netmera_events import EVENTS, EdgeEvent, Importlib, ImportModule
        from netmera_events.events import edge_event
        event = EdgeEvent(ext_id="u", stamp="2024-01-01T00:00:00Z", is_none=True, to_json_="t", model_dump="m",
                          check_="c", null_map={"k": None}, none_=edge_event.None_(x="1"), truth=edge_event.True_(y=2))
        print(json.dumps([event.to_payload(), json.loads(event.to_json()), sorted(EVENTS),
                          Importlib(ext_id="u", n=1).to_payload(), ImportModule(ext_id="u", n=2).to_payload()]))
        """,
    )
    payload, encoded, names, first, second = out
    assert payload == encoded
    assert payload["isNone"] is True and payload["toJson"] == "t" and payload["check"] == "c"
    assert payload["none"] == {"x": "1"} and payload["nullMap"] == {"k": None}
    assert {"importlib", "import_module"} <= set(names)
    assert first["n"] == 1 and second["name"] == "import_module"
    result = _mypy(
        package, "import netmera_events.events.edge_event\nimport netmera_events.events.importlib\n", tmp_path
    )
    assert result.returncode == 0, result.stdout


# -- private attributes -----------------------------------------------------------------------------------------------


def test_private_values_stay_out_of_reprs_and_errors_but_are_sent(package: Path) -> None:
    out = _run(
        package,
        """
        import json
        from netmera_events import EdgeEvent, EventValidationError
        from netmera_events.events import edge_event
        event = EdgeEvent(ext_id="u", stamp="2024-01-01T00:00:00Z", secret="pw1", none_=edge_event.None_(x="tok"))
        shown = [repr(event), str(event)]
        try:
            EdgeEvent(ext_id="u", stamp="2024-01-01T00:00:00Z", secret="hunter2")
        except EventValidationError as error:
            shown.append(str(error))
            shown.extend(v.message for v in error.violations)
        print(json.dumps([shown, event.to_payload(), sorted(EdgeEvent.PRIVATE_ATTRIBUTES),
                          sorted(edge_event.None_.PRIVATE_ATTRIBUTES)]))
        """,
    )
    shown, payload, private, nested_private = out
    assert not any(secret in text for text in shown for secret in ("pw1", "tok", "hunter2"))
    assert "secret=<private>" in shown[0] and "/secret (secret)" in shown[2]
    assert payload["secret"] == "pw1" and payload["none"] == {"x": "tok"}
    assert private == ["secret"] and nested_private == ["x"]
    catalogue = (package / "README.md").read_text()
    assert "| `secret` | `secret` | String | string | no | private |" in catalogue


# -- dates --------------------------------------------------------------------------------------------------------------


def test_epoch_units_and_string_dates_round_trip(package: Path) -> None:
    out = _run(
        package,
        """
        import json
        from datetime import date, datetime, timezone
        from netmera_events import EdgeEvent, EventValidationError, parse_event
        moment = datetime(2024, 3, 1, 12, 0, 0, 250000, tzinfo=timezone.utc)
        event = EdgeEvent(ext_id="u", stamp=moment, seen_at=moment, seen_at_ms=moment, day=date(2024, 2, 29))
        payload = event.to_payload()
        back = parse_event(payload)
        refused = []
        for day in ("2024-02-30", "29/02/2024"):
            try:
                EdgeEvent(ext_id="u", stamp=moment, day=day)  # type: ignore[arg-type]
            except EventValidationError as error:
                refused.append(error.violations[0].pointer)
        print(json.dumps([payload, back.to_payload() == payload, back.seen_at.isoformat(),
                          back.seen_at_ms.isoformat(), back.day.isoformat(), back.stamp.isoformat(), refused]))
        """,
    )
    payload, same, seen_at, seen_at_ms, day, stamp, refused = out
    assert payload["seenAt"] == 1709294400 and payload["seenAtMs"] == 1709294400250
    assert payload["day"] == "2024-02-29" and payload["stamp"] == "2024-03-01T12:00:00.250000Z"
    assert same is True
    assert seen_at == "2024-03-01T12:00:00+00:00" and seen_at_ms == "2024-03-01T12:00:00.250000+00:00"
    assert day == "2024-02-29" and stamp == "2024-03-01T12:00:00.250000+00:00"
    assert refused == ["/day", "/day"]


def test_the_project_default_epoch_unit(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    schema = {"title": "Seen", "type": "object", "properties": {"at": {"type": "integer", "x-netmera-type": "Date"}}}
    (tmp_path / "schemas" / "seen.json").write_text(json.dumps(schema))
    (tmp_path / "pyproject.toml").write_text('[tool.netmera-codegen]\nepoch = "seconds"\n')
    assert run_cli("generate", cwd=tmp_path).returncode == 0
    out = _run(
        tmp_path / "generated",
        """
        import json
        from datetime import datetime, timezone
        from netmera_events import Seen, validate
        sent = Seen(ext_id="u", at=datetime(2024, 1, 1, tzinfo=timezone.utc)).to_payload()["at"]
        # Bounded in seconds: the first second after 9999-12-31 is refused, as a datetime could not hold it.
        late = [v.pointer for v in validate({"extId": "u", "name": "Seen", "at": 253402300800})]
        print(json.dumps([sent, late]))
        """,
    )
    assert out == [1704067200, ["/at"]]
    (tmp_path / "late.json").write_text('{"extId": "u", "name": "Seen", "at": 253402300800}')
    checked = run_cli("validate", "late.json", cwd=tmp_path)  # the command reads the project's setting too
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert (
        "late.json:1:/at: error: 253402300800 is out of range for Date (-62135596800 to 253402300799)" in checked.stdout
    )
    (tmp_path / "pyproject.toml").write_text('[tool.netmera-codegen]\nepoch = "minutes"\n')
    refused = run_cli("generate", cwd=tmp_path)
    assert refused.returncode == 2 and "epoch must be one of milliseconds, seconds" in refused.stderr


def test_a_large_enum_is_annotated_by_its_type_and_checked_value_by_value(package: Path) -> None:
    module = (package / "netmera_events" / "events" / "edge_event.py").read_text()
    assert "sku: str | None = None," in module and '"sku-999"' not in module
    out = _run(
        package,
        """
        import json
        from datetime import datetime, timezone
        from netmera_events import EdgeEvent, EventValidationError
        stamp = datetime(2024, 1, 1, tzinfo=timezone.utc)
        kept = EdgeEvent(ext_id="u", stamp=stamp, sku="sku-999").to_payload()["sku"]
        try:
            EdgeEvent(ext_id="u", stamp=stamp, sku="sku-1000")
        except EventValidationError as error:
            print(json.dumps([kept, [violation.pointer for violation in error.violations]]))
        """,
    )
    assert out == ["sku-999", ["/sku"]]


# -- shared definitions -------------------------------------------------------------------------------------------------


def test_a_shared_definition_is_one_class_used_by_every_event(package: Path, tmp_path: Path) -> None:
    consumer = """
    from netmera_events import BasketA, BasketB
    from netmera_events.types import Item

    item = Item(sku="s1")
    first = BasketA(ext_id="u", items=[item])
    second = BasketB(ext_id="u", items=first.items or [])
    same: list[Item] = (second.items or []) + (first.items or [])
    print(type(first.items[0]) is type(second.items[0]) is Item if first.items and second.items else False)
    """
    result = _mypy(package, consumer, tmp_path)
    assert result.returncode == 0, result.stdout
    assert _run(package, consumer.replace("print(", "print(str(").replace("else False)", "else False).lower())"))
    modules = sorted(path.name for path in (package / "netmera_events" / "events").glob("basket_*.py"))
    assert modules == ["basket_a.py", "basket_b.py"]
    assert all("class Item" not in (package / "netmera_events" / "events" / name).read_text() for name in modules)


# -- import -------------------------------------------------------------------------------------------------------------


def test_validation_and_events_alone_do_not_import_httpx(package: Path) -> None:
    out = _run(
        package,
        """
        import json, sys
        from netmera_events import EdgeEvent, parse_event, validate
        event = EdgeEvent(ext_id="u", stamp="2024-01-01T00:00:00Z")
        parse_event(event.to_payload())
        validate(event.to_payload())
        before = sorted(name for name in ("httpx", "rich", "click", "pygments") if name in sys.modules)
        from netmera_events import NetmeraClient
        after = sorted(name for name in ("httpx", "rich", "click", "pygments", "httpx._main") if name in sys.modules)
        print(json.dumps([before, after]))
        """,
    )
    assert out == [[], ["httpx"]]
