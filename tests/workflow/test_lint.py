"""`netmera-codegen lint`: metaschema and Netmera rules, `path:/pointer: error: message`, errors 1, warnings 0 unless --strict."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from support import run_cli, run_cli_inline


def _schemas(tmp_path: Path, seed_schemas: Path, **extra: object) -> Path:
    folder = tmp_path / "schemas"
    shutil.copytree(seed_schemas, folder)
    for name, data in extra.items():
        (folder / f"{name}.json").write_text(json.dumps(data))
    return folder


def test_clean_schemas_pass(tmp_path: Path, seed_schemas: Path) -> None:
    result = run_cli("lint", "--schemas", _schemas(tmp_path, seed_schemas), "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_metaschema_violation_names_file_and_pointer(tmp_path: Path, seed_schemas: Path) -> None:
    folder = _schemas(
        tmp_path, seed_schemas, bad={"title": "Bad", "type": "object", "properties": {"n": {"type": "integr"}}}
    )
    result = run_cli("lint", "--schemas", folder)
    assert result.returncode == 1
    assert "bad.json:/properties/n/type: error: not a valid draft 2020-12 schema" in result.stdout


def test_build_errors_are_lint_errors(tmp_path: Path, seed_schemas: Path) -> None:
    folder = _schemas(
        tmp_path,
        seed_schemas,
        wrong_type={
            "title": "WrongType",
            "type": "object",
            "properties": {"n": {"type": "string", "x-netmera-type": "Integer"}},
        },
        undeclared={"title": "Undeclared", "type": "object", "properties": {}, "required": ["missing"]},
        ext={"title": "Ext", "type": "object", "properties": {"extId": {"type": "integer"}}},
        twin={"title": "ShareEvent", "type": "object"},
    )
    result = run_cli_inline("lint", "--schemas", folder)
    assert result.returncode == 1
    out = result.stdout
    assert "wrong_type.json:/properties/n/x-netmera-type: " in out
    assert "undeclared.json:/required/0: " in out
    assert "ext.json:/properties/extId: " in out
    assert "duplicate event name 'ShareEvent'" in out


def test_warnings_pass_unless_strict(tmp_path: Path, seed_schemas: Path) -> None:
    folder = _schemas(
        tmp_path,
        seed_schemas,
        closed={
            "title": "Closed",
            "type": "object",
            "additionalProperties": False,
            "properties": {"itemCount": {"type": "integer"}, "item_count": {"type": "integer"}},
        },
    )
    result = run_cli_inline("lint", "--schemas", folder)
    assert result.returncode == 0, result.stdout
    assert "closed.json:/additionalProperties: warning: " in result.stdout
    assert "closed.json:/properties/itemCount: warning: " in result.stdout and "'item_count'" in result.stdout
    strict = run_cli_inline("lint", "--schemas", folder, "--strict")
    assert strict.returncode == 1


def test_unsupported_keywords_and_bad_json(tmp_path: Path, seed_schemas: Path) -> None:
    folder = _schemas(tmp_path, seed_schemas)
    (folder / "broken.json").write_text('{"title": ')
    result = run_cli_inline("lint", "--schemas", folder)
    assert result.returncode == 1
    assert "broken.json:1:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def _event(tmp_path: Path, seed_schemas: Path, **properties: object) -> str:
    schema = {"title": "order", "type": "object", "properties": properties}
    return run_cli_inline("lint", "--schemas", _schemas(tmp_path, seed_schemas, order=schema)).stdout


def test_misspelt_netmera_annotation_is_a_warning_with_a_suggestion(tmp_path: Path, seed_schemas: Path) -> None:
    output = _event(tmp_path, seed_schemas, coupon={"type": "string", "x-netmera-typ": "String"})
    assert (
        "order.json:/properties/coupon/x-netmera-typ: warning: unknown annotation 'x-netmera-typ' is ignored; "
        "did you mean 'x-netmera-type'?"
    ) in output


def test_name_const_differing_from_title_names_both(tmp_path: Path, seed_schemas: Path) -> None:
    output = _event(tmp_path, seed_schemas, name={"const": "orderCompleted"})
    assert (
        "order.json:/properties/name/const: warning: properties.name.const 'orderCompleted' differs from the "
        "title 'order'"
    ) in output


def test_nested_objects_get_a_note_that_never_fails(tmp_path: Path, seed_schemas: Path) -> None:
    address = {"type": "object", "properties": {"city": {"type": "string"}}, "additionalProperties": False}
    lines = {"type": "array", "items": {"type": "object", "properties": {"sku": {"type": "string"}}}}
    folder = _schemas(
        tmp_path,
        seed_schemas,
        order={"title": "order", "type": "object", "properties": {"address": address, "lines": lines}},
    )
    result = run_cli_inline("lint", "--schemas", folder, "--strict")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "order.json:/properties/address: note: attribute 'address' is an object" in result.stdout
    assert "order.json:/properties/lines: note: attribute 'lines' is an array of objects" in result.stdout
    # a closed nested object is not a panel attribute list: no additionalProperties warning for it
    assert "additionalProperties" not in result.stdout


def test_redos_prone_pattern_is_a_warning(tmp_path: Path, seed_schemas: Path) -> None:
    output = _event(
        tmp_path,
        seed_schemas,
        slow={"type": "string", "pattern": "^(a+)+$"},
        fine={"type": "string", "pattern": "^[A-Z]{2}-\\d+$"},
    )
    assert "order.json:/properties/slow/pattern: warning: pattern '^(a+)+$' nests unbounded quantifiers" in output
    assert "/properties/fine/pattern" not in output
