"""Test setup: the committed generated package is importable, as for its users after `pip install ./generated`."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from support import GENERATED, GOLDEN

if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

# The build cache of a test run is its own (inherited by its workers and the command lines it starts), never the
# user's; the process that made it removes it at exit.
if "NETMERA_CODEGEN_CACHE" not in os.environ:
    os.environ["NETMERA_CODEGEN_CACHE"] = _test_cache = tempfile.mkdtemp(prefix="netmera-codegen-test-cache-")
    atexit.register(shutil.rmtree, _test_cache, True)


@pytest.fixture
def seed_schemas() -> Path:
    return GOLDEN / "seed" / "schemas"
