"""The constructors' fast path (`generator/fast_path.py`): an event whose attributes a type-and-bounds test proves
gets one, any other does not, and with or without it a constructor accepts exactly what jsonschema accepts.

Every keyword the fast path knows is in one event; each of its attributes is given each value of one grid of
Python values (the bounds and one past them, the wrong JSON types, subclasses, NaN, a Decimal, numbers beyond a
Double, a tuple for an array), one attribute at a time, and the constructor's verdict is compared with jsonschema's
on the payload those keywords make. The differential sweep (`test_differential.py`) does the same with the
payloads of every schema set."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from validator_reference import reference_validator
from validator_support import DOUBLE_MAX, carried, generated_package

FAST = {
    "title": "FastEvent",
    "type": "object",
    "properties": {
        "extId": {"type": "string", "minLength": 1},
        "name": {"type": "string", "const": "FastEvent"},
        "code": {"type": "string", "minLength": 2, "maxLength": 4},
        "tier": {"enum": ["gold", "silver"]},
        "label": {"type": "string", "const": "fixed"},
        "count": {"type": "integer", "x-netmera-type": "Integer", "exclusiveMinimum": 0, "maximum": 10},
        "total": {"type": "number", "minimum": 0.5, "exclusiveMaximum": 100},
        "big": {"type": "integer"},
        "flag": {"type": "boolean"},
        "note": {"type": ["string", "null"], "maxLength": 3},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
        "level": {"$ref": "#/$defs/Level"},
        "only": {"type": "string", "const": "a", "enum": ["a", "b"]},
        "ratio": {"type": "number", "minimum": 0, "maximum": 1},
    },
    "required": ["extId", "name", "code", "count"],
    "additionalProperties": False,
    "$defs": {"Level": {"type": "string", "enum": ["a", "b"]}},
}
PATTERNED = {
    "title": "PatternedEvent",
    "type": "object",
    "properties": {"extId": {"type": "string"}, "name": {"const": "PatternedEvent"}, "sku": {"pattern": "^s-"}},
}
DATED = {
    "title": "DatedEvent",
    "type": "object",
    "properties": {"extId": {"type": "string"}, "name": {"const": "DatedEvent"}, "day": {"format": "date"}},
}
CONFLICTING = {
    "title": "ConflictingEvent",
    "type": "object",
    "properties": {
        "extId": {"type": "string"},
        "name": {"const": "ConflictingEvent"},
        "code": {"type": "string", "const": "a", "enum": ["b"]},
    },
}
SHADOWING = {
    "title": "ShadowingEvent",
    "type": "object",
    "properties": {
        "extId": {"type": "string"},
        "name": {"const": "ShadowingEvent"},
        "len": {"type": "integer", "minimum": 0},
        "all": {"type": "array", "items": {"type": "string"}},
    },
}
BASE = {"ext_id": "u-1", "code": "abc", "count": 3}
OMIT = object()


class Text(str):
    pass


class Real(float):
    pass


class Whole(int):
    pass


VALUES: list[Any] = [
    *["", "a", "ab", "abcd", "abcde", Text("ab"), b"ab", "gold", "silver", "fixed", "b", "1"],
    *[0, 1, 10, 11, -1, 2**31 - 1, 2**31, 10**308, 10**309, -(10**309), Whole(3), True, False],
    *[0.5, 0.49, 5.0, 99.99, 100, 100.0, DOUBLE_MAX, Real(1.5), Decimal(1), math.nan, math.inf, -math.inf],
    *[None, [], ["a"], ["a", "b"], ["a", "b", "c"], ["a", 1], ("a",), [Text("a")], [None], {"a": 1}, OMIT],
]


def test_the_constructor_accepts_what_jsonschema_accepts(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for schema in (FAST, PATTERNED, DATED, CONFLICTING, SHADOWING):
        (schemas / f"{schema['title']}.json").write_text(json.dumps(schema), encoding="utf-8")
    generated = generated_package("fast-path", schemas, tmp_path / "out")
    assert generated.models["FastEvent"].fast_path is not None
    assert generated.models["PatternedEvent"].fast_path is None
    assert generated.models["DatedEvent"].fast_path is None
    # A const outside its enum: no value is valid, so no test proves one.
    assert generated.models["ConflictingEvent"].fast_path is None
    with pytest.raises(generated.package.EventValidationError, match="/code"):
        generated.package.ConflictingEvent(ext_id="u", code="a")
    # Keywords named as the builtins a fast path calls would hide them: such an event is checked as any other.
    assert generated.models["ShadowingEvent"].fast_path is None
    shadowing = generated.package.ShadowingEvent
    made = shadowing(ext_id="u", len=2, all=["a"])
    assert made.to_payload() == {"extId": "u", "name": "ShadowingEvent", "len": 2, "all": ["a"]}
    with pytest.raises(generated.package.EventValidationError, match="/len"):
        shadowing(ext_id="u", len=-1)

    model = generated.models["FastEvent"]
    cls = generated.package.FastEvent
    reference = reference_validator(FAST)
    wire_names = {attribute.python_name: attribute.wire_name for attribute in model.attributes}
    wire_names["ext_id"] = "extId"
    numbers = {attribute.python_name for attribute in model.attributes if attribute.to_wire is not None}
    unset_is_none = {attribute.python_name for attribute in model.attributes if attribute.unset_is_none}
    disagreements = []
    tried = accepted = 0
    for python_name, wire_name in wire_names.items():
        for value in VALUES:
            arguments = dict(BASE)
            if value is OMIT:
                arguments.pop(python_name, None)
            else:
                arguments[python_name] = value
            payload = {"name": "FastEvent"} | {
                wire_names[name]: given
                for name, given in arguments.items()
                if not (given is None and name in unset_is_none)
            }
            expected = carried(value) and reference.is_valid(payload)
            tried += 1
            try:
                made = cls(**arguments)
            except generated.package.EventValidationError:
                if expected:
                    disagreements.append(("refused", python_name, repr(value)))
                continue
            accepted += 1
            sent = made.to_payload()
            if not expected or sent != payload:
                disagreements.append(("accepted", python_name, repr(value), sent))
            elif python_name in numbers and type(sent.get(wire_name, 0)) not in (int, float):
                disagreements.append(("not sent as a plain number", python_name, repr(value)))
    assert not disagreements, disagreements
    events = tmp_path / "out" / "package" / "typed_fast_path" / "events"
    unused = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--select", "F401", str(events)],
        capture_output=True,
        text=True,
        check=False,
    )
    # No import only a test would use (`DOUBLE_MAX`, once a schema bound beats it).
    assert unused.returncode == 0, unused.stdout
    assert tried == len(wire_names) * len(VALUES) and 4 * len(wire_names) <= accepted < tried / 2, (accepted, tried)
