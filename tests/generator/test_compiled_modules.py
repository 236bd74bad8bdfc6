"""Every generated module is compiled before anything is written: a module that is not valid Python is reported as
a bug against its schema (exit 1, no traceback, nothing written), never shipped as a broken package."""

from __future__ import annotations

import json
from pathlib import Path

from support import ROOT, run_cli_inline, run_python, tree

from netmera_codegen.format import format_source

NAME_LENGTHS = (70, 76, 80, 90, 100)
"""Around the width where the validator's line splitter used to close `vN = item[` with `)`."""


def test_long_property_names_give_valid_modules(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    for length in NAME_LENGTHS:
        name = "a" * length
        inner = {"type": "object", "properties": {"x": {"type": "string", "maxLength": 3}}}
        schema = {"title": f"long{length}", "type": "object", "properties": {name: inner}, "required": [name]}
        (folder / f"long{length}.json").write_text(json.dumps(schema))
    out = tmp_path / "out"
    result = run_cli_inline("generate", "--schemas", folder, "--out", out)
    assert result.returncode == 0, result.stderr
    payloads = [{"name": f"long{n}", "extId": "u1", "a" * n: {"x": "long"}} for n in NAME_LENGTHS]
    code = (
        "import json, sys\n"
        "from netmera_events import validate\n"
        "print(json.dumps([v.pointer for v in validate(json.loads(sys.argv[1]))]))\n"
    )
    checked = run_python(code, path=out, argv=[json.dumps(payloads)])
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout) == [f"/{'a' * n}/x" for n in NAME_LENGTHS]


def test_a_module_that_does_not_compile_is_reported_and_nothing_written(tmp_path: Path) -> None:
    """A replaced runtime file is copied, not rendered: compiling it is what keeps a broken one out of the package."""
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "order.json").write_text(json.dumps({"title": "order", "type": "object", "properties": {}}))
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", folder, "--out", out).returncode == 0
    before = tree(out)
    overrides = tmp_path / "templates" / "package"
    overrides.mkdir(parents=True)
    (overrides / "_constants.py").write_text("LIMIT = (\n")
    result = run_cli_inline("generate", "--schemas", folder, "--out", out, "--templates", overrides.parent)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "templates/package/_constants.py" in result.stderr
    assert "netmera_events/_constants.py" in result.stderr
    assert tree(out) == before


def test_an_event_template_that_renders_broken_code_names_the_template(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "order.json").write_text(json.dumps({"title": "order", "type": "object", "properties": {}}))
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", folder, "--out", out).returncode == 0
    before = tree(out)
    overrides = tmp_path / "templates"
    overrides.mkdir()
    (overrides / "event.py.jinja").write_text("class {{ event.class_name }}(:\n    pass\n")
    result = run_cli_inline("generate", "--schemas", folder, "--out", out, "--templates", overrides)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "event.py.jinja" in result.stderr
    assert tree(out) == before


def test_a_module_made_in_a_worker_process_that_does_not_compile_is_reported(tmp_path: Path) -> None:
    """Event modules of the built-in event template are rendered and compiled in the worker processes (enough
    events that the build starts them): a broken one, here through an overridden macro file the template uses,
    is the same finding, against its schema, and nothing is written."""
    folder = tmp_path / "schemas"
    folder.mkdir()
    for index in range(60):
        schema = {"title": f"order{index}", "type": "object", "properties": {"total": {"type": "number"}}}
        (folder / f"order{index}.json").write_text(json.dumps(schema))
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", folder, "--out", out).returncode == 0
    before = tree(out)
    overrides = tmp_path / "templates"
    overrides.mkdir()
    macros = (ROOT / "templates" / "classes.jinja").read_text(encoding="utf-8")
    broken = macros.replace("class {{ event.class_name }}(Event):", "class {{ event.class_name }}(Event:")
    assert broken != macros
    (overrides / "classes.jinja").write_text(broken, encoding="utf-8")
    result = run_cli_inline("generate", "--schemas", folder, "--out", out, "--templates", overrides)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        "order7.json" in result.stderr and "netmera_events/events/order7.py is not valid Python (line" in result.stderr
    )
    assert tree(out) == before


def sixty_events(folder: Path) -> None:
    """Enough events that the build makes their modules in its worker processes."""
    folder.mkdir()
    for index in range(60):
        schema = {"title": f"order{index}", "type": "object", "properties": {"total": {"type": "number"}}}
        (folder / f"order{index}.json").write_text(json.dumps(schema))


def test_an_error_rendering_a_module_in_a_worker_process_names_the_template_and_line(tmp_path: Path) -> None:
    """The built-in event template, rendered in the workers, imports the user's macro file: an undefined variable
    there is a finding against the user's file and line, as when it is rendered here."""
    folder = tmp_path / "schemas"
    sixty_events(folder)
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", folder, "--out", out).returncode == 0
    before = tree(out)
    overrides = tmp_path / "templates"
    overrides.mkdir()
    lines = (ROOT / "templates" / "classes.jinja").read_text(encoding="utf-8").split("\n")
    line = lines.index("class {{ event.class_name }}(Event):") + 1
    lines[line - 1] += "{{ event.no_such_field }}"
    (overrides / "classes.jinja").write_text("\n".join(lines), encoding="utf-8")
    result = run_cli_inline("generate", "--schemas", folder, "--out", out, "--templates", overrides)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"classes.jinja:{line}:1: error: undefined in template" in result.stderr
    assert "no_such_field" in result.stderr
    assert tree(out) == before


def test_modules_from_an_overridden_macro_file_are_formatted_with_black(tmp_path: Path) -> None:
    """The built-in templates write black's style, so their output skips black when it fits; one that imports a
    user's macro file writes whatever that file writes, and goes through black (the event modules, made in the
    worker processes, and the shared classes' module)."""
    folder = tmp_path / "schemas"
    sixty_events(folder)
    for path in (ROOT / "schemas").glob("*.json"):  # events sharing classes through _common.json: a types module
        (folder / path.name).write_bytes(path.read_bytes())
    overrides = tmp_path / "templates"
    overrides.mkdir()
    macros = (ROOT / "templates" / "classes.jinja").read_text(encoding="utf-8")
    unstyled = macros.replace("(EventObject):", "( EventObject ) :").replace("(Event):", "( Event ) :")
    assert unstyled.count("( Event") == 2
    (overrides / "classes.jinja").write_text(unstyled, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli_inline("generate", "--schemas", folder, "--out", out, "--templates", overrides)
    assert result.returncode == 0, result.stderr
    modules = {
        path: text.decode("utf-8") for path, text in tree(out).items() if path.startswith("netmera_events/")
    }
    for path in ("netmera_events/types.py", "netmera_events/events/order7.py"):
        assert "(EventObject):" in modules[path] or "(Event):" in modules[path]
    for path, text in modules.items():
        if path == "netmera_events/types.py" or path.startswith("netmera_events/events/"):
            assert format_source(text) == text, path
