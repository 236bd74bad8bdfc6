"""What `diff` reports: one `Change` per difference, named by a rule, with a verdict at each level.

Two levels, nested like protobuf's breaking-change levels: **wire** asks whether a payload that was valid before can
be refused now; **source** asks whether code written against the old generated package stops type-checking or
behaves differently. Every wire break is also a source break (the typed constructors and `fire_payloads` check
what the schema checks), so `source` is the stricter level and the default.

A verdict is `breaking` (proven), `unproven` (the tool cannot show the change is compatible, e.g. an edited
`anyOf`: treated as breaking, never guessed compatible) or `compatible`. The suggested version bump is for the
generated package, so it follows the source level: major for a break, minor for additions and widenings, patch for
any other change (descriptions, codes), none when nothing changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Level = Literal["wire", "source"]
LEVELS: tuple[Level, ...] = ("wire", "source")
DEFAULT_LEVEL: Level = "source"
Verdict = Literal["breaking", "unproven", "compatible"]
Category = Literal["removal", "narrowing", "addition", "widening", "rename", "other"]
"""What kind of edit it is, independent of its verdicts; additions and widenings make a minor bump."""
Bump = Literal["major", "minor", "patch", "none"]


@dataclass(frozen=True)
class Rule:
    id: str
    level: Level
    """The level whose question the rule answers (wire rules read schemas, source rules the generated API)."""
    wire: Verdict
    source: Verdict
    category: Category
    summary: str
    """One line for the README's table of rules."""


def _rule(rule_id: str, level: Level, wire: Verdict, source: Verdict, category: Category, summary: str) -> Rule:
    return Rule(rule_id, level, wire, source, category, summary)


_B: Verdict = "breaking"
_U: Verdict = "unproven"
_C: Verdict = "compatible"

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        # events
        _rule("EVENT_REMOVED", "wire", _B, _B, "removal", "an event is gone: Netmera refuses its name (5028)"),
        _rule("EVENT_RENAMED", "wire", _B, _B, "rename", "the same schema file now defines another event name"),
        _rule("EVENT_ADDED", "wire", _C, _C, "addition", "a new event"),
        # attributes
        _rule("ATTRIBUTE_REQUIRED_ADDED", "wire", _B, _B, "addition", "a new mandatory attribute"),
        _rule(
            "ATTRIBUTE_ADDED",
            "wire",
            _C,
            _C,
            "addition",
            "a new optional attribute (payloads that did not already send that key stay valid)",
        ),
        _rule(
            "ATTRIBUTE_REMOVED",
            "wire",
            _C,
            _B,
            "removal",
            "an attribute is gone: its keyword no longer exists; breaking on the wire too where the object has "
            "`additionalProperties: false`",
        ),
        _rule("ATTRIBUTE_MADE_REQUIRED", "wire", _B, _B, "narrowing", "an optional attribute is now mandatory"),
        _rule(
            "ATTRIBUTE_MADE_OPTIONAL",
            "wire",
            _C,
            _B,
            "widening",
            "a mandatory attribute is now optional: reading it may give None",
        ),
        # values
        _rule(
            "TYPE_NARROWED", "wire", _B, _B, "narrowing", "a JSON type is no longer accepted (`number` -> `integer`)"
        ),
        _rule("TYPE_WIDENED", "wire", _C, _C, "widening", "another JSON type is accepted"),
        _rule("NULL_NO_LONGER_ALLOWED", "wire", _B, _B, "narrowing", "`null` was accepted and is not any more"),
        _rule("NULL_ALLOWED", "wire", _C, _C, "widening", "`null` is accepted now"),
        _rule(
            "RANGE_NARROWED",
            "wire",
            _B,
            _B,
            "narrowing",
            "`minimum`/`maximum` (exclusive or not) or the `x-netmera-type` range narrowed (Long -> Integer)",
        ),
        _rule("RANGE_WIDENED", "wire", _C, _C, "widening", "a numeric bound relaxed or dropped"),
        _rule(
            "MULTIPLE_OF_NARROWED", "wire", _B, _B, "narrowing", "`multipleOf` added, or no longer a divisor of the old"
        ),
        _rule("MULTIPLE_OF_WIDENED", "wire", _C, _C, "widening", "`multipleOf` dropped or divides the old one"),
        _rule(
            "LENGTH_NARROWED",
            "wire",
            _B,
            _B,
            "narrowing",
            "`minLength`/`maxLength`, `minItems`/`maxItems` or " "`minProperties`/`maxProperties` narrowed",
        ),
        _rule("LENGTH_WIDENED", "wire", _C, _C, "widening", "a length or count bound relaxed or dropped"),
        _rule("PATTERN_ADDED", "wire", _B, _B, "narrowing", "a `pattern` where there was none"),
        _rule(
            "PATTERN_CHANGED",
            "wire",
            _U,
            _U,
            "other",
            "a different `pattern`: regular expressions cannot be compared, so not proven compatible",
        ),
        _rule("PATTERN_REMOVED", "wire", _C, _C, "widening", "a `pattern` dropped"),
        _rule(
            "FORMAT_ADDED", "wire", _B, _B, "narrowing", "a checked `format` (date, email, ...) where there was none"
        ),
        _rule("FORMAT_CHANGED", "wire", _B, _B, "narrowing", "a different checked `format`"),
        _rule("FORMAT_REMOVED", "wire", _C, _C, "widening", "a checked `format` dropped"),
        _rule("ENUM_ADDED", "wire", _B, _B, "narrowing", "`enum`/`const` where any value was accepted"),
        _rule("ENUM_VALUE_REMOVED", "wire", _B, _B, "narrowing", "a value of `enum`/`const` is no longer accepted"),
        _rule("ENUM_VALUE_ADDED", "wire", _C, _C, "widening", "`enum` accepts another value"),
        _rule("ENUM_REMOVED", "wire", _C, _C, "widening", "`enum`/`const` dropped: any value of the type is accepted"),
        _rule("UNIQUE_ITEMS_ADDED", "wire", _B, _B, "narrowing", "`uniqueItems: true` added"),
        _rule("UNIQUE_ITEMS_REMOVED", "wire", _C, _C, "widening", "`uniqueItems` dropped"),
        _rule(
            "ADDITIONAL_PROPERTIES_CLOSED",
            "wire",
            _B,
            _B,
            "narrowing",
            "`additionalProperties: false` (or a schema) where undeclared keys were accepted",
        ),
        _rule("ADDITIONAL_PROPERTIES_OPENED", "wire", _C, _C, "widening", "undeclared keys are accepted now"),
        _rule(
            "COMPOSITION_CHANGED",
            "wire",
            _U,
            _U,
            "other",
            "`allOf`/`anyOf`/`oneOf`/`not`/`if` or another keyword that cannot be compared exactly changed: "
            "cannot prove compatible",
        ),
        _rule(
            "COMPOSITION_WIDENED", "wire", _C, _C, "widening", "an `anyOf` branch added or an `allOf` branch dropped"
        ),
        _rule(
            "METADATA_CHANGED", "wire", _C, _C, "other", "a title, description, `x-netmera-code` or other annotation"
        ),
        # the generated Python API
        _rule("CLASS_RENAMED", "source", _C, _B, "rename", "an event's or nested object's class has another name"),
        _rule("MODULE_RENAMED", "source", _C, _B, "rename", "an event's module under `events/` has another name"),
        _rule("PYTHON_NAME_CHANGED", "source", _C, _B, "rename", "an attribute's keyword changed (a new collision)"),
        _rule(
            "ANNOTATION_CHANGED",
            "source",
            _C,
            _B,
            "other",
            "an attribute's Python type changed (constraints and `Literal` members aside: the wire rules cover them)",
        ),
    )
}


