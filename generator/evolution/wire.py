"""Wire rules: can a payload that one bundled schema accepted be refused by the other?

The two schemas of an event are walked side by side, subschema by subschema (`$ref`s followed, so a shared
definition is compared wherever an attribute uses it), and each difference becomes a `Change` named by its rule.
Facts are compared only where both sides accept the kind of value they constrain: a string length only matters
if strings are accepted before and after. What cannot be compared exactly is reported as "cannot prove
compatible", never as compatible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ..pointers import join_pointer
from .adapter import RESERVED_WIRE_NAMES
from .changes import Change, Verdict
from .shape import MAX_DEPTH, Bound, Shape, canonical, read_shape, type_of_value, value_key

_CATEGORIES = ("boolean", "object", "array", "integer", "fraction", "string")
"""Kinds of non-null value; `fraction` is a number that is not an integer (what `number` adds to `integer`)."""


def _base_categories(shape: Shape) -> set[str]:
    """Kinds of value the declared types accept (from the enum's values when no type is declared)."""
    if shape.always is False:
        return set()
    if shape.types is None and shape.enum is not None:
        return {_category(value) for value in shape.enum}
    if shape.types is None:
        return set(_CATEGORIES) | {"null"}
    kinds = set(shape.types) - {"number"}
    if "number" in shape.types:
        kinds |= {"integer", "fraction"}
    return kinds


def _category(value: Any) -> str:
    kind = type_of_value(value)
    return "fraction" if kind == "number" else kind


def _enum_values(shape: Shape) -> dict[Any, Any]:
    """The enum's values the declared types let through, by JSON equality key (null aside)."""
    assert shape.enum is not None
    kinds = _base_categories(shape)
    return {value_key(value): value for value in shape.enum if value is not None and _category(value) in kinds}


def _types_text(kinds: set[str]) -> list[str]:
    names = {"fraction": "number"}
    return sorted({names.get(kind, kind) for kind in kinds})


def _range_text(lower: Bound | None, upper: Bound | None) -> str:
    low = "-inf" if lower is None else _number_text(lower[0])
    high = "inf" if upper is None else _number_text(upper[0])
    opening = "(" if lower is None or lower[1] else "["
    closing = ")" if upper is None or upper[1] else "]"
    return f"{opening}{low}, {high}{closing}"


def _number_text(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else repr(float(value))


def _integer_lower(bound: Bound | None) -> Bound | None:
    if bound is None:
        return None
    value, exclusive = bound
    return (Fraction(math.floor(value) + 1 if exclusive else math.ceil(value)), False)


def _integer_upper(bound: Bound | None) -> Bound | None:
    if bound is None:
        return None
    value, exclusive = bound
    return (Fraction(math.ceil(value) - 1 if exclusive else math.floor(value)), False)


def _lower_narrowed(old: Bound | None, new: Bound | None) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    return new[0] > old[0] or (new[0] == old[0] and new[1] and not old[1])


def _upper_narrowed(old: Bound | None, new: Bound | None) -> bool:
    if new is None:
        return False
    if old is None:
        return True
    return new[0] < old[0] or (new[0] == old[0] and new[1] and not old[1])


@dataclass
class WireWalk:
    """Compares one event's two bundled schemas; `changes` collects what differs."""

    event: str
    file: str
    old_root: dict[str, Any]
    new_root: dict[str, Any]
    old_draft7: bool = False
    new_draft7: bool = False
    changes: list[Change] = field(default_factory=list)

    def run(self) -> list[Change]:
        self.node(self.old_root, self.new_root, "", None, None, 0, None, None)
        return self.changes

    def add(
        self,
        rule: str,
        pointer: str,
        old: Any,
        new: Any,
        message: str,
        attribute: str | None,
        via: str | None,
        wire: Verdict | None = None,
    ) -> None:
        self.changes.append(Change(rule, self.event, self.file, pointer, old, new, message, attribute, via, wire))

    def node(
        self,
        old_raw: Any,
        new_raw: Any,
        pointer: str,
        attribute: str | None,
        via: str | None,
        depth: int,
        old_inherited: str | None,
        new_inherited: str | None,
    ) -> None:
        old = read_shape(self.old_root, old_raw, self.old_draft7, 0, old_inherited)
        new = read_shape(self.new_root, new_raw, self.new_draft7, 0, new_inherited)
        if (old.folded is not None and old.folded in new.opaque) or (
            new.folded is not None and new.folded in old.opaque
        ):
            # One side reads as a plain type, the other cannot: compare the composition keywords as written.
            old = read_shape(self.old_root, old_raw, self.old_draft7, 0, old_inherited, fold=False)
            new = read_shape(self.new_root, new_raw, self.new_draft7, 0, new_inherited, fold=False)
        via = new.via or old.via or via
        where = (pointer, attribute, via)
        if depth > MAX_DEPTH:
            if canonical(self.old_root, old_raw) != canonical(self.new_root, new_raw):
                self.add("COMPOSITION_CHANGED", pointer, None, None, "nested too deeply to compare", attribute, via)
            return
        if old.always is False or new.always is False:
            if old.always is not new.always:
                self._false_schema(old, new, *where)
            return
        self._types(old, new, *where)
        self._enum(old, new, *where)
        kinds = _base_categories(old) & _base_categories(new)
        if kinds & {"integer", "fraction"}:
            self._numbers(old, new, not ({"fraction"} & (_base_categories(old) | _base_categories(new))), *where)
        if "string" in kinds:
            self._strings(old, new, *where)
        if "array" in kinds:
            self._arrays(old, new, depth, *where)
        if "object" in kinds:
            self._objects(old, new, depth, *where)
        self._opaque(old, new, *where)
        if pointer or attribute is not None:
            self._metadata(old, new, *where)
        else:
            self._metadata(old, new, "", None, None, skip=("title",))

    def _false_schema(self, old: Shape, new: Shape, pointer: str, attribute: str | None, via: str | None) -> None:
        if new.always is False:
            self.add("TYPE_NARROWED", pointer, "any", "nothing", "a false schema: no value is accepted", attribute, via)
        else:
            self.add(
                "TYPE_WIDENED", pointer, "nothing", "values", "was a false schema, accepts values now", attribute, via
            )

    def _types(self, old: Shape, new: Shape, pointer: str, attribute: str | None, via: str | None) -> None:
        if old.allows_null and not new.allows_null:
            self.add("NULL_NO_LONGER_ALLOWED", pointer, True, False, "null is no longer accepted", attribute, via)
        elif new.allows_null and not old.allows_null:
            self.add("NULL_ALLOWED", pointer, False, True, "null is accepted now", attribute, via)
        if old.enum is not None and new.enum is not None:
            return  # the enum comparison says which values went
        old_kinds = _base_categories(old) - {"null"}
        new_kinds = _base_categories(new) - {"null"}
        at = f"{pointer}/type"
        lost, gained = old_kinds - new_kinds, new_kinds - old_kinds
        if lost:
            self.add(
                "TYPE_NARROWED",
                at,
                _types_text(old_kinds),
                _types_text(new_kinds),
                f"no longer accepts {', '.join(_types_text(lost))}",
                attribute,
                via,
            )
        if gained:
            self.add(
                "TYPE_WIDENED",
                at,
                _types_text(old_kinds),
                _types_text(new_kinds),
                f"accepts {', '.join(_types_text(gained))} now",
                attribute,
                via,
            )

    def _enum(self, old: Shape, new: Shape, pointer: str, attribute: str | None, via: str | None) -> None:
        if old.enum is None and new.enum is None:
            return
        at = f"{pointer}/enum"
        if old.enum is None:
            assert new.enum is not None
            finite = _base_categories(old) <= {"boolean", "null"}
            values = {value_key(value) for value in new.enum}
            if finite and ("boolean" not in _base_categories(old) or {("b", True), ("b", False)} <= values):
                return
            self.add("ENUM_ADDED", at, None, new.enum, "only the listed values are accepted now", attribute, via)
            return
        if new.enum is None:
            self.add("ENUM_REMOVED", at, old.enum, None, "any value of the type is accepted now", attribute, via)
            return
        old_values, new_values = _enum_values(old), _enum_values(new)
        removed = [old_values[key] for key in old_values if key not in new_values]
        added = [new_values[key] for key in new_values if key not in old_values]
        if removed:
            listed = ", ".join(repr(value) for value in removed)
            self.add("ENUM_VALUE_REMOVED", at, old.enum, new.enum, f"no longer accepts {listed}", attribute, via)
        if added:
            listed = ", ".join(repr(value) for value in added)
            self.add("ENUM_VALUE_ADDED", at, old.enum, new.enum, f"accepts {listed} now", attribute, via)

    def _numbers(
        self, old: Shape, new: Shape, integers_only: bool, pointer: str, attribute: str | None, via: str | None
    ) -> None:
        bounds = [old.lower, old.upper, new.lower, new.upper]
        if integers_only:
            bounds = [_integer_lower(old.lower), _integer_upper(old.upper)]
            bounds += [_integer_lower(new.lower), _integer_upper(new.upper)]
        old_lower, old_upper, new_lower, new_upper = bounds
        narrowed = _lower_narrowed(old_lower, new_lower) or _upper_narrowed(old_upper, new_upper)
        widened = _lower_narrowed(new_lower, old_lower) or _upper_narrowed(new_upper, old_upper)
        old_text, new_text = _range_text(old_lower, old_upper), _range_text(new_lower, new_upper)
        netmera = ""
        if old.netmera_type != new.netmera_type:
            netmera = f" (x-netmera-type {old.netmera_type or 'none'} -> {new.netmera_type or 'none'})"
        if narrowed:
            self.add("RANGE_NARROWED", pointer, old_text, new_text, f"range narrowed{netmera}", attribute, via)
        if widened:
            self.add("RANGE_WIDENED", pointer, old_text, new_text, f"range widened{netmera}", attribute, via)
        if netmera and not narrowed and not widened:
            self.add(
                "METADATA_CHANGED",
                f"{pointer}/x-netmera-type",
                old.netmera_type,
                new.netmera_type,
                "x-netmera-type changed (same range)",
                attribute,
                via,
            )
        self._multiple_of(old, new, pointer, attribute, via)

    def _multiple_of(self, old: Shape, new: Shape, pointer: str, attribute: str | None, via: str | None) -> None:
        before, after = old.multiple_of, new.multiple_of
        if before == after:
            return
        at = f"{pointer}/multipleOf"
        shown = (None if before is None else _number_text(before), None if after is None else _number_text(after))
        if after is None or (before is not None and (before / after).denominator == 1):
            self.add("MULTIPLE_OF_WIDENED", at, *shown, "multipleOf relaxed", attribute, via)
        else:
            self.add("MULTIPLE_OF_NARROWED", at, *shown, "multipleOf stricter", attribute, via)

    def _counts(
        self,
        keyword: str,
        before: tuple[int | None, int | None],
        after: tuple[int | None, int | None],
        pointer: str,
        attribute: str | None,
        via: str | None,
    ) -> None:
        old_min, old_max = before[0] or 0, before[1]
        new_min, new_max = after[0] or 0, after[1]
        minimum, maximum = f"min{keyword}", f"max{keyword}"
        if new_min > old_min:
            self.add(
                "LENGTH_NARROWED", f"{pointer}/{minimum}", before[0], after[0], f"{minimum} raised", attribute, via
            )
        elif new_min < old_min:
            self.add(
                "LENGTH_WIDENED", f"{pointer}/{minimum}", before[0], after[0], f"{minimum} lowered", attribute, via
            )
        if new_max is not None and (old_max is None or new_max < old_max):
            self.add("LENGTH_NARROWED", f"{pointer}/{maximum}", old_max, new_max, f"{maximum} lowered", attribute, via)
        elif old_max is not None and (new_max is None or new_max > old_max):
            self.add("LENGTH_WIDENED", f"{pointer}/{maximum}", old_max, new_max, f"{maximum} raised", attribute, via)

    def _strings(self, old: Shape, new: Shape, pointer: str, attribute: str | None, via: str | None) -> None:
        where = (attribute, via)
        self._counts("Length", (old.min_length, old.max_length), (new.min_length, new.max_length), pointer, *where)
        at = f"{pointer}/pattern"
        if old.pattern != new.pattern:
            if old.pattern is None:
                self.add("PATTERN_ADDED", at, None, new.pattern, "strings must match a pattern now", *where)
            elif new.pattern is None:
                self.add("PATTERN_REMOVED", at, old.pattern, None, "pattern dropped", *where)
            else:
                self.add(
                    "PATTERN_CHANGED", at, old.pattern, new.pattern, "pattern changed: cannot prove compatible", *where
                )
        at = f"{pointer}/format"
        if old.format != new.format:
            if old.format is None:
                self.add("FORMAT_ADDED", at, None, new.format, f"strings must be a valid {new.format} now", *where)
            elif new.format is None:
                self.add("FORMAT_REMOVED", at, old.format, None, f"format {old.format} dropped", *where)
            else:
                self.add("FORMAT_CHANGED", at, old.format, new.format, "another format is checked", *where)

    def _arrays(self, old: Shape, new: Shape, depth: int, pointer: str, attribute: str | None, via: str | None) -> None:
        where = (attribute, via)
        self._counts("Items", (old.min_items, old.max_items), (new.min_items, new.max_items), pointer, *where)
        if new.unique_items and not old.unique_items:
            self.add("UNIQUE_ITEMS_ADDED", f"{pointer}/uniqueItems", False, True, "items must be unique now", *where)
        elif old.unique_items and not new.unique_items:
            self.add("UNIQUE_ITEMS_REMOVED", f"{pointer}/uniqueItems", True, False, "items may repeat now", *where)
        if "items" in old.opaque or "items" in new.opaque:
            return  # tuple forms: compared for equality with the other opaque keywords
        self.node(
            True if old.items is None else old.items,
            True if new.items is None else new.items,
            f"{pointer}/items",
            f"{attribute or ''}[]",
            via,
            depth + 1,
            old.netmera_type,
            new.netmera_type,
        )

    def _objects(
        self, old: Shape, new: Shape, depth: int, pointer: str, attribute: str | None, via: str | None
    ) -> None:
        where = (attribute, via)
        self._counts(
            "Properties",
            (old.min_properties, old.max_properties),
            (new.min_properties, new.max_properties),
            pointer,
            *where,
        )
        root = pointer == "" and attribute is None
        names = list(old.properties) + [name for name in new.properties if name not in old.properties]
        names += sorted((old.required | new.required) - set(names))
        for name in names:
            if root and name in RESERVED_WIRE_NAMES:
                continue
            self._property(old, new, name, depth, pointer, attribute, via)
        self._additional(old, new, depth, pointer, attribute, via)

    def _property(
        self, old: Shape, new: Shape, name: str, depth: int, pointer: str, parent: str | None, via: str | None
    ) -> None:
        at = join_pointer(pointer, "properties", name)
        attribute = f"{parent}.{name}" if parent else name
        was_required, is_required = name in old.required, name in new.required
        declared_old, declared_new = name in old.properties, name in new.properties
        if declared_old and declared_new:
            self.node(old.properties[name], new.properties[name], at, attribute, via, depth + 1, None, None)
        elif declared_new:
            if isinstance(old.additional, dict):
                self.node(old.additional, new.properties[name], at, attribute, via, depth + 1, None, None)
            if not is_required:
                self.add("ATTRIBUTE_ADDED", at, None, name, f"new optional attribute {name!r}", attribute, via)
        elif declared_old:
            closed = new.additional is False
            if isinstance(new.additional, dict):
                self.node(old.properties[name], new.additional, at, attribute, via, depth + 1, None, None)
            self.add(
                "ATTRIBUTE_REMOVED",
                at,
                name,
                None,
                f"attribute {name!r} removed" + (" and undeclared keys are refused" if closed else ""),
                attribute,
                via,
                wire="breaking" if closed else "compatible",
            )
        if is_required and not was_required:
            if declared_old or not declared_new:
                self.add("ATTRIBUTE_MADE_REQUIRED", at, False, True, f"{name!r} is mandatory now", attribute, via)
            else:
                self.add(
                    "ATTRIBUTE_REQUIRED_ADDED", at, None, name, f"new mandatory attribute {name!r}", attribute, via
                )
        elif was_required and not is_required and declared_new:
            self.add("ATTRIBUTE_MADE_OPTIONAL", at, True, False, f"{name!r} is optional now", attribute, via)

    def _additional(
        self, old: Shape, new: Shape, depth: int, pointer: str, attribute: str | None, via: str | None
    ) -> None:
        at = f"{pointer}/additionalProperties"
        before, after = old.additional, new.additional
        if isinstance(before, dict) and isinstance(after, dict):
            self.node(before, after, at, f"{attribute or ''}.*".lstrip("."), via, depth + 1, None, None)
        elif before is None and after is not None:
            text = "undeclared keys are refused now" if after is False else "undeclared keys must match a schema now"
            self.add("ADDITIONAL_PROPERTIES_CLOSED", at, True, after, text, attribute, via)
        elif after is None and before is not None:
            self.add(
                "ADDITIONAL_PROPERTIES_OPENED", at, before, True, "undeclared keys are accepted now", attribute, via
            )
        elif before is False and isinstance(after, dict):
            self.add(
                "ADDITIONAL_PROPERTIES_OPENED",
                at,
                False,
                after,
                "undeclared keys matching a schema are accepted",
                attribute,
                via,
            )
        elif isinstance(before, dict) and after is False:
            self.add(
                "ADDITIONAL_PROPERTIES_CLOSED", at, before, False, "undeclared keys are refused now", attribute, via
            )

    def _opaque(self, old: Shape, new: Shape, pointer: str, attribute: str | None, via: str | None) -> None:
        for keyword in sorted(set(old.opaque) | set(new.opaque)):
            if old.opaque.get(keyword) == new.opaque.get(keyword):
                continue
            at = pointer if keyword == "schema" else f"{pointer}/{keyword}"
            before, after = old.opaque_raw.get(keyword), new.opaque_raw.get(keyword)
            if self._branches_widened(keyword, old, new):
                self.add("COMPOSITION_WIDENED", at, before, after, f"{keyword} accepts more now", attribute, via)
            else:
                self.add(
                    "COMPOSITION_CHANGED",
                    at,
                    before,
                    after,
                    f"{keyword} changed: cannot prove compatible",
                    attribute,
                    via,
                )

    def _branches_widened(self, keyword: str, old: Shape, new: Shape) -> bool:
        """An `anyOf` that only gained branches, or an `allOf` that only lost some, accepts at least as much."""
        before, after = old.opaque_raw.get(keyword), new.opaque_raw.get(keyword)
        if keyword not in ("anyOf", "allOf") or not isinstance(before, list) or not isinstance(after, list):
            return False
        old_branches = {canonical(self.old_root, branch) for branch in before}
        new_branches = {canonical(self.new_root, branch) for branch in after}
        return old_branches <= new_branches if keyword == "anyOf" else new_branches <= old_branches

    def _metadata(
        self, old: Shape, new: Shape, pointer: str, attribute: str | None, via: str | None, skip: tuple[str, ...] = ()
    ) -> None:
        for keyword in sorted(set(old.metadata) | set(new.metadata)):
            before, after = old.metadata.get(keyword), new.metadata.get(keyword)
            if keyword in skip or value_key(before) == value_key(after):
                continue
            self.add("METADATA_CHANGED", f"{pointer}/{keyword}", before, after, f"{keyword} changed", attribute, via)


def compare_schemas(
    event: str, file: str, old: dict[str, Any], new: dict[str, Any], old_draft7: bool, new_draft7: bool
) -> list[Change]:
    return WireWalk(event, file, old, new, old_draft7, new_draft7).run()
