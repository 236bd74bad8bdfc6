"""The runtime of every generated package, as real source: clients, sender, batching, retry, errors, validation.

Each `.py` file here is copied into the generated package byte for byte, with only the generated-file header
added; it is linted, type-checked and unit-tested where it lives. This `__init__.py` is not copied: the package's
own `__init__` varies with the schemas and is a template (`templates/package/__init__.py.jinja`). It re-exports
the `__all__` of each private module of the package, except the internals named here.
"""

__all__ = ["EVENT_MODULE_SOURCES", "INTERNAL_MODULES"]

INTERNAL_MODULES = frozenset(
    {
        "_background_reports",
        "_batching",
        "_config",
        "_constants",
        "_construct",
        "_delivery",
        "_encoding",
        "_fake_answers",
        "_http",
        "_httpx",
        "_lifecycle",
        "_outbox_async",
        "_outbox_claim",
        "_outbox_commit",
        "_outbox_layout",
        "_outbox_outcome",
        "_outbox_send",
        "_private",
        "_refusal",
        "_reporting",
        "_types",
    }
)
"""Modules whose names only the package's other modules use: not re-exported by its `__init__`."""

EVENT_MODULE_SOURCES = frozenset({"_construct", "_event", "_refusal", "_types"})
"""The package's modules a generated event module imports from (the names in their `__all__`)."""
