"""Test setup: the committed generated package is importable, as for its users after `pip install ./generated`."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from support import GENERATED, GOLDEN

if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))

# The build cache of a test run is its own (inherited by the command lines it starts), never the user's.
os.environ.setdefault("NETMERA_CODEGEN_CACHE", tempfile.mkdtemp(prefix="netmera-codegen-test-cache-"))


@pytest.fixture
def seed_schemas() -> Path:
    return GOLDEN / "seed" / "schemas"
