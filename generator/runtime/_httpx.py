"""httpx, imported without its command-line tool.

`import httpx` also imports `httpx._main`, its command-line client, which pulls in rich, click and pygments
whenever they are installed: tens of milliseconds and megabytes that a service sending events never uses. The
first import here stands a placeholder in for that module while httpx loads; `httpx.main` then imports the real
one when called, so the `httpx` command still works.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["httpx"]

_CLI = "httpx._main"


def _main(*args: Any, **kwargs: Any) -> Any:
    cli: Any = importlib.import_module(_CLI)
    return cli.main(*args, **kwargs)


if "httpx" not in sys.modules and _CLI not in sys.modules:
    _placeholder = types.ModuleType(_CLI)
    vars(_placeholder)["main"] = _main
    sys.modules[_CLI] = _placeholder
    try:
        import httpx
    finally:
        del sys.modules[_CLI]
else:
    import httpx
