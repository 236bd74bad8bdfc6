"""Bad schema files are refused cleanly: exit 1, a finding naming the file and where, no traceback, and an output
folder from an earlier good run left byte-identical.

Each case is a folder under `bad_schemas/`; `bad_schemas/good.json` is generated first so the output exists.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support import run_cli_inline, tree

CASES = Path(__file__).resolve().parent / "bad_schemas"

# case -> (bad file, where the finding points, words of the message)
EXPECTED: dict[str, tuple[str, str, str]] = {
    "invalid_json": ("bad.json", ":4:3:", "invalid JSON"),
    "trailing_comma": ("bad.json", ":1:", "invalid JSON"),
    "empty_file": ("bad.json", ":1:1:", "empty file"),
    "whitespace_only": ("bad.json", ":1:1:", "empty file"),
    "invalid_utf8": ("bad.json", ":/:", "not valid UTF-8"),
    "non_object_root": ("bad.json", ":/:", "root must be a JSON object"),
    "string_root": ("bad.json", ":/:", "root must be a JSON object"),
    "nan_constant": ("bad.json", ":/:", "NaN is not valid JSON"),
    "too_deep": ("bad.json", ":/:", "nested too deeply"),
    "lone_surrogate": ("bad.json", ":/properties/a/description:", "lone surrogate"),
    "unknown_type": ("bad.json", ":/properties/a/type:", "strnig"),
    "root_not_object_type": ("bad.json", ":/type:", "object"),
    "ref_http": ("bad.json", ":/properties/a/$ref:", "remote"),
    "ref_https": ("bad.json", ":/properties/a/$ref:", "remote"),
    "ref_outside_folder": ("bad.json", ":/properties/a/$ref:", "outside the schemas folder"),
    "ref_absolute_path": ("bad.json", ":/properties/a/$ref:", "relative path inside the schemas folder"),
    "ref_missing_pointer": ("bad.json", ":/properties/a/$ref:", "target not found"),
    "ref_missing_file": ("bad.json", ":/properties/a/$ref:", "file not found"),
    "ref_circular": ("bad.json", ":/$defs/node:", "circular $ref"),
    "ref_circular_across_files": ("_loop.json", ":/$defs/p", "circular $ref"),
    "ext_id_wrong_type": ("bad.json", ":/properties/extId:", "extId"),
    "name_wrong_type": ("bad.json", ":/properties/name:", "name must be"),
    "name_enum_of_several": ("bad.json", ":/properties/name:", "name must be"),
    "duplicate_event_name": ("zz_duplicate.json", ":/:", "duplicate event name 'Good'"),
    "required_not_declared": ("bad.json", ":/required/1:", "'b' is not declared"),
    "netmera_type_contradicts": ("bad.json", ":/properties/a/x-netmera-type:", "contradicts"),
    "netmera_type_unknown": ("bad.json", ":/properties/a/x-netmera-type:", "x-netmera-type"),
    "netmera_type_not_string": ("bad.json", ":/properties/a/x-netmera-type:", "x-netmera-type"),
    "properties_not_object": ("bad.json", ":/properties:", "properties must be an object"),
    "required_not_array": ("bad.json", ":/required:", "required must be an array"),
    "false_schema_attribute": ("bad.json", ":/properties/a:", "false schema"),
    "invalid_pattern": ("bad.json", ":/properties/a/pattern:", "regular expression"),
}


def test_every_case_folder_has_an_expectation() -> None:
    assert sorted(p.name for p in CASES.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def good_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("good")
    (base / "schemas").mkdir()
    shutil.copy(CASES / "good.json", base / "schemas" / "good.json")
    result = run_cli_inline("generate", "--schemas", base / "schemas", "--out", base / "out")
    assert result.returncode == 0, result.stderr
    return base / "out"


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_schema_is_refused_cleanly(case: str, good_output: Path, tmp_path: Path) -> None:
    bad_file, where, words = EXPECTED[case]
    schemas = tmp_path / "project" / "schemas"
    schemas.mkdir(parents=True)
    # A real file just outside the schemas folder, so "outside" is refused for where it is, not for being missing.
    (tmp_path / "project" / "outside.json").write_text(json.dumps({"$defs": {"x": {"type": "string"}}}))
    shutil.copy(CASES / "good.json", schemas / "good.json")
    for path in (CASES / case).iterdir():
        shutil.copy(path, schemas / path.name)
    out = tmp_path / "out"
    shutil.copytree(good_output, out)
    before = tree(out)

    result = run_cli_inline("generate", "--schemas", schemas, "--out", out)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if bad_file in line and where in line and words in line]
    assert lines, f"no finding naming {bad_file}{where} ... {words}:\n{result.stderr}"
    assert tree(out) == before


def test_check_refuses_the_same_file(good_output: Path, tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(CASES / "ref_https", schemas)
    shutil.copy(CASES / "good.json", schemas / "good.json")
    result = run_cli_inline("check", "--schemas", schemas, "--out", good_output)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.json:/properties/a/$ref:" in result.stderr
