"""Source rules: does code written against the old generated package still type-check and import?

Compares what the generator makes of an event on both sides: its class and module names, and for every attribute
present on both sides its keyword and its annotation as a type checker sees it. Nested classes are paired through
the annotations that use them, so a renamed nested class is one `CLASS_RENAMED`, not a changed type. Attributes
added, removed or made mandatory are wire rules, which carry their source verdict themselves.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ..pointers import join_pointer
from .adapter import EventSnapshot, SourceAttribute, SourceClass, names_in, type_level
from .changes import Change


def _location_of(annotation: str, class_name: str) -> str:
    """Where in the attribute's schema a class named in its annotation sits: `/items` for `list[X]`, ..."""
    try:
        tree = ast.parse(annotation, mode="eval").body
    except SyntaxError:
        return ""
    return _path_to(tree, class_name) or ""


def _path_to(node: ast.expr, class_name: str) -> str | None:
    if isinstance(node, ast.Name):
        return "" if node.id == class_name else None
    if isinstance(node, ast.BinOp):
        for side in (node.left, node.right):
            found = _path_to(side, class_name)
            if found is not None:
                return found
        return None
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        inner = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        step = {"list": "/items", "dict": "/additionalProperties"}.get(node.value.id, "")
        for item in inner[-1:] if node.value.id == "dict" else inner:
            found = _path_to(item, class_name)
            if found is not None:
                return step + found
    return None


@dataclass
class SourceWalk:
    old: EventSnapshot
    new: EventSnapshot
    file: str
    changes: list[Change] = field(default_factory=list)
    _paired: set[tuple[str, str]] = field(default_factory=set)

    def add(self, rule: str, pointer: str, old: str, new: str, message: str, attribute: str | None) -> None:
        self.changes.append(Change(rule, self.new.name, self.file, pointer, old, new, message, attribute))

    def run(self) -> list[Change]:
        if self.old.class_name != self.new.class_name:
            text = f"class {self.old.class_name} is now {self.new.class_name}"
            self.add("CLASS_RENAMED", "", self.old.class_name, self.new.class_name, text, None)
        if self.old.module_name != self.new.module_name:
            text = f"module events/{self.old.module_name}.py is now events/{self.new.module_name}.py"
            self.add("MODULE_RENAMED", "", self.old.module_name, self.new.module_name, text, None)
        self._attributes(self.old.attributes, self.new.attributes, "", None)
        return self.changes

    def _attributes(
        self, old: tuple[SourceAttribute, ...], new: tuple[SourceAttribute, ...], pointer: str, parent: str | None
    ) -> None:
        new_by_wire = {attribute.wire_name: attribute for attribute in new}
        for before in old:
            after = new_by_wire.get(before.wire_name)
            if after is not None:
                self._attribute(before, after, pointer, parent)

    def _attribute(self, before: SourceAttribute, after: SourceAttribute, pointer: str, parent: str | None) -> None:
        at = join_pointer(pointer, "properties", before.wire_name)
        path = f"{parent}.{before.wire_name}" if parent else before.wire_name
        if before.python_name != after.python_name:
            text = f"keyword {before.python_name}= is now {after.python_name}="
            self.add("PYTHON_NAME_CHANGED", at, before.python_name, after.python_name, text, path)
        old_classes = names_in(before.annotation, self.old.nested)
        new_classes = names_in(after.annotation, self.new.nested)
        renamed = dict(zip(old_classes, new_classes)) if len(old_classes) == len(new_classes) else {}
        # When mandatory-ness changed, its rule covers the `| None` it adds or drops; compare the rest.
        same_required = before.required == after.required
        old_type = before.full_annotation if same_required else before.annotation
        new_type = after.full_annotation if same_required else after.annotation
        if type_level(old_type, renamed) != type_level(new_type):
            text = f"type {before.full_annotation} is now {after.full_annotation}"
            self.add("ANNOTATION_CHANGED", at, before.full_annotation, after.full_annotation, text, path)
        for old_name, new_name in renamed.items():
            location = at + _location_of(after.annotation, new_name)
            nested_path = path + ("[]" if location.endswith("/items") else "")
            self._nested(self.old.nested[old_name], self.new.nested[new_name], location, nested_path)

    def _nested(self, before: SourceClass, after: SourceClass, pointer: str, path: str) -> None:
        if (before.name, after.name) in self._paired:
            return
        self._paired.add((before.name, after.name))
        if before.name != after.name:
            text = f"nested class {before.name} is now {after.name}"
            self.add("CLASS_RENAMED", pointer, before.name, after.name, text, path)
        self._attributes(before.attributes, after.attributes, pointer, path)


def compare_sources(old: EventSnapshot, new: EventSnapshot, file: str) -> list[Change]:
    return SourceWalk(old, new, file).run()