@dataclass(frozen=True)
class Change:
    rule: str
    event: str
    """The event's wire name (the new one for a renamed event)."""
    file: str
    """The schema file, as shown to the user."""
    pointer: str
    """JSON pointer of the change in the event's schema, with `$ref`s read as if inlined."""
    old: Any
    new: Any
    message: str
    attribute: str | None = None
    """The attribute's path in a payload (`shipping.zip`, `items[].sku`), when the change is about one."""
    via: str | None = None
    """The shared definition (`$defs/...` of the bundled schema) the change sits in, when reached by `$ref`."""
    wire: Verdict | None = None
    source: Verdict | None = None
    """Verdicts when they differ from the rule's (ATTRIBUTE_REMOVED breaks the wire only on a closed object)."""

    @property
    def spec(self) -> Rule:
        return RULES[self.rule]

    def verdict(self, level: Level) -> Verdict:
        chosen = self.wire if level == "wire" else self.source
        if chosen is not None:
            return chosen
        return self.spec.wire if level == "wire" else self.spec.source

    def breaks(self, level: Level) -> bool:
        return self.verdict(level) != "compatible"

    def to_json(self, level: Level) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "rule_level": self.spec.level,
            "event": self.event,
            "file": self.file,
            "pointer": self.pointer,
            "attribute": self.attribute,
            "via": self.via,
            "old": self.old,
            "new": self.new,
            "message": self.message,
            "wire": self.verdict("wire"),
            "source": self.verdict("source"),
            "breaking": self.breaks(level),
            "breaking_levels": [each for each in LEVELS if self.breaks(each)],
        }


def suggested_bump(changes: Iterable[Change]) -> Bump:
    changes = list(changes)
    if not changes:
        return "none"
    if any(change.breaks("source") for change in changes):
        return "major"
    if any(change.spec.category in ("addition", "widening") for change in changes):
        return "minor"
    return "patch"


def sort_key(change: Change) -> tuple[str, str, str, str]:
    return (change.event, change.pointer, change.spec.level, change.rule)
