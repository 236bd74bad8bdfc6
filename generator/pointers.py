"""JSON pointers (RFC 6901), the one place that escapes, joins, splits and follows them.

Every finding names the place it is about by a pointer into the schema file, and `$ref`s name their targets by one,
so all of the compiler speaks this notation; here is where it is written and read.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["escape_token", "join_pointer", "line_of", "resolve_pointer", "split_pointer"]


def escape_token(token: str) -> str:
    """Escape one reference token: `~` as `~0`, `/` as `~1`."""
    return token.replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: str | int) -> str:
    """Extend a pointer by raw (unescaped) tokens."""
    for token in tokens:
        text = token if isinstance(token, str) else str(token)
        if "~" in text or "/" in text:  # most tokens need no escape: checking is a third of the cost of escaping
            text = escape_token(text)
        pointer = f"{pointer}/{text}"
    return pointer


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


def line_of(text: str, pointer: str) -> int:
    """The line where the deepest existing prefix of `pointer` starts in the JSON `text` (1 when none)."""
    if not text:
        return 1
    lines = _pointer_lines(text)
    tokens = pointer.split("/")[1:] if pointer else []
    while tokens:
        found = lines.get("/" + "/".join(tokens))
        if found is not None:
            return found
        tokens.pop()
    return 1


def _pointer_lines(text: str) -> dict[str, int]:
    """Line of every member and item of a JSON document, by JSON pointer (a small scanner: positions only)."""
    found: dict[str, int] = {}
    decoder = json.JSONDecoder()
    newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line(position: int) -> int:
        low, high = 0, len(newlines)
        while low < high:
            middle = (low + high) // 2
            if newlines[middle] < position:
                low = middle + 1
            else:
                high = middle
        return low + 1

    def skip(position: int) -> int:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        return position

    def value(position: int, pointer: str) -> int:
        position = skip(position)
        if position >= len(text):
            return position
        char = text[position]
        if char == "{":
            position = skip(position + 1)
            while position < len(text) and text[position] != "}":
                key, end = decoder.raw_decode(text, position)
                member = join_pointer(pointer, str(key))
                found[member] = line(position)
                position = skip(end)
                position = value(position + 1, member)  # past the colon
                position = skip(position)
                if position < len(text) and text[position] == ",":
                    position = skip(position + 1)
            return position + 1
        if char == "[":
            position, index = skip(position + 1), 0
            while position < len(text) and text[position] != "]":
                found[f"{pointer}/{index}"] = line(position)
                position = skip(value(position, f"{pointer}/{index}"))
                index += 1
                if position < len(text) and text[position] == ",":
                    position = skip(position + 1)
            return position + 1
        _, end = decoder.raw_decode(text, position)
        return end

    try:
        value(0, "")
    except (ValueError, IndexError):
        pass  # a file that changed under us: lines found so far still help
    return found
