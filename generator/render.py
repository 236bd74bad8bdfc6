"""Stage 4, render: the intermediate model through the Jinja templates into source text.

Templates come from `templates/`; a `--templates` folder given by the user is searched first, so any single
template can be overridden. The layout of the templates folder is the layout of the output:

- `project/*.jinja` render once into the output folder (`pyproject.toml`, `README.md`);
- `package/**/*.jinja` render once into the package (the registry, the events index, `__init__`);
- `event.py.jinja` renders once per event into `<package>/events/<module>.py`.

The runtime (clients, sender, validation helpers, ...) is not templates either: it is real source in `runtime/`,
copied byte for byte (see `runtime_source`).

The compiled checks in `<package>/_validators/` are not templates: `validators` writes them, keyword by
keyword, from each event's schema.

The built-in `event.py.jinja` writes black's style itself (quotes, blank lines, exploded signatures), so the
pipeline formats an event module only when one of its code lines is too long: black costs about 20 ms a module,
the bulk of a cold build. A test holds the template to black's output over the schema sets and the real corpus.

Values from schemas reach the output only through the filters below (`pyrepr`, `docstring`, `md`, `tomlstr`),
which make them inert literals: schema text is data, never code or template syntax.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from .cache import BuildCache
from .layout import statement
from .model import Attribute, EventClass, FastPath
from .pystyle import annotated_call, assigned_list, from_import, literal
from .report import printable

TEMPLATE_SUFFIX = ".jinja"
EVENT_TEMPLATE = "event.py.jinja"
MARKDOWN_CELLS_KEPT = 1 << 16
_ASCII_ESCAPED = re.compile(r'[\\"\x00-\x08\x0b-\x1f\x7f]')
"""The ASCII characters a docstring escapes: backslashes, quotes and controls other than tab and line feed."""
PRESTYLED_PACKAGE_TEMPLATES = frozenset(
    {
        "package/__init__.py.jinja",
        "package/_registry.py.jinja",
        "package/events/__init__.py.jinja",
        "package/types.py.jinja",
    }
)
"""Built-in package templates that, like `event.py.jinja`, write black's style (a test holds them to it): their
output goes through black only when a code line is too long. black takes 0.6 s over each of the first two for 1000
events, only to change nothing."""


def builtin_templates() -> Path:
    """The templates shipped with the generator (inside the wheel), or the repository's `templates/`."""
    packaged = Path(__file__).parent / "templates"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "templates"


class _CompiledTemplates(jinja2.BytecodeCache):
    """Jinja's compiled templates kept in the build cache: compiling the templates costs a run about 0.1 s.

    Jinja keys each by the template's name and file and checks its source's hash before using it; the build cache
    adds its own hash of the entry and of the generator's code, so a damaged entry is compiled again."""

    def __init__(self, cache: BuildCache) -> None:
        self.cache = cache

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.cache.get(_TEMPLATES_KIND, self.cache.key([jinja2.__version__, bucket.key]))
        if isinstance(code, bytes):
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.cache.put(_TEMPLATES_KIND, self.cache.key([jinja2.__version__, bucket.key]), bucket.bytecode_to_string())


_TEMPLATES_KIND = "templates"


def environment(user_templates: Path | None, cache: BuildCache | None = None) -> jinja2.Environment:
    """The templates (`user_templates` first) with the filters and helpers they use; with a `cache`, compiled
    templates are kept in it."""
    search_path = [str(user_templates)] if user_templates is not None else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(search_path + [str(builtin_templates())]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
        bytecode_cache=None if cache is None or cache.folder is None else _CompiledTemplates(cache),
    )
    env.filters.update(pyrepr=literal, docstring=docstring, md=markdown_cell, tomlstr=json.dumps)
    env.globals.update(
        event_doc=_module_doc,
        class_doc=_class_doc,
        attribute_doc=_attribute_doc,
        wire_value=_wire_value,
        attribute_line=_attribute_line,
        assigned_list=assigned_list,
        missing_tests=_missing_tests,
        condition=_condition,
        laid_out=_laid_out,
        from_import=from_import,
    )
    return env


