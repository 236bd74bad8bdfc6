"""The validator compiler: bundled event schemas, read into trees (`schema_tree`), compiled into the Python sources of
the generated package's `_validators` subpackage.

- `assemble`: one event's module and the package index (the entry points below);
- `compiler`: module-wide state and the dispatch from a node to its keyword emitters;
- `scalars`, `objects`, `arrays`, `combinators`: the keyword emitters, by group;
- `writer`: the code writer (indentation and the value being checked, as context managers), which lays out a
  statement too long for its line as black would (`..layout`);
- `source`: Python source fragments (literals, boolean expressions, names, safe comments);
- `inline`: which subschemas are inlined and which get functions of their own;
- `memory`: importing compiled checks from memory (the `validate` command and the tests).
"""

from __future__ import annotations

from .assemble import (
    EventLike,
    ReadEvent,
    compile_event_module,
    compile_package,
    compile_tree,
    compile_trees,
    compile_validator_module,
    compile_validator_package,
    derived_module_names,
    unsupported_keywords,
    validators_index,
)
from .memory import default_runtime_path, load_in_memory
from .source import slug

__all__ = [
    "EventLike",
    "ReadEvent",
    "compile_event_module",
    "compile_package",
    "compile_tree",
    "compile_trees",
    "compile_validator_module",
    "compile_validator_package",
    "default_runtime_path",
    "derived_module_names",
    "load_in_memory",
    "slug",
    "unsupported_keywords",
    "validators_index",
]
