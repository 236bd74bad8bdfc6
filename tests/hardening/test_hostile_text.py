"""Schema text crafted to break out of docstrings and literals or to be run by the template engine stays data:
the generated package imports under an audit hook that fails on any process, exec or file-open of a marker."""

from __future__ import annotations

import json
from pathlib import Path

from support import run_cli_inline, run_python

EVIL = [
    '"""',
    "'''",
    "trailing backslash \\",
    "cr\rlf\r\n",
    "nul\x00",
    "line\u2028sep\u2029",
    "{{ 7*7 }}",
    "{% raw %}",
    "{# c #}",
    "# comment",
    "-->",
    "</script>",
    "__import__('os').system('touch MARKER')",
    "\"\"\"; open('MARKER', 'w') #",
    "'); import os; os.system('id') #",
]
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "__import__('os').system('touch MARKER')",
    "description": "\n".join(EVIL),
    "type": "object",
    "properties": {
        **{
            f"p{i}{text}": {"type": "string", "description": text, "title": text, "default": text, "enum": [text, "ok"]}
            for i, text in enumerate(EVIL)
        },
        "__class__": {"type": "string", "pattern": "^[\"'\\\\]*$|{{x}}"},
        "__dict__": {"type": "integer", "x-netmera-code": '"""{{ 1 }}'},
    },
}
OTHERS = {
    "init.json": {"title": "__init__", "properties": {"a": {"type": "string"}}},
    "events.json": {"title": "events", "properties": {"events": {"type": "string"}}},
}

AUDITED_IMPORT = """
import sys
def hook(event, args):
    if event in ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.fork") or (
        event == "open" and "MARKER" in str(args[0])):
        raise SystemExit("schema text executed: " + event)
sys.addaudithook(hook)
import importlib, pkgutil
import netmera_events.events as package
from netmera_events import EVENTS, parse_event
for module in pkgutil.iter_modules(package.__path__):
    importlib.import_module("netmera_events.events." + module.name)
cls = EVENTS["__import__('os').system('touch MARKER')"]
payload = {"extId": "u1", "name": cls.EVENT_NAME, "__class__": "\\"'", 'p0\"\"\"': '\"\"\"', "__dict__": 3}
assert parse_event(payload).to_payload() == payload, payload
print(sorted(EVENTS))
"""


def test_hostile_text_is_inert(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "hostile.json").write_text(json.dumps(SCHEMA))
    for name, schema in OTHERS.items():
        (schemas / name).write_text(json.dumps(schema))
    result = run_cli_inline("generate", "--schemas", schemas, "--out", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    ran = run_python(AUDITED_IMPORT, path=tmp_path / "out")
    assert ran.returncode == 0, ran.stderr
    assert "__init__" in ran.stdout and "events" in ran.stdout
    assert not list(tmp_path.rglob("MARKER"))
