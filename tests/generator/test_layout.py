"""The statement layout (`layout`, used by the validator compiler and for the constructors' conditions) agrees with
black: statements of every shape the compiler writes, at indentations and lengths around the line limit, are laid out as black lays them out (black
leaves the result unchanged) and mean what the one-line statement means (the same syntax tree)."""

from __future__ import annotations

import ast
import random

import black
import pytest
from black.strings import str_width

from netmera_codegen import layout

MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=100)
CASES = 400
"""Random statements of each shape (about 1 s of black)."""


def _name(rng: random.Random, prefix: str) -> str:
    return prefix + "_".join(
        rng.choice(("item", "payment", "method", "order", "line", "category")) for _ in range(rng.randint(1, 6))
    )


def _string(rng: random.Random) -> str:
    text = "".join(rng.choice("abcdefghij/-_ ") for _ in range(rng.randint(1, rng.choice((20, 70, 140)))))
    return f'"{text}"'


def _atom(rng: random.Random, var: str) -> str:
    """A term of a condition, as the compiler writes them."""
    choices = [
        lambda: f"isinstance({var}, str)",
        lambda: f"len({var}) >= {rng.randint(0, 10**rng.randint(1, 12))}",
        lambda: f"{_name(rng, '_').upper()}_PATTERN.search({var}) is not None",
        lambda: f"{_name(rng, '_valid_')}({var})",
        lambda: f"{var} in {_name(rng, '_').upper()}_ENUM",
        lambda: f"{_string(rng)} not in {var}",
        lambda: f"{var} != {_string(rng)}",
        lambda: f"not in_enum({var}, {_name(rng, '_').upper()}_ENUM, {_name(rng, '_').upper()}_VALUES)",
        lambda: f"(type({var}) is int or type({var}) is float or is_number({var}))",
        lambda: f"not {var} % {rng.randint(2, 9)}",
        lambda: f"{var} < -{rng.randint(1, 2**63)}",
    ]
    return rng.choice(choices)()


def _grouped(term: str) -> str:
    node = ast.parse(term, mode="eval").body
    return term if isinstance(node, (ast.Call, ast.Name, ast.Compare)) and " or " not in term else f"({term})"


def _joined(terms: list[str], operator: str) -> str:
    """Terms joined as `source.any_true` / `all_true` join them: each grouped, one term itself."""
    if len(terms) == 1:
        return terms[0][1:-1] if terms[0].startswith("(") else terms[0]
    return f" {operator} ".join(_grouped(term) for term in terms)


def _condition(rng: random.Random, var: str) -> str:
    terms = [_atom(rng, var) for _ in range(rng.randint(1, 5))]
    shape = rng.randrange(3)
    if shape == 2:
        return "not " + _grouped(_joined(terms, "or"))
    return _joined(terms, "or" if shape == 0 else "and")


def _pointer(rng: random.Random) -> str:
    parts = [_string(rng)]
    for _ in range(rng.randint(0, 4)):
        parts.append(rng.choice([f"str(i{rng.randint(1, 40)})", f"pointer_token(k{rng.randint(1, 40)})", _string(rng)]))
    return " + ".join(parts)


def _json(rng: random.Random, depth: int = 0) -> str:
    kind = rng.randrange(5 if depth < 3 else 3)
    if kind == 0:
        return _string(rng)
    if kind == 1:
        return rng.choice(["None", "True", "1.5e-07", str(rng.randint(-(10**20), 10**20))])
    if kind == 2:
        return rng.choice(["[]", "{}"]) if rng.random() < 0.1 else _string(rng)
    if kind == 3:
        return "[" + ", ".join(_json(rng, depth + 1) for _ in range(rng.randint(1, 4))) + "]"
    return "{" + ", ".join(f"{_string(rng)}: {_json(rng, depth + 1)}" for _ in range(rng.randint(1, 3))) + "}"


def _statement(rng: random.Random) -> tuple[str, bool]:
    """A statement of one of the compiler's shapes, and whether it opens a block."""
    var = rng.choice(["item", "value", f"v{rng.randint(1, 200)}", f"k{rng.randint(1, 200)}"])
    shape = rng.randrange(9)
    if shape <= 2:
        return f"{rng.choice(['if', 'elif'])} {_condition(rng, var)}:", True
    if shape == 3:
        return f"{_name(rng, '_collect_')}({var}, {_pointer(rng)}, out)", False
    if shape == 4:
        elements = [_pointer(rng), f'"{rng.choice(["type", "additionalProperties"])}"', "type_message", var]
        elements.append(rng.choice(["None", _string(rng), f"({_string(rng)}, {rng.randint(0, 9)})"]))
        return f"out.append(({', '.join(elements)}))", False
    if shape == 5:
        count = f"matches{rng.randint(1, 99)}"
        terms = [_atom(rng, var) for _ in range(rng.randint(1, 4))]
        target = rng.choice([f"{count}: int =", f"{count} +=", f"{count} ="])
        return f"{target} {_joined(terms, rng.choice(['and', 'or']))}", False
    if shape == 6:
        return f"v{rng.randint(1, 99)} = {var}[{_string(rng)}]", False
    if shape == 7:
        return f"_{_name(rng, '').upper()}_PATTERN: re.Pattern[str] = re.compile({_string(rng)})", False
    return f"_{_name(rng, '').upper()}_CONST: Any = {_json(rng)}", False


def _snippet(rng: random.Random) -> tuple[str, str]:
    """A module holding one statement at a random depth: (laid out, on one line)."""
    statement, opens = _statement(rng)
    if statement.startswith("_"):
        depth = 0
    else:
        depth = rng.randint(1, 8)
    if statement.startswith("elif"):
        statement = statement.replace("elif", "if", 1)
    pad = layout.INDENT * depth
    headers = [f"{layout.INDENT * level}if x:" for level in range(depth)]
    body = [f"{pad}{layout.INDENT}pass"] if opens else []
    laid_out = "\n".join([*headers, *layout.statement(pad, statement), *body]) + "\n"
    one_line = "\n".join([*headers, pad + statement, *body]) + "\n"
    return laid_out, one_line


@pytest.mark.parametrize("seed", range(4))
def test_statements_are_laid_out_as_black_lays_them_out(seed: int) -> None:
    rng = random.Random(seed)
    differing = []
    split = 0
    for _ in range(CASES // 4):
        laid_out, one_line = _snippet(rng)
        assert ast.dump(ast.parse(laid_out)) == ast.dump(ast.parse(one_line)), laid_out
        split += laid_out != one_line
        formatted = black.format_str(laid_out, mode=MODE)
        if formatted != laid_out:
            differing.append(f"ours:\n{laid_out}black:\n{formatted}")
    assert split > CASES // 16, "too few statements needed splitting to test the layout"
    assert not differing, f"{len(differing)} statements laid out unlike black; first:\n" + "\n".join(differing[:2])


def test_a_module_constant_of_many_values_is_one_value_a_line() -> None:
    elements = [f'"value_{index}"' for index in range(100_000)]
    source = layout.collection("_VALUES: frozenset[str]", elements, "frozenset")
    lines = source.split("\n")
    assert lines[:3] == ["_VALUES: frozenset[str] = frozenset(", "    (", '        "value_0",']
    assert lines[-2:] == ["    )", ")"] and len(lines) == 100_004


def test_width_counts_columns_as_the_installed_black_does() -> None:
    assert layout.width("abc") == 3
    assert layout.width("😀ş") == 3  # wide characters take two columns
    for text in ("e\u0301" * 7, "漢字", "ş" * 5, "a\u200bb"):  # combining marks: none before black 26, one since
        assert layout.width(text) == str_width(text)
