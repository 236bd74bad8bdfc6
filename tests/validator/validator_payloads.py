"""Payloads for differential tests and the benchmark: a deterministic example generator that follows a schema
(mostly valid instances), and mutations of those examples (wrong type, missing required, extra key, null, out of
range, bad format, bool for number, int for string, boundary values taken from the schema itself)."""

from __future__ import annotations

import copy
import random
import re
import string
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

FORMAT_EXAMPLES = {
    "date-time": ["2024-05-17T10:20:30Z", "2024-02-29T23:59:59.123+03:00"],
    "date": ["2024-05-17", "2000-02-29"],
    "time": ["10:20:30Z", "23:59:59.5-01:30"],
    "email": ["someone@example.com"],
    "idn-email": ["kişi@örnek.com"],
    "hostname": ["api.example.com", "localhost"],
    "idn-hostname": ["örnek.com"],
    "ipv4": ["192.168.1.20"],
    "ipv6": ["2001:db8::1", "::1"],
    "uri": ["https://example.com/a/b?c=d#e", "urn:isbn:0451450523"],
    "uri-reference": ["/relative/path?x=1", "https://example.com"],
    "uuid": ["123e4567-e89b-12d3-a456-426614174000"],
    "regex": ["^[a-z]+$"],
}
BAD_FORMAT_VALUES = [
    "", "not a date", "2024-13-01", "2024-02-30", "2023-02-29T10:00:00Z", "2024-05-17T24:00:00Z",
    "2024-05-17 10:20:30Z", "2024-05-17T10:20:30", "2024-05-17t10:20:30z", "10:20:30", "25:00:00Z",
    "no-at-sign", "a@b", "-bad-.host", "a..b", "x" * 64 + ".com", "256.1.1.1", "1.2.3", "::g", "1::2::3",
    "http//missing-colon", "http://exa mple.com", "://x", "123e4567-e89b-12d3-a456-42661417400",
    "123e4567e89b12d3a456426614174000", "(unclosed", "0000-01-01", "2024-05-17\n",
]  # fmt: skip
ODD_VALUES: list[Any] = [
    None, True, False, 0, 1, -1, 7, 1.5, -0.5, 1.0, 2**31, -(2**31) - 1, 2**31 - 1, 2**63, -(2**63) - 1, 10**20,
    1e300, "", "text", "7", [], [1], ["a", "a"], {}, {"a": 1},
]  # fmt: skip

_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")


def resolve(root: Any, ref: str) -> Any:
    node = root
    fragment = unquote(ref[1:]) if ref.startswith("#") else None
    if fragment is None:
        return True
    for token in fragment.split("/")[1:] if fragment else []:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return True
    return node


