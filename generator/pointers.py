"""JSON pointers (RFC 6901), the one place that escapes, joins, splits and follows them.

Every finding names the place it is about by a pointer into the schema file, and `$ref`s name their targets by one,
so all of the compiler speaks this notation; here is where it is written and read.
"""

from __future__ import annotations

from typing import Any

__all__ = ["escape_token", "join_pointer", "resolve_pointer", "split_pointer"]


def escape_token(token: str) -> str:
    """Escape one reference token: `~` as `~0`, `/` as `~1`."""
    return token.replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: str | int) -> str:
    """Extend a pointer by raw (unescaped) tokens."""
    return pointer + "".join("/" + escape_token(str(token)) for token in tokens)


def split_pointer(pointer: str) -> list[str] | None:
    """The unescaped tokens of a pointer (already percent-decoded), or None when it is not a pointer."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        return None
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]


def resolve_pointer(document: Any, pointer: str) -> tuple[bool, Any]:
    """Follow a pointer (already percent-decoded) in a document: (found, value)."""
    tokens = split_pointer(pointer)
    if tokens is None:
        return False, None
    node = document
    for token in tokens:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node
