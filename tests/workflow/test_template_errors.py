"""Mistakes in a `--templates` folder are findings naming the template and its line: exit 1, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import GOLDEN, run_cli_inline, tree

from netmera_codegen.render import builtin_templates

SEED = GOLDEN / "seed" / "schemas"


def _run(tmp_path: Path, files: dict[str, str]) -> tuple[int, str, Path, Path]:
    templates = tmp_path / "templates"
    for name, text in files.items():
        (templates / name).parent.mkdir(parents=True, exist_ok=True)
        (templates / name).write_text(text)
    out = tmp_path / "out"
    assert run_cli_inline("generate", "--schemas", SEED, "--out", out).returncode == 0
    before = tree(out)
    result = run_cli_inline("generate", "--schemas", SEED, "--out", out, "--templates", templates)
    assert "Traceback" not in result.stdout + result.stderr
    if result.returncode != 0:
        assert tree(out) == before, "a failed run must leave the output as it was"
    return result.returncode, result.stderr, templates, out


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "project/pyproject.toml.jinja",
            "name = {{ distribution | tomlstr }}\nversion = {{ no_such_variable }}\n",
            ":2:1: error: undefined in template: 'no_such_variable' is undefined",
        ),
        ("event.py.jinja", "{{ event.class_name }}\n\n{{ event.no_such_attribute }}\n", ":3:1: error: undefined in"),
        ("project/README.md.jinja", "# Events\n{% for event in events %}\n", ":2:1: error: template syntax error:"),
        ("package/__init__.py.jinja", "{{ package }}\n{{ 1 // 0 }}\n", ":2:1: error: template failed: ZeroDivision"),
    ],
)
def test_jinja_errors_name_the_template_and_line(tmp_path: Path, name: str, text: str, expected: str) -> None:
    status, stderr, templates, _ = _run(tmp_path, {name: text})
    assert status == 1
    assert f"{templates / name}{expected}" in stderr, stderr
    assert "no files written: 1 error(s), 0 warning(s)" in stderr


@pytest.mark.parametrize(
    ("name", "text", "output"),
    [
        ("package/extra.py.jinja", '"""{{ package }}."""\n\ndef broken(:\n    pass\n', "netmera_events/extra.py"),
        ("event.py.jinja", "class {{ event.class_name }}(\n", "netmera_events/events/order_cancel_event.py"),
        ("package/_client.py", "def send(:\n", "netmera_events/_client.py"),
        ("package/__init__.py.jinja", '"""Unterminated.\n', "netmera_events/__init__.py"),
    ],
)
def test_a_template_rendering_invalid_python_is_a_finding(tmp_path: Path, name: str, text: str, output: str) -> None:
    status, stderr, templates, _ = _run(tmp_path, {name: text})
    assert status == 1
    assert f"{templates / name}:/: error: renders {output} as invalid Python (line " in stderr, stderr


def test_a_template_matching_no_output_is_a_warning(tmp_path: Path) -> None:
    status, stderr, templates, out = _run(
        tmp_path, {"events.py.jinja": "{{ event }}\n", "project/README.md": "# mine\n", ".hidden.swp": ""}
    )
    assert status == 0, stderr
    assert f"{templates / 'events.py.jinja'}:/: warning: template events.py.jinja matches no output file" in stderr
    assert f"{templates / 'project/README.md'}:/: warning: template project/README.md matches no" in stderr
    assert "hidden" not in stderr
    assert (out / "README.md").read_text() != "# mine\n"


def test_overriding_the_class_macros_is_no_warning(tmp_path: Path) -> None:
    """`classes.jinja` renders no file itself: the event modules and `types.py` import its macros."""
    macros = (builtin_templates() / "classes.jinja").read_text(encoding="utf-8")
    marked = macros.replace(
        "{{ class_doc(event) | docstring(4) }}", '{{ ("Overridden. " ~ class_doc(event)) | docstring(4) }}'
    )
    assert marked != macros
    status, stderr, _, out = _run(tmp_path, {"classes.jinja": marked})
    assert status == 0, stderr
    assert "matches no output file" not in stderr
    assert any("Overridden. " in path.read_text() for path in (out / "netmera_events" / "events").glob("*.py"))


@pytest.mark.parametrize("name", ["project/README.md.jinja", "package/_client.py"])
def test_a_template_that_is_not_utf8_is_a_finding(tmp_path: Path, name: str) -> None:
    templates = tmp_path / "templates"
    (templates / name).parent.mkdir(parents=True)
    (templates / name).write_bytes(b"# \xff\xfe\n")
    result = run_cli_inline("generate", "--schemas", SEED, "--out", tmp_path / "out", "--templates", templates)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{templates / name}:/: error: the template is not UTF-8 text (byte 2)" in result.stderr
    assert not (tmp_path / "out").exists()
