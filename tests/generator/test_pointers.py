"""JSON pointers as RFC 6901 writes them: the escaping every finding's location and every `$ref` relies on."""

from __future__ import annotations

import pytest

from netmera_codegen.pointers import escape_token, join_pointer, line_of, resolve_pointer, split_pointer

DOCUMENT = {"a/b": {"m~n": [10, {"": "empty key"}]}, "": "root empty"}


def test_tokens_are_escaped_and_split_back() -> None:
    pointer = join_pointer("", "a/b", "m~n", 1, "")
    assert pointer == "/a~1b/m~0n/1/"
    assert split_pointer(pointer) == ["a/b", "m~n", "1", ""]
    assert escape_token("~1") == "~01"  # `~` first, so an escaped `/` is never read back as one
    assert split_pointer(join_pointer("", "~1")) == ["~1"]


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", (True, DOCUMENT)),
        ("/", (True, "root empty")),
        ("/a~1b/m~0n/0", (True, 10)),
        ("/a~1b/m~0n/1/", (True, "empty key")),
        ("/a~1b/m~0n/2", (False, None)),
        ("/a~1b/m~0n/-1", (False, None)),
        ("/missing", (False, None)),
        ("no-slash", (False, None)),
    ],
)
def test_resolve(pointer: str, expected: tuple[bool, object]) -> None:
    assert resolve_pointer(DOCUMENT, pointer) == expected


TEXT = '{\n  "properties": {\n    "a/b": {"type": "string"},\n    "list": [\n      1,\n      {"k": 2}\n    ]\n  }\n}\n'


@pytest.mark.parametrize(
    ("pointer", "line"),
    [
        ("", 1),
        ("/properties", 2),
        ("/properties/a~1b/type", 3),
        ("/properties/list/1/k", 6),
        ("/properties/list/7", 4),  # the deepest prefix that exists
        ("/missing", 1),
    ],
)
def test_line_of(pointer: str, line: int) -> None:
    assert line_of(TEXT, pointer) == line
    assert line_of('{"broken": ', "/broken") == 1
