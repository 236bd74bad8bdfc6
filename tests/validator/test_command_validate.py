"""`netmera-codegen validate`: payload files checked straight from the schema files; exit 0 valid, 1 violations,
2 unreadable input (or schemas with errors); text lines `FILE:LINE:/pointer: error: message` (LINE 1-based, where the
item starts), or one JSON document."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from validator_support import ROOT, SCHEMA_DIRS

from netmera_codegen.command_validate import run_validate
from netmera_codegen.payload_files import PayloadFileError, parse_payload_bytes, read_payload_file

SEED = SCHEMA_DIRS["golden-seed"]
GOOD = {"extId": "u1", "name": "ShareEvent", "itemId": "4234", "channel": "Facebook"}
ORDER = {"extId": "u1", "name": "OrderCancelEvent", "paymentMethod": "Credit Card", "subTotal": 20.0, "itemCount": 4,
         "grandTotal": 35.0}  # fmt: skip


def run(files: list[Path], output_format: str = "text", schemas: Path = SEED) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run_validate(schemas, files, output_format, stdout, stderr)  # type: ignore[arg-type]
    return status, stdout.getvalue(), stderr.getvalue()


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_valid_files_exit_0(tmp_path: Path) -> None:
    files = [
        write(tmp_path, "array.json", [GOOD, ORDER]),
        write(tmp_path, "single.json", GOOD),
        write(tmp_path, "lines.jsonl", json.dumps(GOOD) + "\n\n" + json.dumps(ORDER) + "\n"),
        write(tmp_path, "empty-array.json", []),
    ]
    status, out, err = run(files)
    assert (status, out) == (0, "")
    assert "5 item(s) in 4 file(s): all valid" in err


def test_violations_exit_1_one_line_each(tmp_path: Path) -> None:
    bad_order = dict(ORDER, itemCount=2**31, subTotal=True)
    del bad_order["grandTotal"]
    payload = write(tmp_path, "body.json", [GOOD, bad_order, {"extId": "u", "name": "Nope"}, 7])
    payload.write_text(json.dumps([GOOD, bad_order, {"extId": "u", "name": "Nope"}, 7], indent=1))
    status, out, err = run([payload])
    assert status == 1
    # Each item's line (1-based, where it starts) and a pointer into the file's document.
    assert out.splitlines() == [
        f"{payload}:8:/1/subTotal: error: expected number, got boolean true",
        f"{payload}:8:/1/itemCount: error: 2147483648 is out of range for Integer (-2147483648 to 2147483647)",
        f'{payload}:8:/1/grandTotal: error: required property "grandTotal" is missing',
        f'{payload}:15:/2/name: error: unknown event name "Nope"',
        f"{payload}:19:/3: error: an event must be an object, not integer",
    ]
    assert "5 violation(s) in 3 item(s)" in err


def test_json_lines_print_the_1_based_line(tmp_path: Path) -> None:
    text = json.dumps(GOOD) + "\n\n" + json.dumps(dict(GOOD, channel=5)) + "\n"
    status, out, _ = run([write(tmp_path, "events.jsonl", text)])
    assert status == 1 and out == f"{tmp_path / 'events.jsonl'}:3:/channel: error: expected string, got integer 5\n"


def test_json_lines_go_on_after_a_bad_line(tmp_path: Path) -> None:
    lines = [json.dumps(GOOD), '{"extId": "u1", "name": ', json.dumps(dict(GOOD, channel=5)), "NaN", json.dumps(GOOD)]
    path = write(tmp_path, "events.jsonl", "\n".join(lines) + "\n")
    status, out, err = run([path])
    assert status == 2
    assert out == f"{path}:3:/channel: error: expected string, got integer 5\n"
    assert err.splitlines()[:2] == [
        f"{path}:2:25: error: invalid JSON Lines (one JSON value per line): Expecting value",
        f"{path}:4:1: error: invalid JSON: NaN is not valid JSON",
    ]
    assert "3 item(s) in 1 file(s): 1 violation(s) in 1 item(s); 1 file(s) could not be read in full" in err
    status, out, _ = run([path], "json")
    report = json.loads(out)["files"][0]
    assert [(u["line"], u["column"]) for u in report["unreadable"]] == [(2, 25), (4, 1)]
    assert [(v["index"], v["line"]) for v in report["violations"]] == [(1, 3)]


def test_a_jsonl_file_whose_first_line_is_broken_is_still_read_line_by_line(tmp_path: Path) -> None:
    path = write(tmp_path, "events.ndjson", "{oops\n" + json.dumps(dict(GOOD, channel=5)) + "\n")
    status, out, err = run([path])
    assert status == 2
    assert out == f"{path}:2:/channel: error: expected string, got integer 5\n"
    assert err.startswith(f"{path}:1:2: error: invalid JSON Lines")


def test_json_format(tmp_path: Path) -> None:
    payload = write(tmp_path, "body.json", [GOOD, dict(GOOD, extId=1)])
    status, out, err = run([payload], "json")
    document = json.loads(out)
    assert status == 1 and err == ""
    assert document["valid"] is False and document["schema_errors"] == []
    assert document["files"] == [
        {
            "file": str(payload),
            "layout": "array",
            "items": 2,
            "error": None,
            "unreadable": [],
            "violations": [
                {
                    "index": 1,
                    "line": 1,
                    "event": "ShareEvent",
                    "pointer": "/extId",
                    "keyword": "type",
                    "message": "expected string, got integer 1",
                }
            ],
        }
    ]
    status, out, _ = run([write(tmp_path, "ok.json", GOOD)], "json")
    assert status == 0 and json.loads(out)["valid"] is True


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        ('[{"extId": "u",\n  "name": }]', ":2:11:", "invalid JSON: Expecting value"),
        ("", ":1:1:", "empty file"),
        ("  \n", ":1:1:", "empty file"),
        (b'["\xff"]', ":1:3:", "not valid UTF-8"),
        ('{"a": NaN}', ":", "NaN is not valid JSON"),
        ('{"a": 1} x', ":1:10:", "invalid JSON Lines"),
    ],
)
def test_unreadable_input_exits_2_with_line_and_column(tmp_path: Path, content: Any, where: str, words: str) -> None:
    path = write(tmp_path, "bad.json", content)
    status, out, err = run([path, write(tmp_path, "good.json", GOOD)])
    assert status == 2 and out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"{path}{where} error: ") and words in first, err


def test_missing_file_exits_2_and_other_files_are_still_checked(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.json", dict(GOOD, channel=1))
    status, out, err = run([tmp_path / "missing.json", bad])
    assert status == 2
    assert f"{tmp_path / 'missing.json'}: error: cannot read" in err
    assert out.startswith(f"{bad}:1:/channel: error: ")


def test_schema_errors_exit_2(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "e.json").write_text(json.dumps({"title": "E", "type": "object", "unevaluatedProperties": False}))
    status, out, err = run([write(tmp_path, "p.json", GOOD)], schemas=schemas)
    assert status == 2 and out == ""
    assert "e.json:/unevaluatedProperties: error: unevaluatedProperties is not supported" in err
    status, out, _ = run([write(tmp_path, "p.json", GOOD)], "json", schemas=schemas)
    assert status == 2 and json.loads(out)["schema_errors"][0]["pointer"] == "/unevaluatedProperties"


def test_payload_file_layouts(tmp_path: Path) -> None:
    assert read_payload_file(write(tmp_path, "a.json", [1, 2])).layout == "array"
    assert read_payload_file(write(tmp_path, "o.json", "\ufeff" + json.dumps(GOOD))).items == [GOOD]
    lines = read_payload_file(write(tmp_path, "l.jsonl", '{"a": 1}\n\n{"b": 2}\r\n[3]\n'))
    assert (lines.layout, lines.items, lines.lines) == ("lines", [{"a": 1}, {"b": 2}, [3]], [1, 3, 4])
    with pytest.raises(PayloadFileError) as raised:
        parse_payload_bytes(b"[1,\n2,\n", "x.json")
    assert (raised.value.line, raised.value.column) == (3, 1)
    assert str(raised.value).startswith("x.json:3:1: invalid JSON")


def test_the_real_command_line(tmp_path: Path) -> None:
    """Through `python -m netmera_codegen validate`."""
    payload = write(tmp_path, "body.json", [GOOD, dict(GOOD, itemId=5)])

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "netmera_codegen", "validate", "--schemas", str(SEED), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    result = cli(str(payload))
    assert result.returncode == 1, result.stderr
    assert result.stdout == f"{payload}:1:/1/itemId: error: expected string, got integer 5\n"
    result = cli("--format", "json", str(payload))
    assert result.returncode == 1 and json.loads(result.stdout)["files"][0]["violations"][0]["index"] == 1
    assert cli(str(write(tmp_path, "good.json", GOOD))).returncode == 0
    assert cli(str(write(tmp_path, "broken.json", "[{"))).returncode == 2