def docstring(text: str, indent: int = 0) -> str:
    """A triple-quoted docstring holding `text`, whatever quotes, backslashes or controls it has, laid out as
    black lays docstrings out: continuation lines at `indent` (their common indentation removed), no trailing
    spaces, blank lines empty."""
    laid_out = _docstring_lines(text, indent)
    if laid_out.isascii() and not _ASCII_ESCAPED.search(laid_out):
        return '"""' + laid_out + '"""'  # nothing to escape: most descriptions, and 4x faster than char by char
    pieces = []
    for char in laid_out:
        if char == "\\":
            pieces.append("\\\\")
        elif char == '"':
            pieces.append('\\"')
        elif char == "\n":
            pieces.append("\n")
        elif char != "\t" and unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
            pieces.append(char.encode("unicode_escape", "backslashreplace").decode("ascii") if char != "\r" else "\\r")
        else:
            pieces.append(char)
    if pieces and pieces[-1] == '\\"':
        pieces.append(" ")  # black separates a closing quote of the text from the docstring's own
    return '"""' + "".join(pieces) + '"""'


def _docstring_lines(text: str, indent: int) -> str:
    lines = [line.rstrip() for line in text.strip().split("\n")]
    rest = [_leading_tabs_expanded(line) for line in lines[1:]]
    common = min((len(line) - len(line.lstrip()) for line in rest if line), default=0)
    return "\n".join([lines[0], *(" " * indent + line[common:] if line else "" for line in rest)])


def _leading_tabs_expanded(line: str) -> str:
    body = line.lstrip()
    return line[: len(line) - len(body)].expandtabs() + body


def markdown_cell(value: object) -> str:
    """A value's text, safe inside a Markdown table cell or code span: one line, no pipes, no raw HTML, controls
    escaped. A template may pass any value; it is the text that is kept (`True` and `1.0` are equal keys)."""
    return _markdown_cell(str(value))


@functools.lru_cache(maxsize=MARKDOWN_CELLS_KEPT)
def _markdown_cell(text: str) -> str:
    """Kept by text: the catalogue in the README shows the same labels and descriptions thousands of times."""
    one_line = printable(" ".join(text.split()))
    return one_line.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("`", "'")


def _module_doc(event: EventClass) -> str:
    return f"The {event.wire_name} event."


def _class_doc(event: EventClass) -> str:
    lines = [event.description or f"The {event.wire_name} event."]
    if event.netmera_code:
        lines.append(f"Panel code: {event.netmera_code}.")
    return "\n\n".join(lines)


def _attribute_doc(attribute: Attribute) -> str:
    parts = [attribute.description] if attribute.description else []
    if attribute.netmera_code:
        parts.append(f"Panel code: {attribute.netmera_code}.")
    if attribute.private:
        parts.append("Private: sent, but never shown in a repr or an error message.")
    return "\n\n".join(parts)


def _wire_value(attribute: Attribute, fast_path: FastPath | None = None) -> str:
    """What a constructor puts in the wire dict for an attribute's keyword (with a fast path: the keyword, which its
    checked path converts)."""
    if attribute.to_wire is None or fast_path is not None:
        return attribute.python_name
    return attribute.to_wire.replace("{}", attribute.python_name)


def _attribute_line(attribute: Attribute) -> str:
    """The class body's line declaring an attribute (`name: Attribute[T] = Attribute("wireName", read)`), split
    as black splits it."""
    arguments = [literal(attribute.wire_name)]
    read = _read_callable(attribute)
    if read is not None:
        arguments.append(read)
    return annotated_call(
        attribute.python_name, f"Attribute[{attribute.optional_annotation}]", "Attribute", arguments, 4
    )


def _read_callable(attribute: Attribute) -> str | None:
    """The function an attribute reads its wire value through (`f({})` -> `f`, `f(g, {})` -> `partial(f, g)`),
    or None when it reads the value as it is."""
    if attribute.from_wire is None:
        return None
    inner = attribute.from_wire.removesuffix("({})")
    if inner != attribute.from_wire:
        return inner
    function, _, rest = attribute.from_wire.partition("(")
    return f"partial({function}, {rest.removesuffix(', {})')})"


