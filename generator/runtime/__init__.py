"""The runtime of every generated package, as real source: clients, sender, batching, retry, errors, validation.

Each file here is copied into the generated package byte for byte, with only the generated-file header added; it is
linted, type-checked and unit-tested where it lives. This `__init__.py` is not copied: the package's own
`__init__` varies with the schemas and is a template (`templates/package/__init__.py.jinja`).
"""
