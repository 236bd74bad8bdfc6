"""The interface of the compiled checks' index, `<package>/_validators/__init__.py`, which every generated package
has and the runtime's source does not (it is compiled from the schemas). It lets `_validate` be type-checked where
it lives; it is not copied into the generated package, where mypy reads the real index instead.
"""

from ._validate import Check

VALIDATORS: dict[str, Check]

def load_validator(name: str) -> Check | None: ...
