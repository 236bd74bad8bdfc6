"""Inlining heuristics: which subschemas are written inline where they are used, and which get functions of their own.

Inline code is fastest (no call, no allocation) but repeats a `$ref` target at each use; shared functions keep the
module small. Nested values are inlined until `MAX_INLINE_DEPTH` objects/arrays deep or `MAX_INLINE_INDENT` levels
of indentation, and a `$ref` target while its expanded size is small (`INLINE_WEIGHT`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..schema_tree import Node

MAX_INLINE_DEPTH = 6
"""Nested objects/arrays deeper than this get their own functions (keeps the generated code flat and readable)."""
MAX_INLINE_INDENT = 8
"""Nor are values inlined that deep in indentation levels (keeps the lines within black's line length)."""
INLINE_WEIGHT = 40
"""A `$ref` target is inlined at each use when its expanded size (about one unit per check) is at most this, or
half of it when it is used more than once; bigger targets get one shared predicate and one shared collector."""

_ANNOTATION_FIELDS = frozenset(
    {"pointer", "dialect", "keywords", "title", "description", "netmera_type", "netmera_code"}
)
"""Node fields that never change what a node checks."""


def shared_pointers(root: Node) -> frozenset[str]:
    """Pointers of `$ref` targets that get shared functions instead of being inlined at each use."""
    uses: dict[str, int] = {}
    targets: dict[str, Node] = {}
    for node in _walk(root, set()):
        if node.ref is not None:
            uses[node.ref.pointer] = uses.get(node.ref.pointer, 0) + 1
            targets[node.ref.pointer] = node.ref
    weights: dict[int, int] = {}
    return frozenset(
        pointer
        for pointer, target in targets.items()
        if _weight(target, weights) > (INLINE_WEIGHT if uses[pointer] == 1 else INLINE_WEIGHT // 2)
    )


def inline_here(depth: int, indent: int) -> bool:
    """Whether a child value this deep (objects/arrays, indentation levels) is still checked inline."""
    return depth < MAX_INLINE_DEPTH and indent <= MAX_INLINE_INDENT


def only_ref(node: Node) -> bool:
    """A node that is nothing but a `$ref` (plus annotations)."""
    bare = Node(node.pointer, ref=node.ref, ref_text=node.ref_text)
    return node.ref is not None and all(
        getattr(node, name) == getattr(bare, name)
        for name in node.__dataclass_fields__
        if name not in _ANNOTATION_FIELDS
    )


def _weight(node: Node, memo: dict[int, int]) -> int:
    """Roughly how many checks a node expands to when everything under it is inlined."""
    if id(node) not in memo:
        own = 1 + len(node.patterns) + len(node.bounds) + len(node.required_names) + len(node.dependent_required)
        own += sum(value is not None for value in (node.min_length, node.max_length, node.format, node.multiple_of))
        memo[id(node)] = own + sum(_weight(child, memo) for child in _children(node))
    return memo[id(node)]


def _children(node: Node) -> list[Node]:
    children: list[Node | None] = [
        node.additional, node.property_names, node.items, node.contains, node.not_, node.if_, node.then,
        node.else_, node.ref,
    ]  # fmt: skip
    children += [sub for _, sub in node.properties] + [sub for _, sub in node.pattern_properties]
    children += [sub for _, sub in node.dependent_schemas] + node.prefix_items + node.all_of + node.any_of
    children += node.one_of
    return [child for child in children if child is not None]


def _walk(node: Node, seen: set[int]) -> Iterator[Node]:
    if id(node) in seen:
        return
    seen.add(id(node))
    yield node
    for child in _children(node):
        yield from _walk(child, seen)