class ExampleMaker:
    """Builds an instance for a schema, aiming at validity (not guaranteed for exotic combinations)."""

    def __init__(self, root: Any, rng: random.Random, draft7: bool = False) -> None:
        self.root = root
        self.rng = rng
        self.draft7 = draft7

    def make(self, schema: Any, depth: int = 0) -> Any:
        if depth > 12:
            return None
        if schema is True or not isinstance(schema, dict):
            return self.rng.choice([1, "a", None, True])
        if schema is False:
            return None
        if "$ref" in schema and isinstance(schema["$ref"], str):
            target = resolve(self.root, schema["$ref"])
            if self.draft7 or not ({"type", "properties", "enum", "const"} & set(schema)):
                return self.make(target, depth + 1)
        if "const" in schema:
            return copy.deepcopy(schema["const"])
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return copy.deepcopy(self.rng.choice(schema["enum"]))
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key] and "type" not in schema:
                return self.make(self.rng.choice(schema[key]), depth + 1)
        if isinstance(schema.get("allOf"), list) and schema["allOf"] and "type" not in schema:
            merged: dict[str, Any] = {}
            for sub in schema["allOf"]:
                if isinstance(sub, dict):
                    merged.update(sub)
            merged.update({k: v for k, v in schema.items() if k != "allOf"})
            return self.make(merged, depth + 1)
        kind = self._kind(schema)
        return getattr(self, "_" + kind)(schema, depth)

    def _kind(self, schema: dict[str, Any]) -> str:
        declared = schema.get("type")
        if isinstance(declared, str):
            return declared
        if isinstance(declared, list) and declared:
            non_null = [t for t in declared if t != "null"]
            if non_null and self.rng.random() < 0.85:
                return str(self.rng.choice(non_null))
            return str(self.rng.choice(declared))
        if "properties" in schema or "required" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema:
            return "array"
        if {"minimum", "maximum", "multipleOf", "exclusiveMinimum", "exclusiveMaximum"} & set(schema):
            return "number"
        return "string"

    def _null(self, schema: dict[str, Any], depth: int) -> Any:
        return None

    def _boolean(self, schema: dict[str, Any], depth: int) -> Any:
        return self.rng.choice([True, False])

    def _string(self, schema: dict[str, Any], depth: int) -> Any:
        low = schema.get("minLength", 0) if isinstance(schema.get("minLength"), int) else 0
        high = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
        candidates = list(FORMAT_EXAMPLES.get(str(schema.get("format")), []))
        length = low + self.rng.randint(0, 6)
        if high is not None:
            length = min(length, high)
        candidates.append("".join(self.rng.choice(string.ascii_letters) for _ in range(max(length, low))))
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            candidates += ["a", "abc", "A1", "1", "x-1", "abc123", "2024-05-17", "ab_cd", "ABC", "a.b", "+1"]
            try:
                regex = re.compile(pattern)
            except re.error:
                regex = None
            for candidate in candidates:
                if regex is None or regex.search(candidate):
                    return candidate
        return candidates[0] if candidates[0] and len(candidates[0]) >= low else candidates[-1]

    def _number_range(self, schema: dict[str, Any]) -> tuple[float, float]:
        low = -1000.0
        high = 1000.0
        for key, value in schema.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if key == "minimum":
                low = max(low, value)
            elif key == "exclusiveMinimum":
                low = max(low, value + 1)
            elif key == "maximum":
                high = min(high, value)
            elif key == "exclusiveMaximum":
                high = min(high, value - 1)
        if low > high:
            low = high = schema.get("minimum", 0) if isinstance(schema.get("minimum"), (int, float)) else high
        return low, high

    def _integer(self, schema: dict[str, Any], depth: int) -> Any:
        low, high = self._number_range(schema)
        value = self.rng.randint(int(-(-low // 1)), int(high // 1)) if int(-(-low // 1)) <= int(high // 1) else int(low)
        factor = schema.get("multipleOf")
        if isinstance(factor, int) and not isinstance(factor, bool) and factor > 0:
            value = value // factor * factor
        return value

    def _number(self, schema: dict[str, Any], depth: int) -> Any:
        factor = schema.get("multipleOf")
        if factor is not None or self.rng.random() < 0.5:
            return self._integer(schema, depth)
        low, high = self._number_range(schema)
        return round(self.rng.uniform(low, high), 2)

    def _object(self, schema: dict[str, Any], depth: int) -> Any:
        result: dict[str, Any] = {}
        properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        required = schema.get("required") if isinstance(schema.get("required"), list) else []
        for name, sub in properties.items():
            if name in required or self.rng.random() < 0.7:
                result[name] = self.make(sub, depth + 1)
        for name in required:
            if name not in result:
                result[name] = "x"
        return result

    def _array(self, schema: dict[str, Any], depth: int) -> Any:
        low = schema.get("minItems", 0) if isinstance(schema.get("minItems"), int) else 0
        high = schema.get("maxItems") if isinstance(schema.get("maxItems"), int) else None
        count = low + self.rng.randint(0, 3)
        if high is not None:
            count = min(count, high)
        prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
        items = schema.get("items", True)
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems", True)
        result = []
        for position in range(count):
            sub = prefix[position] if position < len(prefix) else items
            if sub is False:
                break
            result.append(self.make(sub, depth + 1))
        return result


def interesting_values(schema: Any) -> list[Any]:
    """Boundary values from a schema's own keywords: bounds and bounds +-1, length limits, enum and const values."""
    values: list[Any] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") and isinstance(
                value, (int, float)
            ):
                values.extend([value, value - 1, value + 1, value + 0.5])
            elif key == "multipleOf" and isinstance(value, (int, float)):
                values.extend([value * 3, value * 2.5])
            elif key in ("maxLength", "minLength") and isinstance(value, int) and value < 500:
                values.extend(["a" * value, "a" * (value + 1), "a" * max(value - 1, 0)])
            elif key in ("maxItems", "minItems") and isinstance(value, int) and value < 50:
                values.extend([[1] * value, [1] * (value + 1)])
            elif key == "enum" and isinstance(value, list):
                values.extend(copy.deepcopy(value[:5]))
            elif key == "const":
                values.append(copy.deepcopy(value))
            elif key == "format" and isinstance(value, str) and value in FORMAT_EXAMPLES:
                values.extend(FORMAT_EXAMPLES[value])
            elif isinstance(value, (dict, list)) and key not in ("enum", "const", "default", "examples"):
                walk(value)

    walk(schema)
    return values


def _locations(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _locations(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _locations(item, path + (index,))


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    _get(value, path[:-1])[path[-1]] = new
    return value


def mutants(payload: Any, schema: Any, rng: random.Random, count: int) -> list[Any]:
    """`count` single (sometimes double) mutations of a payload."""
    locations = [path for path in _locations(payload)]
    pool = ODD_VALUES + BAD_FORMAT_VALUES + interesting_values(schema)
    result = []
    for _ in range(count):
        mutant = copy.deepcopy(payload)
        for _ in range(1 if rng.random() < 0.8 else 2):
            mutant = _mutate_once(mutant, locations, pool, rng)
        result.append(mutant)
    return result


def _mutate_once(mutant: Any, locations: list[tuple[Any, ...]], pool: list[Any], rng: random.Random) -> Any:
    try:
        return _mutate_at(mutant, rng.choice(locations), pool, rng)
    except (KeyError, IndexError, TypeError):
        return mutant  # an earlier mutation removed the location


def _mutate_at(mutant: Any, path: tuple[Any, ...], pool: list[Any], rng: random.Random) -> Any:
    target = _get(mutant, path)
    choice = rng.random()
    if isinstance(target, dict) and choice < 0.35:
        if target and rng.random() < 0.6:
            del target[rng.choice(list(target))]  # missing required
        else:
            target[rng.choice(["zzExtra", "a/b~c", "EXTRA", "", "x-y"])] = rng.choice(pool)  # extra key
        return mutant
    if isinstance(target, list) and choice < 0.35:
        if target and rng.random() < 0.5:
            target.append(copy.deepcopy(rng.choice(target)))  # duplicate / too many
        elif target:
            target.pop()
        else:
            target.append(rng.choice(pool))
        return mutant
    if path == () and rng.random() < 0.5:
        return rng.choice(pool)
    if isinstance(target, bool) and rng.random() < 0.5:
        return _set(mutant, path, rng.choice([0, 1, "true", None]))
    if isinstance(target, (int, float)) and not isinstance(target, bool) and rng.random() < 0.4:
        return _set(mutant, path, rng.choice([True, False, str(target), target + 2**31, -target - 2**63, target + 0.5]))
    if isinstance(target, str) and rng.random() < 0.4:
        return _set(mutant, path, rng.choice([7, None, target + "x" * 40, target[:-1], target.upper(), " " + target]))
    return _set(mutant, path, copy.deepcopy(rng.choice(pool)))


def payloads_for(schema: Any, seed: int, bases: int, per_base: int, draft7: bool = False) -> list[Any]:
    """Examples of a schema and their mutants, deterministic for a seed."""
    rng = random.Random(seed)
    maker = ExampleMaker(schema, rng, draft7)
    result: list[Any] = []
    for _ in range(bases):
        base = maker.make(schema)
        result.append(base)
        result.extend(mutants(base, schema, rng, per_base))
    return result


def systematic_mutants(payload: Any, schema: Any) -> list[Any]:
    """Every mutation category applied to every top-level attribute (and to the attributes of nested objects one
    level down): wrong type, null, bool for number, int for string, out of range, bad format, missing required,
    extra key, plus the reserved keys (unknown event name, missing name/extId, non-string extId)."""
    if not isinstance(payload, dict):
        return []
    result: list[Any] = []
    targets: list[tuple[tuple[Any, ...], dict[str, Any]]] = [((), payload)]
    for key, value in payload.items():
        if isinstance(value, dict):
            targets.append(((key,), value))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            targets.append(((key, 0), value[0]))
    required = schema.get("required", []) if isinstance(schema, dict) else []
    for path, target in targets:
        for key, value in target.items():
            replacements: list[Any] = [None, True, 7, _other_kind(value)]
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                replacements += [2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 1e308, -1, value + 0.5]
            if isinstance(value, str):
                replacements += ["not-a-valid-value", "", value + "\n", "2024-13-45T25:61:00Z"]
            for replacement in replacements:
                mutant = copy.deepcopy(payload)
                _get(mutant, path)[key] = replacement
                result.append(mutant)
            if path == () and key in required or path:
                mutant = copy.deepcopy(payload)
                del _get(mutant, path)[key]
                result.append(mutant)
        mutant = copy.deepcopy(payload)
        _get(mutant, path)["unexpectedExtra"] = "x"
        result.append(mutant)
    for key, replacement in (("name", "NoSuchEvent"), ("name", None), ("extId", 12345), ("extId", None)):
        mutant = copy.deepcopy(payload)
        if replacement is None:
            mutant.pop(key, None)
        else:
            mutant[key] = replacement
        result.append(mutant)
    return result


def _other_kind(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 12345
    if isinstance(value, list):
        return {"0": value[0] if value else None}
    if isinstance(value, dict):
        return [value]
    return 0
