"""Running compiled checks without writing a package: the `validate` command and the tests import them from memory.

`load_in_memory` registers the runtime's `_validate.py` and a compiled `_validators` subpackage as a throwaway
package under a fresh name, served by an importer on `sys.meta_path`, so the lazy per-event imports run exactly as
in a generated package on disk.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def default_runtime_path() -> Path:
    """The runtime half of validation, `runtime/_validate.py`."""
    return Path(__file__).resolve().parent.parent / "runtime" / "_validate.py"


_loaded = 0


class _SourceImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the throwaway packages of `load_in_memory` from their sources, like files on disk would be: each
    module when it is first imported (so the lazy loading of `_validators` runs as in a generated package)."""

    def __init__(self) -> None:
        self.sources: dict[str, tuple[str, bool]] = {}

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in self.sources:
            return None
        is_package = self.sources[fullname][1]
        return importlib.util.spec_from_loader(fullname, self, origin=f"<{fullname}>", is_package=is_package)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        source = self.sources[module.__name__][0]
        code = compile(source, f"<{module.__name__}>", "exec")
        exec(code, module.__dict__)  # noqa: S102 - our own generated code


_importer = _SourceImporter()


def load_in_memory(validator_files: Mapping[str, str], runtime_source: str | None = None) -> types.ModuleType:
    """Import the runtime and a compiled `_validators` subpackage (`compile_package` files) as a throwaway
    package, nothing written to disk; return its `_validate` module (call `.validate(payload)` on it). The event
    modules are imported on first use, as in a generated package."""
    global _loaded
    _loaded += 1
    if runtime_source is None:
        runtime_source = default_runtime_path().read_text(encoding="utf-8")
    package = f"_netmera_codegen_validators_{_loaded}"
    if _importer not in sys.meta_path:
        sys.meta_path.append(_importer)
    _importer.sources[package] = ("", True)
    _importer.sources[f"{package}._validate"] = (runtime_source, False)
    for file_name, source in validator_files.items():
        module = file_name.removesuffix(".py")
        if module == "__init__":
            _importer.sources[f"{package}._validators"] = (source, True)
        else:
            _importer.sources[f"{package}._validators.{module}"] = (source, False)
    return importlib.import_module(f"{package}._validate")
