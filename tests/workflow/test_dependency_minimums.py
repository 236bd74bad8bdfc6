"""The generated package works with the lowest version of each dependency it declares: a fresh virtual
environment gets exactly those minimums (read from the generated pyproject.toml, `==` each lower bound), and
events sent from it to a FakeNetmera arrive as Netmera expects them, with no warning at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from support import ROOT, run_cli

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

pytestmark = pytest.mark.slow

SEND = """
import json
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from netmera_events import AddToCart, NetmeraClient, ShareEvent
    from netmera_events.testing import FakeNetmera

events = [
    ShareEvent(ext_id="u1", item_id="4234", channel="Facebook"),
    # An optional attribute that may not be null, given None: left out, as Netmera refuses null (code 2004).
    AddToCart(ext_id="u2", product_id="p-9", quantity=2, price=None, variant="red"),
    AddToCart(ext_id="u2", product_id="p-9", quantity=1, price=12.5),
]
with FakeNetmera() as fake, NetmeraClient(fake.api_key, base_url=fake.url) as client:
    result = client.fire(*events)
    bodies = [json.loads(request.body) for request in fake.requests]
print(json.dumps({"warnings": [str(w.message) for w in caught], "sent": result.sent, "bodies": bodies}))
"""


def minimums(pyproject: Path) -> list[str]:
    """`name==lower bound` for every dependency the project declares."""
    pinned = []
    for line in tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]:
        requirement = Requirement(line)
        lower = [spec.version for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
        assert lower, f"{line}: no lower bound declared"
        pinned.append(f"{requirement.name}=={lower[0]}")
    return pinned


def test_the_declared_minimums_send_the_right_payloads(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert run_cli("generate", "--schemas", ROOT / "schemas", "--out", out).returncode == 0
    pins = minimums(out / "pyproject.toml")
    assert {pin.split("==")[0] for pin in pins} >= {"httpx"}

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=300)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", *pins],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PYTHONPATH=str(out), PYTHONDONTWRITEBYTECODE="1")
    ran = subprocess.run(
        [python, "-c", textwrap.dedent(SEND)], capture_output=True, text=True, env=env, check=False, timeout=120
    )
    assert ran.returncode == 0, ran.stderr
    report = json.loads(ran.stdout)
    assert report["warnings"] == []
    assert report["sent"] == 3
    assert report["bodies"] == [
        [
            {"extId": "u1", "name": "ShareEvent", "itemId": "4234", "channel": "Facebook"},
            {"extId": "u2", "name": "AddToCart", "productId": "p-9", "quantity": 2, "variant": "red"},
            {"extId": "u2", "name": "AddToCart", "productId": "p-9", "quantity": 1, "price": 12.5},
        ]
    ]
