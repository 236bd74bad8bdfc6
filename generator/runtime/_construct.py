"""What a generated event module's constructors use besides the package's public classes.

The generated classes build their wire dict, have the compiled validator check it and report what is wrong; these
are the helpers for that, and `Attribute`, the descriptor each attribute is read through. They are not the package's API (its `__init__` does not re-export them), so they are
gathered here rather than in the `__all__` of `_event`, which is.
"""

from __future__ import annotations

from ._event import MISSING, Attribute, refuse, settle, wire_of, wires_of
from ._validate import Issue

__all__ = ["MISSING", "Attribute", "Issue", "refuse", "settle", "wire_of", "wires_of"]
