"""Random schemas built from every supported keyword (both dialects), random instances: the compiled validator and
jsonschema (with the FORMAT_CHECKER and the `x-netmera-type` ranges) agree on every one. Bounded and derandomized."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from validator_reference import reference_validator
from validator_support import compile_pairs

from netmera_codegen.findings import errors_in

DRAFT7 = "http://json-schema.org/draft-07/schema#"
DRAFT2020 = "https://json-schema.org/draft/2020-12/schema"

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from([0.0, 1.0, 1.5, -2.5, 2**31, -(2**31) - 1, 2**63, 10**20]),
    st.sampled_from(["", "a", "ab", "abc", "A1", "x-y", "2024-05-17", "2024-05-17T10:20:30Z", "a@b", "1.2.3.4", "::1",
                     "example.com", "https://e.com/x", "123e4567-e89b-12d3-a456-426614174000", "10:20:30Z", "k"]),
)  # fmt: skip
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["a", "b", "c", "k1", "x-y", "p1", ""]), inner, max_size=4),
    ),
    max_leaves=12,
)
TYPES = ["null", "boolean", "object", "array", "number", "string", "integer"]
KEYS = ["a", "b", "c", "k1", "p1"]


def schemas(draft7: bool) -> st.SearchStrategy[Any]:
    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        keyword = st.one_of(
            st.fixed_dictionaries({"properties": st.dictionaries(st.sampled_from(KEYS), inner, max_size=3)}),
            st.fixed_dictionaries({"required": st.lists(st.sampled_from(KEYS), max_size=2, unique=True)}),
            st.fixed_dictionaries({"additionalProperties": inner}),
            st.fixed_dictionaries(
                {"patternProperties": st.dictionaries(st.sampled_from(["^p", "1$", "^k", "-"]), inner, max_size=2)}
            ),
            st.fixed_dictionaries({"propertyNames": inner}),
            st.fixed_dictionaries({"items": inner}),
            st.fixed_dictionaries(
                {"items": st.lists(inner, max_size=2), "additionalItems": inner}
                if draft7
                else {"prefixItems": st.lists(inner, max_size=2)}
            ),
            st.fixed_dictionaries({"contains": inner}),
            st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=2)}),
            st.fixed_dictionaries({"anyOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"oneOf": st.lists(inner, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"not": inner}),
            st.fixed_dictionaries({"if": inner, "then": inner, "else": inner}),
            st.fixed_dictionaries(
                {
                    "dependencies": st.dictionaries(
                        st.sampled_from(KEYS), st.one_of(st.lists(st.sampled_from(KEYS), max_size=2), inner), max_size=2
                    )
                }
                if draft7
                else {"dependentSchemas": st.dictionaries(st.sampled_from(KEYS), inner, max_size=2)}
            ),
        )
        base = leaf_schema(draft7).filter(lambda value: isinstance(value, dict))
        return st.builds(lambda base, extra: {**base, **extra}, st.one_of(base, st.just({})), keyword)

    return st.recursive(leaf_schema(draft7), extend, max_leaves=6)


def leaf_schema(draft7: bool) -> st.SearchStrategy[Any]:
    options: dict[str, st.SearchStrategy[Any]] = {
        "type": st.one_of(st.sampled_from(TYPES), st.lists(st.sampled_from(TYPES), min_size=1, max_size=3, unique=True)),
        "enum": st.lists(SCALARS, min_size=1, max_size=4),
        "const": JSON_VALUES,
        "minimum": st.sampled_from([0, 1, -1, 1.5]),
        "maximum": st.sampled_from([0, 2, 5, 2.5]),
        "exclusiveMinimum": st.sampled_from([0, 1]),
        "exclusiveMaximum": st.sampled_from([3, 5.5]),
        "multipleOf": st.sampled_from([2, 0.5, 1.5, 0.1]),
        "minLength": st.integers(0, 3),
        "maxLength": st.integers(0, 3),
        "pattern": st.sampled_from(["^a", "b", "^[a-z]+$", "\\d", "^$"]),
        "format": st.sampled_from(["date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri", "uuid",
                                   "uri-reference", "regex", "unknown-format"]),
        "minItems": st.integers(0, 2),
        "maxItems": st.integers(0, 3),
        "uniqueItems": st.booleans(),
        "minProperties": st.integers(0, 2),
        "maxProperties": st.integers(0, 3),
        "x-netmera-type": st.sampled_from(["Integer", "Long", "Timestamp", "String"]),
    }  # fmt: skip
    if not draft7:
        options.update(
            minContains=st.integers(0, 2),
            maxContains=st.integers(0, 2),
            dependentRequired=st.dictionaries(
                st.sampled_from(KEYS), st.lists(st.sampled_from(KEYS), max_size=2), max_size=2
            ),
        )
    chosen = st.lists(st.sampled_from(sorted(options)), min_size=0, max_size=3, unique=True)
    return st.one_of(
        st.booleans(),
        chosen.flatmap(lambda keys: st.fixed_dictionaries({key: options[key] for key in keys})),
    )


def _check(schema: Any, draft7: bool, instances: list[Any]) -> None:
    root = {"$schema": DRAFT7 if draft7 else DRAFT2020, "$defs": {"d": schema}, "definitions": {"d": schema}}
    root["allOf"] = [{"$ref": "#/definitions/d" if draft7 else "#/$defs/d"}, schema]
    compiled = compile_pairs([("fuzz", root)])
    if errors_in(compiled.findings):
        return  # e.g. a pattern combination; refusals are covered elsewhere
    reference = reference_validator(root)
    for instance in instances:
        expected = reference.is_valid(instance)
        assert compiled.is_valid("fuzz", instance) == expected, (json.dumps(root), json.dumps(instance), expected)


FUZZ = settings(
    max_examples=250, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)


@pytest.mark.slow  # a sweep: 250 random schemas each
@FUZZ
@given(schema=schemas(draft7=False), instances=st.lists(JSON_VALUES, min_size=1, max_size=12))
def test_random_2020_12_schemas(schema: Any, instances: list[Any]) -> None:
    _check(schema, False, instances)


@pytest.mark.slow  # a sweep: 250 random schemas each
@FUZZ
@given(schema=schemas(draft7=True), instances=st.lists(JSON_VALUES, min_size=1, max_size=12))
def test_random_draft7_schemas(schema: Any, instances: list[Any]) -> None:
    _check(schema, True, instances)
