"""The runtime's format checks give jsonschema's FORMAT_CHECKER verdicts (with the reference format libraries that
jsonschema uses: rfc3339-validator, rfc3986-validator, fqdn, idna), on hand-picked edge cases and generated text."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator
from validator_support import compile_pairs

from netmera_codegen.dialects import DRAFT7, DRAFT2020, FORMATS

RUNTIME = compile_pairs([]).runtime
CHECKERS = {DRAFT7: Draft7Validator.FORMAT_CHECKER, DRAFT2020: Draft202012Validator.FORMAT_CHECKER}
ALL_FORMATS = sorted(FORMATS[DRAFT2020])

EDGE_CASES: dict[str, list[str]] = {
    "date-time": [
        "2024-05-17T10:20:30Z", "2024-05-17t10:20:30z", "2024-05-17T10:20:30.123456+05:30", "2024-02-29T00:00:00Z",
        "2023-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2024-05-17T24:00:00Z", "2024-05-17T23:59:60Z",
        "2024-05-17 10:20:30Z", "2024-05-17T10:20:30", "2024-05-17T10:20:30+24:00", "2024-05-17T10:20:30Z\n",
        "2024-05-17T10:20:30.Z", "２０２４-05-17T10:20:30Z", "2024-5-17T10:20:30Z", "2024-05-17T10:20:30-00:00",
    ],
    "date": ["2024-05-17", "2024-02-30", "2024-5-17", "20240517", "2024-05-17\n", "0001-01-01", "0000-01-01", "٢٠٢٤-01-01"],
    "time": ["10:20:30Z", "10:20:30", "23:59:59.999+23:59", "24:00:00Z", "10:20:30z", "1:2:3Z", "10:20:30Z\n"],
    "email": ["a@b", "no-at", "@", ""],
    "idn-email": ["kişi@örnek.com", "nope"],
    "hostname": [
        "example.com", "a", "a.", "-a.com", "a-.com", "a_b.com", "ex ample.com", "x" * 63 + ".com",
        "x" * 64 + ".com", ".".join(["a" * 50] * 5), "", "1.2.3.4", "ÉXAMPLE.com", "exa\nmple", "K.com",
    ],
    "idn-hostname": ["örnek.com", "xn--rnek-zoa.com", "-bad.com", "a" * 64, "", "〮실례.테스트", "ex ample"],
    "ipv4": ["192.168.0.1", "256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4\n", " 1.2.3.4", "١.2.3.4"],
    "ipv6": ["::1", "2001:db8::1", "1::2::3", "fe80::1%eth0", "::ffff:1.2.3.4", "12345::", ":::"],
    "uri": [
        "https://example.com/a?b=c#d", "urn:isbn:0451450523", "relative/path", "//host/path", "http://ex ample.com",
        "http://[::1]:80/", "mailto:a@b.c", "http://example.com/%zz", "http://example.com/\n", "a:", "1http://x",
    ],
    "uri-reference": ["/a/b?c#d", "../x", "", "#frag", "http://x y", "\\\\windows\\path", "%41", "a b"],
    "uuid": [
        "123e4567-e89b-12d3-a456-426614174000", "123e4567e89b12d3a456426614174000",
        "{123e4567-e89b-12d3-a456-426614174000}", "urn:uuid:123e4567-e89b-12d3-a456-426614174000",
        "123e4567-e89b-12d3-a456-42661417400", "g23e4567-e89b-12d3-a456-426614174000",
        "123E4567-E89B-12D3-A456-426614174000", "123e4567-e89b-12d3-a456-4266141740000",
    ],
    "regex": ["^a+$", "(unclosed", "[a-", "\\p{L}", "(?P<n>x)", "a{2,1}"],
}  # fmt: skip


def runtime_check(format_name: str) -> Any:
    return getattr(RUNTIME, FORMATS[DRAFT2020][format_name])


def agree(format_name: str, text: str) -> None:
    for dialect, checker in CHECKERS.items():
        if format_name not in FORMATS[dialect]:
            continue
        expected = checker.conforms(text, format_name)
        assert runtime_check(format_name)(text) == expected, (format_name, dialect, text, expected)


def test_the_reference_checks_every_compiled_format() -> None:
    for dialect, checker in CHECKERS.items():
        missing = set(FORMATS[dialect]) - set(checker.checkers)
        assert not missing, f"jsonschema lacks checkers for {sorted(missing)}: install the test extras"


@pytest.mark.parametrize("format_name", ALL_FORMATS)
def test_edge_cases(format_name: str) -> None:
    for text in EDGE_CASES.get(format_name, []) + [example for cases in EDGE_CASES.values() for example in cases]:
        agree(format_name, text)


def _near(format_name: str) -> st.SearchStrategy[str]:
    """Text close to the format: valid examples with characters replaced, inserted or dropped."""
    seeds = EDGE_CASES.get(format_name, ["a"])
    alphabet = st.sampled_from(list("0123456789:-+.TtZz@/#?[]%_ aé\n") + ["xn--", "::", "://"])

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        text = draw(st.sampled_from(seeds))
        for _ in range(draw(st.integers(0, 3))):
            position = draw(st.integers(0, len(text)))
            action = draw(st.integers(0, 2))
            piece = draw(alphabet)
            if action == 0:
                text = text[:position] + piece + text[position:]
            elif action == 1:
                text = text[:position] + text[position + 1 :]
            else:
                text = text[:position] + piece + text[position + 1 :]
        return text

    return mutate()


@pytest.mark.slow  # a sweep: 150 generated texts per format (the edge cases above run in the fast suite)
@pytest.mark.parametrize("format_name", ALL_FORMATS)
@settings(max_examples=150, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_text(format_name: str, data: st.DataObject) -> None:
    text = data.draw(st.one_of(_near(format_name), st.text(max_size=40)))
    agree(format_name, text)
