"""The schema tree: each bundled schema is read once, and every problem with it is reported once, by every command.

`generate`, `lint` and `validate` used to read schemas with two readers that disagreed (an unknown
`x-netmera-type` came out twice at one pointer, as a warning and as an error); these run the real command line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_cli

from netmera_codegen.schema_tree import read_tree

FLOAT_POINTER = "purchase.json:/properties/amount/x-netmera-type"


def _schemas(tmp_path: Path, amount: dict[str, object]) -> Path:
    folder = tmp_path / "schemas"
    folder.mkdir()
    schema = {"title": "purchase", "type": "object", "properties": {"amount": amount}}
    (folder / "purchase.json").write_text(json.dumps(schema))
    return folder


def _lines_at(output: str, where: str) -> list[str]:
    return [line for line in output.splitlines() if where in line]


@pytest.mark.parametrize("command", ["generate", "lint", "validate"])
def test_unknown_netmera_type_is_one_error(tmp_path: Path, command: str) -> None:
    folder = _schemas(tmp_path, {"type": "number", "x-netmera-type": "Float"})
    args: list[str | Path] = [command, "--schemas", folder]
    if command == "generate":
        args += ["--out", tmp_path / "out"]
    if command == "validate":
        payload = tmp_path / "payload.json"
        payload.write_text(json.dumps({"name": "purchase", "extId": "1", "amount": 1.5}))
        args.append(payload)
    result = run_cli(*args)
    output = result.stdout + result.stderr
    assert result.returncode in (1, 2), output
    assert "Traceback" not in output
    lines = _lines_at(output, FLOAT_POINTER)
    assert len(lines) == 1, output
    assert "warning" not in lines[0]
    assert "expected one of String, Integer, Long, Double, Boolean, Date, Timestamp" in lines[0]
    assert not (tmp_path / "out").exists()


def test_netmera_type_contradicting_type_is_one_error(tmp_path: Path) -> None:
    folder = _schemas(tmp_path, {"type": "string", "x-netmera-type": "Double"})
    result = run_cli("lint", "--schemas", folder)
    lines = _lines_at(result.stdout, FLOAT_POINTER)
    assert result.returncode == 1
    assert len(lines) == 1, result.stdout
    assert lines[0].endswith(f"{FLOAT_POINTER}: error: x-netmera-type Double contradicts type string")


def test_invalid_keyword_value_is_reported_once(tmp_path: Path) -> None:
    folder = _schemas(tmp_path, {"type": "object", "properties": {"inner": 5}, "required": "inner"})
    result = run_cli("generate", "--schemas", folder, "--out", tmp_path / "out")
    output = result.stdout + result.stderr
    assert result.returncode == 1
    for pointer in ("/properties/amount/properties/inner", "/properties/amount/required"):
        assert len(_lines_at(output, f"purchase.json:{pointer}:")) == 1, output


def test_nodes_carry_pointer_dialect_annotations_and_resolved_refs() -> None:
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {"money": {"type": "integer", "x-netmera-type": "Long", "description": "minor units"}},
        "properties": {"total": {"$ref": "#/definitions/money"}, "tags": {"type": "array", "items": {}}},
    }
    tree = read_tree(schema, "order.json")
    assert tree.ok and tree.root is not None
    assert tree.dialect == "draft7"
    total = dict(tree.root.properties)["total"]
    assert total.pointer == "/properties/total"
    assert total.ref is not None and total.ref.pointer == "/definitions/money"
    assert total.ref.netmera_type == "Long"
    assert total.ref.description == "minor units"
    assert total.ref.netmera_range == ("Long", -(2**63), 2**63 - 1)
    assert "x-netmera-type" in total.ref.keywords


def test_epoch_and_private_annotations_are_judged_once_by_the_tree(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    properties = {
        "at": {"type": "integer", "x-netmera-type": "Timestamp", "x-netmera-epoch": "minutes"},
        "secret": {"type": "string", "x-netmera-private": "yes"},
    }
    (folder / "purchase.json").write_text(json.dumps({"type": "object", "properties": properties}))
    result = run_cli("generate", "--schemas", folder, "--out", tmp_path / "out")
    assert result.returncode == 1, result.stdout + result.stderr
    epoch = _lines_at(result.stdout + result.stderr, "purchase.json:/properties/at/x-netmera-epoch")
    private = _lines_at(result.stdout + result.stderr, "purchase.json:/properties/secret/x-netmera-private")
    assert len(epoch) == 1 and "must be one of milliseconds, seconds, not 'minutes'" in epoch[0]
    assert len(private) == 1 and "must be true or false, not 'yes'" in private[0]


def test_an_epoch_in_seconds_is_bounded_in_seconds() -> None:
    schema = {"type": "integer", "x-netmera-type": "Date", "x-netmera-epoch": "seconds"}
    node = read_tree(schema, "when.json").root
    assert node is not None and node.netmera_epoch == "seconds"
    assert node.netmera_range == ("Date", -62135596800, 253402300799)
    default = read_tree({"type": "integer", "x-netmera-type": "Date"}, "when.json").root
    assert default is not None and default.netmera_range == ("Date", -62135596800000, 253402300799999)
