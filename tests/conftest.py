"""Test setup: the committed generated package is importable, as for its users after `pip install ./generated`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import GENERATED, GOLDEN

if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))


@pytest.fixture
def seed_schemas() -> Path:
    return GOLDEN / "seed" / "schemas"
