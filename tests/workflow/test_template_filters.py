"""The filters a user's template may apply take any value, as Jinja passes it: here `md`, which makes a Markdown
table cell of the value's text, on values that are not strings."""

from __future__ import annotations

from pathlib import Path

from support import GOLDEN, run_cli_inline

SEED = GOLDEN / "seed" / "schemas"


def readme_lines(tmp_path: Path, template: str) -> list[str]:
    """The lines a user's `project/README.md.jinja` renders (under the generated-file header)."""
    templates = tmp_path / "templates" / "project"
    templates.mkdir(parents=True)
    (templates / "README.md.jinja").write_text(template, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli_inline("generate", "--schemas", SEED, "--out", out, "--templates", templates.parent)
    assert result.returncode == 0, result.stderr
    return (out / "README.md").read_text(encoding="utf-8").splitlines()[1:]


def test_md_makes_a_cell_of_a_list_or_a_mapping(tmp_path: Path) -> None:
    lines = readme_lines(tmp_path, "{{ ['a', 'b|c'] | md }}\n{{ {'k': none} | md }}\n")
    assert lines == ["['a', 'b\\|c']", "{'k': None}"]


def test_md_tells_apart_values_that_compare_equal(tmp_path: Path) -> None:
    lines = readme_lines(tmp_path, "{{ true | md }}\n{{ 1.0 | md }}\n{{ 1 | md }}\n")
    assert lines == ["True", "1.0", "1"]
