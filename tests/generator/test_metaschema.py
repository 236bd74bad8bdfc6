"""Lint's metaschema check: the fast screen never changes a finding.

`meta_validate` passes a file on the screen's word alone and sends everything else to jsonschema; so on every
schema there is (the bad-schema cases, the golden sets, the repository's schemas, the corpus when it is beside the
repository, and mutations of all of them that break the metaschema in many ways), its findings must be exactly
those of jsonschema's plain metaschema check, and a schema the screen passes must be one jsonschema finds valid.
"""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from netmera_codegen.findings import Finding
from netmera_codegen.load import SchemaFile
from netmera_codegen.metaschema import full_check, meta_validate, metaschema_keywords, surely_valid, validator_class
from netmera_codegen.pointers import join_pointer
from tests.support import GOLDEN, ROOT

SHARED = ROOT.parent / "shared" / "corpus"
MUTATIONS_PER_SCHEMA = 6
ODD_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1.0, 2.5, -0.5, "", "x", "#frag", "a#b", [], ["string"], ["string", "string"],
    ["nope"], [1], {}, {"type": 1}, {"a": 1}, {"a": ["x", "x"]}, {"a": {"minimum": "0"}}, [{}], [{"type": "nope"}],
)  # fmt: skip
"""Values a mutation puts where a keyword's value was (most break the metaschema, some do not)."""


PLAIN: dict[type[Any], Any] = {}


def plain(data: dict[str, Any]) -> list[str]:
    """jsonschema's plain metaschema check, as `pointer: message` lines, sorted as lint sorts them."""
    cls = validator_class(data) or Draft202012Validator
    name = "draft-07" if cls is Draft7Validator else "draft 2020-12"
    checker = PLAIN.setdefault(cls, cls(cls.META_SCHEMA))
    errors = sorted(checker.iter_errors(data), key=lambda error: list(map(str, error.absolute_path)))
    return [f"{join_pointer('', *error.absolute_path)}: not a valid {name} schema: {error.message}" for error in errors]


def as_file(data: dict[str, Any]) -> SchemaFile:
    text = json.dumps(data)
    return SchemaFile(path=Path("/x.json"), relative="x.json", display="x.json", text=text, sha256="", decoded=data)


def shown(findings: list[Finding]) -> list[str]:
    return [f"{finding.pointer}: {finding.message}" for finding in findings if finding.severity == "error"]


def schemas_of(folder: Path) -> list[dict[str, Any]]:
    found = []
    for path in sorted(folder.rglob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            continue
        if isinstance(data, list):  # a JSON Schema Test Suite file: a list of cases, each with its schema
            found += [
                case["schema"] for case in data if isinstance(case, dict) and isinstance(case.get("schema"), dict)
            ]
        elif isinstance(data, dict):
            found.append(data)
    return found


def local_schemas() -> list[dict[str, Any]]:
    return schemas_of(ROOT / "tests" / "hardening" / "bad_schemas") + schemas_of(GOLDEN) + schemas_of(ROOT / "schemas")


def mutations(schema: dict[str, Any], rng: random.Random) -> list[dict[str, Any]]:
    """Copies of a schema with one value somewhere replaced by an odd one, often under a metaschema keyword."""
    places: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                places.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                places.append((node, index))
                walk(value)

    made = []
    for _ in range(MUTATIONS_PER_SCHEMA):
        mutated = copy.deepcopy(schema)
        places.clear()
        walk(mutated)
        if not places:
            break
        container, key = rng.choice(places)
        container[key] = copy.deepcopy(rng.choice(ODD_VALUES))
        made.append(mutated)
    return made


def test_the_screen_knows_every_keyword_of_both_metaschemas() -> None:
    for cls in (Draft7Validator, Draft202012Validator):
        keywords = metaschema_keywords(cls)
        assert {"type", "properties", "items", "required", "minimum", "enum"} <= keywords
    assert {"$defs", "prefixItems", "$dynamicRef", "dependentRequired"} <= metaschema_keywords(Draft202012Validator)
    assert {"definitions", "additionalItems", "dependencies"} <= metaschema_keywords(Draft7Validator)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}, "required": ["a"]},
        {"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}], "additionalItems": False},
        {"properties": {"a": True, "b": False}, "x-netmera-code": [1, 2], "unknownKeyword": {"type": 12}},
    ],
)
def test_valid_schemas_pass_the_screen(schema: dict[str, Any]) -> None:
    assert surely_valid(schema, validator_class(schema))
    assert plain(schema) == []


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "strin"},
        {"required": ["a", "a"]},
        {"minLength": -1},
        {"minLength": 2.0},  # an integer to jsonschema, but the screen leaves it to jsonschema
        {"properties": {"a": {"type": 3}}},
        {"$id": "a#b"},
        {"$anchor": "ok"},  # a keyword the screen does not judge
        {"$schema": "http://json-schema.org/draft-07/schema#", "items": [], "dependencies": {"a": ["b", "b"]}},
    ],
)
def test_the_screen_sends_doubtful_schemas_to_jsonschema(schema: dict[str, Any]) -> None:
    assert not surely_valid(schema, validator_class(schema))
    assert shown(meta_validate(as_file(schema))) == plain(schema)


def test_findings_equal_the_plain_check_on_the_repositorys_schemas_and_their_mutations() -> None:
    compare_on(local_schemas(), minimum_refused=50, minimum_valid=20)


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.is_dir(), reason="corpus not available")
def test_findings_equal_the_plain_check_on_the_corpus_and_its_mutations() -> None:
    compare_on(schemas_of(SHARED), minimum_refused=1000, minimum_valid=500)


def compare_on(schemas: list[dict[str, Any]], minimum_refused: int, minimum_valid: int) -> None:
    rng = random.Random(12)
    checked = refused = 0
    for schema in schemas:
        for data in [schema, *mutations(schema, rng)]:
            expected = plain(data)
            assert shown(meta_validate(as_file(data))) == expected, json.dumps(data)[:300]
            cls = validator_class(data) or Draft202012Validator
            if surely_valid(data, cls):
                assert expected == [], json.dumps(data)[:300]
            assert shown(full_check(as_file(data), cls)) == expected
            checked += 1
            refused += bool(expected)
    assert refused >= minimum_refused and checked - refused >= minimum_valid  # both sides of the screen exercised
