"""Event modules (and the package modules of `PRESTYLED_PACKAGE_TEMPLATES`) are written in black's style, so the
build formats only those with a code line too long.

The guarantee behind skipping black for them: for every such module of the bundled schema sets and the real
corpus whose code lines all fit, black changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support import GOLDEN, ROOT

from benchmarks.generate import synthesise
from netmera_codegen.format import format_source
from netmera_codegen.model import EventClass, Package
from netmera_codegen.parse import parse_package
from netmera_codegen.pipeline import Options, _package_files, bundle
from netmera_codegen.pystyle import LINE_LENGTH, annotated_call, assigned_list, fits
from netmera_codegen.render import PRESTYLED_PACKAGE_TEMPLATES, docstring, environment, render_event

FOLDERS = {
    "schemas": ROOT / "schemas",
    "hard": GOLDEN / "hard" / "schemas",
    "tracking-plan": ROOT / "tests" / "hardening" / "tracking_plan",
    "layout": ROOT / "tests" / "validator" / "layout_schemas",  # long and wide text
    "iglu-central": ROOT.parent / "shared" / "corpus" / "iglu-central",
}


OUTSIDE = {"iglu-central"}
"""Sets that live beside the repository, not in it: skipped on a clone alone, and slow (about 2,000 modules)."""


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.slow) if name in OUTSIDE else name for name in sorted(FOLDERS)]
)
def test_event_modules_that_fit_are_already_black_formatted(name: str) -> None:
    if not FOLDERS[name].is_dir():
        pytest.skip(f"{FOLDERS[name]} not found beside the repository")
    _, bodies, _ = _rendered(FOLDERS[name])
    fitting = {path: body for path, body in bodies.items() if fits(body, LINE_LENGTH)}
    assert fitting, "no module to check"
    changed = [path for path, body in fitting.items() if format_source(body) != body]
    assert changed == [], f"black would change {len(changed)} of {len(fitting)} modules, e.g. {changed[:3]}"


def test_fits_ignores_long_docstring_lines_only() -> None:
    docstring = '    """' + "x" * 120 + '"""\n'
    assert fits("class A:\n" + docstring + "    a: int\n", 100)
    assert not fits("class A:\n" + docstring + "    a: " + "int | " * 30 + "None\n", 100)


def test_split_attribute_lines_and_lists_are_what_black_writes() -> None:
    """Every length of name, annotation and arguments around the line limit: the statement as written is black's."""
    statements = []
    for name_length in range(1, 60, 7):
        for annotation in ("str", "list[types.LineItem] | None", 'Literal["android", "push", "tv", "email"] | None'):
            for key_length in range(1, 50, 6):
                for read in ([], ["epoch_ms_value"], ["partial(each, types.LineItemWithAVeryLongName._of)"]):
                    target = "n" * name_length
                    arguments = ['"' + "k" * key_length + '"', *read]
                    statements.append(annotated_call(target, f"Attribute[{annotation}]", "Attribute", arguments, 4))
    checked = [statement for statement in statements if fits(statement, LINE_LENGTH)]
    shapes = [("\n" not in s, " = Attribute(\n" in s, " = (\n" in s) for s in checked]
    assert all(any(shape[kind] for shape in shapes) for kind in range(3))  # one line, split call, wrapped call
    source = "class A:\n" + "\n".join(checked) + "\n"
    assert format_source(source) == source
    for count in range(1, 8):
        listed = assigned_list("__all__", [f'"Event{index:03d}{"x" * 12}"' for index in range(count)]) + "\n"
        assert format_source(listed) == listed


def test_docstrings_are_laid_out_as_black_lays_them_out() -> None:
    """Descriptions come from users: indented continuation lines, trailing spaces, blank lines, tabs, CRLF."""
    texts = [
        "First line.\n\nPanel code: a.",
        "Lines\n    indented by the author   \n      and more \r\n\n\tthen a tab",
        '  leading space and a trailing quote"',
    ]
    for text in texts:
        source = f"class A:\n    {docstring(text, 4)}\n\n    a: int\n"
        assert format_source(source) == source, source


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.slow) if name in OUTSIDE else name for name in sorted(FOLDERS)]
)
def test_package_modules_of_the_prestyled_templates_that_fit_are_already_black_formatted(name: str) -> None:
    if not FOLDERS[name].is_dir():
        pytest.skip(f"{FOLDERS[name]} not found beside the repository")
    _, _, prestyled = _rendered(FOLDERS[name])
    assert len(prestyled) == len(PRESTYLED_PACKAGE_TEMPLATES)
    fitting = {path: body for path, body in prestyled.items() if fits(body, LINE_LENGTH)}
    changed = [path for path, body in fitting.items() if format_source(body) != body]
    assert changed == [], f"black would change {changed}"


def test_modules_of_plain_schemas_need_no_formatting(tmp_path: Path) -> None:
    """The benchmark's synthetic schemas (plain attributes, the names and enums of everyday schemas): every event
    module and package module comes out with its lines within the limit, so the build runs black over none of
    them (a line written too long anywhere, such as a long constructor call, costs a cold build seconds)."""
    schemas = tmp_path / "schemas"
    synthesise(schemas, 60, 7)
    parsed, modules, prestyled = _rendered(schemas)
    assert any(event.fast_path is not None for event in parsed) and any(event.fast_path is None for event in parsed)
    too_long = [path for path, body in (modules | prestyled).items() if not fits(body, LINE_LENGTH)]
    assert too_long == []


def _rendered(schemas: Path) -> tuple[list[EventClass], dict[str, str], dict[str, str]]:
    """A schemas folder's parsed events, their modules by module name, and the package modules of the prestyled
    templates by path, as the built-in templates render them."""
    events, _ = bundle(Options(schemas=schemas))
    parsed, _, shared, shared_imports = parse_package(events)
    env = environment(None)
    modules = {event.module_name: render_event(event, env) for event in parsed}
    package = Package("netmera_events", tuple(parsed), tuple(shared), shared_imports)
    targets, rendered, _ = _package_files(Options(schemas=schemas), env, package)
    prestyled = {path: body for path, body in rendered.items() if targets[path] in PRESTYLED_PACKAGE_TEMPLATES}
    return parsed, modules, prestyled
