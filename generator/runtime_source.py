"""The runtime as it ships: which of its source files are copied into the generated package, and what names each
module of the package offers.

The runtime is real source in `runtime/`; every `.py` file there but `__init__.py` (plus the `py.typed` marker) is
copied byte for byte, with only the generated-file header added. A user's templates folder may replace any of
them, with a plain `package/<file>` copied as it is or a `package/<file>.jinja` rendered like the other package
templates. Tooling files beside the source (its formatter settings, the type stub of the compiled index) stay.

A module's names are its `__all__`, read with `ast` from the text that ships (the runtime is never imported
here: it needs httpx and orjson, and an override may not import at all). The package's `__init__` re-exports
the `__all__` of each of its private modules except the runtime's internals (`runtime.INTERNAL_MODULES`), and
event modules import the names of `runtime.EVENT_MODULE_SOURCES` from theirs.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from .runtime import EVENT_MODULE_SOURCES, INTERNAL_MODULES

RUNTIME = Path(__file__).parent / "runtime"
TYPED_MARKER = "py.typed"
HTTP_LOADER = "_httpx"
"""The runtime module that imports httpx; every module needing it imports it from there."""


def shipped_sources() -> list[Path]:
    """The runtime's files that ship in every generated package, sorted by name."""
    return sorted(
        path
        for path in RUNTIME.iterdir()
        if path.is_file() and ((path.suffix == ".py" and path.name != "__init__.py") or path.name == TYPED_MARKER)
    )


def runtime_files(
    user_templates: Path | None, package_name: str, rendered: Iterable[str]
) -> dict[str, tuple[str, str]]:
    """Output path -> (where it comes from, its text) for the runtime files that no template in `rendered` makes."""
    files = {}
    made = set(rendered)
    for source in shipped_sources():
        path = f"{package_name}/{source.name}"
        if path in made:
            continue
        override = user_templates / "package" / source.name if user_templates is not None else None
        if override is not None and override.is_file():
            files[path] = (f"template package/{source.name}", override.read_text(encoding="utf-8"))
        else:
            files[path] = (f"runtime/{source.name}", source.read_text(encoding="utf-8"))
    return files


def declared_names(text: str) -> tuple[str, ...]:
    """The names a module's `__all__` lists, in import order (empty when it declares none or does not parse)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return ()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        declares = any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets)
        if declares and isinstance(value, (ast.List, ast.Tuple)):
            names = [item.value for item in value.elts if isinstance(item, ast.Constant)]
            return import_order(name for name in names if isinstance(name, str))
    return ()


def import_order(names: Iterable[str]) -> tuple[str, ...]:
    """Names in the order isort (and ruff's `I` rule) lists them in one import: constants, classes, the rest."""

    def key(name: str) -> tuple[int, str, str]:
        kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
        return kind, name.lower(), name

    return tuple(sorted(set(names), key=key))


@functools.cache
def source_names(module: str) -> tuple[str, ...]:
    """The `__all__` of a module of the runtime's own source."""
    return declared_names((RUNTIME / f"{module}.py").read_text(encoding="utf-8"))


def event_module_imports() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What a generated event module may import from the package's own modules (without their dot)."""
    return tuple((module, source_names(module)) for module in sorted(EVENT_MODULE_SOURCES))


def package_exports(
    package_name: str, texts: Mapping[str, str], names_of: Callable[[str], tuple[str, ...]] = declared_names
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(module, names) the package's `__init__` re-exports, from the texts of the files it ships (by output path);
    `names_of` reads a module's `__all__` (`declared_names`, or a cached one)."""
    exports = []
    for path, text in sorted(texts.items()):
        folder, _, name = path.rpartition("/")
        module = name.removesuffix(".py")
        if folder != package_name or not name.endswith(".py") or not module.startswith("_") or module == "__init__":
            continue
        if module in INTERNAL_MODULES:
            continue
        names = names_of(text)
        if names:
            exports.append((module, names))
    return tuple(exports)


# Top-level imports only: those under `if TYPE_CHECKING:` or inside a function do not run on import.
_LOCAL_IMPORT = re.compile(r"^from \.(_?\w+) import", re.MULTILINE)


def modules_needing_http(package_name: str, texts: Mapping[str, str]) -> frozenset[str]:
    """The package's modules that import httpx, themselves or through another of its modules (from the texts of
    the files it ships, by output path): its `__init__` imports them only when one of their names is first used,
    so that `validate()` and the event classes work without loading an HTTP stack."""
    imports = {}
    for path, text in texts.items():
        folder, _, name = path.rpartition("/")
        if folder == package_name and name.endswith(".py"):
            imports[name.removesuffix(".py")] = set(_LOCAL_IMPORT.findall(text))
    heavy = {HTTP_LOADER}
    grew = True
    while grew:
        grew = False
        for module, used in imports.items():
            if module not in heavy and used & heavy:
                heavy.add(module)
                grew = True
    return frozenset(heavy)
