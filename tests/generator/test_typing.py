"""Consumers type-check with `mypy --strict` and no plugin: snake_case keywords pass, a misspelt one is flagged.

Both consumers are checked in one mypy run: most of its time goes to the generated package, checked once."""

from __future__ import annotations

import subprocess
import sys

import pytest
from support import ROOT

GOOD = """
from datetime import datetime, timezone
from netmera_events import EVENTS, OrderCancelEvent, OrderCompleted, ShareEvent, parse_event
from netmera_events.types import LineItem

order = OrderCancelEvent(ext_id="u1", payment_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.0)
share = ShareEvent(ext_id="u1", item_id="4234", channel="Facebook")
done = OrderCompleted(
    ext_id="u1", order_id="o1", grand_total=10, ordered_at=datetime.now(timezone.utc),
    line_items=[LineItem(id="p1", price=5.0, count=2)],
)
payload: dict[str, object] = order.to_payload()
count: int = order.item_count
name: str = OrderCancelEvent.EVENT_NAME
event_class = EVENTS["ShareEvent"]
parsed = parse_event(share.to_payload())
"""

BAD = """
from netmera_events import OrderCancelEvent

OrderCancelEvent(ext_id="u1", paymnt_method="Credit Card", sub_total=20.0, item_count=4, grand_total=35.0)
OrderCancelEvent(ext_id="u1", payment_method="Credit Card", sub_total=20.0, item_count="4", grand_total=35.0)
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """One `mypy --strict` run over both consumer modules (the generated package is checked once): module -> its
    lines of output."""
    folder = tmp_path_factory.mktemp("consumers")
    (folder / "good_consumer.py").write_text(GOOD)
    (folder / "bad_consumer.py").write_text(BAD)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "good_consumer.py", "bad_consumer.py"],
        check=False,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env={"MYPYPATH": str(ROOT / "generated"), "PATH": ""},
    )
    assert result.returncode in (0, 1) and "Found " in result.stdout, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    return {
        name: [line for line in lines if line.startswith(f"{name}.py:")] for name in ("good_consumer", "bad_consumer")
    }


def test_consumer_code_with_snake_case_keywords_passes(mypy_output: dict[str, list[str]]) -> None:
    assert mypy_output["good_consumer"] == []


def test_misspelt_keyword_and_wrong_type_are_flagged(mypy_output: dict[str, list[str]]) -> None:
    output = "\n".join(mypy_output["bad_consumer"])
    assert 'Unexpected keyword argument "paymnt_method"' in output
    assert 'Argument "item_count" to "OrderCancelEvent" has incompatible type "str"' in output