def _missing_tests(model: Any, event: Any) -> list[str]:
    names = (["ext_id"] if event else []) + [
        attribute.python_name for attribute in model.attributes if attribute.required
    ]
    return [f"{name} is MISSING" for name in names]


def _condition(operands: Sequence[str], indent: int, joiner: str = "or", negated: bool = False) -> str:
    """`if a or b or ...:` (`joiner` "and": `if a and b ...:`; `negated`: `if not (...):`) at `indent`, split as
    black splits it; the first line without its indentation (the template writes that)."""
    joined = f" {joiner} ".join(operands)
    return _laid_out(f"if not ({joined}):" if negated else f"if {joined}:", indent)


def _laid_out(text: str, indent: int) -> str:
    """A statement at `indent`, split as black splits it; the first line without its indentation (the template
    writes that)."""
    return "\n".join(statement(" " * indent, text))[indent:]


def _templates_under(env: jinja2.Environment, folder: str) -> list[str]:
    return sorted(
        name for name in env.list_templates() if name.startswith(folder + "/") and name.endswith(TEMPLATE_SUFFIX)
    )


def is_builtin(env: jinja2.Environment, name: str) -> bool:
    """Whether the template file in use is the one shipped with the generator (not a user's override)."""
    filename = env.get_template(name).filename
    return filename is not None and Path(filename).resolve().is_relative_to(builtin_templates().resolve())


def builtin_throughout(env: jinja2.Environment, name: str, cache: BuildCache | None = None) -> bool:
    """Whether the template and every template it imports or includes, directly or through another, are the
    built-in ones: what it writes is then what the built-in templates write (a user's macro file can change it)."""
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        referenced = _referenced_templates(env, current, cache)
        if not is_builtin(env, current) or referenced is None:
            return False
        pending += referenced
    return True


def _referenced_templates(env: jinja2.Environment, name: str, cache: BuildCache | None) -> list[str] | None:
    """The templates a template imports, includes or extends; None when one is named by an expression (unknown
    until rendered). With a `cache`, known without parsing a template seen before."""
    source = template_source(env, name)

    def referenced() -> list[str] | None:
        names = list(meta.find_referenced_templates(env.parse(source)))
        return None if None in names else [str(found) for found in names]

    if cache is None:
        return referenced()
    return cache.remember(_TEMPLATES_KIND, ["referenced templates", jinja2.__version__, source], referenced)


def package_templates(env: jinja2.Environment, package_name: str) -> dict[str, str]:
    """Output path -> template name, for the templates rendered once per package."""
    targets = {}
    for name in _templates_under(env, "project"):
        targets[name[len("project/") : -len(TEMPLATE_SUFFIX)]] = name
    for name in _templates_under(env, "package"):
        targets[f"{package_name}/{name[len('package/') : -len(TEMPLATE_SUFFIX)]}"] = name
    return targets


def template_source(env: jinja2.Environment, name: str) -> str:
    assert env.loader is not None
    return env.loader.get_source(env, name)[0]


def uses_schemas(env: jinja2.Environment, name: str, cache: BuildCache | None = None) -> bool:
    """Whether a template's output depends on the schemas (it reads a context variable), or is the same for all
    (with a `cache`, known without parsing a template seen before)."""
    source = template_source(env, name)

    def reads_context() -> bool:
        return bool(meta.find_undeclared_variables(env.parse(source)) - set(env.globals))

    if cache is None:
        return reads_context()
    return cache.remember(_TEMPLATES_KIND, ["reads the context", jinja2.__version__, source], reads_context)


def render_package(targets: dict[str, str], context: dict[str, Any], env: jinja2.Environment) -> dict[str, str]:
    """The files rendered once per package, by path relative to the output folder."""
    return {path: env.get_template(name).render(context) for path, name in targets.items()}


def event_module_path(package_name: str, event: EventClass) -> str:
    return f"{package_name}/events/{event.module_name}.py"


def render_event(event: EventClass, env: jinja2.Environment) -> str:
    """An event's module (the package's `events/<module>.py`), unformatted."""
    exported = [model.name for model in event.nested] + [event.class_name]
    return env.get_template(EVENT_TEMPLATE).render(event=event, exported=exported)
